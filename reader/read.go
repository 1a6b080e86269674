package reader

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"time"

	"motcua/reader/cccd"
	"motcua/reader/icao"
	"motcua/reader/iso7816"
	"motcua/reader/lds"
	"motcua/reader/pa"
)

// Errors callers branch on.
var (
	// ErrWrongKey: the card refused every key tried (wrong ID, CAN or MRZ).
	ErrWrongKey = errors.New("the card refused the key: check the ID number / CAN")
	// ErrNoKey: nothing to open the chip with.
	ErrNoKey = errors.New("no access key: give the ID number, the CAN, the QR code or the MRZ")
	// ErrMalformed: the chip answered with data that does not parse.
	ErrMalformed = errors.New("malformed chip data")
)

// ExtendedMode chooses whether to use extended-length APDUs.
type ExtendedMode int

// Extended-length modes.
const (
	// ExtendedAuto uses extended length when the card's ATR announces it and
	// the transport does not rule it out.
	ExtendedAuto ExtendedMode = iota
	ExtendedOff
	ExtendedOn
)

// Reconnecter is implemented by transports that can re-establish their
// connection after the card was reset under them (pcsc.Card): a reset
// answers every exchange with an error until then.
type Reconnecter interface{ Reconnect(reset bool) error }

// ATRer is implemented by transports that know the card's ATR.
type ATRer interface{ ATR() []byte }

// ExtendedLimiter is implemented by transports that know whether the
// reader passes extended APDUs (ok false: unknown).
type ExtendedLimiter interface {
	SupportsExtended() (supported, ok bool)
}

// Options control one read.
type Options struct {
	Keys     []Key
	Extended ExtendedMode
	// SkipPhoto leaves DG2 unread.
	SkipPhoto bool
	// OnFile is called as each file arrives, in reading order.
	OnFile func(f lds.FileID, raw []byte)
	// Retries bounds resumed reads after transient errors (default 2).
	Retries int
	// Rand supplies protocol randomness (crypto/rand when nil).
	Rand io.Reader
	// Trust is the CSCA trust store for Passive Authentication; nil is a
	// normal state (the verdict is then at best chain_unknown).
	Trust *pa.TrustStore
	// Now is the time certificates are judged at (time.Now when zero).
	Now time.Time
	// NoChipAuth skips Chip and Active Authentication (clone detection),
	// for measurements: a chip that announces either is then judged
	// chip_auth failed ("not completed"), never verified (doc.go, rule 2).
	// PACE-CAM is part of PACE and is judged all the same.
	NoChipAuth bool
	// OnEarly, when set, is called on the read's goroutine with the
	// identity as soon as DG13 and DG1 have been read, and again with the
	// photo once DG2 has, before anything is verified (Early). The read
	// waits for it: it must be quick. The receiver owns the Early.
	OnEarly func(*Early)
}

// RawRead is the result of reading the chip's files.
type RawRead struct {
	Access string      // cccd.AccessPACE or cccd.AccessBAC
	Cipher icao.Cipher // secure-messaging cipher
	Files  map[lds.FileID][]byte
	Order  []lds.FileID // files in the order they were read
	Stats  cccd.Stats
	// Attempted lists the files the reader asked the chip for, in order
	// (DG2 is absent when the photo was skipped on purpose).
	Attempted []lds.FileID
	// Unread holds the attempted files the chip did not give, with its
	// answer: not found, refused, or not readable whole. The verdict rules
	// (doc.go) compare them with what EF.SOD signs; the identity is still
	// shown when DG13 arrived.
	Unread map[lds.FileID]error
	// CardAccessCA records that EF.CardAccess announces Chip
	// Authentication (a ChipAuthenticationInfo).
	CardAccessCA bool
	// PACE is the PACEInfo of EF.CardAccess that access control used (nil
	// after BAC), to be confirmed by the signed DG14.
	PACE *lds.PACEInfo
	// ChipAuth is the clone-detection verdict of the read itself
	// (cccd.ChipAuth*), with Reason when it failed; ChipAuthAPDUs is what
	// it cost. ChipAuthMethod is "CA" or "AA" once one was run.
	ChipAuth       string
	ChipAuthReason string
	ChipAuthAPDUs  int
	ChipAuthMethod string
	// CardAccessCAM records that EF.CardAccess announces PACE-CAM: the
	// chip must then prove itself with it (ChipAuthMethod "CAM").
	CardAccessCAM bool
}

// readOrder is identity first, photo last: DG13 and DG1 make the form, SOD,
// DG14 and DG15 prove it, DG2 (the largest) shows the face.
var readOrder = []lds.FileID{lds.DG13, lds.DG1, lds.SOD, lds.DG14, lds.DG15, lds.DG2}

// read states: an explicit machine, one transition per step.
type readState int

const (
	stateStart readState = iota
	stateCardAccess
	stateAccessControl
	stateSelectApplication
	stateReadFiles
	stateDone
)

type readMachine struct {
	opts      Options
	transport iso7816.Transport // the caller's, for Reconnecter
	counter   *icao.Counter
	sess      *icao.Session
	pace      *icao.PACEParams
	key       Key // the key that worked
	out       *RawRead
	// ca is the Chip Authentication run on this chip (from DG14), kept to
	// redo it on every re-established session.
	ca *icao.CAParams
	// caPending: Chip Authentication switched keys and the next protected
	// response is the chip's proof.
	caPending bool
	caAPDUs   int // counter value when CA started
	// caInterrupts counts proofs cut short by the transport; a second one
	// fails Chip Authentication.
	caInterrupts int
	// wantCardSecurity: EF.CardAccess announces PACE-CAM or Terminal
	// Authentication, whose chips carry EF.CardSecurity in the MF.
	wantCardSecurity bool
	// earlySent: OnEarly has reported the identity.
	earlySent bool
	start     time.Time
	step      time.Time
	// PACE-CAM (cam.go): paceGM is the generic mapping the chip also
	// announces, tried when it refuses CAM; camProofs are the proofs of
	// the read's sessions, camSources the signed keys read so far.
	paceGM     *icao.PACEParams
	camProofs  []*icao.CAMProof
	camSources []camSource
}

// ReadFiles runs the read state machine over t.
func ReadFiles(t iso7816.Transport, opts Options) (*RawRead, error) {
	if len(opts.Keys) == 0 {
		return nil, ErrNoKey
	}
	if opts.Rand == nil {
		opts.Rand = rand.Reader
	}
	if opts.Retries == 0 {
		opts.Retries = 2
	}
	counter := &icao.Counter{T: t}
	m := &readMachine{
		transport: t,
		opts:      opts,
		counter:   counter,
		sess:      &icao.Session{T: counter},
		out: &RawRead{Files: map[lds.FileID][]byte{}, Unread: map[lds.FileID]error{},
			Stats: cccd.Stats{StepMS: map[string]int64{}}, ChipAuth: cccd.ChipAuthNotChecked},
		start: time.Now(),
	}
	m.step = m.start
	m.sess.Extended = m.decideExtended(t)
	state := stateStart
	for state != stateDone {
		var err error
		state, err = m.next(state)
		if err != nil {
			m.finishStats()
			if m.sess.SM != nil {
				m.sess.SM.Wipe()
			}
			return m.out, err
		}
	}
	m.finishStats()
	m.sess.SM.Wipe()
	return m.out, nil
}

func (m *readMachine) next(s readState) (readState, error) {
	switch s {
	case stateStart:
		return stateCardAccess, nil
	case stateCardAccess:
		return stateAccessControl, m.readCardAccess()
	case stateAccessControl:
		if err := m.accessControl(); err != nil {
			return s, err
		}
		m.lap("access")
		return stateSelectApplication, nil
	case stateSelectApplication:
		if m.out.Access == cccd.AccessPACE && m.wantCardSecurity {
			if err := m.readCardSecurity(); err != nil {
				return s, err
			}
		}
		if m.out.Access == cccd.AccessPACE {
			if err := m.sess.SelectApplication(); err != nil {
				return s, classify(err)
			}
		}
		return stateReadFiles, nil
	case stateReadFiles:
		err := m.readFiles()
		if err == nil {
			m.camSettle()
		}
		return stateDone, err
	}
	return stateDone, fmt.Errorf("reader: bad state %d", s)
}

func (m *readMachine) decideExtended(t iso7816.Transport) bool {
	switch m.opts.Extended {
	case ExtendedOff:
		return false
	case ExtendedOn:
		return true
	}
	if l, ok := t.(ExtendedLimiter); ok {
		if sup, known := l.SupportsExtended(); known && !sup {
			return false
		}
	}
	if a, ok := t.(ATRer); ok {
		sup, known := iso7816.ExtendedLengthInATR(a.ATR())
		return known && sup
	}
	return false
}

func (m *readMachine) lap(name string) {
	now := time.Now()
	m.out.Stats.StepMS[name] = now.Sub(m.step).Milliseconds()
	m.step = now
}

func (m *readMachine) finishStats() {
	m.out.Stats.APDUs = m.counter.APDUs
	m.out.Stats.Bytes = m.counter.Bytes
	m.out.Stats.Total = time.Since(m.start).Milliseconds()
}

// readCardAccess reads EF.CardAccess by SFI from the master file. A card
// without it does not support PACE; a card that refuses the SFI read gets
// SELECT MF (whose 6D00 on Vietnamese cards is tolerated) and SELECT EF.
func (m *readMachine) readCardAccess() error {
	f := lds.FileOf(lds.CardAccess)
	raw, err := m.sess.ReadFile(icao.File{Name: f.Name, SFI: f.SFI, FID: f.FID}, nil)
	if err != nil {
		if errors.Is(err, iso7816.ErrCardRemoved) || errors.Is(err, iso7816.ErrShortResponse) {
			return classify(err)
		}
		_ = m.sess.SelectMF() // may answer 6D00: not fatal
		raw, err = m.sess.ReadFile(icao.File{Name: f.Name, FID: f.FID}, nil)
	}
	if err != nil {
		if errors.Is(err, iso7816.ErrFileNotFound) {
			return nil // no PACE: BAC
		}
		return classify(err)
	}
	m.out.Files[lds.CardAccess] = raw
	infos, err := lds.ParseCardAccess(raw)
	if err != nil {
		return nil // an unreadable EF.CardAccess only costs us PACE; BAC may still work
	}
	m.out.CardAccessCA = len(infos.ChipAuth) > 0
	m.wantCardSecurity = infos.TA
	for _, pi := range infos.PACE {
		cam := lds.OIDPACECAM
		m.wantCardSecurity = m.wantCardSecurity || (len(pi.Protocol) > len(cam) && pi.Protocol[:len(cam)].Equal(cam))
	}
	for _, pi := range infos.PACE {
		proto, err := icao.ParsePACEProtocol(pi.Protocol)
		if err != nil {
			continue
		}
		if pi.ParameterID == 0 || pi.Version != 2 {
			continue // ICAO 9303-11 §9.2.1: PACEInfo version is 2; anything else is not a usable announcement
		}
		p := &icao.PACEParams{Protocol: proto, ParamID: pi.ParameterID}
		switch {
		case proto.CAM():
			// PACE-CAM first: it proves the chip genuine in the same
			// exchanges, and a chip that announces it must do it.
			m.out.CardAccessCAM = true
			if m.pace != nil && !m.pace.Protocol.CAM() {
				m.paceGM = m.pace
			}
			if m.pace == nil || !m.pace.Protocol.CAM() {
				m.pace = p
			}
		case m.pace == nil:
			m.pace = p
		case m.paceGM == nil && m.pace.Protocol.CAM():
			m.paceGM = p
		}
	}
	return nil
}

// readCardSecurity reads EF.CardSecurity from the master file, right
// after PACE (before the application is selected), once. A chip without it
// answers "not found" and nothing is judged (the verdict rules judge it
// only when read, doc.go rule 1c). A transport error costs a new session;
// an answer that breaks secure messaging ends the read, as for any file.
func (m *readMachine) readCardSecurity() error {
	f := lds.FileOf(lds.CardSecurity)
	raw, err := m.sess.ReadFile(icao.File{Name: f.Name, SFI: f.SFI, FID: f.FID}, nil)
	if err == nil {
		m.out.Files[lds.CardSecurity] = raw
		m.out.Order = append(m.out.Order, lds.CardSecurity)
		m.camKeys(lds.CardSecurity, raw)
		m.lap(f.Name)
		if m.opts.OnFile != nil {
			m.opts.OnFile(lds.CardSecurity, raw)
		}
		return nil
	}
	m.out.Unread[lds.CardSecurity] = err
	var se *iso7816.StatusError
	switch {
	case errors.Is(err, icao.ErrExtendedRefused):
		// Plain 6700 to an extended read: continue on a new session with
		// short APDUs. That session is in the application, where SFI 1D is
		// EF.SOD: EF.CardSecurity stays unread (and unjudged).
		return m.restart()
	case isRemoved(err), icao.IsSMFailure(err):
		return classify(err) // as for any file (readFiles): a broken MAC ends the read
	case errors.As(err, &se):
		return nil // a protected "not found" or "refused": the session stands
	case isTransient(err):
		return m.restart()
	}
	return classify(err)
}

// accessControl tries PACE with each key the card can use, then BAC.
func (m *readMachine) accessControl() error {
	refused := false
	if m.pace != nil {
		for _, k := range m.opts.Keys {
			pw, ok := k.pacePassword()
			if !ok {
				continue
			}
			res, err := icao.EstablishPACE(m.sess.T, *m.pace, pw, m.opts.Rand)
			if err != nil && m.pace.Protocol.CAM() && m.paceGM != nil && !errors.Is(err, icao.ErrAccessDenied) && !isRemoved(err) && !isTransient(err) {
				// The chip refused PACE-CAM: generic mapping still opens
				// it, and the verdict notes the announced proof not given.
				_ = m.sess.SelectMF()
				res, err = icao.EstablishPACE(m.sess.T, *m.paceGM, pw, m.opts.Rand)
				if err == nil {
					m.pace = m.paceGM
				}
			}
			if err == nil {
				m.sess.SM, m.key = res.SM, k
				m.out.Access, m.out.Cipher = cccd.AccessPACE, res.SM.Cipher
				m.out.PACE = &lds.PACEInfo{Protocol: m.pace.Protocol.OID, Version: 2, ParameterID: m.pace.ParamID}
				m.camAfterPACE(res.CAM)
				return nil
			}
			if errors.Is(err, icao.ErrAccessDenied) {
				refused = true
				continue
			}
			if isRemoved(err) || isTransient(err) {
				return classify(err)
			}
			break // PACE broken on this card: fall back to BAC
		}
	}
	haveMRZ := false
	for _, k := range m.opts.Keys {
		if k.MRZ == nil {
			continue
		}
		haveMRZ = true
		if err := m.sess.SelectApplication(); err != nil {
			return classify(err)
		}
		info, err := k.MRZ.Info()
		if err != nil {
			return err
		}
		sm, err := icao.BAC(m.sess.T, info, m.opts.Rand)
		if err == nil {
			m.sess.SM, m.key = sm, k
			m.out.Access, m.out.Cipher = cccd.AccessBAC, sm.Cipher
			return nil
		}
		if errors.Is(err, icao.ErrAccessDenied) {
			refused = true
			continue
		}
		return classify(err)
	}
	if refused {
		return ErrWrongKey
	}
	if !haveMRZ && m.pace == nil {
		return fmt.Errorf("%w: this card has no PACE, so BAC needs the date of birth too (scan the QR code or give --mrz)", ErrNoKey)
	}
	return ErrWrongKey
}

func (k Key) pacePassword() (icao.Password, bool) {
	if k.CAN != "" {
		return icao.CANPassword(k.CAN), true
	}
	if k.MRZ != nil {
		info, err := k.MRZ.Info()
		if err != nil {
			return icao.Password{}, false
		}
		return icao.MRZPassword(info), true
	}
	return icao.Password{}, false
}

// proofFile reports files whose damage is a verdict, not a failed read.
func proofFile(id lds.FileID) bool { return id == lds.SOD || id == lds.DG14 || id == lds.DG15 }

// readFiles reads the data groups in identity-first order, resuming after
// transient errors with fresh keys, and runs clone detection as soon as the
// key it needs has arrived: Chip Authentication right after DG14, Active
// Authentication after DG15 when the chip has no Chip Authentication. A
// file the chip does not give is recorded in Unread, for the verdict rules.
func (m *readMachine) readFiles() error {
	for _, id := range readOrder {
		if id == lds.DG2 && m.opts.SkipPhoto {
			continue
		}
		m.out.Attempted = append(m.out.Attempted, id)
		raw, err := m.readOne(id)
		if err != nil {
			var se *iso7816.StatusError
			switch {
			case isRemoved(err), icao.IsSMFailure(err):
				return classify(err)
			case errors.As(err, &se), proofFile(id):
				// A protected refusal (file not found, access denied) or a
				// damaged proof file: a verdict, not a failed read.
				m.out.Unread[id] = err
				m.reportEarly(id)
				continue
			}
			return classify(err)
		}
		m.out.Files[id] = raw
		m.out.Order = append(m.out.Order, id)
		m.lap(lds.FileOf(id).Name)
		if id == lds.DG13 || (id == lds.DG1 && m.out.Files[lds.DG13] == nil) {
			// DG13 is the identity; a passport has none, its MRZ is.
			m.out.Stats.APDUsToIdentity = m.counter.APDUs
		}
		if m.opts.OnFile != nil {
			m.opts.OnFile(id, raw)
		}
		m.reportEarly(id)
		if err := m.cloneCheck(id, raw); err != nil {
			return err
		}
	}
	for m.caPending { // nothing was read after CA: ask for the proof explicitly
		err := m.sess.SelectApplication()
		if serr := m.settleCA(err); serr != nil {
			return serr
		}
		if isRemoved(err) {
			return classify(err)
		}
	}
	return nil
}

// readOne reads one file, resuming after transient errors, and settles a
// pending Chip Authentication on the first answer.
func (m *readMachine) readOne(id lds.FileID) ([]byte, error) {
	f := lds.FileOf(id)
	file := icao.File{Name: f.Name, SFI: f.SFI, FID: f.FID}
	var partial []byte
	for attempt := 0; ; {
		raw, err := m.sess.ReadFile(file, partial)
		if m.caPending {
			if serr := m.settleCA(err); serr != nil {
				return nil, serr
			}
			if err != nil && !answered(err) && !isRemoved(err) {
				// The proof failed or was cut short and the session was
				// re-established (with Chip Authentication redone when the
				// verdict is still open): read the file again, from the start.
				partial = nil
				continue
			}
		}
		var re *icao.ReadError
		if errors.Is(err, icao.ErrExtendedRefused) {
			// Plain 6700 to an extended protected read: the session now
			// uses short APDUs; re-establish it and continue where the read
			// stopped. Not counted as a retry: it happens once per read.
			if errors.As(err, &re) {
				partial = re.Partial
			}
			if rerr := m.restart(); rerr != nil {
				return nil, fmt.Errorf("resume %s with short reads: %w", f.Name, rerr)
			}
			continue
		}
		if err == nil || attempt >= m.opts.Retries || !isTransient(err) {
			return raw, err
		}
		attempt++
		if errors.As(err, &re) {
			partial = re.Partial
		}
		if rerr := m.restart(); rerr != nil {
			return nil, fmt.Errorf("resume %s: %w", f.Name, rerr)
		}
	}
}

// answered reports an outcome that is a response verified under the
// current secure-messaging keys: success, a protected status word, or a
// verified answer that shows the file is shorter than it says.
func answered(err error) bool {
	var se *iso7816.StatusError
	return err == nil || errors.As(err, &se) || errors.Is(err, icao.ErrTruncatedFile)
}

// settleCA turns the first answer after the Chip Authentication key
// switch into its verdict:
//   - a response that verified under the new keys (answered): passed;
//   - an answer that does not verify (wrong MAC, unprotected, malformed):
//     failed, a probable clone, and the session is re-established without
//     Chip Authentication so the remaining files can still be read;
//   - no answer (transport error, timeout, reset, a card that stays mute, a
//     plain 6700 to an extended read): the proof is still owed, so the
//     session is re-established and Chip Authentication redone; a second
//     interruption fails it.
//
// A removed card leaves the verdict open: the read itself fails.
func (m *readMachine) settleCA(err error) error {
	m.caPending = false
	m.out.ChipAuthAPDUs = m.counter.APDUs - m.caAPDUs - 1 // the proving command itself is a normal read
	switch {
	case answered(err):
		m.out.ChipAuth, m.out.ChipAuthReason = cccd.ChipAuthPassed, ""
		return nil
	case isRemoved(err):
		return nil
	case icao.IsSMFailure(err) && !errors.Is(err, icao.ErrExtendedRefused):
		m.failChip(fmt.Sprintf("%v (the chip's answer under the new keys: %v)", icao.ErrChipAuthFailed, err))
		return m.restart()
	}
	m.caInterrupts++
	if m.caInterrupts > 1 {
		m.failChip(fmt.Sprintf("no answer under the Chip Authentication keys: the chip was interrupted %d times right after the key switch (%v)", m.caInterrupts, err))
	}
	return m.restart()
}

// failChip records a failed clone check.
func (m *readMachine) failChip(reason string) {
	m.out.ChipAuth, m.out.ChipAuthReason = cccd.ChipAuthFailed, reason
}

// startCA runs Chip Authentication with m.ca over the current session. On
// success the next answer is the proof (caPending). A chip that refuses it
// fails; a transport error counts as an interruption (redone once).
func (m *readMachine) startCA() error {
	m.caAPDUs = m.counter.APDUs
	m.out.ChipAuthMethod = "CA"
	err := icao.ChipAuthenticate(m.sess, *m.ca, m.opts.Rand, false)
	switch {
	case err == nil:
		m.caPending = true
		return nil
	case isRemoved(err):
		return classify(err)
	case isTransient(err) && m.caInterrupts == 0:
		m.caInterrupts++
		return m.restart() // redoes Chip Authentication
	}
	m.failChip(err.Error())
	m.out.ChipAuthAPDUs = m.counter.APDUs - m.caAPDUs
	return m.restart()
}

// cloneCheck runs Chip Authentication after DG14, or Active Authentication
// after DG15 when the chip offers no Chip Authentication.
func (m *readMachine) cloneCheck(id lds.FileID, raw []byte) error {
	if id == lds.DG14 && m.camKeys(id, raw) {
		return nil // PACE-CAM has proved (or failed) the chip's key already
	}
	if m.opts.NoChipAuth {
		return nil
	}
	switch id {
	case lds.DG14:
		si, err := lds.ParseDG14(raw)
		if err != nil {
			m.failChip("DG14 is malformed: " + err.Error())
			return nil
		}
		ca, announced, err := chipAuthParams(si)
		if !announced {
			return nil // no Chip Authentication: Active Authentication may follow
		}
		if err != nil {
			m.failChip(err.Error())
			return nil
		}
		m.ca = ca
		return m.startCA()
	case lds.DG15:
		if m.ca != nil || m.out.ChipAuth != cccd.ChipAuthNotChecked || len(m.camProofs) > 0 {
			return nil
		}
		m.out.ChipAuthMethod = "AA"
		k, err := lds.ParseDG15(raw)
		if err != nil {
			m.failChip("DG15 is malformed: " + err.Error())
			return nil
		}
		start := m.counter.APDUs
		err = icao.ActiveAuthenticate(m.sess, icao.AAPublicKey{RSA: k.RSA, Curve: k.Curve, Point: k.Point}, m.opts.Rand)
		m.out.ChipAuthAPDUs = m.counter.APDUs - start
		switch {
		case err == nil:
			m.out.ChipAuth = cccd.ChipAuthPassed
		case isRemoved(err):
			return classify(err)
		default:
			m.failChip(err.Error())
			if !answered(err) {
				return m.restart()
			}
		}
	}
	return nil
}

// chipAuthParams picks the Chip Authentication DG14 offers: its first
// ChipAuthenticationInfo with the key of the same key identifier. A DG14
// that holds a Chip Authentication key without any ChipAuthenticationInfo
// (older chips) means CA version 1 with 3DES (ICAO 9303-11 §9.2.5, BSI
// TR-03110). announced is false when DG14 offers no Chip Authentication.
func chipAuthParams(si *lds.SecurityInfos) (ca *icao.CAParams, announced bool, err error) {
	if len(si.ChipAuth) == 0 && len(si.ChipKeys) == 0 {
		return nil, false, nil
	}
	info := lds.ChipAuthInfo{Protocol: lds.OIDCAECDH3DES, Version: 1}
	if len(si.ChipAuth) > 0 {
		info = si.ChipAuth[0]
	}
	for _, k := range si.ChipKeys {
		if k.Key == nil || k.Key.Curve == nil {
			continue
		}
		if info.KeyID == 0 || k.KeyID == info.KeyID || len(si.ChipKeys) == 1 {
			return &icao.CAParams{Protocol: info.Protocol, Curve: k.Key.Curve, ChipKey: k.Key.Point, KeyID: info.KeyID}, true, nil
		}
	}
	return nil, true, errors.New("DG14 announces Chip Authentication without an EC key this reader can use")
}

// restart re-runs access control after a transient error. The first plain
// command ends whatever session the card still holds. A transport that can
// reconnect does so first when the card was reset. Once Chip
// Authentication has run and not failed, it is redone on the new session:
// every file after it is read under keys only the genuine chip can derive.
func (m *readMachine) restart() error {
	if m.sess.SM != nil {
		m.sess.SM.Wipe()
	}
	m.sess.SM = nil
	_ = m.sess.SelectMF()
	keys := m.opts.Keys
	m.opts.Keys = []Key{m.key}
	defer func() { m.opts.Keys = keys }()
	m.caPending = false
	err := m.accessControl()
	if rc, ok := m.transport.(Reconnecter); ok && isTransient(err) {
		// The card may have been reset: reconnect once and try again.
		if rerr := rc.Reconnect(false); rerr == nil {
			err = m.accessControl()
		}
	}
	if err != nil {
		if isTransient(err) {
			// Interrupted, then unable to open a new session: the card
			// is as good as gone (PC/SC may not have noticed yet).
			return fmt.Errorf("%w: the card stopped answering (%v)", iso7816.ErrCardRemoved, err)
		}
		return err
	}
	if m.out.Access == cccd.AccessPACE {
		if err := m.sess.SelectApplication(); err != nil {
			return classify(err)
		}
	}
	if m.ca != nil && m.out.ChipAuth != cccd.ChipAuthFailed {
		return m.startCA()
	}
	return nil
}

// isRemoved: the card left; the read fails.
func isRemoved(err error) bool { return errors.Is(err, iso7816.ErrCardRemoved) }

// isTransient: the card is still there but the exchange was lost (PC/SC
// comm error, timeout, reset, or no answer bytes from a card still present).
func isTransient(err error) bool {
	return (errors.Is(err, icao.ErrTransient) || errors.Is(err, iso7816.ErrShortResponse)) && !isRemoved(err)
}

// classify keeps the typed errors callers branch on visible.
func classify(err error) error {
	switch {
	case isRemoved(err) || errors.Is(err, iso7816.ErrShortResponse):
		return fmt.Errorf("%w (%v)", iso7816.ErrCardRemoved, err)
	case errors.Is(err, icao.ErrAccessDenied):
		return fmt.Errorf("%w (%v)", ErrWrongKey, err)
	case errors.Is(err, icao.ErrTruncatedFile):
		return fmt.Errorf("%w (%v)", ErrMalformed, err)
	}
	return err
}
