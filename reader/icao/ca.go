package icao

import (
	"encoding/asn1"
	"errors"
	"fmt"
	"io"

	"motcua/reader/ecc"
	"motcua/reader/iso7816"
	"motcua/reader/tlv"
)

// Chip Authentication (ICAO 9303-11 §6.2, BSI TR-03110): the terminal agrees
// a key with the chip's static DG14 key. Only a chip that holds the private
// key can continue secure messaging afterwards, so a clone that copied the
// (signed) data groups but not the key fails here. That is what Passive
// Authentication alone cannot detect.

// ErrChipAuthFailed reports a chip that could not prove possession of its
// Chip Authentication key: a probable clone.
var ErrChipAuthFailed = errors.New("chip authentication failed: the chip does not hold the key its signed data announces (probable clone)")

// OIDCAECDH is id-CA-ECDH (0.4.0.127.0.7.2.2.3.2); the last arc selects the
// cipher: 1 3DES, 2 AES-128, 3 AES-192, 4 AES-256.
var OIDCAECDH = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 3, 2}

// CAParams describe the chip's Chip Authentication key (from DG14).
type CAParams struct {
	Protocol asn1.ObjectIdentifier // id-CA-ECDH-<cipher>
	Curve    *ecc.Curve
	ChipKey  ecc.Point
	KeyID    int // 0 when the chip has a single key
}

// CACipher returns the cipher the protocol OID selects.
func CACipher(oid asn1.ObjectIdentifier) (Cipher, error) {
	if len(oid) == len(OIDCAECDH)+1 && oid[:len(OIDCAECDH)].Equal(OIDCAECDH) {
		if c, ok := cipherFromArc(oid[len(oid)-1]); ok {
			return c, nil
		}
	}
	return 0, fmt.Errorf("chip authentication protocol %s not supported", oid)
}

// ChipAuthenticate runs Chip Authentication over an established session and,
// on success, replaces the session's secure messaging with the new keys.
// 3DES uses MSE:Set KAT (CA version 1); AES uses MSE:Set AT and GENERAL
// AUTHENTICATE (version 2). The chip proves itself implicitly: the next
// protected response must verify under keys only the real chip can derive.
// With confirm, ChipAuthenticate sends one (a SELECT of the application);
// without, the caller's next command is the proof, which saves an APDU, and
// the caller must treat a secure-messaging failure on it as ErrChipAuthFailed.
func ChipAuthenticate(s *Session, p CAParams, rnd io.Reader, confirm bool) error {
	if s.SM == nil {
		return errors.New("chip authentication needs an established secure-messaging session")
	}
	c, err := CACipher(p.Protocol)
	if err != nil {
		return err
	}
	sk, pk, err := p.Curve.GenerateKey(rnd)
	if err != nil {
		return err
	}
	pkBytes := p.Curve.Marshal(pk)
	var keyRef []byte
	if p.KeyID > 0 {
		keyRef = tlv.Encode(0x84, []byte{byte(p.KeyID)})
	}
	var r iso7816.Response
	if c == TDES {
		data := append(tlv.Encode(0x91, pkBytes), keyRef...)
		r, err = s.Exchange(iso7816.Command{Ins: 0x22, P1: 0x41, P2: 0xA6, Data: data})
	} else {
		data := append(tlv.Encode(0x80, oidContent(p.Protocol)), keyRef...)
		r, err = s.Exchange(iso7816.Command{Ins: 0x22, P1: 0x41, P2: 0xA4, Data: data})
		if err == nil && r.OK() {
			r, err = s.Exchange(iso7816.Command{Ins: 0x86, Data: tlv.Encode(0x7C, tlv.Encode(0x80, pkBytes)), Ne: iso7816.MaxShortNe})
		}
	}
	if err != nil {
		return fmt.Errorf("chip authentication: %w", err)
	}
	if err := r.Err(); err != nil {
		return fmt.Errorf("%w (%v)", ErrChipAuthFailed, err)
	}
	k, err := p.Curve.ECDH(sk, p.ChipKey)
	if err != nil {
		return fmt.Errorf("chip authentication: %w", err)
	}
	sm, err := PACESessionKeys(c, k)
	if err != nil {
		return err
	}
	s.SM.Wipe()
	s.SM = sm
	if !confirm {
		return nil
	}
	// Implicit authentication: the chip must answer under the new keys.
	if err := s.SelectApplication(); err != nil {
		if errors.Is(err, ErrResponseMAC) || errors.Is(err, ErrUnprotectedResponse) || errors.Is(err, ErrSMFormat) {
			return fmt.Errorf("%w (%v)", ErrChipAuthFailed, err)
		}
		return fmt.Errorf("chip authentication: %w", err)
	}
	return nil
}

// CACard is the card side of Chip Authentication.
type CACard struct {
	Protocol asn1.ObjectIdentifier
	Curve    *ecc.Curve
	// Private is the chip's static private key; nil models a clone that
	// copied the data groups but could not extract the key.
	Private []byte
	pending bool // MSE:Set AT received (AES variant)
}

// SetKAT handles MSE:Set KAT (3DES): it returns the new session.
func (cc *CACard) SetKAT(data []byte) (*SecureMessaging, error) {
	pk, ok := tlv.Find(data, 0x91)
	if !ok {
		return nil, errors.New("CA: no ephemeral key (91)")
	}
	return cc.agree(TDES, pk)
}

// SetAT handles MSE:Set AT for Chip Authentication (AES).
func (cc *CACard) SetAT(data []byte) error {
	oid, ok := tlv.Find(data, 0x80)
	if !ok || string(oid) != string(oidContent(cc.Protocol)) {
		return errors.New("CA: protocol not offered")
	}
	cc.pending = true
	return nil
}

// GeneralAuthenticate handles the CA GENERAL AUTHENTICATE (AES). It returns
// the response data and the new session.
func (cc *CACard) GeneralAuthenticate(data []byte) ([]byte, *SecureMessaging, error) {
	if !cc.pending {
		return nil, nil, errors.New("CA: GENERAL AUTHENTICATE without MSE:Set AT")
	}
	cc.pending = false
	in, err := tlv.Unwrap(data, 0x7C)
	if err != nil {
		return nil, nil, err
	}
	pk, ok := tlv.Find(in, 0x80)
	if !ok {
		return nil, nil, errors.New("CA: no ephemeral key (80)")
	}
	c, err := CACipher(cc.Protocol)
	if err != nil {
		return nil, nil, err
	}
	sm, err := cc.agree(c, pk)
	if err != nil {
		return nil, nil, err
	}
	return tlv.Encode(0x7C, nil), sm, nil
}

func (cc *CACard) agree(c Cipher, pkBytes []byte) (*SecureMessaging, error) {
	pk, err := cc.Curve.Unmarshal(pkBytes)
	if err != nil {
		return nil, err
	}
	priv := cc.Private
	if priv == nil {
		// A clone has no key; it can only guess one, and its session keys
		// will not match the terminal's.
		priv = make([]byte, (cc.Curve.N.BitLen()+7)/8)
		priv[len(priv)-1] = 7
	}
	k, err := cc.Curve.ECDH(priv, pk)
	if err != nil {
		return nil, err
	}
	return PACESessionKeys(c, k)
}

// IsSMFailure reports an error that, right after Chip Authentication, means
// the chip could not derive the new keys.
func IsSMFailure(err error) bool {
	return errors.Is(err, ErrResponseMAC) || errors.Is(err, ErrUnprotectedResponse) || errors.Is(err, ErrSMFormat)
}
