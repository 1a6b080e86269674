package pa

import (
	"crypto"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"strings"
	"testing"

	"motcua/reader/cccd"
	"motcua/reader/cms"
	"motcua/reader/lds"
	"motcua/reader/tlv"
)

// What real issuers emit parses; what is signed is still checked strictly
// (issue 20): each variant must give its verdict.
func TestLenientEFSOD(t *testing.T) {
	files := map[lds.FileID][]byte{lds.DG1: []byte("dg1"), lds.DG13: []byte("dg13"), lds.DG2: []byte("face")}
	bp := brainpoolPKI(t, t2020.AddDate(0, 1, 0), t2040)
	other := brainpoolPKI(t, t2020.AddDate(0, 1, 0), t2040)
	store := storeWith(t, bp.cscaDER)
	signedAt := t2020.AddDate(1, 0, 0)
	genuine := sodFor(t, bp, files)
	sd, err := lds.ParseSOD(genuine)
	if err != nil {
		t.Fatal(err)
	}
	lso := sd.SignedData.Content
	// rebuild signs the same LDS security object with another content
	// type, signer naming, certificate or signing key.
	rebuild := func(ct asn1.ObjectIdentifier, issuer []byte, serial *big.Int, cert []byte, sign cms.SignFunc) []byte {
		ci, err := cms.BuildWith(ct, lso, cert, issuer, serial, crypto.SHA256, sign, signedAt)
		if err != nil {
			t.Fatal(err)
		}
		return tlv.Encode(0x77, ci)
	}
	ber := func(sod []byte) []byte {
		v, _ := tlv.Unwrap(sod, 0x77)
		b, err := cms.IndefiniteBER(v)
		if err != nil {
			t.Fatal(err)
		}
		return tlv.Encode(0x77, b)
	}
	// The issuer's RDNs in reverse order, as a SignerInfo may list them.
	var rdns pkix.RDNSequence
	if _, err := asn1.Unmarshal(bp.ds.RawIssuer, &rdns); err != nil {
		t.Fatal(err)
	}
	for i, j := 0, len(rdns)-1; i < j; i, j = i+1, j-1 {
		rdns[i], rdns[j] = rdns[j], rdns[i]
	}
	reversed, _ := asn1.Marshal(rdns)
	otherName, _ := asn1.Marshal(pkix.Name{Country: []string{"VN"}, CommonName: "Somebody else"}.ToRDNSequence())
	twoCerts := func(sign cms.SignFunc) []byte {
		ci, err := cms.BuildWith(lds.OIDLDSSecurityObject, lso, append(append([]byte(nil), other.dsDER...), bp.dsDER...), otherName, big.NewInt(99), crypto.SHA256, sign, signedAt)
		if err != nil {
			t.Fatal(err)
		}
		return tlv.Encode(0x77, ci)
	}
	tests := []struct {
		name, verdict, reason string
		sod                   []byte
	}{
		{"DER as issued", cccd.PassiveVerified, "", genuine},
		{"BER, indefinite lengths and chunked octets", cccd.PassiveVerified, "", ber(genuine)},
		{"content type id-data", cccd.PassiveVerified, "", rebuild(cms.OIDData, bp.ds.RawIssuer, bp.ds.Serial, bp.dsDER, bp.signDS)},
		{"BER and id-data together", cccd.PassiveVerified, "", ber(rebuild(cms.OIDData, bp.ds.RawIssuer, bp.ds.Serial, bp.dsDER, bp.signDS))},
		{"issuer RDNs in another order", cccd.PassiveVerified, "", rebuild(lds.OIDLDSSecurityObject, reversed, bp.ds.Serial, bp.dsDER, bp.signDS)},
		{"signer named wrongly, single certificate", cccd.PassiveVerified, "", rebuild(lds.OIDLDSSecurityObject, otherName, big.NewInt(99), bp.dsDER, bp.signDS)},
		{"single certificate, another key signed", cccd.PassiveFailed, "does not verify", rebuild(lds.OIDLDSSecurityObject, otherName, big.NewInt(99), bp.dsDER, other.signDS)},
		{"right name, wrong serial, another key signed", cccd.PassiveFailed, "does not verify", rebuild(lds.OIDLDSSecurityObject, bp.ds.RawIssuer, big.NewInt(99), bp.dsDER, other.signDS)},
		{"two certificates, none named: no guessing", cccd.PassiveFailed, "none of the certificates", twoCerts(bp.signDS)},
		{"another content type", cccd.PassiveFailed, "not an LDS security object", rebuild(asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 5}, bp.ds.RawIssuer, bp.ds.Serial, bp.dsDER, bp.signDS)},
	}
	for _, tt := range tests {
		r := Verify(tt.sod, files, store, now)
		if r.Verdict != tt.verdict || !strings.Contains(r.Reason, tt.reason) {
			t.Errorf("%s: %s (%s), want %s (%s)", tt.name, r.Verdict, r.Reason, tt.verdict, tt.reason)
		}
	}
}

// Names compare by value: attribute order, letter case and spacing aside.
func TestSameName(t *testing.T) {
	n := func(rdns ...pkix.AttributeTypeAndValue) []byte {
		var seq pkix.RDNSequence
		for _, a := range rdns {
			seq = append(seq, pkix.RelativeDistinguishedNameSET{a})
		}
		b, _ := asn1.Marshal(seq)
		return b
	}
	c := func(v string) pkix.AttributeTypeAndValue {
		return pkix.AttributeTypeAndValue{Type: asn1.ObjectIdentifier{2, 5, 4, 6}, Value: v}
	}
	cn := func(v string) pkix.AttributeTypeAndValue {
		return pkix.AttributeTypeAndValue{Type: asn1.ObjectIdentifier{2, 5, 4, 3}, Value: v}
	}
	if !sameName(n(c("VN"), cn("CSCA Viet Nam")), n(cn("csca  viet nam"), c("VN"))) {
		t.Error("same attributes in another order and case differ")
	}
	if sameName(n(c("VN"), cn("CSCA Viet Nam")), n(c("VN"), cn("CSCA Lao"))) {
		t.Error("different common names match")
	}
	if sameName(n(c("VN"), cn("X")), n(c("VN"), cn("X"), cn("Y"))) {
		t.Error("an extra attribute matches")
	}
	if sameName([]byte{0x30, 0x03, 0x01}, []byte{0x30, 0x03, 0x02}) {
		t.Error("garbage names match")
	}
}
