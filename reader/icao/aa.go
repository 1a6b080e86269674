package icao

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	_ "crypto/sha1" // registered for AA hash algorithms
	_ "crypto/sha256"
	_ "crypto/sha512"
	"crypto/subtle"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math/big"

	"motcua/reader/ecc"
	"motcua/reader/iso7816"
)

// Active Authentication (ICAO 9303-11 §6.1): the chip signs a terminal
// challenge with the DG15 private key. Cards without Chip Authentication
// prove they are not clones this way.

// ErrActiveAuthFailed reports a signature that does not verify: a probable clone.
var ErrActiveAuthFailed = errors.New("active authentication failed: the chip's signature does not verify with its DG15 key (probable clone)")

// AAPublicKey is the DG15 key: RSA, or EC with its curve.
type AAPublicKey struct {
	RSA   *rsa.PublicKey
	Curve *ecc.Curve
	Point ecc.Point
	// Hash is the ECDSA hash from DG14's ActiveAuthenticationInfo; zero
	// means try the usual ones.
	Hash crypto.Hash
}

// ActiveAuthenticate sends INTERNAL AUTHENTICATE with a fresh challenge and
// verifies the signature.
func ActiveAuthenticate(s *Session, key AAPublicKey, rnd io.Reader) error {
	if rnd == nil {
		rnd = rand.Reader
	}
	challenge := make([]byte, 8)
	if _, err := io.ReadFull(rnd, challenge); err != nil {
		return err
	}
	r, err := s.Exchange(iso7816.Command{Ins: 0x88, Data: challenge, Ne: iso7816.MaxShortNe})
	if err != nil {
		return fmt.Errorf("active authentication: %w", err)
	}
	if err := r.Err(); err != nil {
		return fmt.Errorf("%w (%v)", ErrActiveAuthFailed, err)
	}
	return VerifyAA(key, challenge, r.Data)
}

// VerifyAA checks an Active Authentication signature over challenge.
func VerifyAA(key AAPublicKey, challenge, sig []byte) error {
	switch {
	case key.RSA != nil:
		return verifyISO9796(key.RSA, challenge, sig)
	case key.Curve != nil:
		// Chips answer in plain r||s (BSI TR-03111) or in DER (X9.62);
		// both are tried, the signature decides.
		type rs struct{ R, S *big.Int }
		var forms []rs
		if n := (key.Curve.N.BitLen() + 7) / 8; len(sig) == 2*n {
			forms = append(forms, rs{new(big.Int).SetBytes(sig[:n]), new(big.Int).SetBytes(sig[n:])})
		}
		var der rs
		if rest, err := asn1.Unmarshal(sig, &der); err == nil && len(rest) == 0 && der.R != nil && der.S != nil {
			forms = append(forms, der)
		}
		if len(forms) == 0 {
			return fmt.Errorf("%w: ECDSA signature of %d bytes is neither plain r||s nor DER", ErrActiveAuthFailed, len(sig))
		}
		hashes := []crypto.Hash{key.Hash}
		if key.Hash == 0 {
			hashes = []crypto.Hash{crypto.SHA256, crypto.SHA1, crypto.SHA224, crypto.SHA384, crypto.SHA512}
		}
		for _, f := range forms {
			for _, hh := range hashes {
				h := hh.New()
				h.Write(challenge)
				if key.Curve.VerifyECDSA(key.Point, h.Sum(nil), f.R, f.S) {
					return nil
				}
			}
		}
		return ErrActiveAuthFailed
	}
	return errors.New("active authentication: no DG15 key")
}

// iso9796Trailers maps the two-byte trailer's hash identifier (ISO/IEC 10118-3).
var iso9796Trailers = map[byte]crypto.Hash{0x33: crypto.SHA1, 0x34: crypto.SHA256, 0x35: crypto.SHA512, 0x36: crypto.SHA384, 0x38: crypto.SHA224}

// verifyISO9796 verifies ISO/IEC 9796-2 digital signature scheme 1 (partial
// message recovery), the RSA form eMRTDs use for Active Authentication.
func verifyISO9796(pub *rsa.PublicKey, challenge, sig []byte) error {
	k := pub.Size()
	s := new(big.Int).SetBytes(sig)
	if len(sig) > k || s.Cmp(pub.N) >= 0 {
		return fmt.Errorf("%w: signature out of range", ErrActiveAuthFailed)
	}
	f := new(big.Int).Exp(s, big.NewInt(int64(pub.E)), pub.N)
	if f.Bit(0)|f.Bit(1)<<1|f.Bit(2)<<2|f.Bit(3)<<3 != 0xC { // the other representative
		f.Sub(pub.N, f)
	}
	fb := f.FillBytes(make([]byte, k))
	if fb[0]&0xC0 != 0x40 {
		// Leading zero bits of the modulus: the representative is shorter.
		fb = fb[1:]
	}
	if len(fb) < 2 || fb[0]&0xC0 != 0x40 {
		return fmt.Errorf("%w: bad header", ErrActiveAuthFailed)
	}
	var hash crypto.Hash
	var tlen int
	switch {
	case fb[len(fb)-1] == 0xBC:
		hash, tlen = crypto.SHA1, 1
	case fb[len(fb)-1] == 0xCC:
		h, ok := iso9796Trailers[fb[len(fb)-2]]
		if !ok {
			return fmt.Errorf("%w: unknown hash in trailer", ErrActiveAuthFailed)
		}
		hash, tlen = h, 2
	default:
		return fmt.Errorf("%w: bad trailer", ErrActiveAuthFailed)
	}
	hl := hash.Size()
	if len(fb) < 1+hl+tlen {
		return fmt.Errorf("%w: signature too short", ErrActiveAuthFailed)
	}
	m1 := fb[1 : len(fb)-hl-tlen]
	d := fb[len(fb)-hl-tlen : len(fb)-tlen]
	h := hash.New()
	h.Write(m1)
	h.Write(challenge)
	if subtle.ConstantTimeCompare(h.Sum(nil), d) != 1 {
		return ErrActiveAuthFailed
	}
	return nil
}

// SignAA is the card side: sign the challenge with the DG15 private key
// (RSA ISO 9796-2 scheme 1 with SHA-1, or ECDSA with SHA-256, plain r||s).
// A nil key models a clone: it returns a signature that cannot verify.
func SignAA(rsaKey *rsa.PrivateKey, curve *ecc.Curve, ecPriv []byte, challenge []byte, rnd io.Reader) ([]byte, error) {
	if rnd == nil {
		rnd = rand.Reader
	}
	switch {
	case rsaKey != nil:
		k := rsaKey.Size()
		hl := crypto.SHA1.Size()
		m1 := make([]byte, k-2-hl)
		if _, err := io.ReadFull(rnd, m1); err != nil {
			return nil, err
		}
		h := crypto.SHA1.New()
		h.Write(m1)
		h.Write(challenge)
		f := append(append([]byte{0x6A}, m1...), h.Sum(nil)...)
		f = append(f, 0xBC)
		fi := new(big.Int).SetBytes(f)
		if fi.Cmp(rsaKey.N) >= 0 {
			return nil, errors.New("AA: representative larger than modulus")
		}
		s := new(big.Int).Exp(fi, rsaKey.D, rsaKey.N)
		if alt := new(big.Int).Sub(rsaKey.N, s); alt.Cmp(s) < 0 {
			s = alt
		}
		return s.FillBytes(make([]byte, k)), nil
	case curve != nil && ecPriv != nil:
		h := crypto.SHA256.New()
		h.Write(challenge)
		r, s, err := curve.SignECDSA(rnd, ecPriv, h.Sum(nil))
		if err != nil {
			return nil, err
		}
		n := (curve.N.BitLen() + 7) / 8
		return append(r.FillBytes(make([]byte, n)), s.FillBytes(make([]byte, n))...), nil
	}
	// A clone without the private key can only send noise.
	junk := make([]byte, 64)
	io.ReadFull(rnd, junk)
	return bytes.Clone(junk), nil
}
