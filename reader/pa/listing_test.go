package pa

import (
	"testing"
	"time"

	"motcua/reader/cccd"
	"motcua/reader/ecc"
	"motcua/reader/lds"
)

// TestList: the store described by country with validity at the time
// asked, sorted; nil lists nothing.
func TestList(t *testing.T) {
	priv, pub, _ := ecc.BrainpoolP256r1.GenerateKey(nil)
	a := brainpoolCert(t, name("CSCA BP"), name("CSCA BP"), 1, pub, priv, t2020, t2040, true)
	b := brainpoolCert(t, name("CSCA OLD"), name("CSCA OLD"), 7, pub, priv, t2020.AddDate(1, 0, 0), time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC), true)
	store := storeWith(t, a, b)
	for _, tc := range []struct {
		at   time.Time
		want [2]string // statuses, in listing order
	}{
		{time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), [2]string{CSCAExpired, CSCAValid}},
		{time.Date(2022, 6, 1, 0, 0, 0, 0, time.UTC), [2]string{CSCAValid, CSCAValid}},
		{time.Date(2020, 6, 1, 0, 0, 0, 0, time.UTC), [2]string{CSCANotYetValid, CSCAValid}},
	} {
		list := store.List(tc.at)
		if len(list) != 2 {
			t.Fatalf("%d entries", len(list))
		}
		got := map[string]string{}
		for _, e := range list {
			if e.Country == "" || e.Subject == "" || e.Serial == "" || e.NotAfter.Before(e.NotBefore) {
				t.Fatalf("entry %+v", e)
			}
			got[e.NotAfter.Format("2006")] = e.Status
		}
		if got["2023"] != tc.want[0] || got[t2040.Format("2006")] != tc.want[1] {
			t.Errorf("at %s: %v, want %v", tc.at.Format("2006-01-02"), got, tc.want)
		}
	}
	var none *TrustStore
	if none.List(time.Now()) != nil {
		t.Fatal("a nil store lists something")
	}
}

// TestNoIssuerCSCA: only the verdicts whose one gap is the issuer's
// certificate say so; altered data, bad signatures and expired signers
// never do (a forged card must not read as "just install a certificate").
func TestNoIssuerCSCA(t *testing.T) {
	files := map[lds.FileID][]byte{lds.DG1: []byte("dg1"), lds.DG13: []byte("dg13")}
	altered := map[lds.FileID][]byte{lds.DG1: []byte("dg1"), lds.DG13: []byte("DG13 FORGED")}
	bp := brainpoolPKI(t, t2020.AddDate(0, 1, 0), t2040)
	other := brainpoolPKI(t, t2020.AddDate(0, 1, 0), t2040)
	badSig := sodFor(t, bp, files)
	badSig[len(badSig)-5] ^= 0x40
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name    string
		sod     []byte
		files   map[lds.FileID][]byte
		store   *TrustStore
		verdict string
		missing bool
	}{
		{"no trust store", sodFor(t, bp, files), files, nil, cccd.PassiveChainUnknown, true},
		{"issuer not installed", sodFor(t, bp, files), files, storeWith(t, other.cscaDER), cccd.PassiveChainUnknown, true},
		{"verified", sodFor(t, bp, files), files, storeWith(t, bp.cscaDER), cccd.PassiveVerified, false},
		{"altered, issuer not installed", sodFor(t, bp, files), altered, storeWith(t, other.cscaDER), cccd.PassiveFailed, false},
		{"bad signature, issuer not installed", badSig, files, storeWith(t, other.cscaDER), cccd.PassiveFailed, false},
	} {
		r := Verify(tc.sod, tc.files, tc.store, now)
		if r.Verdict != tc.verdict || NoIssuerCSCA(r.Reason) != tc.missing {
			t.Errorf("%s: %s %q: missing CSCA %v, want %s %v", tc.name, r.Verdict, r.Reason, NoIssuerCSCA(r.Reason), tc.verdict, tc.missing)
		}
	}
}
