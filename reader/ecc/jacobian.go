package ecc

import "math/big"

// arith is a curve's arithmetic in Jacobian coordinates over the Montgomery
// field: the field, a in Montgomery form, and whether a = -3 (the NIST
// curves), which saves two multiplications per doubling.
type arith struct {
	f       *field
	a       fe
	aMinus3 bool
}

func newArith(c *Curve) (*arith, error) {
	f, err := newField(c.P)
	if err != nil {
		return nil, err
	}
	ar := &arith{f: f, a: f.fromBig(c.A)}
	am := new(big.Int).Mod(c.A, c.P)
	ar.aMinus3 = am.Add(am, big.NewInt(3)).Cmp(c.P) == 0
	return ar, nil
}

// jac is (X/Z², Y/Z³) in Montgomery form; Z == 0 is the point at infinity.
type jac struct{ x, y, z fe }

// fromAffine converts a public affine point; infinity has Z = 0.
func (ar *arith) fromAffine(p Point) jac {
	var j jac
	if p.Infinity() {
		return j
	}
	j.x = ar.f.fromBig(p.X)
	j.y = ar.f.fromBig(p.Y)
	j.z = ar.f.one
	return j
}

// toAffine converts back with one constant-time inversion of Z.
func (ar *arith) toAffine(j *jac) Point {
	f := ar.f
	if f.isZero(&j.z) == 1 {
		return Point{}
	}
	var zi, zi2, t fe
	f.inv(&zi, &j.z)
	f.sqr(&zi2, &zi)
	f.mul(&t, &j.x, &zi2)
	x := f.toBig(&t)
	f.mul(&zi2, &zi2, &zi)
	f.mul(&t, &j.y, &zi2)
	return Point{x, f.toBig(&t)}
}

// affineXPublic returns the affine x of a public point (a signature
// verification's u1·G + u2·Q), or nil for infinity. It inverts Z with
// math/big's variable-time extended Euclid, several times faster than the
// constant-time Fermat inversion of toAffine, which only secret-dependent
// points need.
func (ar *arith) affineXPublic(j *jac) *big.Int {
	f := ar.f
	if f.isZero(&j.z) == 1 {
		return nil
	}
	z := f.toBig(&j.z)
	zi := z.ModInverse(z, f.pBig)
	zi.Mul(zi, zi)
	x := zi.Mul(zi, f.toBig(&j.x))
	return x.Mod(x, f.pBig)
}

// double sets r = 2p. It has no branch: infinity (Z = 0) and a point with
// Y = 0 both give Z3 = 2·Y·Z = 0. r may alias p.
func (ar *arith) double(r, p *jac) {
	f := ar.f
	if ar.aMinus3 {
		// dbl-2001-b: 3M + 5S
		var delta, gamma, beta, alpha, t, u fe
		f.sqr(&delta, &p.z)
		f.sqr(&gamma, &p.y)
		f.mul(&beta, &p.x, &gamma)
		f.sub(&t, &p.x, &delta)
		f.add(&u, &p.x, &delta)
		f.mul(&alpha, &t, &u)
		f.add(&t, &alpha, &alpha)
		f.add(&alpha, &alpha, &t) // 3·(X-δ)(X+δ)
		// Z3 = (Y+Z)² - γ - δ, before X and Y are overwritten
		f.add(&t, &p.y, &p.z)
		f.sqr(&t, &t)
		f.sub(&t, &t, &gamma)
		f.sub(&r.z, &t, &delta)
		// X3 = α² - 8β
		f.add(&beta, &beta, &beta)
		f.add(&beta, &beta, &beta) // 4β
		f.add(&u, &beta, &beta)    // 8β
		f.sqr(&t, &alpha)
		f.sub(&r.x, &t, &u)
		// Y3 = α(4β - X3) - 8γ²
		f.sub(&t, &beta, &r.x)
		f.mul(&t, &t, &alpha)
		f.sqr(&gamma, &gamma)
		f.add(&gamma, &gamma, &gamma)
		f.add(&gamma, &gamma, &gamma)
		f.add(&gamma, &gamma, &gamma)
		f.sub(&r.y, &t, &gamma)
		return
	}
	// dbl-2007-bl for any a: 1M + 8S + 1·a
	var xx, yy, yyyy, zz, s, m, t fe
	f.sqr(&xx, &p.x)
	f.sqr(&yy, &p.y)
	f.sqr(&yyyy, &yy)
	f.sqr(&zz, &p.z)
	// S = 2((X+YY)² - XX - YYYY)
	f.add(&s, &p.x, &yy)
	f.sqr(&s, &s)
	f.sub(&s, &s, &xx)
	f.sub(&s, &s, &yyyy)
	f.add(&s, &s, &s)
	// M = 3XX + a·ZZ²
	f.sqr(&m, &zz)
	f.mul(&m, &m, &ar.a)
	f.add(&m, &m, &xx)
	f.add(&m, &m, &xx)
	f.add(&m, &m, &xx)
	// Z3 = (Y+Z)² - YY - ZZ, before Y and Z are overwritten
	f.add(&t, &p.y, &p.z)
	f.sqr(&t, &t)
	f.sub(&t, &t, &yy)
	f.sub(&r.z, &t, &zz)
	// X3 = M² - 2S
	f.sqr(&t, &m)
	f.sub(&t, &t, &s)
	f.sub(&r.x, &t, &s)
	// Y3 = M(S - X3) - 8·YYYY
	f.sub(&t, &s, &r.x)
	f.mul(&t, &t, &m)
	f.add(&yyyy, &yyyy, &yyyy)
	f.add(&yyyy, &yyyy, &yyyy)
	f.add(&yyyy, &yyyy, &yyyy)
	f.sub(&r.y, &t, &yyyy)
}

// addFormula sets r = p + q with add-2007-bl (11M + 5S) and reports, in
// constant time, whether p and q had the same x (h == 0), where the formula
// does not apply: then p == q (needs doubling) or p == -q (infinity). Inputs
// at infinity are not handled here. r may alias p or q.
func (ar *arith) addFormula(r, p, q *jac) (sameX, sameY uint64) {
	f := ar.f
	var z1z1, z2z2, u1, u2, s1, s2, h, i, j, rr, v, t fe
	f.sqr(&z1z1, &p.z)
	f.sqr(&z2z2, &q.z)
	f.mul(&u1, &p.x, &z2z2)
	f.mul(&u2, &q.x, &z1z1)
	f.mul(&s1, &p.y, &q.z)
	f.mul(&s1, &s1, &z2z2)
	f.mul(&s2, &q.y, &p.z)
	f.mul(&s2, &s2, &z1z1)
	f.sub(&h, &u2, &u1)
	f.sub(&rr, &s2, &s1)
	sameX, sameY = f.isZero(&h), f.isZero(&rr)
	f.add(&rr, &rr, &rr)
	f.add(&i, &h, &h)
	f.sqr(&i, &i)
	f.mul(&j, &h, &i)
	f.mul(&v, &u1, &i)
	// Z3 = ((Z1+Z2)² - Z1Z1 - Z2Z2)·H, before Z1 and Z2 are overwritten
	f.add(&t, &p.z, &q.z)
	f.sqr(&t, &t)
	f.sub(&t, &t, &z1z1)
	f.sub(&t, &t, &z2z2)
	f.mul(&r.z, &t, &h)
	// X3 = r² - J - 2V
	f.sqr(&t, &rr)
	f.sub(&t, &t, &j)
	f.sub(&t, &t, &v)
	f.sub(&r.x, &t, &v)
	// Y3 = r(V - X3) - 2·S1·J
	f.sub(&t, &v, &r.x)
	f.mul(&t, &t, &rr)
	f.mul(&s1, &s1, &j)
	f.add(&s1, &s1, &s1)
	f.sub(&r.y, &t, &s1)
	return sameX, sameY
}

// add sets r = p + q for public points, handling every case by branching:
// infinity on either side, p == q and p == -q.
func (ar *arith) add(r, p, q *jac) {
	f := ar.f
	if f.isZero(&p.z) == 1 {
		*r = *q
		return
	}
	if f.isZero(&q.z) == 1 {
		*r = *p
		return
	}
	pp := *p // keep p for the doubling case: r may alias it
	sameX, sameY := ar.addFormula(r, p, q)
	if sameX == 1 {
		if sameY == 1 {
			ar.double(r, &pp)
			return
		}
		*r = jac{} // p == -q
	}
}

// addCT sets r = p + q where p and q may be secret multiples of a point:
// the choice for infinity on either side is made by masks, not branches.
// The case p == ±q still branches; the fixed-window ladder never reaches it
// for a scalar below the group order (see scalarMult), and reaching it
// reveals only that the scalar was out of range.
func (ar *arith) addCT(r, p, q *jac) {
	f := ar.f
	pInf, qInf := f.isZero(&p.z), f.isZero(&q.z)
	var sum jac
	sameX, _ := ar.addFormula(&sum, p, q)
	if sameX&^pInf&^qInf == 1 {
		ar.add(r, p, q) // p == ±q, both finite
		return
	}
	ar.selectJac(&sum, &sum, q, pInf)
	ar.selectJac(r, &sum, p, qInf)
}

// selectJac sets r = b if cond == 1, else a, without branching.
func (ar *arith) selectJac(r, a, b *jac, cond uint64) {
	ar.f.selectFe(&r.x, &a.x, &b.x, cond)
	ar.f.selectFe(&r.y, &a.y, &b.y, cond)
	ar.f.selectFe(&r.z, &a.z, &b.z, cond)
}

// negate sets r = -p.
func (ar *arith) negate(r, p *jac) {
	r.x, r.z = p.x, p.z
	ar.f.neg(&r.y, &p.y)
}
