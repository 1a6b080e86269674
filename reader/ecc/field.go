package ecc

import (
	"encoding/binary"
	"errors"
	"math/big"
	"math/bits"
)

// maxLimbs bounds the field size: nine 64-bit words hold P-521's prime, the
// largest of the named curves. Fixed-size arrays keep every field element on
// the stack, so the point arithmetic allocates nothing.
const maxLimbs = 9

// fe is a field element in Montgomery form (x·R mod p, R = 2^(64·n)),
// little-endian 64-bit words; only the first n words of the field are used.
type fe [maxLimbs]uint64

// field is the arithmetic modulo an odd prime p in Montgomery form. Every
// operation runs the same instructions whatever the values (no branch or
// memory index depends on them), so field arithmetic on a secret scalar's
// intermediate points does not leak through timing; math/big is used only to
// set a field up and to convert in and out, on public values or once per
// operation.
type field struct {
	n    int    // words in use
	p    fe     // the modulus
	pinv uint64 // -p⁻¹ mod 2^64
	r2   fe     // R² mod p, to convert into Montgomery form
	one  fe     // R mod p: 1 in Montgomery form
	pm2  []byte // p-2 big-endian: the exponent of Fermat inversion
	pBig *big.Int
	// reductions, when set, counts Montgomery reductions (one per
	// multiplication or squaring): the tests check with it that a secret
	// scalar does not change the sequence of operations.
	reductions *int
}

// errField reports a modulus this arithmetic cannot handle.
var errField = errors.New("ecc: field prime must be odd, above 3 and at most 576 bits")

func newField(p *big.Int) (*field, error) {
	if p == nil || p.Sign() <= 0 || p.Bit(0) == 0 || p.Cmp(big.NewInt(3)) <= 0 || p.BitLen() > 64*maxLimbs {
		return nil, errField
	}
	f := &field{n: (p.BitLen() + 63) / 64, pBig: new(big.Int).Set(p)}
	f.p = f.limbs(p)
	// Newton iteration for p⁻¹ mod 2^64: each step doubles the correct bits,
	// starting from 3 correct bits (p·p ≡ 1 mod 8 for odd p).
	inv := f.p[0]
	for range 6 {
		inv *= 2 - f.p[0]*inv
	}
	f.pinv = -inv
	r := new(big.Int).Lsh(big.NewInt(1), uint(64*f.n))
	r.Mod(r, p)
	f.one = f.limbs(r)
	r.Lsh(big.NewInt(1), uint(128*f.n))
	r.Mod(r, p)
	f.r2 = f.limbs(r)
	f.pm2 = new(big.Int).Sub(p, big.NewInt(2)).Bytes()
	return f, nil
}

// limbs converts 0 <= x < 2^(64n) into words (not Montgomery form).
func (f *field) limbs(x *big.Int) fe {
	var buf [8 * maxLimbs]byte
	x.FillBytes(buf[:8*f.n])
	var z fe
	for i := 0; i < f.n; i++ {
		z[i] = binary.BigEndian.Uint64(buf[8*(f.n-1-i):])
	}
	return z
}

// fromBig returns x mod p in Montgomery form.
func (f *field) fromBig(x *big.Int) fe {
	r := x
	if x.Sign() < 0 || x.Cmp(f.pBig) >= 0 {
		r = new(big.Int).Mod(x, f.pBig)
	}
	z := f.limbs(r)
	f.mul(&z, &z, &f.r2)
	return z
}

// toBig returns the integer in [0, p) that x represents.
func (f *field) toBig(x *fe) *big.Int {
	var one, z fe
	one[0] = 1
	f.mul(&z, x, &one) // leaves Montgomery form: x·R·R⁻¹
	var buf [8 * maxLimbs]byte
	for i := 0; i < f.n; i++ {
		binary.BigEndian.PutUint64(buf[8*(f.n-1-i):], z[i])
	}
	return new(big.Int).SetBytes(buf[:8*f.n])
}

// wide holds a double-width product before Montgomery reduction.
type wide [2*maxLimbs + 1]uint64

// mul sets z = x·y·R⁻¹ mod p: a schoolbook product, then Montgomery
// reduction (separated operand scanning). x and y must be below p; z may
// alias either.
func (f *field) mul(z, x, y *fe) {
	var t wide
	n := f.n
	xs, ys := x[:n], y[:n]
	for i, yi := range ys {
		t[i+n] = mulAddRow(t[i:i+n], xs, yi)
	}
	f.reduce(z, &t)
}

// mulAddRow adds xs·y to the limbs tt (len(tt) == len(xs)) and returns
// the carry out of the top limb: one row of schoolbook multiplication.
func mulAddRow(tt, xs []uint64, y uint64) uint64 {
	tt = tt[:len(xs)]
	var c uint64
	for j, xj := range xs {
		hi, lo := bits.Mul64(xj, y)
		var cc uint64
		lo, cc = bits.Add64(lo, tt[j], 0)
		hi += cc
		lo, cc = bits.Add64(lo, c, 0)
		hi += cc
		tt[j], c = lo, hi
	}
	return c
}

// sqr sets z = x²·R⁻¹ mod p, computing each cross product once.
func (f *field) sqr(z, x *fe) {
	var t wide
	n := f.n
	xs := x[:n]
	for i := 0; i < n-1; i++ {
		t[i+n] = mulAddRow(t[2*i+1:i+n], xs[i+1:], xs[i])
	}
	// double the cross products (their sum is below 2^(128n-1))
	for k := 2*n - 1; k > 0; k-- {
		t[k] = t[k]<<1 | t[k-1]>>63
	}
	t[0] <<= 1
	// add the squares on the diagonal
	var c uint64
	for i, xi := range xs {
		hi, lo := bits.Mul64(xi, xi)
		t[2*i], c = bits.Add64(t[2*i], lo, c)
		t[2*i+1], c = bits.Add64(t[2*i+1], hi, c)
	}
	f.reduce(z, &t)
}

// reduce sets z = t·R⁻¹ mod p for t < p·R: n rounds each adding the
// multiple of p that clears the lowest word, then one subtraction of p
// chosen by mask.
func (f *field) reduce(z *fe, t *wide) {
	if f.reductions != nil {
		*f.reductions++
	}
	n := f.n
	ps := f.p[:n]
	var top uint64 // the carry out of word i+n, owed to word i+n+1
	for i := 0; i < n; i++ {
		c := mulAddRow(t[i:i+n], ps, t[i]*f.pinv)
		t[i+n], top = bits.Add64(t[i+n], c, top)
	}
	// the result t[n:2n] + top·R is below 2p
	hiw := t[n : 2*n]
	hiw = hiw[:len(ps)]
	var r fe
	var b uint64
	for j, pj := range ps {
		r[j], b = bits.Sub64(hiw[j], pj, b)
	}
	_, b = bits.Sub64(top, 0, b)
	keep := -b // all ones when the result is below p
	for j := range ps {
		z[j] = hiw[j]&keep | r[j]&^keep
	}
}

// add sets z = x + y mod p.
func (f *field) add(z, x, y *fe) {
	var s, r fe
	var c, b uint64
	n := f.n
	for j := 0; j < n; j++ {
		s[j], c = bits.Add64(x[j], y[j], c)
	}
	for j := 0; j < n; j++ {
		r[j], b = bits.Sub64(s[j], f.p[j], b)
	}
	_, b = bits.Sub64(c, 0, b)
	keep := -b // the sum is below p: keep it
	for j := 0; j < n; j++ {
		z[j] = s[j]&keep | r[j]&^keep
	}
}

// sub sets z = x - y mod p.
func (f *field) sub(z, x, y *fe) {
	var d fe
	var b, c uint64
	n := f.n
	for j := 0; j < n; j++ {
		d[j], b = bits.Sub64(x[j], y[j], b)
	}
	mask := -b // borrowed: add p back
	for j := 0; j < n; j++ {
		z[j], c = bits.Add64(d[j], f.p[j]&mask, c)
	}
}

// neg sets z = -x mod p.
func (f *field) neg(z, x *fe) {
	var zero fe
	f.sub(z, &zero, x)
}

// inv sets z = x⁻¹ (x^(p-2), Fermat); zero maps to zero. The exponent is
// public, so the sequence of squarings and multiplications does not depend
// on x.
func (f *field) inv(z, x *fe) {
	r := f.one
	for _, byt := range f.pm2 {
		for i := 7; i >= 0; i-- {
			f.sqr(&r, &r)
			if byt>>uint(i)&1 == 1 {
				f.mul(&r, &r, x)
			}
		}
	}
	*z = r
}

// isZero returns 1 if x == 0, else 0, without branching on x.
func (f *field) isZero(x *fe) uint64 {
	var acc uint64
	for j := 0; j < f.n; j++ {
		acc |= x[j]
	}
	// acc|-acc has its top bit set exactly when acc != 0
	return 1 ^ (acc|-acc)>>63
}

// equal returns 1 if x == y, else 0, without branching.
func (f *field) equal(x, y *fe) uint64 {
	var acc uint64
	for j := 0; j < f.n; j++ {
		acc |= x[j] ^ y[j]
	}
	return 1 ^ (acc|-acc)>>63
}

// selectFe sets z = y if cond == 1, z = x if cond == 0, without branching.
func (f *field) selectFe(z, x, y *fe, cond uint64) {
	mask := -cond
	for j := 0; j < f.n; j++ {
		z[j] = x[j]&^mask | y[j]&mask
	}
}
