// Package simcard is a virtual CCCD chip: the card side of ISO 7816-4 file
// access, PACE, BAC and secure messaging, holding a synthetic citizen. It
// behaves like a real card (REFERENCE.md section 1) so that readers that work
// against it work against cards: SFI and SELECT reads, error statuses past the
// end of a file, every response protected under secure messaging, files
// refused before access control.
//
// The same Card is served in-process (Reader) and to the real pcscd through
// vpcd (hwtest/vpcd).
package simcard

import (
	"bytes"
	"crypto/rand"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strings"
	"sync"
	"time"

	"motcua/reader/ecc"
	"motcua/reader/icao"
	"motcua/reader/iso7816"
	"motcua/reader/tlv"
)

// Fault selects a misbehaviour for tests. Several combine with commas:
// "select-mf-6d00,no-sfi".
type Fault string

// Has reports whether the fault set includes f.
func (fs Fault) Has(f Fault) bool {
	for _, x := range strings.Split(string(fs), ",") {
		if Fault(strings.TrimSpace(x)) == f {
			return true
		}
	}
	return false
}

// Fault modes.
const (
	FaultNone      Fault = ""
	FaultPulled    Fault = "pulled"         // card removed part-way through reading DG2
	FaultBadMAC    Fault = "bad-mac"        // a response MAC is corrupted mid-read
	FaultSelectMF  Fault = "select-mf-6d00" // SELECT MF answers 6D00 (seen on Vietnamese cards)
	FaultShortOnly Fault = "short-apdu"     // no extended length
	FaultSlow      Fault = "slow"           // every APDU takes SlowDelay
	FaultTruncated Fault = "truncated"      // DG2 is shorter than its header says
	FaultGlitch    Fault = "glitch"         // one response is lost mid-read (a transient error)
	FaultNoPACE    Fault = "no-pace"        // EF.CardAccess absent: BAC only
	FaultNoSFI     Fault = "no-sfi"         // READ BINARY by short file identifier refused

	// Forgeries: each must produce the right verification verdict.
	FaultDG13Altered     Fault = "dg13-altered"     // DG13 changed after EF.SOD was signed
	FaultUntrustedSigner Fault = "untrusted-signer" // EF.SOD signed under a CSCA no one trusts
	FaultExpiredSigner   Fault = "expired-signer"   // EF.SOD signed after its document signer certificate expired
	FaultClone           Fault = "clone"            // data copied from a genuine card, no chip keys
	FaultTruncatedSOD    Fault = "truncated-sod"    // EF.SOD cut short

	// FaultAAOnly is not a fault but a card variant: no Chip Authentication,
	// so clone detection falls to Active Authentication with the DG15 key.
	FaultAAOnly Fault = "aa-only"

	// Genuine variants that real issuers and chips produce (issue 20):
	// each must verify.

	// FaultOldSigner: a document signer that has expired since it signed
	// (signer certificates are short-lived, cards last a decade).
	FaultOldSigner Fault = "old-signer"
	// FaultBERSOD: EF.SOD in BER with indefinite lengths and chunked OCTET
	// STRINGs.
	FaultBERSOD Fault = "ber-sod"
	// FaultAADER: Active Authentication answered with an ECDSA signature
	// in DER instead of plain r||s.
	FaultAADER Fault = "aa-der"
	// FaultVNPKI: EF.SOD signed by the Vietnamese-like test PKI (VNLike:
	// ecdsa-with-SHA512, brainpoolP512r1, explicit parameters).
	FaultVNPKI Fault = "vn-pki"
	// FaultDG14KeyOnly: an older chip whose DG14 holds the Chip
	// Authentication key without a ChipAuthenticationInfo (the protocol is
	// then CA version 1 with 3DES), whose EF.CardAccess does not announce
	// it, and which has no DG15: Chip Authentication is its only proof.
	FaultDG14KeyOnly Fault = "dg14-key-only"
	// FaultFace39794: DG2 in the ISO/IEC 39794-5 face image data format
	// (ICAO 9303-10, 8th edition) instead of ISO/IEC 19794-5.
	FaultFace39794 Fault = "face-39794"
	// FaultCardSecurity: the master file holds EF.CardSecurity, the
	// SecurityInfos of EF.CardAccess and the Chip Authentication key,
	// signed by the document signer, as chips with Terminal Authentication
	// or PACE-CAM do.
	FaultCardSecurity Fault = "card-security"
	// FaultCardSecurityForged: EF.CardSecurity whose content was changed
	// after signing (the TerminalAuthenticationInfo's version): its
	// signature no longer verifies.
	FaultCardSecurityForged Fault = "card-security-forged"

	// Hostile cards (issue 12): each must end in a fail-safe verdict.

	// FaultCloneHidesDG14 is a clone whose EF.SOD (copied) signs DG14 and
	// DG15 while the chip answers "file not found" for both, and whose
	// EF.CardAccess (unsigned) no longer announces Chip Authentication.
	FaultCloneHidesDG14 Fault = "clone-hides-dg14"
	// FaultCloneMuteAfterCA is a clone that gives no answer to the first
	// command after the Chip Authentication key switch (a transport error
	// for the reader), hoping to be taken for genuine.
	FaultCloneMuteAfterCA Fault = "clone-mute-after-ca"
	// FaultMuteAfterCA is a genuine chip with the same single silence: the
	// reader must redo Chip Authentication and pass it.
	FaultMuteAfterCA Fault = "mute-after-ca"
	// FaultPhotoBomb puts a small JPEG declaring 65535x65535 pixels in DG2
	// (signed: the point is the decoder, not the signature).
	FaultPhotoBomb Fault = "photo-bomb"
	// FaultExplicitCurve gives the document signer certificate, the DG14
	// Chip Authentication key and the DG15 key explicit EC parameters with
	// a huge group order, which would make signature checks run for minutes.
	FaultExplicitCurve Fault = "explicit-curve"
	// FaultPlain6700 announces extended length in its ATR, then answers
	// every extended protected READ BINARY with a plain 6700 (and drops the
	// secure-messaging session), as some real eMRTDs do.
	FaultPlain6700 Fault = "plain-6700"
	// FaultCardAccessAltered: the signed DG14 lists PACE on brainpoolP384r1
	// (parameters 16), while EF.CardAccess, which is not signed, was
	// altered to announce brainpoolP256r1 (13), the variant the chip runs.
	FaultCardAccessAltered Fault = "cardaccess-altered"

	// PACE-CAM (chip authentication mapping, ICAO 9303-11 §4.4.3.5).

	// FaultPACECAM is a genuine variant: EF.CardAccess announces PACE-CAM
	// (AES-128, brainpoolP256r1) next to generic mapping, the chip sends
	// its Chip Authentication data in PACE, DG14 and EF.CardSecurity (in
	// the MF) carry the static key it proves.
	FaultPACECAM Fault = "pace-cam"
	// FaultCAMWrongKey: a PACE-CAM chip whose Chip Authentication data is
	// computed with another static key than the one DG14 and
	// EF.CardSecurity sign (a clone with a key of its own).
	FaultCAMWrongKey Fault = "cam-wrong-key"
	// FaultCAMNotDone: a chip that announces PACE-CAM, runs it, and sends
	// no Chip Authentication data with its token.
	FaultCAMNotDone Fault = "cam-not-done"
	// FaultCAMRefused: a chip that announces PACE-CAM and refuses it in
	// MSE:Set AT, doing generic mapping only.
	FaultCAMRefused Fault = "cam-refused"
)

// Faults lists every fault mode by name.
var Faults = []Fault{FaultPulled, FaultBadMAC, FaultSelectMF, FaultShortOnly, FaultSlow, FaultTruncated, FaultGlitch, FaultNoPACE, FaultNoSFI,
	FaultDG13Altered, FaultUntrustedSigner, FaultExpiredSigner, FaultClone, FaultTruncatedSOD, FaultAAOnly,
	FaultCloneHidesDG14, FaultCloneMuteAfterCA, FaultMuteAfterCA, FaultPhotoBomb, FaultExplicitCurve, FaultPlain6700, FaultOldSigner, FaultBERSOD, FaultAADER, FaultDG14KeyOnly, FaultCardAccessAltered, FaultVNPKI, FaultFace39794, FaultCardSecurity, FaultCardSecurityForged,
	FaultPACECAM, FaultCAMWrongKey, FaultCAMNotDone, FaultCAMRefused}

// ErrMute is what a card that stays silent returns from Transmit: a
// transient transport error in-process; vpcd sends pcscd an empty answer.
var ErrMute = fmt.Errorf("simcard: no answer: %w", iso7816.ErrTransient)

// SlowDelay is the per-APDU delay of FaultSlow.
const SlowDelay = 20 * time.Millisecond

// ErrRemoved is returned by Transmit once the card has left the field.
var ErrRemoved = fmt.Errorf("simcard: %w", iso7816.ErrCardRemoved)

// File is one elementary file on the card.
type File struct {
	FID  uint16
	SFI  byte
	Data []byte
	// Open files are readable without access control (EF.CardAccess, EF.ATR/INFO).
	Open bool
	// EAC files need Extended Access Control (DG3); this card always refuses them.
	EAC bool
}

// Config describes a card's files, keys and behaviour.
type Config struct {
	MF  []File // files under the master file
	App []File // files of the eMRTD application

	// PACE is nil for a card without PACE (BAC only).
	PACE *icao.PACEParams
	// CAN and MRZInfo are the card's passwords.
	CAN     string
	MRZInfo string

	// Extended enables extended-length APDUs; MaxResponse is the card's
	// buffer for one response's plain data when it does.
	Extended    bool
	MaxResponse int

	Fault Fault
	// FaultAfter is the protected APDU count at which a mid-read fault
	// strikes (0: a default inside DG2).
	FaultAfter int
	Rand       io.Reader

	// ChipAuth is the card side of Chip Authentication (DG14); nil: none.
	ChipAuth *icao.CACard
	// PACEAlso lists more PACE protocols the chip runs on the same domain
	// parameters (a PACE-CAM chip also does generic mapping); CAMKey is
	// the static key its PACE-CAM proves (nil: no Chip Authentication data).
	PACEAlso []icao.PACEProtocol
	CAMKey   []byte
	// AACurve and AAPrivate sign Active Authentication challenges (DG15);
	// a nil AAPrivate answers with a signature that cannot verify (a clone).
	AACurve   *ecc.Curve
	AAPrivate []byte
}

// Card is a virtual card. It is safe for use by one reader at a time.
type Card struct {
	mu  sync.Mutex
	cfg Config

	inApp   bool
	current *File
	pace    *icao.PACECard
	bac     *icao.BACCard
	sm      *icao.SecureMessaging
	removed bool

	protected int // protected APDUs answered this power cycle
	faulted   bool
	muted     bool // FaultMuteAfterCA has struck
	caSwitch  bool // the last response switched to Chip Authentication keys
	// nextSM replaces the session after the current response (Chip
	// Authentication: the response still goes out under the old keys).
	nextSM *icao.SecureMessaging
}

// New makes a card from a configuration.
func New(cfg Config) *Card {
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	if cfg.MaxResponse == 0 {
		cfg.MaxResponse = 0x1000
	}
	if cfg.Fault.Has(FaultShortOnly) {
		cfg.Extended = false
	}
	c := &Card{cfg: cfg}
	c.Reset()
	return c
}

// ATR returns the answer to reset. Its card-capabilities byte announces
// extended length when the card supports it.
func (c *Card) ATR() []byte {
	caps := byte(0x00)
	if c.cfg.Extended {
		caps = 0x40
	}
	// T=1, historical bytes: 80 (category) 73 (card capabilities, 3 bytes).
	hist := []byte{0x80, 0x73, 0x00, 0x00, caps}
	atr := []byte{0x3B, 0x80 | byte(len(hist)), 0x80, 0x01}
	atr = append(atr, hist...)
	var tck byte
	for _, b := range atr[1:] {
		tck ^= b
	}
	return append(atr, tck)
}

// PowerOn, PowerOff and Reset drop any session: a new power cycle starts
// with the master file selected and no keys.
func (c *Card) PowerOn()  { c.Reset() }
func (c *Card) PowerOff() { c.Reset() }

// Reset returns the card to its power-up state.
func (c *Card) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.inApp, c.current, c.sm = false, nil, nil
	c.pace, c.bac = nil, nil
	if c.cfg.PACE != nil {
		pws := []icao.Password{}
		if c.cfg.CAN != "" {
			pws = append(pws, icao.CANPassword(c.cfg.CAN))
		}
		if c.cfg.MRZInfo != "" {
			pws = append(pws, icao.MRZPassword(c.cfg.MRZInfo))
		}
		c.pace = icao.NewPACECard(*c.cfg.PACE, c.cfg.Rand, pws...)
		c.pace.CAMKey = c.cfg.CAMKey
		for _, p := range c.cfg.PACEAlso {
			c.pace.Offer(p)
		}
	}
	if c.cfg.MRZInfo != "" {
		c.bac = icao.NewBACCard(c.cfg.MRZInfo, c.cfg.Rand)
	}
	c.protected = 0
	c.caSwitch = false
}

// Remove takes the card out of the field; Transmit fails from then on.
func (c *Card) Remove() {
	c.mu.Lock()
	c.removed = true
	c.mu.Unlock()
}

// Removed reports whether the card has left the field.
func (c *Card) Removed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.removed
}

func sw(s uint16) []byte { return []byte{byte(s >> 8), byte(s)} }

// Transmit processes one command APDU and returns the response APDU. A nil
// response with ErrRemoved means the card is gone; a nil response with
// icao.ErrTransient means the response was lost on the way (FaultGlitch).
func (c *Card) Transmit(apdu []byte) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.removed {
		return nil, ErrRemoved
	}
	if c.cfg.Fault.Has(FaultSlow) {
		time.Sleep(SlowDelay)
	}
	cmd, ext, err := iso7816.ParseCommand(apdu)
	if err != nil {
		return sw(0x6700), nil
	}
	if ext && !c.cfg.Extended {
		return sw(0x6700), nil
	}
	if cmd.Cla == 0xFF {
		return c.readerCommand(cmd), nil
	}
	if c.sm == nil || cmd.Cla&0x0C == 0 {
		if c.sm != nil {
			// A plain command during a session ends the session (ICAO 9303-11 §9.8.7).
			c.sm = nil
			return sw(0x6987), nil
		}
		r := c.process(cmd, ext)
		return r.Bytes(), nil
	}
	if c.caSwitch && !c.muted && (c.cfg.Fault.Has(FaultMuteAfterCA) || c.cfg.Fault.Has(FaultCloneMuteAfterCA)) {
		// The first command under the new keys gets no answer at all.
		c.caSwitch, c.muted = false, true
		return nil, ErrMute
	}
	c.caSwitch = false
	plain, ext, err := c.sm.OpenCommand(apdu)
	if err != nil {
		c.sm = nil
		return sw(0x6988), nil
	}
	if ext && (plain.Ins == 0xB0 || plain.Ins == 0xB1) && c.cfg.Fault.Has(FaultPlain6700) {
		// Extended length announced, then refused without protection; the
		// session is gone with it.
		c.sm = nil
		return sw(0x6700), nil
	}
	r := c.process(plain, ext)
	c.protected++
	out, err := c.sm.ProtectResponse(r)
	if err != nil {
		c.sm = nil
		return sw(0x6F00), nil
	}
	if c.nextSM != nil {
		c.sm, c.nextSM = c.nextSM, nil
		c.caSwitch = true
	}
	if c.strike() {
		switch {
		case c.cfg.Fault.Has(FaultPulled):
			c.removed = true
			return nil, ErrRemoved
		case c.cfg.Fault.Has(FaultBadMAC):
			out[len(out)-3] ^= 0x01 // last MAC byte
		case c.cfg.Fault.Has(FaultGlitch):
			return nil, icao.ErrTransient
		}
	}
	return out, nil
}

// strike reports whether the mid-read fault happens on this response.
func (c *Card) strike() bool {
	if c.faulted {
		return false
	}
	if !c.cfg.Fault.Has(FaultPulled) && !c.cfg.Fault.Has(FaultBadMAC) && !c.cfg.Fault.Has(FaultGlitch) {
		return false
	}
	at := c.cfg.FaultAfter
	if at == 0 {
		at = 12 // inside DG2: after the identity, EF.CardSecurity's "not found" and chip authentication
	}
	if c.protected == at {
		c.faulted = true
		return true
	}
	return false
}

// readerCommand answers the PC/SC pseudo-APDUs (FF CA: get UID / ATS) that
// readers pass on to contactless cards.
func (c *Card) readerCommand(cmd iso7816.Command) []byte {
	if cmd.Ins != 0xCA {
		return sw(0x6A81)
	}
	switch cmd.P1 {
	case 0x00: // UID: eMRTDs use a random UID per session
		uid := make([]byte, 4)
		io.ReadFull(c.cfg.Rand, uid)
		uid[0] = 0x08
		return append(uid, 0x90, 0x00)
	case 0x01: // ATS historical bytes
		return append(c.ATR()[4:len(c.ATR())-1], 0x90, 0x00)
	}
	return sw(0x6A81)
}

// process executes a plain command.
func (c *Card) process(cmd iso7816.Command, ext bool) iso7816.Response {
	switch cmd.Ins {
	case 0xA4:
		return c.selectFile(cmd)
	case 0xB0, 0xB1:
		return c.readBinary(cmd, ext)
	case 0x84:
		if c.bac == nil || !c.inApp {
			return iso7816.Response{SW: 0x6985}
		}
		ch, err := c.bac.Challenge()
		if err != nil {
			return iso7816.Response{SW: 0x6F00}
		}
		return iso7816.Response{Data: ch, SW: 0x9000}
	case 0x82:
		if c.bac == nil {
			return iso7816.Response{SW: 0x6985}
		}
		out, sm, err := c.bac.Authenticate(cmd.Data)
		if err != nil {
			return iso7816.Response{SW: 0x6300}
		}
		c.sm = sm
		return iso7816.Response{Data: out, SW: 0x9000}
	case 0x88:
		if c.sm == nil {
			return iso7816.Response{SW: 0x6982}
		}
		if c.cfg.AACurve == nil {
			return iso7816.Response{SW: 0x6D00}
		}
		sig, err := icao.SignAA(nil, c.cfg.AACurve, c.cfg.AAPrivate, cmd.Data, c.cfg.Rand)
		if err != nil {
			return iso7816.Response{SW: 0x6F00}
		}
		if c.cfg.Fault.Has(FaultAADER) && c.cfg.AAPrivate != nil {
			n := len(sig) / 2
			sig, _ = asn1.Marshal(struct{ R, S *big.Int }{new(big.Int).SetBytes(sig[:n]), new(big.Int).SetBytes(sig[n:])})
		}
		return iso7816.Response{Data: sig, SW: 0x9000}
	case 0x22:
		if cmd.P1 == 0x41 && cmd.P2 == 0xA4 && c.sm != nil && c.cfg.ChipAuth != nil {
			if err := c.cfg.ChipAuth.SetAT(cmd.Data); err != nil {
				return iso7816.Response{SW: 0x6A80}
			}
			return iso7816.Response{SW: 0x9000}
		}
		if cmd.P1 == 0x41 && cmd.P2 == 0xA6 && c.sm != nil && c.cfg.ChipAuth != nil {
			sm, err := c.cfg.ChipAuth.SetKAT(cmd.Data)
			if err != nil {
				return iso7816.Response{SW: 0x6A80}
			}
			c.nextSM = sm
			return iso7816.Response{SW: 0x9000}
		}
		if cmd.P1 == 0xC1 && cmd.P2 == 0xA4 {
			if c.pace == nil {
				return iso7816.Response{SW: 0x6A81}
			}
			if err := c.pace.SetAT(cmd.Data); err != nil {
				return iso7816.Response{SW: 0x6A80}
			}
			return iso7816.Response{SW: 0x9000}
		}
		return iso7816.Response{SW: 0x6A86}
	case 0x86:
		if c.sm != nil && c.cfg.ChipAuth != nil {
			out, sm, err := c.cfg.ChipAuth.GeneralAuthenticate(cmd.Data)
			if err != nil {
				return iso7816.Response{SW: 0x6985}
			}
			c.nextSM = sm
			return iso7816.Response{Data: out, SW: 0x9000}
		}
		if c.pace == nil {
			return iso7816.Response{SW: 0x6D00}
		}
		out, sm, err := c.pace.GeneralAuthenticate(cmd.Data)
		if errors.Is(err, icao.ErrAccessDenied) {
			return iso7816.Response{SW: 0x6300}
		}
		if err != nil {
			return iso7816.Response{SW: 0x6985}
		}
		if sm != nil {
			// The card's reply to the last step still goes out in plain;
			// the new session starts with the next command.
			defer func() { c.sm = sm }()
		}
		return iso7816.Response{Data: out, SW: 0x9000}
	}
	return iso7816.Response{SW: 0x6D00}
}

func (c *Card) findFID(fid uint16) *File {
	files := c.cfg.MF
	if c.inApp {
		files = c.cfg.App
	}
	for i := range files {
		if files[i].FID == fid {
			return &files[i]
		}
	}
	// EF.CardAccess and EF.ATR/INFO stay reachable from the application too.
	for i := range c.cfg.MF {
		if c.cfg.MF[i].FID == fid {
			return &c.cfg.MF[i]
		}
	}
	return nil
}

func (c *Card) findSFI(sfi byte) *File {
	files := c.cfg.MF
	if c.inApp {
		files = append(append([]File(nil), c.cfg.App...), c.cfg.MF...)
	}
	for i := range files {
		if files[i].SFI == sfi {
			return c.findFID(files[i].FID)
		}
	}
	return nil
}

func (c *Card) selectFile(cmd iso7816.Command) iso7816.Response {
	switch cmd.P1 {
	case 0x04: // by DF name
		if bytes.Equal(cmd.Data, icao.AIDeMRTD) {
			c.inApp, c.current = true, nil
			return iso7816.Response{SW: 0x9000}
		}
		return iso7816.Response{SW: 0x6A82}
	case 0x00, 0x02:
		if len(cmd.Data) == 0 || (len(cmd.Data) == 2 && cmd.Data[0] == 0x3F && cmd.Data[1] == 0x00) {
			if c.cfg.Fault.Has(FaultSelectMF) {
				return iso7816.Response{SW: 0x6D00}
			}
			c.inApp, c.current = false, nil
			return iso7816.Response{SW: 0x9000}
		}
		if len(cmd.Data) != 2 {
			return iso7816.Response{SW: 0x6A87}
		}
		f := c.findFID(uint16(cmd.Data[0])<<8 | uint16(cmd.Data[1]))
		if f == nil {
			return iso7816.Response{SW: 0x6A82}
		}
		c.current = f
		return iso7816.Response{SW: 0x9000}
	}
	return iso7816.Response{SW: 0x6A86}
}

func (c *Card) readBinary(cmd iso7816.Command, ext bool) iso7816.Response {
	f := c.current
	off := 0
	switch {
	case cmd.Ins == 0xB1:
		v, err := tlv.Unwrap(cmd.Data, 0x54)
		if err != nil || len(v) == 0 || len(v) > 3 {
			return iso7816.Response{SW: 0x6A80}
		}
		for _, b := range v {
			off = off<<8 | int(b)
		}
	case cmd.P1&0x80 != 0:
		if c.cfg.Fault.Has(FaultNoSFI) {
			return iso7816.Response{SW: 0x6A81}
		}
		if cmd.P1&0x60 != 0 {
			return iso7816.Response{SW: 0x6A86}
		}
		f = c.findSFI(cmd.P1 & 0x1F)
		if f == nil {
			return iso7816.Response{SW: 0x6A82}
		}
		off = int(cmd.P2)
	default:
		off = int(cmd.P1)<<8 | int(cmd.P2)
	}
	if f == nil {
		return iso7816.Response{SW: 0x6986} // no current EF
	}
	if f.EAC || (!f.Open && c.sm == nil) {
		return iso7816.Response{SW: 0x6982}
	}
	c.current = f
	data := f.Data
	if (c.cfg.Fault.Has(FaultTruncated) && f.FID == 0x0102) || (c.cfg.Fault.Has(FaultTruncatedSOD) && f.FID == 0x011D) {
		data = data[:len(data)/2]
	}
	if off >= len(data) {
		return iso7816.Response{SW: 0x6B00}
	}
	ne := cmd.Ne
	if ne == 0 {
		ne = iso7816.MaxShortNe
	}
	if ext && ne > c.cfg.MaxResponse {
		// "As much as you have" and an exact request beyond the buffer are
		// treated alike: the answer is what the buffer holds.
		ne = c.cfg.MaxResponse
	}
	if !ext && c.sm != nil {
		// The protected response must fit a short APDU.
		for ne > 0 && ne+icao.ResponseOverhead(c.sm.Cipher, ne) > iso7816.MaxShortNe {
			ne--
		}
	}
	end := off + ne
	if end > len(data) {
		return iso7816.Response{Data: data[off:], SW: 0x6282}
	}
	return iso7816.Response{Data: data[off:end], SW: 0x9000}
}

// CheckFault returns an error naming the valid faults when f is unknown.
func CheckFault(f Fault) error {
	for _, x := range strings.Split(string(f), ",") {
		if err := checkOne(Fault(strings.TrimSpace(x))); err != nil {
			return err
		}
	}
	return nil
}

func checkOne(f Fault) error {
	if f == FaultNone {
		return nil
	}
	for _, k := range Faults {
		if k == f {
			return nil
		}
	}
	names := make([]string, len(Faults))
	for i, k := range Faults {
		names[i] = string(k)
	}
	return fmt.Errorf("unknown fault %q (one of: %s)", f, strings.Join(names, ", "))
}
