package pa

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"strings"
	"testing"

	"motcua/reader/cccd"
	"motcua/reader/cms"
	"motcua/reader/ecc"
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

// Signatures on the curves real documents use beyond the common ones
// (secp192r1, secp224r1, brainpoolP224r1, brainpoolP320r1), their keys
// named by OID or given as explicit parameters that equal the curve.
func TestMoreCurves(t *testing.T) {
	oids := map[*ecc.Curve]asn1.ObjectIdentifier{
		ecc.Secp192r1:       {1, 2, 840, 10045, 3, 1, 1},
		ecc.P224:            {1, 3, 132, 0, 33},
		ecc.BrainpoolP224r1: {1, 3, 36, 3, 3, 2, 8, 1, 1, 5},
		ecc.BrainpoolP320r1: {1, 3, 36, 3, 3, 2, 8, 1, 1, 9},
	}
	msg := []byte("LDS security object")
	for c, oid := range oids {
		priv, pub, err := c.GenerateKey(nil)
		if err != nil {
			t.Fatal(err)
		}
		h := crypto.SHA256.New()
		h.Write(msg)
		r, s, err := c.SignECDSA(nil, priv, h.Sum(nil))
		if err != nil {
			t.Fatal(err)
		}
		sig, _ := asn1.Marshal(struct{ R, S *big.Int }{r, s})
		explicit, err := (&lds.PublicKey{Curve: c, Point: pub}).MarshalSPKI()
		if err != nil {
			t.Fatal(err)
		}
		pt := c.Marshal(pub)
		named, _ := asn1.Marshal(struct {
			Alg pkix.AlgorithmIdentifier
			Key asn1.BitString
		}{pkix.AlgorithmIdentifier{Algorithm: lds.OIDECPublicKey, Parameters: mustRaw(t, oid)}, asn1.BitString{Bytes: pt, BitLength: 8 * len(pt)}})
		for form, der := range map[string][]byte{"named": named, "explicit": explicit} {
			k, err := lds.ParsePublicKey(der)
			if err != nil || k.Curve != c {
				t.Fatalf("%s %s key: %v", c.Name, form, err)
			}
			alg := pkix.AlgorithmIdentifier{Algorithm: cms.OIDECDSAWithSHA256}
			if err := verifySignature(k, alg, msg, sig); err != nil {
				t.Errorf("%s %s: %v", c.Name, form, err)
			}
			if err := verifySignature(k, alg, []byte("another object"), sig); err == nil {
				t.Errorf("%s %s: a signature over other data verified", c.Name, form)
			}
		}
	}
}

func mustRaw(t *testing.T, v any) asn1.RawValue {
	b, err := asn1.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return asn1.RawValue{FullBytes: b}
}

// A CSCA key whose algorithm is id-RSASSA-PSS (not rsaEncryption) parses and
// checks PSS signatures; a hostile modulus size is refused.
func TestRSAPSSKey(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pkcs1, _ := asn1.Marshal(struct {
		N *big.Int
		E int
	}{key.N, key.E})
	spki := func(n []byte) []byte {
		b, _ := asn1.Marshal(struct {
			Alg pkix.AlgorithmIdentifier
			Key asn1.BitString
		}{pkix.AlgorithmIdentifier{Algorithm: lds.OIDRSAPSS}, asn1.BitString{Bytes: n, BitLength: 8 * len(n)}})
		return b
	}
	k, err := lds.ParsePublicKey(spki(pkcs1))
	if err != nil || k.RSA == nil || k.RSA.N.Cmp(key.N) != 0 {
		t.Fatalf("RSA-PSS key: %v", err)
	}
	params, _ := asn1.Marshal(pssParams{Hash: pkix.AlgorithmIdentifier{Algorithm: cms.OIDSHA256, Parameters: asn1.NullRawValue},
		MGF: pkix.AlgorithmIdentifier{Algorithm: asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 8}}, SaltLength: 32})
	alg := pkix.AlgorithmIdentifier{Algorithm: cms.OIDRSAPSS, Parameters: asn1.RawValue{FullBytes: params}}
	msg := []byte("certificate body")
	d := sha256.Sum256(msg)
	sig, err := rsa.SignPSS(rand.Reader, key, crypto.SHA256, d[:], &rsa.PSSOptions{SaltLength: 32})
	if err != nil {
		t.Fatal(err)
	}
	if err := verifySignature(k, alg, msg, sig); err != nil {
		t.Fatalf("PSS signature with a PSS key: %v", err)
	}
	if err := verifySignature(k, alg, []byte("other"), sig); err == nil {
		t.Fatal("PSS signature over other data verified")
	}
	huge := new(big.Int).Lsh(big.NewInt(1), 20000)
	hostile, _ := asn1.Marshal(struct {
		N *big.Int
		E int
	}{huge.Add(huge, big.NewInt(1)), 65537})
	if _, err := lds.ParsePublicKey(spki(hostile)); err == nil {
		t.Fatal("a 20 kbit RSA-PSS modulus was accepted")
	}
}
