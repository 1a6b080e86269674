package icao

import (
	"crypto/sha1"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"

	"motcua/reader/iso7816"
)

// ErrAccessDenied reports that the card refused the key: a wrong CAN, a wrong
// MRZ, or a computed expiry candidate that is not the card's.
var ErrAccessDenied = errors.New("card refused the access key")

// BACKeys derives K_enc and K_mac from the MRZ information (document number,
// date of birth and date of expiry, each followed by its check digit).
func BACKeys(mrzInfo string) (kEnc, kMac []byte) {
	seed := sha1.Sum([]byte(mrzInfo))
	return KDF(TDES, seed[:16], kdfEnc), KDF(TDES, seed[:16], kdfMAC)
}

// bacCryptogram encrypts and MACs the 32-byte authentication data S.
func bacCryptogram(kEnc, kMac, s []byte) ([]byte, error) {
	e, err := cbcEncrypt(TDES, kEnc, nil, s)
	if err != nil {
		return nil, err
	}
	m, err := MAC(TDES, kMac, Pad(e, 8))
	if err != nil {
		return nil, err
	}
	return append(e, m...), nil
}

// openBACCryptogram verifies the MAC of a 40-byte cryptogram and decrypts it.
func openBACCryptogram(kEnc, kMac, c []byte) ([]byte, error) {
	if len(c) != 40 {
		return nil, fmt.Errorf("BAC cryptogram of %d bytes, want 40", len(c))
	}
	m, err := MAC(TDES, kMac, Pad(c[:32], 8))
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare(m, c[32:]) != 1 {
		return nil, errors.New("BAC cryptogram MAC does not verify")
	}
	return cbcDecrypt(TDES, kEnc, nil, c[:32])
}

// bacSession derives the session keys and counter from the key halves and nonces.
func bacSession(kIFD, kIC, rndIC, rndIFD []byte) (*SecureMessaging, error) {
	seed := make([]byte, 16)
	subtle.XORBytes(seed, kIFD, kIC)
	ssc := append(append([]byte(nil), rndIC[4:8]...), rndIFD[4:8]...)
	return NewSecureMessaging(TDES, KDF(TDES, seed, kdfEnc), KDF(TDES, seed, kdfMAC), ssc)
}

// BAC runs Basic Access Control (terminal side) over t and returns the
// secure-messaging session. rnd supplies RND.IFD then K.IFD (crypto/rand in
// production, a fixed stream in the ICAO vector test).
func BAC(t iso7816.Transport, mrzInfo string, rnd io.Reader) (*SecureMessaging, error) {
	kEnc, kMac := BACKeys(mrzInfo)
	r, err := iso7816.Exchange(t, iso7816.Command{Ins: 0x84, Ne: 8}, false)
	if err != nil {
		return nil, fmt.Errorf("BAC: GET CHALLENGE: %w", err)
	}
	if err := r.Err(); err != nil {
		return nil, fmt.Errorf("BAC: GET CHALLENGE: %w", err)
	}
	if len(r.Data) != 8 {
		return nil, fmt.Errorf("BAC: challenge of %d bytes, want 8", len(r.Data))
	}
	rndIC := r.Data
	rndIFD := make([]byte, 8)
	kIFD := make([]byte, 16)
	if _, err := io.ReadFull(rnd, rndIFD); err != nil {
		return nil, fmt.Errorf("BAC: random: %w", err)
	}
	if _, err := io.ReadFull(rnd, kIFD); err != nil {
		return nil, fmt.Errorf("BAC: random: %w", err)
	}
	s := append(append(append([]byte(nil), rndIFD...), rndIC...), kIFD...)
	cryptogram, err := bacCryptogram(kEnc, kMac, s)
	if err != nil {
		return nil, err
	}
	r, err = iso7816.Exchange(t, iso7816.Command{Ins: 0x82, Data: cryptogram, Ne: 40}, false)
	if err != nil {
		return nil, fmt.Errorf("BAC: EXTERNAL AUTHENTICATE: %w", err)
	}
	if err := r.Err(); err != nil {
		if isAccessDenied(r.SW) {
			return nil, fmt.Errorf("BAC: %w (%v)", ErrAccessDenied, err)
		}
		return nil, fmt.Errorf("BAC: EXTERNAL AUTHENTICATE: %w", err)
	}
	plain, err := openBACCryptogram(kEnc, kMac, r.Data)
	if err != nil {
		return nil, fmt.Errorf("BAC: card response: %w", err)
	}
	if subtle.ConstantTimeCompare(plain[:8], rndIC) != 1 || subtle.ConstantTimeCompare(plain[8:16], rndIFD) != 1 {
		return nil, errors.New("BAC: card answered with the wrong nonces")
	}
	return bacSession(kIFD, plain[16:32], rndIC, rndIFD)
}

// BACCard is the card side of Basic Access Control: an explicit two-state
// machine driven by GET CHALLENGE and EXTERNAL AUTHENTICATE.
type BACCard struct {
	kEnc, kMac []byte
	rndIC      []byte // set after GET CHALLENGE; nil otherwise
	rnd        io.Reader
}

// NewBACCard prepares the card side for the card's MRZ information.
func NewBACCard(mrzInfo string, rnd io.Reader) *BACCard {
	kEnc, kMac := BACKeys(mrzInfo)
	return &BACCard{kEnc: kEnc, kMac: kMac, rnd: rnd}
}

// Challenge answers GET CHALLENGE.
func (b *BACCard) Challenge() ([]byte, error) {
	b.rndIC = make([]byte, 8)
	if _, err := io.ReadFull(b.rnd, b.rndIC); err != nil {
		return nil, err
	}
	return append([]byte(nil), b.rndIC...), nil
}

// Authenticate answers EXTERNAL AUTHENTICATE. On success it returns the
// card's cryptogram and the card-side secure-messaging session.
func (b *BACCard) Authenticate(cryptogram []byte) ([]byte, *SecureMessaging, error) {
	if b.rndIC == nil {
		return nil, nil, errors.New("BAC: EXTERNAL AUTHENTICATE without GET CHALLENGE")
	}
	rndIC := b.rndIC
	b.rndIC = nil // one attempt per challenge
	s, err := openBACCryptogram(b.kEnc, b.kMac, cryptogram)
	if err != nil {
		return nil, nil, ErrAccessDenied
	}
	if subtle.ConstantTimeCompare(s[8:16], rndIC) != 1 {
		return nil, nil, ErrAccessDenied
	}
	rndIFD, kIFD := s[:8], s[16:32]
	kIC := make([]byte, 16)
	if _, err := io.ReadFull(b.rnd, kIC); err != nil {
		return nil, nil, err
	}
	r := append(append(append([]byte(nil), rndIC...), rndIFD...), kIC...)
	out, err := bacCryptogram(b.kEnc, b.kMac, r)
	if err != nil {
		return nil, nil, err
	}
	sm, err := bacSession(kIFD, kIC, rndIC, rndIFD)
	return out, sm, err
}

// isAccessDenied reports the statuses cards use to refuse an authentication
// cryptogram: 63xx (verification failed), 6982, 6984, 6985, 6A80.
func isAccessDenied(sw uint16) bool {
	switch sw {
	case 0x6982, 0x6984, 0x6985, 0x6A80, 0x6988:
		return true
	}
	return sw>>8 == 0x63
}
