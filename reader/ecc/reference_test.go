package ecc

import "math/big"

// ref is the implementation this package had before the Montgomery-field
// rewrite, kept verbatim as an independent reference: affine in, Jacobian
// coordinates over math/big with a reduction after every product, plain
// double-and-add. The tests cross-check the fast code against it on every
// named curve and the benchmarks use it as the baseline in the same run.
type ref struct{ *Curve }

// jacobian point (X/Z², Y/Z³); Z == 0 is infinity.
type refPoint struct{ x, y, z *big.Int }

func (c ref) toJ(p Point) refPoint {
	if p.Infinity() {
		return refPoint{new(big.Int), new(big.Int), new(big.Int)}
	}
	return refPoint{new(big.Int).Set(p.X), new(big.Int).Set(p.Y), big.NewInt(1)}
}

func (c ref) fromJ(j refPoint) Point {
	if j.z.Sign() == 0 {
		return Point{}
	}
	zi := new(big.Int).ModInverse(j.z, c.P)
	zi2 := new(big.Int).Mul(zi, zi)
	x := new(big.Int).Mul(j.x, zi2)
	x.Mod(x, c.P)
	zi2.Mul(zi2, zi)
	y := new(big.Int).Mul(j.y, zi2)
	y.Mod(y, c.P)
	return Point{x, y}
}

func (c ref) mod(x *big.Int) *big.Int { return x.Mod(x, c.P) }

// double in Jacobian coordinates for a general a (dbl-2007-bl).
func (c ref) double(p refPoint) refPoint {
	if p.z.Sign() == 0 || p.y.Sign() == 0 {
		return refPoint{new(big.Int), new(big.Int), new(big.Int)}
	}
	xx := c.mod(new(big.Int).Mul(p.x, p.x))
	yy := c.mod(new(big.Int).Mul(p.y, p.y))
	yyyy := c.mod(new(big.Int).Mul(yy, yy))
	zz := c.mod(new(big.Int).Mul(p.z, p.z))
	// S = 2*((X+YY)²-XX-YYYY)
	s := new(big.Int).Add(p.x, yy)
	s.Mul(s, s)
	s.Sub(s, xx)
	s.Sub(s, yyyy)
	s.Lsh(s, 1)
	c.mod(s)
	// M = 3*XX + a*ZZ²
	m := new(big.Int).Mul(zz, zz)
	m.Mul(m, c.A)
	m.Add(m, new(big.Int).Mul(xx, big.NewInt(3)))
	c.mod(m)
	// X3 = M² - 2S
	x3 := new(big.Int).Mul(m, m)
	x3.Sub(x3, new(big.Int).Lsh(s, 1))
	c.mod(x3)
	// Y3 = M*(S-X3) - 8*YYYY
	y3 := new(big.Int).Sub(s, x3)
	y3.Mul(y3, m)
	y3.Sub(y3, new(big.Int).Lsh(yyyy, 3))
	c.mod(y3)
	// Z3 = (Y+Z)² - YY - ZZ
	z3 := new(big.Int).Add(p.y, p.z)
	z3.Mul(z3, z3)
	z3.Sub(z3, yy)
	z3.Sub(z3, zz)
	c.mod(z3)
	return refPoint{x3, y3, z3}
}

// add in Jacobian coordinates (add-2007-bl).
func (c ref) add(p, q refPoint) refPoint {
	if p.z.Sign() == 0 {
		return q
	}
	if q.z.Sign() == 0 {
		return p
	}
	z1z1 := c.mod(new(big.Int).Mul(p.z, p.z))
	z2z2 := c.mod(new(big.Int).Mul(q.z, q.z))
	u1 := c.mod(new(big.Int).Mul(p.x, z2z2))
	u2 := c.mod(new(big.Int).Mul(q.x, z1z1))
	s1 := c.mod(new(big.Int).Mul(p.y, new(big.Int).Mul(q.z, z2z2)))
	s2 := c.mod(new(big.Int).Mul(q.y, new(big.Int).Mul(p.z, z1z1)))
	h := c.mod(new(big.Int).Sub(u2, u1))
	r := c.mod(new(big.Int).Sub(s2, s1))
	if h.Sign() == 0 {
		if r.Sign() == 0 {
			return c.double(p)
		}
		return refPoint{new(big.Int), new(big.Int), new(big.Int)}
	}
	r.Lsh(r, 1)
	i := new(big.Int).Lsh(h, 1)
	i.Mul(i, i)
	c.mod(i)
	j := c.mod(new(big.Int).Mul(h, i))
	v := c.mod(new(big.Int).Mul(u1, i))
	x3 := new(big.Int).Mul(r, r)
	x3.Sub(x3, j)
	x3.Sub(x3, new(big.Int).Lsh(v, 1))
	c.mod(x3)
	y3 := new(big.Int).Sub(v, x3)
	y3.Mul(y3, r)
	y3.Sub(y3, new(big.Int).Lsh(new(big.Int).Mul(s1, j), 1))
	c.mod(y3)
	z3 := new(big.Int).Add(p.z, q.z)
	z3.Mul(z3, z3)
	z3.Sub(z3, z1z1)
	z3.Sub(z3, z2z2)
	z3.Mul(z3, h)
	c.mod(z3)
	return refPoint{x3, y3, z3}
}

// Add returns p + q.
func (c ref) Add(p, q Point) Point { return c.fromJ(c.add(c.toJ(p), c.toJ(q))) }

// ScalarMult returns k·p. k is a big-endian unsigned integer.
func (c ref) ScalarMult(p Point, k []byte) Point {
	return c.ScalarMultInt(p, new(big.Int).SetBytes(k))
}

// ScalarMultInt returns k·p.
func (c ref) ScalarMultInt(p Point, k *big.Int) Point {
	acc := refPoint{new(big.Int), new(big.Int), new(big.Int)}
	jp := c.toJ(p)
	for i := k.BitLen() - 1; i >= 0; i-- {
		acc = c.double(acc)
		if k.Bit(i) == 1 {
			acc = c.add(acc, jp)
		}
	}
	return c.fromJ(acc)
}

// ScalarBaseMult returns k·G.
func (c ref) ScalarBaseMult(k []byte) Point { return c.ScalarMult(c.G(), k) }

// VerifyECDSA is the former verification: two separate scalar
// multiplications and an addition.
func (c ref) VerifyECDSA(pub Point, hash []byte, r, s *big.Int) bool {
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
	p := c.fromJ(c.add(c.toJ(c.ScalarMultInt(c.G(), u1)), c.toJ(c.ScalarMultInt(pub, u2))))
	if p.Infinity() {
		return false
	}
	v := new(big.Int).Mod(p.X, c.N)
	return v.Cmp(r) == 0
}
