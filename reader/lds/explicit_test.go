package lds

import (
	"errors"
	"math/big"
	"testing"

	"motcua/reader/ecc"
)

// hostile builds explicit parameters from a named curve with one change.
func hostile(change func(c *ecc.Curve)) *PublicKey {
	c := *ecc.BrainpoolP256r1
	c.P, c.A, c.B, c.N = new(big.Int).Set(c.P), new(big.Int).Set(c.A), new(big.Int).Set(c.B), new(big.Int).Set(c.N)
	c.Gx, c.Gy = new(big.Int).Set(c.Gx), new(big.Int).Set(c.Gy)
	change(&c)
	return &PublicKey{Curve: &c, Point: c.G()}
}

// Explicit EC parameters are accepted only when they are exactly a named
// curve; anything else is refused before any curve arithmetic.
func TestExplicitCurveRefused(t *testing.T) {
	g2 := ecc.BrainpoolP256r1.ScalarBaseMult([]byte{2})
	huge := new(big.Int).Lsh(big.NewInt(1), 8*64<<10) // a 64 KB group order
	huge.Add(huge, big.NewInt(1))
	cases := map[string]*PublicKey{
		"other base point":          hostile(func(c *ecc.Curve) { c.Gx, c.Gy = g2.X, g2.Y }),
		"huge order, other base":    hostile(func(c *ecc.Curve) { c.Gx, c.Gy = g2.X, g2.Y; c.N = huge }),
		"huge order, named base":    hostile(func(c *ecc.Curve) { c.N = huge }),
		"order off by one":          hostile(func(c *ecc.Curve) { c.N.Add(c.N, big.NewInt(2)) }),
		"cofactor 4":                hostile(func(c *ecc.Curve) { c.H = 4 }),
		"another b (invalid curve)": hostile(func(c *ecc.Curve) { c.B.Add(c.B, big.NewInt(1)) }),
	}
	for name, k := range cases {
		t.Run(name, func(t *testing.T) {
			der, err := k.MarshalSPKI()
			if err != nil {
				t.Fatal(err)
			}
			_, err = ParsePublicKey(der)
			if !errors.Is(err, ErrExplicitCurve) {
				t.Fatalf("err = %v, want ErrExplicitCurve", err)
			}
			dg15, _ := BuildDG15(k)
			if _, err := ParseDG15(dg15); !errors.Is(err, ErrExplicitCurve) {
				t.Fatalf("DG15: err = %v, want ErrExplicitCurve", err)
			}
			ck, _ := BuildChipAuthPublicKey(ChipAuthPublicKey{Key: k})
			if _, err := ParseDG14(BuildDG14(BuildChipAuthInfo(ChipAuthInfo{Protocol: OIDCAECDHAES128, Version: 1}), ck)); !errors.Is(err, ErrExplicitCurve) {
				t.Fatalf("DG14: err = %v, want ErrExplicitCurve", err)
			}
		})
	}
	// The named curves themselves, given explicitly, are still accepted.
	for _, c := range ecc.Named {
		der, err := (&PublicKey{Curve: c, Point: c.G()}).MarshalSPKI()
		if err != nil {
			t.Fatal(err)
		}
		k, err := ParsePublicKey(der)
		if err != nil || k.Curve != c || !k.Explicit {
			t.Fatalf("%s given explicitly: %v", c.Name, err)
		}
	}
}

// BenchmarkExplicitCurveRefused is the time to refuse a 64 KB hostile group
// order; BenchmarkNamedCurveExplicit parses brainpoolP256r1 given
// explicitly, the baseline.
//
//	go test -run '^$' -bench 'Curve' ./reader/lds/
func BenchmarkExplicitCurveRefused(b *testing.B) {
	huge := new(big.Int).Lsh(big.NewInt(1), 8*64<<10)
	der, _ := hostile(func(c *ecc.Curve) { c.N = huge.Add(huge, big.NewInt(1)) }).MarshalSPKI()
	for b.Loop() {
		if _, err := ParsePublicKey(der); !errors.Is(err, ErrExplicitCurve) {
			b.Fatal(err)
		}
	}
}

func BenchmarkNamedCurveExplicit(b *testing.B) {
	c := ecc.BrainpoolP256r1
	der, _ := (&PublicKey{Curve: c, Point: c.G()}).MarshalSPKI()
	for b.Loop() {
		if _, err := ParsePublicKey(der); err != nil {
			b.Fatal(err)
		}
	}
}
