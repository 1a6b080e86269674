package pa_test

import (
	"crypto"
	"strings"
	"testing"
	"time"

	"motcua/hwtest/simcard"
	"motcua/reader/cccd"
	"motcua/reader/cms"
	"motcua/reader/lds"
	"motcua/reader/pa"
)

// TestVerifyCardSecurity: EF.CardSecurity is judged like EF.SOD.
func TestVerifyCardSecurity(t *testing.T) {
	is, err := simcard.DefaultIssuer()
	if err != nil {
		t.Fatal(err)
	}
	other, err := simcard.UntrustedIssuer()
	if err != nil {
		t.Fatal(err)
	}
	old, err := simcard.ExpiredIssuer()
	if err != nil {
		t.Fatal(err)
	}
	trust, err := is.TrustStore()
	if err != nil {
		t.Fatal(err)
	}
	infos := lds.BuildSecurityInfos(lds.BuildTAInfo())
	sign := func(i *simcard.Issuer, at time.Time) []byte {
		b, err := lds.BuildCardSecurity(infos, i.DS, i.DSKey, at)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	at := time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	sod, err := cms.Build(lds.OIDLDSSecurityObject, []byte{0x30, 0}, is.DS, is.DSKey, crypto.SHA256, at)
	if err != nil {
		t.Fatal(err)
	}
	forged := sign(is, at)
	forged[len(forged)-1] ^= 0x55 // the signature's last byte
	for _, tt := range []struct {
		name    string
		raw     []byte
		store   *pa.TrustStore
		verdict string
		reason  string
	}{
		{"genuine", sign(is, at), trust, cccd.PassiveVerified, ""},
		{"no trust store", sign(is, at), nil, cccd.PassiveChainUnknown, "no trust store"},
		{"untrusted issuer", sign(other, at), trust, cccd.PassiveChainUnknown, "no certificate of the issuing authority"},
		{"signed after its signer expired", sign(old, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)), trust, cccd.PassiveFailed, "was not valid when it signed"},
		{"signed in the future", sign(is, now.AddDate(1, 0, 0)), trust, cccd.PassiveFailed, "in the future"},
		{"signature altered", forged, trust, cccd.PassiveFailed, "EF.CardSecurity"},
		{"an EF.SOD is not EF.CardSecurity", sod, trust, cccd.PassiveFailed, "want id-SecurityObject"},
		{"garbage", []byte{0x30, 0x03, 1, 2, 3}, trust, cccd.PassiveFailed, "EF.CardSecurity"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := pa.VerifyCardSecurity(tt.raw, tt.store, now)
			if r.Verdict != tt.verdict || !strings.Contains(r.Reason, tt.reason) {
				t.Fatalf("%s (%q), want %s (%q)", r.Verdict, r.Reason, tt.verdict, tt.reason)
			}
		})
	}
}
