package icao

import (
	"crypto/rand"
	"crypto/rsa"
	"errors"
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
