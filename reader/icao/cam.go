package icao

import (
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"

	"motcua/reader/ecc"
)

// PACE with Chip Authentication Mapping (ICAO 9303-11 §4.4.3.5, BSI
// TR-03110-2 §3.4.2): the mapping phase is ECDH generic mapping; in the
// last GENERAL AUTHENTICATE the chip also sends its Encrypted Chip
// Authentication Data (DO 8A), A_IC = E(KS_enc, CA_IC) with
// CA_IC = SK_IC⁻¹ · SK_Map,IC mod n, where SK_IC is its static Chip
// Authentication key and SK_Map,IC its ephemeral mapping key. The terminal
// decrypts CA_IC and checks PK_Map,IC = CA_IC · PK_IC once it has the
// chip's static public key PK_IC from signed data (DG14 or EF.CardSecurity).
// Only a chip holding SK_IC can produce CA_IC for the mapping key it used,
// so this proves the chip genuine without a separate Chip Authentication.

// OIDPACEECDHCAM is id-PACE-ECDH-CAM (0.4.0.127.0.7.2.2.4.6); the last arc
// selects the cipher: 2 AES-128, 3 AES-192, 4 AES-256 (there is no 3DES
// variant).
var OIDPACEECDHCAM = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 4, 6}

// ErrCAMFailed reports a chip whose PACE-CAM proof does not hold: a
// probable clone.
var ErrCAMFailed = errors.New("PACE-CAM failed: the chip did not prove it holds the key its signed data announces (probable clone)")

// CAM reports whether the protocol is PACE with Chip Authentication Mapping.
func (p PACEProtocol) CAM() bool {
	return len(p.OID) == len(OIDPACEECDHCAM)+1 && p.OID[:len(OIDPACEECDHCAM)].Equal(OIDPACEECDHCAM)
}

// camIV is the IV that encrypts the Chip Authentication Data:
// E(KS_enc, -1), the all-ones block encrypted under KS_enc.
func camIV(c Cipher, ksEnc []byte) ([]byte, error) {
	blk, err := newBlock(c, ksEnc)
	if err != nil {
		return nil, err
	}
	iv := make([]byte, blk.BlockSize())
	for i := range iv {
		iv[i] = 0xFF
	}
	blk.Encrypt(iv, iv)
	return iv, nil
}

// ChipAuthData computes the card's CA_IC = SK_IC⁻¹ · SK_Map,IC mod n,
// encoded on the byte length of the group order.
func ChipAuthData(curve *ecc.Curve, skIC, skMap []byte) ([]byte, error) {
	inv := new(big.Int).ModInverse(new(big.Int).SetBytes(skIC), curve.N)
	if inv == nil {
		return nil, errors.New("PACE-CAM: static key not invertible")
	}
	ca := inv.Mul(inv, new(big.Int).SetBytes(skMap))
	ca.Mod(ca, curve.N)
	return ca.FillBytes(make([]byte, (curve.N.BitLen()+7)/8)), nil
}

// EncryptChipAuthData computes A_IC: CA_IC padded (ISO/IEC 9797-1 method
// 2) and encrypted with KS_enc in CBC mode, IV = E(KS_enc, -1). AES only.
func EncryptChipAuthData(c Cipher, ksEnc, caIC []byte) ([]byte, error) {
	if c == TDES {
		return nil, errors.New("PACE-CAM: no 3DES variant")
	}
	iv, err := camIV(c, ksEnc)
	if err != nil {
		return nil, err
	}
	return cbcEncrypt(c, ksEnc, iv, Pad(caIC, c.BlockSize()))
}

// DecryptChipAuthData recovers CA_IC from A_IC.
func DecryptChipAuthData(c Cipher, ksEnc, aIC []byte) ([]byte, error) {
	if c == TDES {
		return nil, errors.New("PACE-CAM: no 3DES variant")
	}
	iv, err := camIV(c, ksEnc)
	if err != nil {
		return nil, err
	}
	p, err := cbcDecrypt(c, ksEnc, iv, aIC)
	if err != nil {
		return nil, err
	}
	return Unpad(p)
}

// CAMState is the state of a PACE-CAM proof on the terminal side.
type CAMState int

// CAM proof states: pending until a static key from signed data is known,
// then passed or failed for good. A proof that cannot hold whatever the key
// (no or undecryptable Chip Authentication data) starts failed.
const (
	CAMPending CAMState = iota
	CAMPassed
	CAMFailed
)

func (s CAMState) String() string {
	switch s {
	case CAMPending:
		return "pending"
	case CAMPassed:
		return "passed"
	case CAMFailed:
		return "failed"
	}
	return fmt.Sprintf("CAMState(%d)", int(s))
}

// CAMProof is what PACE-CAM leaves the terminal with: the chip's mapping
// key and the Chip Authentication Data it sent, to be checked against the
// chip's static key once that key has been read from signed data. It is a
// small state machine: Check moves it from pending to passed or failed,
// Fail to failed; failed is final, and passed only gives way to failed
// (another signed key source that contradicts it).
type CAMProof struct {
	curve  *ecc.Curve
	pkMap  ecc.Point
	ca     *big.Int
	state  CAMState
	reason string
}

// newCAMProof checks the decrypted CA_IC's form; a proof without valid
// data is failed from the start.
func newCAMProof(curve *ecc.Curve, pkMap ecc.Point, aIC []byte, found bool, c Cipher, ksEnc []byte) *CAMProof {
	p := &CAMProof{curve: curve, pkMap: pkMap}
	if !found {
		p.fail("the chip announces PACE-CAM but sent no Chip Authentication data (DO 8A) with its token")
		return p
	}
	raw, err := DecryptChipAuthData(c, ksEnc, aIC)
	if err != nil {
		p.fail(fmt.Sprintf("the chip's Chip Authentication data does not decrypt (%v)", err))
		return p
	}
	if len(raw) != (curve.N.BitLen()+7)/8 {
		p.fail(fmt.Sprintf("the chip's Chip Authentication data is %d bytes, want %d", len(raw), (curve.N.BitLen()+7)/8))
		return p
	}
	ca := new(big.Int).SetBytes(raw)
	if ca.Sign() == 0 || ca.Cmp(curve.N) >= 0 {
		p.fail("the chip's Chip Authentication data is not a scalar of the group (0 or beyond the order)")
		return p
	}
	p.ca = ca
	return p
}

// State is the proof's current state.
func (p *CAMProof) State() CAMState { return p.state }

// Reason says why the proof failed ("" otherwise).
func (p *CAMProof) Reason() string { return p.reason }

func (p *CAMProof) fail(why string) {
	if p.state != CAMFailed {
		p.state, p.reason = CAMFailed, fmt.Sprintf("%v: %s", ErrCAMFailed, why)
	}
}

// Fail fails the proof for a reason found outside it (no static key in any
// signed file, a key this reader cannot use).
func (p *CAMProof) Fail(why string) { p.fail(why) }

// Check verifies the proof against the static Chip Authentication keys one
// signed source (DG14 or EF.CardSecurity, named by source) holds: it holds
// when CA_IC · PK_IC = PK_Map,IC for one of them. Keys on another curve
// than the PACE domain parameters cannot be the key CAM used and are
// skipped; a source with no usable key leaves the state as it was and
// returns false.
func (p *CAMProof) Check(source string, keys []ecc.Point, curves []*ecc.Curve) (checked bool) {
	if p.state == CAMFailed {
		return true
	}
	for i, k := range keys {
		if !sameCurve(curves[i], p.curve) || !p.curve.IsOnCurve(k) {
			continue
		}
		checked = true
		got := p.curve.ScalarMultInt(k, p.ca)
		if !got.Infinity() && got.X.Cmp(p.pkMap.X) == 0 && got.Y.Cmp(p.pkMap.Y) == 0 {
			p.state = CAMPassed
			return true
		}
	}
	if checked {
		p.fail(fmt.Sprintf("its Chip Authentication data does not match the static key in %s", source))
	}
	return checked
}

// sameCurve compares domain parameters by value (the DG14 key may carry
// explicit parameters equal to the named curve).
func sameCurve(a, b *ecc.Curve) bool {
	if a == nil || b == nil {
		return false
	}
	return a.P.Cmp(b.P) == 0 && a.A.Cmp(b.A) == 0 && a.B.Cmp(b.B) == 0 && a.N.Cmp(b.N) == 0
}
