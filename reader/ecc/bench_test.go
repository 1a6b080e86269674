package ecc

import (
	"crypto/sha512"
	"math/big"
	"math/rand/v2"
	"testing"
)

// The benchmarks time each operation on every named curve with this
// package's arithmetic ("fast") and with the former implementation kept in
// reference_test.go ("reference"), in the same run:
//
//	go test -run '^$' -bench 'ScalarMult|Verify' ./reader/ecc/
//
// ScalarMult is a variable-base multiplication by a secret-sized scalar (the
// ECDH of PACE and Chip Authentication); Verify is one ECDSA verification (a
// signature in Passive Authentication).
//
// Besides wall time each reports cpu-ns/op, the process CPU time per
// operation (garbage collection included), which stays meaningful when the
// machine is shared and wall time is not.

type benchCase struct {
	priv   []byte
	pub    Point
	digest []byte
	r, s   *big.Int
}

func newBenchCase(b *testing.B, c *Curve) benchCase {
	var seed [32]byte
	copy(seed[:], c.Name)
	rnd := rand.NewChaCha8(seed)
	priv, pub, err := c.GenerateKey(rnd)
	if err != nil {
		b.Fatal(err)
	}
	d := sha512.Sum512([]byte("EF.SOD"))
	r, s, err := c.SignECDSA(rnd, priv, d[:])
	if err != nil {
		b.Fatal(err)
	}
	return benchCase{priv, pub, d[:], r, s}
}

func BenchmarkScalarMult(b *testing.B) {
	for _, c := range Named {
		bc := newBenchCase(b, c)
		b.Run(c.Name+"/fast", func(b *testing.B) {
			defer cpuMetric(b)()
			for b.Loop() {
				c.ScalarMult(bc.pub, bc.priv)
			}
		})
		b.Run(c.Name+"/reference", func(b *testing.B) {
			defer cpuMetric(b)()
			for b.Loop() {
				ref{c}.ScalarMult(bc.pub, bc.priv)
			}
		})
	}
}

func BenchmarkVerify(b *testing.B) {
	for _, c := range Named {
		bc := newBenchCase(b, c)
		b.Run(c.Name+"/fast", func(b *testing.B) {
			defer cpuMetric(b)()
			for b.Loop() {
				if !c.VerifyECDSA(bc.pub, bc.digest, bc.r, bc.s) {
					b.Fatal("rejected")
				}
			}
		})
		b.Run(c.Name+"/reference", func(b *testing.B) {
			defer cpuMetric(b)()
			for b.Loop() {
				if !(ref{c}).VerifyECDSA(bc.pub, bc.digest, bc.r, bc.s) {
					b.Fatal("rejected")
				}
			}
		})
	}
}

// cpuMetric starts counting process CPU time; the returned function reports
// it per operation.
func cpuMetric(b *testing.B) func() {
	start := processCPU()
	return func() {
		if used := processCPU() - start; used > 0 && b.N > 0 {
			b.ReportMetric(float64(used)/float64(b.N), "cpu-ns/op")
		}
	}
}

// BenchmarkField times one Montgomery multiplication and squaring per field
// size, the unit every point operation is made of.
func BenchmarkField(b *testing.B) {
	for _, c := range []*Curve{BrainpoolP256r1, BrainpoolP384r1, BrainpoolP512r1} {
		f, err := newField(c.P)
		if err != nil {
			b.Fatal(err)
		}
		x, y := f.fromBig(c.Gx), f.fromBig(c.Gy)
		b.Run(c.Name+"/mul", func(b *testing.B) {
			defer cpuMetric(b)()
			for b.Loop() {
				f.mul(&x, &x, &y)
			}
		})
		b.Run(c.Name+"/sqr", func(b *testing.B) {
			defer cpuMetric(b)()
			for b.Loop() {
				f.sqr(&x, &x)
			}
		})
	}
}
