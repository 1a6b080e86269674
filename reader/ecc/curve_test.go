package ecc

import (
	"bytes"
	"crypto/ecdh"
	"encoding/hex"
	"math/big"
	"strings"
	"testing"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestNamedCurvesAreConsistent(t *testing.T) {
	for _, c := range Named {
		if !c.IsOnCurve(c.G()) {
			t.Errorf("%s: G not on curve", c.Name)
		}
		if !c.ScalarMultInt(c.G(), c.N).Infinity() {
			t.Errorf("%s: N·G is not infinity", c.Name)
		}
		two := c.ScalarMultInt(c.G(), big.NewInt(2))
		if sum := c.Add(c.G(), c.G()); sum.X.Cmp(two.X) != 0 || sum.Y.Cmp(two.Y) != 0 {
			t.Errorf("%s: G+G != 2G", c.Name)
		}
	}
}

// Cross-check the generic arithmetic against crypto/ecdh on P-256.
func TestP256AgainstStdlib(t *testing.T) {
	for i := range 5 {
		k, err := ecdh.P256().GenerateKey(bytes.NewReader(bytes.Repeat([]byte{byte(i + 1)}, 64)))
		if err != nil {
			t.Fatal(err)
		}
		got := P256.Marshal(P256.ScalarBaseMult(k.Bytes()))
		if !bytes.Equal(got, k.PublicKey().Bytes()) {
			t.Fatalf("k·G mismatch for key %d", i)
		}
	}
}

// ICAO Doc 9303 Part 11, Appendix G.1.1: PACE ECDH-GM on brainpoolP256r1.
func TestICAOAppendixG1(t *testing.T) {
	c := BrainpoolP256r1
	s := unhex(t, "3F00C4D39D153F2B2A214A078D899B22")
	skMapIFD := unhex(t, "7F4EF07B9EA82FD78AD689B38D0BC78CF21F249D953BC46F4C6E19259C010F99")
	skMapIC := unhex(t, "498FF49756F2DC1587840041839A85982BE7761D14715FB091EFA7BCE9058560")
	pkMapIFD := "047ACF3EFC982EC45565A4B155129EFBC74650DCBFA6362D896FC70262E0C2CC5E544552DCB6725218799115B55C9BAA6D9F6BC3A9618E70C25AF71777A9C4922D"
	pkMapIC := "04824FBA91C9CBE26BEF53A0EBE7342A3BF178CEA9F45DE0B70AA601651FBA3F5730D8C879AAA9C9F73991E61B58F4D52EB87A0A0C709A49DC63719363CCD13C54"
	h := "0460332EF2450B5D247EF6D3868397D398852ED6E8CAF6FFEEF6BF85CA57057FD50840CA7415BAF3E43BD414D35AA4608B93A2CAF3A4E3EA4E82C9C13D03EB7181"
	gHat := "048CED63C91426D4F0EB1435E7CB1D74A46723A0AF21C89634F65A9AE87A9265E28C879506743F8611AC33645C5B985C80B5F09A0B83407C1B6A4D857AE76FE522"
	skDHIFD := unhex(t, "A73FB703AC1436A18E0CFA5ABB3F7BEC7A070E7A6788486BEE230C4A22762595")
	skDHIC := unhex(t, "107CF58696EF6155053340FD633392BA81909DF7B9706F226F32086C7AFF974A")
	pkDHIFD := "042DB7A64C0355044EC9DF190514C625CBA2CEA48754887122F3A5EF0D5EDD301C3556F3B3B186DF10B857B58F6A7EB80F20BA5DC7BE1D43D9BF850149FBB36462"
	pkDHIC := "049E880F842905B8B3181F7AF7CAA9F0EFB743847F44A306D2D28C1D9EC65DF6DB7764B22277A2EDDC3C265A9F018F9CB852E111B768B326904B59A0193776F094"
	k := "28768D20701247DAE81804C9E780EDE582A9996DB4A315020B2733197DB84925"

	enc := func(p Point) string { return strings.ToUpper(hex.EncodeToString(c.Marshal(p))) }
	tests := []struct {
		name, got, want string
	}{
		{"PK_map_IFD", enc(c.ScalarBaseMult(skMapIFD)), pkMapIFD},
		{"PK_map_IC", enc(c.ScalarBaseMult(skMapIC)), pkMapIC},
	}
	pic, err := c.Unmarshal(unhex(t, pkMapIC))
	if err != nil {
		t.Fatal(err)
	}
	hPoint := c.ScalarMult(pic, skMapIFD)
	tests = append(tests, struct{ name, got, want string }{"H", enc(hPoint), h})
	mapped := c.Add(c.ScalarBaseMult(s), hPoint)
	tests = append(tests, struct{ name, got, want string }{"G~", enc(mapped), gHat})
	mc := c.WithGenerator(mapped)
	tests = append(tests,
		struct{ name, got, want string }{"PK_DH_IFD", enc(mc.ScalarBaseMult(skDHIFD)), pkDHIFD},
		struct{ name, got, want string }{"PK_DH_IC", enc(mc.ScalarBaseMult(skDHIC)), pkDHIC},
	)
	pdic, _ := c.Unmarshal(unhex(t, pkDHIC))
	shared, err := mc.ECDH(skDHIFD, pdic)
	if err != nil {
		t.Fatal(err)
	}
	tests = append(tests, struct{ name, got, want string }{"K", strings.ToUpper(hex.EncodeToString(shared)), k})
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %s, want %s", tt.name, tt.got, tt.want)
		}
	}
}

func TestUnmarshalRejectsOffCurve(t *testing.T) {
	b := BrainpoolP256r1.Marshal(BrainpoolP256r1.G())
	b[len(b)-1] ^= 1
	if _, err := BrainpoolP256r1.Unmarshal(b); err == nil {
		t.Fatal("off-curve point accepted")
	}
	if _, err := BrainpoolP256r1.Unmarshal(b[:10]); err == nil {
		t.Fatal("short encoding accepted")
	}
}
