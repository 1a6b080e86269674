package lds

import (
	"crypto"
	"testing"
	"time"

	"motcua/reader/ecc"
)

// Each parser must return an error, never panic, on any input.

func FuzzParseDG13(f *testing.F) {
	f.Add(unhex(f, referenceDG13))
	f.Add(BuildDG13(referenceIdentity))
	f.Add([]byte{0x6D, 0x03, 0x30, 0x01, 0x02})
	f.Fuzz(func(t *testing.T, b []byte) {
		if d, err := ParseDG13(b); err == nil {
			_ = d.Identity()
		}
	})
}

func FuzzParseDG1(f *testing.F) {
	f.Add(BuildDG1("IDVNM0930470641001093047064<<29301054M3301052VNM<<<<<<<<<<<8UNG<<HOANG<HIEP<<<<<<<<<<<<<<<"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if m, err := ParseDG1(b); err == nil {
			_, _ = m.IDNumber(), m.BirthDate()
		}
	})
}

func FuzzParseDG2(f *testing.F) {
	f.Add(BuildDG2([]byte{0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3}, 2, 2))
	f.Fuzz(func(t *testing.T, b []byte) { _, _ = ParseDG2(b) })
}

func FuzzParseSecurityInfos(f *testing.F) {
	f.Add(append([]byte{0x31, 0x14}, unhex(f, "3012060A04007F0007020204020202010202010D")...))
	_, pub, _ := ecc.BrainpoolP256r1.GenerateKey(nil)
	ck, _ := BuildChipAuthPublicKey(ChipAuthPublicKey{Key: &PublicKey{Curve: ecc.BrainpoolP256r1, Point: pub}})
	f.Add(BuildSecurityInfos(BuildChipAuthInfo(ChipAuthInfo{Protocol: OIDCAECDHAES128, Version: 1}), ck, BuildTAInfo()))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = ParseCardAccess(b)
		_, _ = ParseDG14(append([]byte{0x6E, byte(len(b))}, b...))
	})
}

func FuzzParseDG15(f *testing.F) {
	_, pub, _ := ecc.BrainpoolP256r1.GenerateKey(nil)
	dg15, _ := BuildDG15(&PublicKey{Curve: ecc.BrainpoolP256r1, Point: pub})
	f.Add(dg15)
	f.Fuzz(func(t *testing.T, b []byte) { _, _ = ParseDG15(b) })
}

func FuzzParseCOM(f *testing.F) {
	f.Add(BuildCOM([]FileID{DG1, DG2, DG13}))
	f.Fuzz(func(t *testing.T, b []byte) { _, _ = ParseCOM(b) })
}

func FuzzParseSOD(f *testing.F) {
	cert, key := testSigner(f)
	sod, err := BuildSOD(crypto.SHA256, map[FileID][]byte{DG1: []byte("a"), DG13: []byte("b")}, cert, key, time.Unix(1700000000, 0))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(sod)
	f.Fuzz(func(t *testing.T, b []byte) {
		if s, err := ParseSOD(b); err == nil {
			_ = s.DataGroups()
		}
	})
}
