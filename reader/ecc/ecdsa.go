package ecc

import (
	"crypto/rand"
	"errors"
	"io"
	"math/big"
)

// hashToInt truncates a digest to the bit length of the group order (SEC 1, 4.1.3).
func (c *Curve) hashToInt(hash []byte) *big.Int {
	orderBits := c.N.BitLen()
	orderBytes := (orderBits + 7) / 8
	if len(hash) > orderBytes {
		hash = hash[:orderBytes]
	}
	e := new(big.Int).SetBytes(hash)
	if excess := len(hash)*8 - orderBits; excess > 0 {
		e.Rsh(e, uint(excess))
	}
	return e
}

// VerifyECDSA checks an ECDSA signature (r, s) over a digest with the public
// point pub. Go's crypto/ecdsa covers only the NIST curves; document signers
// and CSCAs may use brainpool.
func (c *Curve) VerifyECDSA(pub Point, hash []byte, r, s *big.Int) bool {
	if !c.IsOnCurve(pub) || r.Sign() <= 0 || s.Sign() <= 0 || r.Cmp(c.N) >= 0 || s.Cmp(c.N) >= 0 {
		return false
	}
	e := c.hashToInt(hash)
	w := new(big.Int).ModInverse(s, c.N)
	if w == nil {
		return false
	}
	u1 := new(big.Int).Mul(e, w)
	u1.Mod(u1, c.N)
	u2 := new(big.Int).Mul(r, w)
	u2.Mod(u2, c.N)
	ar, err := c.arith()
	if err != nil {
		return false
	}
	g, q := ar.fromAffine(Point{c.Gx, c.Gy}), ar.fromAffine(pub)
	var sum jac
	ar.doubleMult(&sum, &g, u1, &q, u2) // one doubling chain for u1·G + u2·Q
	x := ar.affineXPublic(&sum)
	if x == nil {
		return false
	}
	v := x.Mod(x, c.N)
	return v.Cmp(r) == 0
}

// SignECDSA signs a digest with the private scalar priv. It exists for the
// simulated card (Active Authentication with an EC key) and test issuers.
func (c *Curve) SignECDSA(rnd io.Reader, priv []byte, hash []byte) (r, s *big.Int, err error) {
	if rnd == nil {
		rnd = rand.Reader
	}
	d := new(big.Int).SetBytes(priv)
	e := c.hashToInt(hash)
	for range 100 {
		k, kG, err := c.GenerateKey(rnd)
		if err != nil {
			return nil, nil, err
		}
		r = new(big.Int).Mod(kG.X, c.N)
		if r.Sign() == 0 {
			continue
		}
		kInv := new(big.Int).ModInverse(new(big.Int).SetBytes(k), c.N)
		s = new(big.Int).Mul(d, r)
		s.Add(s, e)
		s.Mul(s, kInv)
		s.Mod(s, c.N)
		if s.Sign() != 0 {
			return r, s, nil
		}
	}
	return nil, nil, errors.New("ecc: could not sign")
}
