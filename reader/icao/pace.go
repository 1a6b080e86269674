package icao

import (
	"bytes"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"

	"motcua/reader/ecc"
	"motcua/reader/iso7816"
	"motcua/reader/tlv"
)

// ErrPACEUnsupported reports a PACE variant this reader does not implement
// (DH, integrated mapping). The caller falls back to BAC.
var ErrPACEUnsupported = errors.New("PACE variant not supported")

// OIDPACEECDHGM is id-PACE-ECDH-GM (0.4.0.127.0.7.2.2.4.2); the last arc
// selects the cipher: 1 3DES, 2 AES-128, 3 AES-192, 4 AES-256.
var OIDPACEECDHGM = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 4, 2}

// PACEProtocol is a PACE protocol OID taken apart.
type PACEProtocol struct {
	OID    asn1.ObjectIdentifier
	Cipher Cipher
}

// ParsePACEProtocol accepts the ECDH generic-mapping and chip-authentication
// mapping OIDs (the latter with AES only).
func ParsePACEProtocol(oid asn1.ObjectIdentifier) (PACEProtocol, error) {
	gm := len(oid) == len(OIDPACEECDHGM)+1 && oid[:len(OIDPACEECDHGM)].Equal(OIDPACEECDHGM)
	cam := len(oid) == len(OIDPACEECDHCAM)+1 && oid[:len(OIDPACEECDHCAM)].Equal(OIDPACEECDHCAM)
	if !gm && !cam {
		return PACEProtocol{}, fmt.Errorf("%w: %s", ErrPACEUnsupported, oid)
	}
	c, ok := cipherFromArc(oid[len(oid)-1])
	if !ok || (cam && c == TDES) {
		return PACEProtocol{}, fmt.Errorf("%w: %s", ErrPACEUnsupported, oid)
	}
	return PACEProtocol{OID: append(asn1.ObjectIdentifier(nil), oid...), Cipher: c}, nil
}

// cipherFromArc maps the last arc of the PACE and CA protocol OIDs.
func cipherFromArc(arc int) (Cipher, bool) {
	switch arc {
	case 1:
		return TDES, true
	case 2:
		return AES128, true
	case 3:
		return AES192, true
	case 4:
		return AES256, true
	}
	return 0, false
}

// oidContent returns the OID's DER content octets (without tag and length),
// the form MSE:Set AT and the authentication token carry.
func oidContent(oid asn1.ObjectIdentifier) []byte {
	der, err := asn1.Marshal(oid)
	if err != nil {
		return nil
	}
	return der[2:]
}

// Password references of MSE:Set AT (BSI TR-03110).
const (
	PasswordMRZ byte = 1
	PasswordCAN byte = 2
)

// Password is a PACE password: the CAN printed on the card, or the MRZ information.
type Password struct {
	Ref    byte
	secret []byte
}

// CANPassword makes a CAN password. For a CCCD the CAN is the last six digits
// of the ID number.
func CANPassword(can string) Password { return Password{Ref: PasswordCAN, secret: []byte(can)} }

// MRZPassword makes an MRZ password from the MRZ information (document
// number, birth date, expiry date, each with its check digit).
func MRZPassword(mrzInfo string) Password {
	h := sha1.Sum([]byte(mrzInfo))
	return Password{Ref: PasswordMRZ, secret: h[:]}
}

// Kpi derives the key that encrypts the PACE nonce.
func (p Password) Kpi(c Cipher) []byte { return KDF(c, p.secret, kdfPI) }

// PACEParams select the protocol and domain parameters (from EF.CardAccess).
type PACEParams struct {
	Protocol PACEProtocol
	ParamID  int // standardized domain parameters: 12 P-256, 13 brainpoolP256r1, ...
}

// MapNonce computes the generic-mapping generator G~ = s·G + H.
func MapNonce(c *ecc.Curve, s []byte, h ecc.Point) ecc.Point {
	return c.Add(c.ScalarBaseMult(s), h)
}

// AuthToken computes the PACE authentication token over the other side's
// ephemeral public key: MAC(KS_mac, 7F49 { 06 OID, 86 point }).
func AuthToken(c Cipher, macKey []byte, oid asn1.ObjectIdentifier, point []byte) ([]byte, error) {
	data := tlv.Encode(0x7F49, tlv.Encode(0x06, oidContent(oid)), tlv.Encode(0x86, point))
	if c == TDES {
		return MAC(c, macKey, Pad(data, 8))
	}
	full, err := cmac(macKey, data)
	if err != nil {
		return nil, err
	}
	return full[:8], nil
}

// PACESessionKeys derives the session keys from the shared secret; the
// counter starts at zero.
func PACESessionKeys(c Cipher, k []byte) (*SecureMessaging, error) {
	return NewSecureMessaging(c, KDF(c, k, kdfEnc), KDF(c, k, kdfMAC), make([]byte, c.BlockSize()))
}

// EncryptNonce and DecryptNonce wrap the nonce s with K_pi (CBC, zero IV, no padding).
func EncryptNonce(c Cipher, kpi, s []byte) ([]byte, error) { return cbcEncrypt(c, kpi, nil, s) }

// DecryptNonce recovers the nonce s from z.
func DecryptNonce(c Cipher, kpi, z []byte) ([]byte, error) { return cbcDecrypt(c, kpi, nil, z) }

// MSESetAT builds the MSE:Set AT command data that selects PACE.
func MSESetAT(p PACEParams, pwRef byte) []byte {
	data := tlv.Encode(0x80, oidContent(p.Protocol.OID))
	data = append(data, tlv.Encode(0x83, []byte{pwRef})...)
	if p.ParamID > 0 {
		data = append(data, tlv.Encode(0x84, []byte{byte(p.ParamID)})...)
	}
	return data
}

// paceStep names the four GENERAL AUTHENTICATE exchanges for error messages.
var paceStep = [...]string{"get nonce", "map nonce", "key agreement", "mutual authentication"}

// generalAuthenticate sends one GENERAL AUTHENTICATE step with dynamic
// authentication data 7C { tag value } and returns the card's 7C content.
func generalAuthenticate(t iso7816.Transport, step int, tag uint32, value []byte) ([]byte, error) {
	cla := byte(0x10) // command chaining: more steps follow
	if step == 3 {
		cla = 0x00
	}
	var inner []byte
	if tag != 0 {
		inner = tlv.Encode(tag, value)
	}
	r, err := iso7816.Exchange(t, iso7816.Command{Cla: cla, Ins: 0x86, Data: tlv.Encode(0x7C, inner), Ne: iso7816.MaxShortNe}, false)
	if err != nil {
		return nil, fmt.Errorf("PACE %s: %w", paceStep[step], err)
	}
	if err := r.Err(); err != nil {
		if isAccessDenied(r.SW) {
			return nil, fmt.Errorf("PACE %s: %w (%v)", paceStep[step], ErrAccessDenied, err)
		}
		return nil, fmt.Errorf("PACE %s: %w", paceStep[step], err)
	}
	v, err := tlv.Unwrap(r.Data, 0x7C)
	if err != nil {
		return nil, fmt.Errorf("PACE %s: dynamic authentication data: %w", paceStep[step], err)
	}
	return v, nil
}

// ErrCAMNeedsProof reports a call of PACE with a chip-authentication mapping
// protocol: its proof would be dropped, so EstablishPACE is required.
var ErrCAMNeedsProof = errors.New("PACE-CAM yields a chip proof that must be checked: use EstablishPACE")

// PACE runs PACE with ECDH generic mapping (terminal side) and returns the
// secure-messaging session. rnd supplies the two ephemeral private keys.
// It refuses PACE-CAM, whose proof would be lost (ErrCAMNeedsProof).
func PACE(t iso7816.Transport, p PACEParams, pw Password, rnd io.Reader) (*SecureMessaging, error) {
	if p.Protocol.CAM() {
		return nil, ErrCAMNeedsProof
	}
	r, err := EstablishPACE(t, p, pw, rnd)
	if err != nil {
		return nil, err
	}
	return r.SM, nil
}

// PACEResult is an established PACE session. CAM is the chip's PACE-CAM
// proof, nil after generic mapping; it is pending until checked against
// the chip's static key from signed data (CAMProof.Check).
type PACEResult struct {
	SM  *SecureMessaging
	CAM *CAMProof
}

// EstablishPACE runs PACE with ECDH generic mapping or chip authentication
// mapping (terminal side). Its steps are those of the chip's state machine
// (PACECard): MSE:Set AT, encrypted nonce, mapping, key agreement, mutual
// authentication. After CAM the session is established whatever the chip's
// Chip Authentication data: the tokens have proved the password, and the
// proof (failed when the data is missing or malformed) is the verdict's
// business, not a reason to stop reading.
func EstablishPACE(t iso7816.Transport, p PACEParams, pw Password, rnd io.Reader) (*PACEResult, error) {
	curve, err := ecc.ByStandardizedID(p.ParamID)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrPACEUnsupported, err)
	}
	c := p.Protocol.Cipher
	r, err := iso7816.Exchange(t, iso7816.Command{Ins: 0x22, P1: 0xC1, P2: 0xA4, Data: MSESetAT(p, pw.Ref)}, false)
	if err != nil {
		return nil, fmt.Errorf("PACE MSE:Set AT: %w", err)
	}
	if err := r.Err(); err != nil {
		return nil, fmt.Errorf("PACE MSE:Set AT: %w", err)
	}

	// Step 1: encrypted nonce.
	d, err := generalAuthenticate(t, 0, 0, nil)
	if err != nil {
		return nil, err
	}
	z, ok := tlv.Find(d, 0x80)
	if !ok {
		return nil, errors.New("PACE get nonce: no encrypted nonce (80)")
	}
	s, err := DecryptNonce(c, pw.Kpi(c), z)
	if err != nil {
		return nil, fmt.Errorf("PACE get nonce: %w", err)
	}

	// Step 2: map the nonce to a new generator.
	skMap, pkMap, err := curve.GenerateKey(rnd)
	if err != nil {
		return nil, err
	}
	d, err = generalAuthenticate(t, 1, 0x81, curve.Marshal(pkMap))
	if err != nil {
		return nil, err
	}
	raw, ok := tlv.Find(d, 0x82)
	if !ok {
		return nil, errors.New("PACE map nonce: no card mapping key (82)")
	}
	pkMapIC, err := curve.Unmarshal(raw)
	if err != nil {
		return nil, fmt.Errorf("PACE map nonce: card key: %w", err)
	}
	hPoint := curve.ScalarMult(pkMapIC, skMap)
	if hPoint.Infinity() {
		return nil, errors.New("PACE map nonce: degenerate shared point")
	}
	mapped := curve.WithGenerator(MapNonce(curve, s, hPoint))

	// Step 3: key agreement on the mapped generator.
	skDH, pkDH, err := mapped.GenerateKey(rnd)
	if err != nil {
		return nil, err
	}
	pkDHBytes := mapped.Marshal(pkDH)
	d, err = generalAuthenticate(t, 2, 0x83, pkDHBytes)
	if err != nil {
		return nil, err
	}
	pkDHICBytes, ok := tlv.Find(d, 0x84)
	if !ok {
		return nil, errors.New("PACE key agreement: no card key (84)")
	}
	if bytes.Equal(pkDHICBytes, pkDHBytes) {
		return nil, errors.New("PACE key agreement: card echoed the terminal key")
	}
	pkDHIC, err := mapped.Unmarshal(pkDHICBytes)
	if err != nil {
		return nil, fmt.Errorf("PACE key agreement: card key: %w", err)
	}
	k, err := mapped.ECDH(skDH, pkDHIC)
	if err != nil {
		return nil, fmt.Errorf("PACE key agreement: %w", err)
	}
	sm, err := PACESessionKeys(c, k)
	if err != nil {
		return nil, err
	}

	// Step 4: exchange authentication tokens.
	tIFD, err := AuthToken(c, sm.macKey, p.Protocol.OID, pkDHICBytes)
	if err != nil {
		return nil, err
	}
	d, err = generalAuthenticate(t, 3, 0x85, tIFD)
	if err != nil {
		return nil, err
	}
	tIC, ok := tlv.Find(d, 0x86)
	if !ok {
		return nil, errors.New("PACE mutual authentication: no card token (86)")
	}
	want, err := AuthToken(c, sm.macKey, p.Protocol.OID, pkDHBytes)
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare(want, tIC) != 1 {
		return nil, errors.New("PACE mutual authentication: card token does not verify (not the card it claims to be)")
	}
	res := &PACEResult{SM: sm}
	if p.Protocol.CAM() {
		aIC, found := tlv.Find(d, 0x8A)
		res.CAM = newCAMProof(curve, pkMapIC, aIC, found, c, sm.encKey)
	}
	return res, nil
}

// PACECard is the card side of PACE (generic or chip authentication
// mapping), an explicit state machine: MSE:Set AT, then the four GENERAL
// AUTHENTICATE steps in order. Any error returns it to the initial state.
type PACECard struct {
	params   PACEParams
	offered  []PACEProtocol    // protocols MSE:Set AT may select (params.Protocol first)
	password map[byte]Password // by reference: the card knows its CAN and MRZ
	rnd      io.Reader
	// CAMKey is the static Chip Authentication private key that PACE-CAM
	// proves possession of (CA_IC = CAMKey⁻¹ · SK_Map,IC). With a CAM
	// protocol and a nil CAMKey the card sends no Chip Authentication data:
	// a chip that announces CAM and does not do it.
	CAMKey []byte

	state    int // 0 idle, 1 set, 2 nonce sent, 3 mapped, 4 keys agreed
	proto    PACEProtocol
	pw       Password
	curve    *ecc.Curve
	mapped   *ecc.Curve
	s        []byte
	skMap    []byte
	skDH     []byte
	pkDH     []byte
	pkDHIFD  []byte
	sm       *SecureMessaging
	Attempts int // failed authentications, for tests and blocking policies
}

// NewPACECard prepares the card side with its passwords; a nil rnd is
// crypto/rand.
func NewPACECard(p PACEParams, rnd io.Reader, pws ...Password) *PACECard {
	m := map[byte]Password{}
	for _, pw := range pws {
		m[pw.Ref] = pw
	}
	if rnd == nil {
		rnd = rand.Reader
	}
	return &PACECard{params: p, offered: []PACEProtocol{p.Protocol}, password: m, rnd: rnd}
}

// Offer lets MSE:Set AT select another protocol on the same domain
// parameters (a PACE-CAM chip also does generic mapping).
func (pc *PACECard) Offer(p PACEProtocol) { pc.offered = append(pc.offered, p) }

// Reset returns the machine to its initial state.
func (pc *PACECard) Reset() { pc.state = 0; pc.sm = nil }

// SetAT handles MSE:Set AT.
func (pc *PACECard) SetAT(data []byte) error {
	pc.Reset()
	objs, err := tlv.ParseAll(data)
	if err != nil {
		return err
	}
	var oid, ref []byte
	for _, o := range objs {
		switch o.Tag {
		case 0x80:
			oid = o.Value
		case 0x83:
			ref = o.Value
		}
	}
	var proto *PACEProtocol
	for i := range pc.offered {
		if bytes.Equal(oid, oidContent(pc.offered[i].OID)) {
			proto = &pc.offered[i]
			break
		}
	}
	if proto == nil {
		return fmt.Errorf("%w: protocol not offered", ErrPACEUnsupported)
	}
	if len(ref) != 1 {
		return errors.New("PACE: no password reference")
	}
	pw, ok := pc.password[ref[0]]
	if !ok {
		return fmt.Errorf("PACE: password reference %d not available", ref[0])
	}
	curve, err := ecc.ByStandardizedID(pc.params.ParamID)
	if err != nil {
		return err
	}
	pc.pw, pc.curve, pc.proto, pc.state = pw, curve, *proto, 1
	return nil
}

// GeneralAuthenticate handles one GENERAL AUTHENTICATE step. data is the
// 7C object from the terminal; the result is the card's 7C object. After the
// last step it also returns the card-side secure-messaging session.
func (pc *PACECard) GeneralAuthenticate(data []byte) ([]byte, *SecureMessaging, error) {
	in, err := tlv.Unwrap(data, 0x7C)
	if err != nil {
		pc.Reset()
		return nil, nil, err
	}
	c := pc.proto.Cipher
	fail := func(e error) ([]byte, *SecureMessaging, error) { pc.Reset(); return nil, nil, e }
	switch pc.state {
	case 1:
		pc.s = make([]byte, c.BlockSize())
		if _, err := io.ReadFull(pc.rnd, pc.s); err != nil {
			return fail(err)
		}
		z, err := EncryptNonce(c, pc.pw.Kpi(c), pc.s)
		if err != nil {
			return fail(err)
		}
		pc.state = 2
		return tlv.Encode(0x7C, tlv.Encode(0x80, z)), nil, nil
	case 2:
		raw, ok := tlv.Find(in, 0x81)
		if !ok {
			return fail(errors.New("PACE: no mapping key"))
		}
		pk, err := pc.curve.Unmarshal(raw)
		if err != nil {
			return fail(err)
		}
		sk, pub, err := pc.curve.GenerateKey(pc.rnd)
		if err != nil {
			return fail(err)
		}
		pc.skMap = sk
		pc.mapped = pc.curve.WithGenerator(MapNonce(pc.curve, pc.s, pc.curve.ScalarMult(pk, sk)))
		pc.state = 3
		return tlv.Encode(0x7C, tlv.Encode(0x82, pc.curve.Marshal(pub))), nil, nil
	case 3:
		raw, ok := tlv.Find(in, 0x83)
		if !ok {
			return fail(errors.New("PACE: no key-agreement key"))
		}
		pk, err := pc.mapped.Unmarshal(raw)
		if err != nil {
			return fail(err)
		}
		sk, pub, err := pc.mapped.GenerateKey(pc.rnd)
		if err != nil {
			return fail(err)
		}
		k, err := pc.mapped.ECDH(sk, pk)
		if err != nil {
			return fail(err)
		}
		sm, err := PACESessionKeys(c, k)
		if err != nil {
			return fail(err)
		}
		pc.skDH, pc.pkDH, pc.pkDHIFD, pc.sm = sk, pc.mapped.Marshal(pub), raw, sm
		pc.state = 4
		return tlv.Encode(0x7C, tlv.Encode(0x84, pc.pkDH)), nil, nil
	case 4:
		tIFD, ok := tlv.Find(in, 0x85)
		if !ok {
			return fail(errors.New("PACE: no terminal token"))
		}
		want, err := AuthToken(c, pc.sm.macKey, pc.proto.OID, pc.pkDH)
		if err != nil {
			return fail(err)
		}
		if subtle.ConstantTimeCompare(want, tIFD) != 1 {
			// A wrong password shows up here: the terminal derived other keys.
			pc.Attempts++
			return fail(ErrAccessDenied)
		}
		tIC, err := AuthToken(c, pc.sm.macKey, pc.proto.OID, pc.pkDHIFD)
		if err != nil {
			return fail(err)
		}
		out := tlv.Encode(0x86, tIC)
		if pc.proto.CAM() && pc.CAMKey != nil {
			ca, err := ChipAuthData(pc.curve, pc.CAMKey, pc.skMap)
			if err != nil {
				return fail(err)
			}
			aIC, err := EncryptChipAuthData(c, pc.sm.encKey, ca)
			if err != nil {
				return fail(err)
			}
			out = append(out, tlv.Encode(0x8A, aIC)...)
		}
		sm := pc.sm
		pc.state = 0
		return tlv.Encode(0x7C, out), sm, nil
	}
	return fail(errors.New("PACE: GENERAL AUTHENTICATE out of sequence"))
}
