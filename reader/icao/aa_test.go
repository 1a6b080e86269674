package icao

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/asn1"
	"errors"
	"math/big"
	"testing"

	"motcua/reader/ecc"
)

func TestActiveAuthenticationSignatures(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	ecPriv, ecPub, err := ecc.BrainpoolP256r1.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	challenge := []byte{1, 2, 3, 4, 5, 6, 7, 8}
	tests := []struct {
		name string
		key  AAPublicKey
		sign func() ([]byte, error)
		ok   bool
	}{
		{"RSA ISO 9796-2", AAPublicKey{RSA: &rsaKey.PublicKey}, func() ([]byte, error) { return SignAA(rsaKey, nil, nil, challenge, nil) }, true},
		{"ECDSA brainpool", AAPublicKey{Curve: ecc.BrainpoolP256r1, Point: ecPub}, func() ([]byte, error) {
			return SignAA(nil, ecc.BrainpoolP256r1, ecPriv, challenge, nil)
		}, true},
		{"ECDSA brainpool, DER form", AAPublicKey{Curve: ecc.BrainpoolP256r1, Point: ecPub}, func() ([]byte, error) {
			sig, err := SignAA(nil, ecc.BrainpoolP256r1, ecPriv, challenge, nil)
			return toDER(sig), err
		}, true},
		{"ECDSA DER form with trailing bytes", AAPublicKey{Curve: ecc.BrainpoolP256r1, Point: ecPub}, func() ([]byte, error) {
			sig, err := SignAA(nil, ecc.BrainpoolP256r1, ecPriv, challenge, nil)
			return append(toDER(sig), 0), err
		}, false},
		{"ECDSA DER form, other challenge", AAPublicKey{Curve: ecc.BrainpoolP256r1, Point: ecPub}, func() ([]byte, error) {
			sig, err := SignAA(nil, ecc.BrainpoolP256r1, ecPriv, []byte{9, 9, 9, 9, 9, 9, 9, 9}, nil)
			return toDER(sig), err
		}, false},
		{"RSA clone", AAPublicKey{RSA: &rsaKey.PublicKey}, func() ([]byte, error) { return SignAA(nil, nil, nil, challenge, nil) }, false},
		{"ECDSA clone", AAPublicKey{Curve: ecc.BrainpoolP256r1, Point: ecPub}, func() ([]byte, error) { return SignAA(nil, nil, nil, challenge, nil) }, false},
		{"RSA other challenge", AAPublicKey{RSA: &rsaKey.PublicKey}, func() ([]byte, error) {
			return SignAA(rsaKey, nil, nil, []byte{9, 9, 9, 9, 9, 9, 9, 9}, nil)
		}, false},
	}
	for _, tt := range tests {
		sig, err := tt.sign()
		if err != nil {
			t.Fatal(err)
		}
		err = VerifyAA(tt.key, challenge, sig)
		if tt.ok && err != nil {
			t.Errorf("%s: %v", tt.name, err)
		}
		if !tt.ok && !errors.Is(err, ErrActiveAuthFailed) {
			t.Errorf("%s: err = %v, want ErrActiveAuthFailed", tt.name, err)
		}
	}
}

// toDER turns a plain r||s signature into its DER form.
func toDER(plain []byte) []byte {
	n := len(plain) / 2
	b, _ := asn1.Marshal(struct{ R, S *big.Int }{new(big.Int).SetBytes(plain[:n]), new(big.Int).SetBytes(plain[n:])})
	return b
}
