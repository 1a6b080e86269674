package ecc

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"math/big"
	"testing"
)

func TestECDSAAgainstStdlib(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	digest := sha256.Sum256([]byte("DG13"))
	r, s, err := ecdsa.Sign(rand.Reader, key, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	pub := Point{key.X, key.Y}
	if !P256.VerifyECDSA(pub, digest[:], r, s) {
		t.Fatal("stdlib signature rejected")
	}
	if P256.VerifyECDSA(pub, digest[:], r, new(big.Int).Add(s, big.NewInt(1))) {
		t.Fatal("altered signature accepted")
	}
	priv, err := key.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	r2, s2, err := P256.SignECDSA(rand.Reader, priv, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	if !ecdsa.Verify(&key.PublicKey, digest[:], r2, s2) {
		t.Fatal("our signature rejected by stdlib")
	}
}

func TestECDSABrainpool(t *testing.T) {
	for _, c := range []*Curve{BrainpoolP256r1, BrainpoolP384r1, BrainpoolP512r1} {
		priv, pub, err := c.GenerateKey(nil)
		if err != nil {
			t.Fatal(err)
		}
		digest := sha256.Sum256([]byte("SOD"))
		r, s, err := c.SignECDSA(nil, priv, digest[:])
		if err != nil {
			t.Fatal(err)
		}
		if !c.VerifyECDSA(pub, digest[:], r, s) {
			t.Fatalf("%s: own signature rejected", c.Name)
		}
		digest[0] ^= 1
		if c.VerifyECDSA(pub, digest[:], r, s) {
			t.Fatalf("%s: signature over other digest accepted", c.Name)
		}
	}
}
