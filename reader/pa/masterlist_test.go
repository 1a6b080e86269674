package pa_test

import (
	"crypto"
	"errors"
	"strings"
	"testing"
	"time"

	"motcua/hwtest/simcard"
	"motcua/reader/cms"
	"motcua/reader/pa"
)

// TestMasterListVerdicts: a master list is verified only when its signer
// chains to a CSCA already trusted; a list that certifies itself, or whose
// signer nobody trusted certified, is unverified; an altered list is an
// error, whoever signed it.
func TestMasterListVerdicts(t *testing.T) {
	is, err := simcard.DefaultIssuer()
	if err != nil {
		t.Fatal(err)
	}
	other, err := simcard.UntrustedIssuer()
	if err != nil {
		t.Fatal(err)
	}
	de, err := simcard.ForeignCSCA("DE", time.Date(2018, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2033, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	trusted, err := is.TrustStore()
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	good, err := is.MasterList(at, is.CSCA.Raw, de.Raw)
	if err != nil {
		t.Fatal(err)
	}
	// A list that carries its own CSCA and signer: self-certified.
	selfish, err := other.MasterList(at, other.CSCA.Raw, de.Raw)
	if err != nil {
		t.Fatal(err)
	}
	altered := append([]byte(nil), good...)
	i := strings.Index(string(altered), "CSCA DE test")
	altered[i] = 'X' // inside the content, under the message digest
	ber, err := cms.IndefiniteBER(good)
	if err != nil {
		t.Fatal(err)
	}
	sod, err := is.MasterList(at) // an empty list is still a list
	if err != nil {
		t.Fatal(err)
	}

	for _, tt := range []struct {
		name      string
		der       []byte
		store     *pa.TrustStore
		verified  bool
		cscas     int
		errIs     error
		errSubstr string
	}{
		{name: "verified", der: good, store: trusted, verified: true, cscas: 2},
		{name: "verified-ber", der: ber, store: trusted, verified: true, cscas: 2},
		{name: "no-store", der: good, store: nil, cscas: 2},
		{name: "empty-store", der: good, store: pa.NewTrustStore(), cscas: 2},
		{name: "self-certified", der: selfish, store: trusted, cscas: 2},
		{name: "altered", der: altered, store: trusted, errIs: pa.ErrBadSignature},
		{name: "altered-untrusted", der: altered, store: nil, errIs: pa.ErrBadSignature},
		{name: "empty-list", der: sod, store: trusted, verified: true, cscas: 0},
		{name: "truncated", der: good[:len(good)-10], store: trusted, errIs: cms.ErrMalformed},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ml, err := pa.ParseMasterList(tt.der, tt.store)
			if tt.errIs != nil || tt.errSubstr != "" {
				if err == nil || (tt.errIs != nil && !errors.Is(err, tt.errIs)) {
					t.Fatalf("err = %v, want %v", err, tt.errIs)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := ml.VerifiedBy != nil; got != tt.verified {
				t.Fatalf("verified = %v (%s), want %v", got, ml.Unverified, tt.verified)
			}
			if !tt.verified && ml.Unverified == "" {
				t.Fatal("unverified without a reason")
			}
			if len(ml.CSCAs) != tt.cscas || ml.Unusable != 0 {
				t.Fatalf("CSCAs = %d (+%d unusable), want %d", len(ml.CSCAs), ml.Unusable, tt.cscas)
			}
			if !ml.SignedAt.Equal(at) {
				t.Fatalf("signed at %v, want %v", ml.SignedAt, at)
			}
		})
	}
}

// TestMasterListNotAList: an EF.SOD (CMS, other content type) is not a list.
func TestMasterListNotAList(t *testing.T) {
	is, err := simcard.DefaultIssuer()
	if err != nil {
		t.Fatal(err)
	}
	der, err := cms.Build(cms.OIDData, []byte("hello"), is.DS, is.DSKey, crypto.SHA256, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pa.ParseMasterList(der, nil); !errors.Is(err, pa.ErrNotMasterList) {
		t.Fatalf("err = %v, want ErrNotMasterList", err)
	}
}

// TestCountry reads the subject's country.
func TestCountry(t *testing.T) {
	de, err := simcard.ForeignCSCA("de", time.Now(), time.Now().AddDate(1, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	c, err := pa.ParseCert(de.Raw)
	if err != nil {
		t.Fatal(err)
	}
	if c.Country() != "DE" {
		t.Fatalf("country %q", c.Country())
	}
}
