// Package reader reads a CCCD chip end to end: EF.CardAccess, PACE with the
// CAN (BAC as the fallback), secure messaging, then the data groups with the
// identity first, so a form can appear before the photo has arrived.
//
// Lower layers: iso7816 (APDUs), tlv, icao (access control and secure
// messaging), lds (file formats), pcsc (the PC/SC transport).
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
	// NoChipAuth skips Chip and Active Authentication (clone detection).
	NoChipAuth bool
}

// RawRead is the result of reading the chip's files.
type RawRead struct {
	Access string      // cccd.AccessPACE or cccd.AccessBAC
	Cipher icao.Cipher // secure-messaging cipher
	Files  map[lds.FileID][]byte
	Order  []lds.FileID // files in the order they were read
	Stats  cccd.Stats
	// Damaged holds proof files (EF.SOD, DG14, DG15) that could not be read
	// whole; the verdicts say so, the identity is still shown.
	Damaged map[lds.FileID]error
	// ChipAuth is the clone-detection verdict (cccd.ChipAuth*), with Reason
	// when it failed; ChipAuthAPDUs is what it cost.
	ChipAuth       string
	ChipAuthReason string
	ChipAuthAPDUs  int
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
	opts    Options
	counter *icao.Counter
	sess    *icao.Session
	pace    *icao.PACEParams
	key     Key // the key that worked
	out     *RawRead
	// caPending: Chip Authentication switched keys and the next protected
	// response is the chip's proof.
	caPending bool
	caAPDUs   int // counter value when CA started
	start     time.Time
	step      time.Time
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
		opts:    opts,
		counter: counter,
		sess:    &icao.Session{T: counter},
		out: &RawRead{Files: map[lds.FileID][]byte{}, Damaged: map[lds.FileID]error{},
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
		if m.out.Access == cccd.AccessPACE {
			if err := m.sess.SelectApplication(); err != nil {
				return s, classify(err)
			}
		}
		return stateReadFiles, nil
	case stateReadFiles:
		return stateDone, m.readFiles()
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
	for _, pi := range infos.PACE {
		proto, err := icao.ParsePACEProtocol(pi.Protocol)
		if err != nil {
			continue
		}
		if pi.ParameterID == 0 {
			continue
		}
		m.pace = &icao.PACEParams{Protocol: proto, ParamID: pi.ParameterID}
		break
	}
	return nil
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
			sm, err := icao.PACE(m.sess.T, *m.pace, pw, m.opts.Rand)
			if err == nil {
				m.sess.SM, m.key = sm, k
				m.out.Access, m.out.Cipher = cccd.AccessPACE, sm.Cipher
				return nil
			}
			if errors.Is(err, icao.ErrAccessDenied) {
				refused = true
				continue
			}
			if isRemoved(err) {
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
// Authentication after DG15 when the chip has no Chip Authentication.
func (m *readMachine) readFiles() error {
	for _, id := range readOrder {
		if id == lds.DG2 && m.opts.SkipPhoto {
			continue
		}
		raw, err := m.readOne(id)
		if err != nil {
			if errors.Is(err, iso7816.ErrFileNotFound) {
				continue // the card does not have this data group
			}
			if proofFile(id) && !isRemoved(err) && !icao.IsSMFailure(err) {
				m.out.Damaged[id] = err
				continue
			}
			return classify(err)
		}
		m.out.Files[id] = raw
		m.out.Order = append(m.out.Order, id)
		m.lap(lds.FileOf(id).Name)
		if id == lds.DG13 {
			m.out.Stats.APDUsToIdentity = m.counter.APDUs
		}
		if m.opts.OnFile != nil {
			m.opts.OnFile(id, raw)
		}
		if err := m.cloneCheck(id, raw); err != nil {
			return err
		}
	}
	if m.caPending { // nothing was read after CA: ask for the proof explicitly
		err := m.sess.SelectApplication()
		if err := m.settleCA(err); err != nil {
			return err
		}
	}
	return nil
}

// readOne reads one file, resuming after transient errors, and settles a
// pending Chip Authentication on the first protected answer.
func (m *readMachine) readOne(id lds.FileID) ([]byte, error) {
	f := lds.FileOf(id)
	file := icao.File{Name: f.Name, SFI: f.SFI, FID: f.FID}
	var partial []byte
	for attempt := 0; ; attempt++ {
		raw, err := m.sess.ReadFile(file, partial)
		if m.caPending {
			if serr := m.settleCA(err); serr != nil {
				return nil, serr
			}
			if err != nil && icao.IsSMFailure(err) {
				partial = nil // the clone's answer is worthless: read again under new keys
				continue
			}
		}
		if err == nil || attempt >= m.opts.Retries || !isTransient(err) {
			return raw, err
		}
		var re *icao.ReadError
		if errors.As(err, &re) {
			partial = re.Partial
		}
		if rerr := m.restart(); rerr != nil {
			return nil, fmt.Errorf("resume %s: %w", f.Name, rerr)
		}
	}
}

// settleCA turns the first answer after Chip Authentication into its
// verdict. A chip that cannot answer under the new keys is a probable clone;
// the session is then re-established so the remaining files can still be read.
func (m *readMachine) settleCA(err error) error {
	m.caPending = false
	m.out.ChipAuthAPDUs = m.counter.APDUs - m.caAPDUs - 1 // the proving command itself is a normal read
	if err == nil || !icao.IsSMFailure(err) {
		if err == nil || !isRemoved(err) {
			m.out.ChipAuth = cccd.ChipAuthPassed
		}
		return nil
	}
	m.out.ChipAuth = cccd.ChipAuthFailed
	m.out.ChipAuthReason = icao.ErrChipAuthFailed.Error()
	return m.restart()
}

// cloneCheck runs Chip Authentication after DG14, or Active Authentication
// after DG15 when the chip offers no Chip Authentication.
func (m *readMachine) cloneCheck(id lds.FileID, raw []byte) error {
	if m.opts.NoChipAuth {
		return nil
	}
	switch id {
	case lds.DG14:
		si, err := lds.ParseDG14(raw)
		if err != nil {
			m.out.ChipAuth, m.out.ChipAuthReason = cccd.ChipAuthFailed, "DG14 is malformed: "+err.Error()
			return nil
		}
		if len(si.ChipAuth) == 0 || len(si.ChipKeys) == 0 || si.ChipKeys[0].Key.Curve == nil {
			return nil // no (EC) Chip Authentication: Active Authentication may follow
		}
		ca := icao.CAParams{Protocol: si.ChipAuth[0].Protocol, Curve: si.ChipKeys[0].Key.Curve,
			ChipKey: si.ChipKeys[0].Key.Point, KeyID: si.ChipAuth[0].KeyID}
		m.caAPDUs = m.counter.APDUs
		err = icao.ChipAuthenticate(m.sess, ca, m.opts.Rand, false)
		switch {
		case err == nil:
			m.caPending = true
		case errors.Is(err, icao.ErrChipAuthFailed):
			m.out.ChipAuth, m.out.ChipAuthReason = cccd.ChipAuthFailed, err.Error()
			m.out.ChipAuthAPDUs = m.counter.APDUs - m.caAPDUs
			return m.restart()
		case isRemoved(err):
			return classify(err)
		default:
			m.out.ChipAuth, m.out.ChipAuthReason = cccd.ChipAuthFailed, err.Error()
			return m.restart()
		}
	case lds.DG15:
		if m.out.ChipAuth != cccd.ChipAuthNotChecked {
			return nil
		}
		k, err := lds.ParseDG15(raw)
		if err != nil {
			m.out.ChipAuth, m.out.ChipAuthReason = cccd.ChipAuthFailed, "DG15 is malformed: "+err.Error()
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
			m.out.ChipAuth, m.out.ChipAuthReason = cccd.ChipAuthFailed, err.Error()
			if icao.IsSMFailure(err) {
				return m.restart()
			}
		}
	}
	return nil
}

// restart re-runs access control after a transient error. The first plain
// command ends whatever session the card still holds.
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
	if err := m.accessControl(); err != nil {
		return err
	}
	if m.out.Access == cccd.AccessPACE {
		return m.sess.SelectApplication()
	}
	return nil
}

func isRemoved(err error) bool {
	return errors.Is(err, iso7816.ErrCardRemoved) || errors.Is(err, iso7816.ErrShortResponse)
}

func isTransient(err error) bool {
	return errors.Is(err, icao.ErrTransient) && !isRemoved(err)
}

// classify keeps the typed errors callers branch on visible.
func classify(err error) error {
	switch {
	case isRemoved(err):
		return fmt.Errorf("%w (%v)", iso7816.ErrCardRemoved, err)
	case errors.Is(err, icao.ErrAccessDenied):
		return fmt.Errorf("%w (%v)", ErrWrongKey, err)
	case errors.Is(err, icao.ErrTruncatedFile):
		return fmt.Errorf("%w (%v)", ErrMalformed, err)
	}
	return err
}
