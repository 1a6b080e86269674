package hwtest

import (
	"testing"

	"motcua/hwtest/simcard"
	"motcua/reader"
	"motcua/reader/cccd"
	"motcua/reader/pa"
)

// testTrust is a trust store holding the test CSCA of every synthetic card.
func testTrust(t testing.TB) *pa.TrustStore {
	ts, err := simcard.DefaultTrust()
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

// Every forgery mode must produce the right verdict, through every transport.
func TestForgeryVerdicts(t *testing.T) {
	p := simcard.NewProfile(11)
	trust := testTrust(t)
	tests := []struct {
		fault    simcard.Fault
		passive  string
		chipAuth string
		verified bool
	}{
		{"", cccd.PassiveVerified, cccd.ChipAuthPassed, true},
		{simcard.FaultDG13Altered, cccd.PassiveFailed, cccd.ChipAuthPassed, false},
		{simcard.FaultUntrustedSigner, cccd.PassiveChainUnknown, cccd.ChipAuthPassed, false},
		{simcard.FaultExpiredSigner, cccd.PassiveFailed, cccd.ChipAuthPassed, false},
		{simcard.FaultClone, cccd.PassiveVerified, cccd.ChipAuthFailed, false},
		{simcard.FaultTruncatedSOD, cccd.PassiveFailed, cccd.ChipAuthPassed, false},
		{simcard.FaultAAOnly, cccd.PassiveVerified, cccd.ChipAuthPassed, true},
		{simcard.FaultAAOnly + "," + simcard.FaultClone, cccd.PassiveVerified, cccd.ChipAuthFailed, false},
	}
	for name, h := range harnesses(t) {
		t.Run(name, func(t *testing.T) {
			for _, tt := range tests {
				t.Run(string(tt.fault)+"_", func(t *testing.T) {
					res, err := reader.Read(insert(t, h, newCard(t, p, tt.fault)), reader.Options{
						Keys: idKey(t, p.Identity.IDNumber), Trust: trust,
					})
					if err != nil {
						t.Fatalf("a readable card must read (the verdict is data): %v", err)
					}
					v := res.Verification
					if v.Passive != tt.passive || v.ChipAuth != tt.chipAuth || v.Verified() != tt.verified {
						t.Fatalf("verdict %+v, want passive %s chip %s verified %v", v, tt.passive, tt.chipAuth, tt.verified)
					}
					if tt.passive != cccd.PassiveVerified && v.PassiveReason == "" {
						t.Fatal("a verdict other than verified needs a reason")
					}
					if res.Identity.IDNumber != p.Identity.IDNumber {
						t.Fatal("identity lost")
					}
				})
			}
			t.Run("no trust store", func(t *testing.T) {
				res, err := reader.Read(insert(t, h, newCard(t, p, "")), reader.Options{Keys: idKey(t, p.Identity.IDNumber)})
				if err != nil || res.Verification.Passive != cccd.PassiveChainUnknown || res.Verification.Verified() {
					t.Fatalf("err %v verdict %+v", err, res.Verification)
				}
			})
		})
	}
}
