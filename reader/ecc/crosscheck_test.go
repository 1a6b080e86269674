package ecc

import (
	"crypto/sha256"
	"math/big"
	"math/rand/v2"
	"testing"
)

// seeded returns a deterministic source so that a failure reproduces.
func seeded(i uint64) *rand.Rand { return rand.New(rand.NewPCG(i, 0x6563632d74657374)) }

func randBelow(rnd *rand.Rand, n *big.Int) *big.Int {
	b := make([]byte, (n.BitLen()+7)/8+8)
	for i := range b {
		b[i] = byte(rnd.Uint32())
	}
	return new(big.Int).Mod(new(big.Int).SetBytes(b), n)
}

// Every field operation against math/big modulo each named curve's prime,
// on random values and the boundary values 0, 1, 2, p-2 and p-1 (carries and
// borrows through every word, the final subtraction of Montgomery
// multiplication).
func TestFieldAgainstBig(t *testing.T) {
	for ci, c := range Named {
		f, err := newField(c.P)
		if err != nil {
			t.Fatal(err)
		}
		p := c.P
		vals := []*big.Int{big.NewInt(0), big.NewInt(1), big.NewInt(2), new(big.Int).Sub(p, big.NewInt(2)), new(big.Int).Sub(p, big.NewInt(1)),
			new(big.Int).Rsh(p, 1), new(big.Int).Lsh(big.NewInt(1), uint(p.BitLen()-1))}
		rnd := seeded(uint64(ci))
		for range 20 {
			vals = append(vals, randBelow(rnd, p))
		}
		for _, x := range vals {
			fx := f.fromBig(x)
			if got := f.toBig(&fx); got.Cmp(x) != 0 {
				t.Fatalf("%s: round trip of %X gave %X", c.Name, x, got)
			}
			var inv fe
			f.inv(&inv, &fx)
			want := new(big.Int).ModInverse(x, p)
			if want == nil {
				want = new(big.Int) // inverse of zero: zero by convention
			}
			if got := f.toBig(&inv); got.Cmp(want) != 0 {
				t.Fatalf("%s: inv(%X) = %X, want %X", c.Name, x, got, want)
			}
			if f.isZero(&fx) == 1 != (x.Sign() == 0) {
				t.Fatalf("%s: isZero(%X) wrong", c.Name, x)
			}
			for _, y := range vals {
				fy := f.fromBig(y)
				var z fe
				check := func(op string, want *big.Int) {
					t.Helper()
					want.Mod(want, p)
					if got := f.toBig(&z); got.Cmp(want) != 0 {
						t.Fatalf("%s: %X %s %X = %X, want %X", c.Name, x, op, y, got, want)
					}
				}
				f.mul(&z, &fx, &fy)
				check("*", new(big.Int).Mul(x, y))
				f.add(&z, &fx, &fy)
				check("+", new(big.Int).Add(x, y))
				f.sub(&z, &fx, &fy)
				check("-", new(big.Int).Sub(x, y))
				if f.equal(&fx, &fy) == 1 != (x.Cmp(y) == 0) {
					t.Fatalf("%s: equal(%X, %X) wrong", c.Name, x, y)
				}
			}
		}
	}
}

func TestNewFieldRejects(t *testing.T) {
	for _, p := range []*big.Int{nil, big.NewInt(0), big.NewInt(-7), big.NewInt(3), big.NewInt(1 << 20), new(big.Int).Lsh(big.NewInt(1), 577)} {
		if _, err := newField(p); err == nil {
			t.Errorf("newField(%v) accepted", p)
		}
	}
	odd := &Curve{Name: "even p", P: big.NewInt(1 << 20), A: big.NewInt(1), B: big.NewInt(1), Gx: big.NewInt(1), Gy: big.NewInt(1), N: big.NewInt(7)}
	if !odd.ScalarMultInt(odd.G(), big.NewInt(3)).Infinity() || odd.VerifyECDSA(odd.G(), []byte{1}, big.NewInt(1), big.NewInt(1)) {
		t.Error("arithmetic ran on a field it cannot handle")
	}
	if _, err := odd.ECDH([]byte{3}, odd.G()); err == nil {
		t.Error("ECDH on a field it cannot handle gave a secret")
	}
}

// Random and boundary scalar multiplications on every named curve against
// the former double-and-add implementation (reference_test.go).
func TestScalarMultAgainstReference(t *testing.T) {
	for ci, c := range Named {
		rc := ref{c}
		rnd := seeded(100 + uint64(ci))
		nm1 := new(big.Int).Sub(c.N, big.NewInt(1))
		scalars := []*big.Int{big.NewInt(0), big.NewInt(1), big.NewInt(2), big.NewInt(15), big.NewInt(16), big.NewInt(17),
			nm1, c.N, new(big.Int).Add(c.N, big.NewInt(1)), new(big.Int).Add(c.N, c.N),
			new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), uint(c.N.BitLen()+5)), big.NewInt(1)), // longer than N
			new(big.Int).Lsh(big.NewInt(1), uint(c.N.BitLen()-1)),
			big.NewInt(-5)}
		for range 4 {
			scalars = append(scalars, randBelow(rnd, c.N))
		}
		points := []Point{c.G(), rc.ScalarMultInt(c.G(), randBelow(rnd, c.N))}
		for _, p := range points {
			for _, k := range scalars {
				got, want := c.ScalarMultInt(p, k), rc.ScalarMultInt(p, k)
				if k.Sign() < 0 { // the reference multiplied by two's-complement bits
					want = rc.ScalarMultInt(p, new(big.Int).Neg(k))
					want.Y = new(big.Int).Sub(c.P, want.Y)
				}
				if got.Infinity() != want.Infinity() || !got.Infinity() && (got.X.Cmp(want.X) != 0 || got.Y.Cmp(want.Y) != 0) {
					t.Fatalf("%s: k=%X: fast and reference multiplications differ", c.Name, k)
				}
				if !got.Infinity() && !c.IsOnCurve(got) {
					t.Fatalf("%s: k=%X: result off the curve", c.Name, k)
				}
			}
		}
		if !c.ScalarMultInt(Point{}, big.NewInt(5)).Infinity() {
			t.Errorf("%s: k·∞ is not ∞", c.Name)
		}
	}
}

// Point addition in every case: distinct points, doubling, inverse points,
// and the point at infinity on either side.
func TestAddAgainstReference(t *testing.T) {
	for ci, c := range Named {
		rc := ref{c}
		rnd := seeded(200 + uint64(ci))
		p := rc.ScalarMultInt(c.G(), randBelow(rnd, c.N))
		q := rc.ScalarMultInt(c.G(), randBelow(rnd, c.N))
		negP := Point{p.X, new(big.Int).Sub(c.P, p.Y)}
		for _, tc := range []struct {
			name string
			a, b Point
		}{{"P+Q", p, q}, {"P+P", p, p}, {"P+(-P)", p, negP}, {"∞+P", Point{}, p}, {"P+∞", p, Point{}}, {"∞+∞", Point{}, Point{}}} {
			got, want := c.Add(tc.a, tc.b), rc.Add(tc.a, tc.b)
			if got.Infinity() != want.Infinity() || !got.Infinity() && (got.X.Cmp(want.X) != 0 || got.Y.Cmp(want.Y) != 0) {
				t.Errorf("%s: %s differs from the reference", c.Name, tc.name)
			}
		}
	}
}

// The combined u1·G + u2·Q of verification against two reference
// multiplications, including the cases where Shamir's trick meets a doubling
// (Q = G, u1 = u2) or cancels to infinity (Q = G, u1 = N - u2).
func TestDoubleMultAgainstReference(t *testing.T) {
	for ci, c := range Named {
		rc := ref{c}
		ar, err := c.arith()
		if err != nil {
			t.Fatal(err)
		}
		rnd := seeded(300 + uint64(ci))
		q := rc.ScalarMultInt(c.G(), randBelow(rnd, c.N))
		u := randBelow(rnd, c.N)
		cases := []struct {
			u1, u2 *big.Int
			q      Point
		}{
			{randBelow(rnd, c.N), randBelow(rnd, c.N), q},
			{big.NewInt(0), randBelow(rnd, c.N), q},
			{randBelow(rnd, c.N), big.NewInt(0), q},
			{big.NewInt(1), big.NewInt(1), q},
			{u, u, c.G()},
			{u, new(big.Int).Sub(c.N, u), c.G()},
			{new(big.Int).Sub(c.N, big.NewInt(1)), big.NewInt(1), c.G()},
		}
		for i, tc := range cases {
			g, jq := ar.fromAffine(c.G()), ar.fromAffine(tc.q)
			var r jac
			ar.doubleMult(&r, &g, tc.u1, &jq, tc.u2)
			got := ar.toAffine(&r)
			want := rc.Add(rc.ScalarMultInt(c.G(), tc.u1), rc.ScalarMultInt(tc.q, tc.u2))
			if got.Infinity() != want.Infinity() || !got.Infinity() && (got.X.Cmp(want.X) != 0 || got.Y.Cmp(want.Y) != 0) {
				t.Errorf("%s: case %d: u1·G + u2·Q differs from the reference", c.Name, i)
			}
		}
	}
}

// Sign and verify on every named curve with both implementations, and a
// forged or altered signature refused by both.
func TestECDSAAllCurvesAgainstReference(t *testing.T) {
	for ci, c := range Named {
		var seed [32]byte
		seed[0] = byte(ci)
		rnd := rand.NewChaCha8(seed)
		priv, pub, err := c.GenerateKey(rnd)
		if err != nil {
			t.Fatal(err)
		}
		if want := (ref{c}).ScalarBaseMult(priv); pub.X.Cmp(want.X) != 0 || pub.Y.Cmp(want.Y) != 0 {
			t.Fatalf("%s: public key differs from the reference", c.Name)
		}
		digest := sha256.Sum256([]byte(c.Name))
		r, s, err := c.SignECDSA(rnd, priv, digest[:])
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range []struct {
			name  string
			r, s  *big.Int
			pub   Point
			hash  []byte
			valid bool
		}{
			{"genuine", r, s, pub, digest[:], true},
			{"s+1", r, new(big.Int).Add(s, big.NewInt(1)), pub, digest[:], false},
			{"r+N", new(big.Int).Add(r, c.N), s, pub, digest[:], false},
			{"N-s (ECDSA is malleable: still valid)", r, new(big.Int).Sub(c.N, s), pub, digest[:], true},
			{"r and s swapped", s, r, pub, digest[:], false},
			{"other key", r, s, c.G(), digest[:], false},
			{"other digest", r, s, pub, digest[1:], false},
			{"r=s=0", new(big.Int), new(big.Int), pub, digest[:], false},
		} {
			if got := c.VerifyECDSA(v.pub, v.hash, v.r, v.s); got != v.valid {
				t.Errorf("%s: %s: VerifyECDSA = %v", c.Name, v.name, got)
			}
			if got := (ref{c}).VerifyECDSA(v.pub, v.hash, v.r, v.s); got != v.valid {
				t.Errorf("%s: %s: reference VerifyECDSA = %v", c.Name, v.name, got)
			}
		}
	}
}

// wNAF digits recombine to the scalar, are odd and below 2^(w-1) in
// magnitude, and any w consecutive digits hold at most one nonzero.
func TestWNAF(t *testing.T) {
	rnd := seeded(500)
	ks := []*big.Int{big.NewInt(0), big.NewInt(1), big.NewInt(31), big.NewInt(32), new(big.Int).Lsh(big.NewInt(1), 600)}
	for range 50 {
		ks = append(ks, randBelow(rnd, BrainpoolP512r1.N))
	}
	for _, k := range ks {
		digits := wnaf(k, wnafWidth)
		sum := new(big.Int)
		last := -wnafWidth
		for i := len(digits) - 1; i >= 0; i-- {
			sum.Lsh(sum, 1)
			d := digits[i]
			sum.Add(sum, big.NewInt(int64(d)))
			if d != 0 {
				if d%2 == 0 || d >= 1<<(wnafWidth-1) || d <= -(1<<(wnafWidth-1)) {
					t.Fatalf("k=%X: digit %d", k, d)
				}
				if last-i < wnafWidth && last >= 0 {
					t.Fatalf("k=%X: nonzero digits %d and %d too close", k, last, i)
				}
				last = i
			}
		}
		if sum.Cmp(k) != 0 {
			t.Fatalf("wNAF of %X recombines to %X", k, sum)
		}
	}
}

// The fixed-window multiplication performs the same number of field
// multiplications for every scalar below the order, whatever its bits: no
// skipped zero windows, no early start, no doubling special case. (This is a
// property of the point-level code; see the package doc for what math/big
// still leaks.)
func TestScalarMultOperationCountIndependentOfScalar(t *testing.T) {
	for ci, c := range Named {
		ar, err := c.arith()
		if err != nil {
			t.Fatal(err)
		}
		rnd := seeded(600 + uint64(ci))
		p := ar.fromAffine(c.G())
		scalars := []*big.Int{big.NewInt(1), big.NewInt(16), new(big.Int).Sub(c.N, big.NewInt(1)),
			new(big.Int).Rsh(c.N, 7), randBelow(rnd, c.N), randBelow(rnd, c.N)}
		counts := map[int][]string{}
		for _, k := range scalars {
			n := 0
			ar.f.reductions = &n
			var r jac
			ar.scalarMult(&r, &p, k, c.N)
			ar.f.reductions = nil
			counts[n] = append(counts[n], k.Text(16))
		}
		if len(counts) != 1 {
			t.Errorf("%s: field multiplications per scalar differ: %v", c.Name, counts)
		}
	}
}

// FuzzScalarMultAgainstReference compares the fast multiplication with the
// reference for any scalar, on a curve with general a (brainpoolP256r1) and
// one with a = -3 (P-224):
//
//	go test -run '^$' -fuzz ScalarMultAgainstReference ./reader/ecc/
func FuzzScalarMultAgainstReference(f *testing.F) {
	f.Add([]byte{1}, false)
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, true)
	f.Add(BrainpoolP256r1.N.Bytes(), false)
	f.Add(P224.N.Bytes(), true)
	f.Fuzz(func(t *testing.T, k []byte, nist bool) {
		if len(k) > 80 {
			return
		}
		c := BrainpoolP256r1
		if nist {
			c = P224
		}
		got, want := c.ScalarBaseMult(k), (ref{c}).ScalarBaseMult(k)
		if got.Infinity() != want.Infinity() || !got.Infinity() && (got.X.Cmp(want.X) != 0 || got.Y.Cmp(want.Y) != 0) {
			t.Fatalf("%s: k=%X: fast and reference differ", c.Name, k)
		}
	})
}
