package pa

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"motcua/reader/cccd"
	"motcua/reader/cms"
	"motcua/reader/ecc"
	"motcua/reader/lds"
)

var (
	t2020 = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	t2040 = time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC)
	now   = time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
)

// pki is a CSCA and a DS, with a signing function for each.
type pki struct {
	cscaDER, dsDER []byte
	ds             *Cert
	signDS         cms.SignFunc
}

func name(cn string) []byte {
	b, _ := asn1.Marshal(pkix.Name{Country: []string{"VN"}, CommonName: cn}.ToRDNSequence())
	return b
}

// brainpoolCert hand-builds a certificate whose key and signature are on
// brainpoolP256r1, which crypto/x509 can neither create nor parse.
func brainpoolCert(t *testing.T, subject, issuer []byte, serial int64, pub ecc.Point, signer []byte, from, to time.Time, isCA bool) []byte {
	t.Helper()
	spki, err := (&lds.PublicKey{Curve: ecc.BrainpoolP256r1, Point: pub}).MarshalSPKI()
	if err != nil {
		t.Fatal(err)
	}
	var exts []pkix.Extension
	if isCA {
		bc, _ := asn1.Marshal(struct{ IsCA bool }{true})
		exts = append(exts, pkix.Extension{Id: oidBC, Critical: true, Value: bc})
	}
	tbs, err := asn1.Marshal(struct {
		Version    int `asn1:"explicit,tag:0"`
		Serial     *big.Int
		Algorithm  pkix.AlgorithmIdentifier
		Issuer     asn1.RawValue
		Validity   validity
		Subject    asn1.RawValue
		PublicKey  asn1.RawValue
		Extensions []pkix.Extension `asn1:"optional,explicit,tag:3"`
	}{2, big.NewInt(serial), pkix.AlgorithmIdentifier{Algorithm: cms.OIDECDSAWithSHA256}, asn1.RawValue{FullBytes: issuer},
		validity{from, to}, asn1.RawValue{FullBytes: subject}, asn1.RawValue{FullBytes: spki}, exts})
	if err != nil {
		t.Fatal(err)
	}
	sig := brainpoolSign(t, signer, tbs)
	der, err := asn1.Marshal(struct {
		TBS       asn1.RawValue
		Algorithm pkix.AlgorithmIdentifier
		Signature asn1.BitString
	}{asn1.RawValue{FullBytes: tbs}, pkix.AlgorithmIdentifier{Algorithm: cms.OIDECDSAWithSHA256}, asn1.BitString{Bytes: sig, BitLength: 8 * len(sig)}})
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func brainpoolSign(t *testing.T, priv, msg []byte) []byte {
	h := crypto.SHA256.New()
	h.Write(msg)
	r, s, err := ecc.BrainpoolP256r1.SignECDSA(nil, priv, h.Sum(nil))
	if err != nil {
		t.Fatal(err)
	}
	sig, _ := asn1.Marshal(struct{ R, S *big.Int }{r, s})
	return sig
}

func brainpoolPKI(t *testing.T, dsFrom, dsTo time.Time) pki {
	cscaPriv, cscaPub, _ := ecc.BrainpoolP256r1.GenerateKey(nil)
	dsPriv, dsPub, _ := ecc.BrainpoolP256r1.GenerateKey(nil)
	csca := brainpoolCert(t, name("CSCA BP"), name("CSCA BP"), 1, cscaPub, cscaPriv, t2020, t2040, true)
	ds := brainpoolCert(t, name("DS BP"), name("CSCA BP"), 2, dsPub, cscaPriv, dsFrom, dsTo, false)
	dsCert, err := ParseCert(ds)
	if err != nil {
		t.Fatal(err)
	}
	return pki{cscaDER: csca, dsDER: ds, ds: dsCert, signDS: func(d []byte) (pkix.AlgorithmIdentifier, []byte, error) {
		r, s, err := ecc.BrainpoolP256r1.SignECDSA(nil, dsPriv, d)
		sig, _ := asn1.Marshal(struct{ R, S *big.Int }{r, s})
		return pkix.AlgorithmIdentifier{Algorithm: cms.OIDECDSAWithSHA256}, sig, err
	}}
}

// rsaPSSPKI is an RSA CSCA (via crypto/x509) and a DS that signs with RSA-PSS.
func rsaPSSPKI(t *testing.T) pki {
	cscaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	dsKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	cscaTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "CSCA RSA", Country: []string{"VN"}},
		NotBefore: t2020, NotAfter: t2040, IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	cscaDER, _ := x509.CreateCertificate(rand.Reader, cscaTmpl, cscaTmpl, &cscaKey.PublicKey, cscaKey)
	csca, _ := x509.ParseCertificate(cscaDER)
	dsTmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "DS RSA", Country: []string{"VN"}},
		NotBefore: t2020.AddDate(0, 1, 0), NotAfter: t2040}
	dsDER, err := x509.CreateCertificate(rand.Reader, dsTmpl, csca, &dsKey.PublicKey, cscaKey)
	if err != nil {
		t.Fatal(err)
	}
	ds, _ := ParseCert(dsDER)
	params, _ := asn1.Marshal(pssParams{Hash: pkix.AlgorithmIdentifier{Algorithm: cms.OIDSHA256, Parameters: asn1.NullRawValue},
		MGF: pkix.AlgorithmIdentifier{Algorithm: asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 8}}, SaltLength: 32})
	return pki{cscaDER: cscaDER, dsDER: dsDER, ds: ds, signDS: func(d []byte) (pkix.AlgorithmIdentifier, []byte, error) {
		sig, err := rsa.SignPSS(rand.Reader, dsKey, crypto.SHA256, d, &rsa.PSSOptions{SaltLength: 32})
		return pkix.AlgorithmIdentifier{Algorithm: cms.OIDRSAPSS, Parameters: asn1.RawValue{FullBytes: params}}, sig, err
	}}
}

func sodFor(t *testing.T, p pki, files map[lds.FileID][]byte) []byte {
	return sodAt(t, p, files, t2020.AddDate(1, 0, 0))
}

// sodAt signs EF.SOD with signingTime at (none when at is zero).
func sodAt(t *testing.T, p pki, files map[lds.FileID][]byte, at time.Time) []byte {
	sod, err := lds.BuildSODWith(crypto.SHA256, files, p.dsDER, p.ds.RawIssuer, p.ds.Serial, p.signDS, at)
	if err != nil {
		t.Fatal(err)
	}
	return sod
}

func storeWith(t *testing.T, ders ...[]byte) *TrustStore {
	ts := NewTrustStore()
	for _, d := range ders {
		c, err := ParseCert(d)
		if err != nil {
			t.Fatal(err)
		}
		ts.Add(c)
	}
	return ts
}

func TestVerifyVerdicts(t *testing.T) {
	files := map[lds.FileID][]byte{lds.DG1: []byte("dg1"), lds.DG13: []byte("dg13"), lds.DG2: []byte("face")}
	bp := brainpoolPKI(t, t2020.AddDate(0, 1, 0), t2040)
	pss := rsaPSSPKI(t)
	expired := brainpoolPKI(t, t2020.AddDate(0, 1, 0), time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC))
	other := brainpoolPKI(t, t2020.AddDate(0, 1, 0), t2040)
	altered := map[lds.FileID][]byte{lds.DG1: []byte("dg1"), lds.DG13: []byte("DG13 FORGED"), lds.DG2: []byte("face")}
	extra := map[lds.FileID][]byte{lds.DG1: []byte("dg1"), lds.DG13: []byte("dg13"), lds.DG2: []byte("face"), lds.FileID(11): []byte("x")}
	dg13 := func(issued string) map[lds.FileID][]byte {
		return map[lds.FileID][]byte{lds.DG13: lds.BuildDG13(cccd.Identity{IDNumber: "001093047064", FullName: "Nguyễn Văn Thử", DateOfIssue: issued})}
	}
	issued2021, issued2024 := dg13("2021-07-24"), dg13("2024-03-01")
	badSig := sodFor(t, bp, files)
	badSig[len(badSig)-5] ^= 0x40 // inside the signature
	tests := []struct {
		name    string
		sod     []byte
		files   map[lds.FileID][]byte
		store   *TrustStore
		verdict string
		reason  string
	}{
		{"brainpool chain verified", sodFor(t, bp, files), files, storeWith(t, bp.cscaDER), cccd.PassiveVerified, ""},
		{"RSA-PSS chain verified", sodFor(t, pss, files), files, storeWith(t, pss.cscaDER), cccd.PassiveVerified, ""},
		{"no trust store", sodFor(t, bp, files), files, nil, cccd.PassiveChainUnknown, "no trust store"},
		{"CSCA not trusted", sodFor(t, bp, files), files, storeWith(t, other.cscaDER), cccd.PassiveChainUnknown, "no certificate of the issuing authority (CSCA) installed"},
		{"altered DG13", sodFor(t, bp, files), altered, storeWith(t, bp.cscaDER), cccd.PassiveFailed, "DG13 does not match"},
		{"DG not covered", sodFor(t, bp, files), extra, storeWith(t, bp.cscaDER), cccd.PassiveFailed, "not covered"},
		{"bad signature", badSig, files, storeWith(t, bp.cscaDER), cccd.PassiveFailed, ""},
		// Validity is judged when EF.SOD was signed (issue 20).
		{"signer expired before signing", sodAt(t, expired, files, time.Date(2023, 6, 1, 0, 0, 0, 0, time.UTC)), files, storeWith(t, expired.cscaDER), cccd.PassiveFailed, "expired on 2023-01-01, before EF.SOD was signed on 2023-06-01"},
		{"signer expired since, valid when signing", sodFor(t, expired, files), files, storeWith(t, expired.cscaDER), cccd.PassiveVerified, ""},
		{"signed before the signer was valid", sodAt(t, bp, files, t2020), files, storeWith(t, bp.cscaDER), cccd.PassiveFailed, "not valid yet"},
		{"signed in the future", sodAt(t, bp, files, now.AddDate(1, 0, 0)), files, storeWith(t, bp.cscaDER), cccd.PassiveFailed, "in the future"},
		{"no signingTime: date of issue, signer valid then", sodAt(t, expired, issued2021, time.Time{}), issued2021, storeWith(t, expired.cscaDER), cccd.PassiveVerified, ""},
		{"no signingTime: date of issue after the signer expired", sodAt(t, expired, issued2024, time.Time{}), issued2024, storeWith(t, expired.cscaDER), cccd.PassiveFailed, "the card's date of issue"},
		{"no signingTime, no date of issue: judged today", sodAt(t, expired, files, time.Time{}), files, storeWith(t, expired.cscaDER), cccd.PassiveFailed, "judged today"},
		{"truncated SOD", sodFor(t, bp, files)[:200], files, storeWith(t, bp.cscaDER), cccd.PassiveFailed, "malformed"},
		{"no SOD", nil, files, storeWith(t, bp.cscaDER), cccd.PassiveFailed, "could not be read"},
	}
	for _, tt := range tests {
		r := Verify(tt.sod, tt.files, tt.store, now)
		if r.Verdict != tt.verdict || !strings.Contains(r.Reason, tt.reason) {
			t.Errorf("%s: %s (%s), want %s (%s)", tt.name, r.Verdict, r.Reason, tt.verdict, tt.reason)
		}
		if r.Verdict != cccd.PassiveVerified && r.Reason == "" {
			t.Errorf("%s: no reason", tt.name)
		}
		if strings.HasPrefix(tt.name, "signer expired since") && !strings.Contains(r.Info, "document signer expired since 2023-01-01") {
			t.Errorf("%s: info %q", tt.name, r.Info)
		}
	}
}

func TestTrustStoreLoading(t *testing.T) {
	dir := t.TempDir()
	bp := brainpoolPKI(t, t2020.AddDate(0, 1, 0), t2040)
	pss := rsaPSSPKI(t)
	// A PEM CSCA, a DER CSCA inside a master list, a broken file and junk.
	os.WriteFile(filepath.Join(dir, "csca.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: pss.cscaDER}), 0o644)
	mlKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	mlTmpl := &x509.Certificate{SerialNumber: big.NewInt(9), Subject: pkix.Name{CommonName: "ML signer"}, NotBefore: t2020, NotAfter: t2040}
	mlDER, _ := x509.CreateCertificate(rand.Reader, mlTmpl, mlTmpl, &mlKey.PublicKey, mlKey)
	mlCert, _ := x509.ParseCertificate(mlDER)
	content, _ := asn1.Marshal(struct {
		Version int
		Certs   []asn1.RawValue `asn1:"set"`
	}{0, []asn1.RawValue{{FullBytes: bp.cscaDER}}})
	ml, err := cms.Build(OIDCSCAMasterList, content, mlCert, mlKey, crypto.SHA256, now)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "VN.ml"), ml, 0o644)
	// The same list with one byte of its content changed: not loaded.
	altered := append([]byte(nil), ml...)
	altered[bytes.Index(altered, bp.cscaDER)+len(bp.cscaDER)/2] ^= 0x01
	os.WriteFile(filepath.Join(dir, "altered.ml"), altered, 0o644)
	os.WriteFile(filepath.Join(dir, "broken.der"), []byte{0x30, 0x03, 0x01}, 0o644)
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("ignored"), 0o644)
	ts, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ts.CSCAs) != 2 {
		t.Fatalf("%d CSCAs loaded, want 2 (PEM + master list)", len(ts.CSCAs))
	}
	if len(ts.Problems) != 2 || !strings.Contains(ts.Problems[0], "altered.ml") || !strings.Contains(ts.Problems[0], "signature does not verify") || !strings.Contains(ts.Problems[1], "broken.der") {
		t.Fatalf("problems %q", ts.Problems)
	}
	files := map[lds.FileID][]byte{lds.DG1: []byte("dg1")}
	if r := Verify(sodFor(t, bp, files), files, ts, now); r.Verdict != cccd.PassiveVerified {
		t.Fatalf("master-list CSCA: %+v", r)
	}
	if _, err := LoadDir(filepath.Join(dir, "missing")); err == nil {
		t.Fatal("missing folder accepted")
	}
}

func TestRevocation(t *testing.T) {
	dir := t.TempDir()
	cscaKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	dsKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	cscaTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "CSCA P256"}, NotBefore: t2020, NotAfter: t2040,
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
	cscaDER, _ := x509.CreateCertificate(rand.Reader, cscaTmpl, cscaTmpl, &cscaKey.PublicKey, cscaKey)
	csca, _ := x509.ParseCertificate(cscaDER)
	dsTmpl := &x509.Certificate{SerialNumber: big.NewInt(77), Subject: pkix.Name{CommonName: "DS P256"}, NotBefore: t2020.AddDate(0, 1, 0), NotAfter: t2040}
	dsDER, _ := x509.CreateCertificate(rand.Reader, dsTmpl, csca, &dsKey.PublicKey, cscaKey)
	ds, _ := x509.ParseCertificate(dsDER)
	files := map[lds.FileID][]byte{lds.DG1: []byte("dg1")}
	sod, err := lds.BuildSOD(crypto.SHA256, files, ds, dsKey, t2020.AddDate(1, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "csca.der"), cscaDER, 0o644)
	ts, _ := LoadDir(dir)
	if r := Verify(sod, files, ts, now); r.Verdict != cccd.PassiveVerified {
		t.Fatalf("before CRL: %+v", r)
	}
	crl, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{Number: big.NewInt(1), ThisUpdate: now, NextUpdate: now.AddDate(0, 1, 0),
		RevokedCertificateEntries: []x509.RevocationListEntry{{SerialNumber: big.NewInt(77), RevocationTime: now}}}, csca, cscaKey)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "csca.crl"), crl, 0o644)
	ts, _ = LoadDir(dir)
	if len(ts.Problems) != 0 {
		t.Fatalf("problems %q", ts.Problems)
	}
	if r := Verify(sod, files, ts, now); r.Verdict != cccd.PassiveFailed || !strings.Contains(r.Reason, "revoked") {
		t.Fatalf("after CRL: %+v", r)
	}
}

// A malformed SOD or certificate yields failed with a reason, never a panic.
func FuzzVerify(f *testing.F) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "DS"}, NotBefore: t2020, NotAfter: t2040}
	der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	cert, _ := x509.ParseCertificate(der)
	files := map[lds.FileID][]byte{lds.DG1: []byte("dg1")}
	sod, _ := lds.BuildSOD(crypto.SHA256, files, cert, key, t2020.AddDate(1, 0, 0))
	f.Add(sod)
	f.Add(sod[:len(sod)/2])
	f.Fuzz(func(t *testing.T, b []byte) {
		r := Verify(b, files, nil, now)
		if r.Verdict == cccd.PassiveVerified {
			t.Fatal("fuzzed SOD verified without a trust store")
		}
		if r.Verdict == cccd.PassiveFailed && r.Reason == "" {
			t.Fatal("failed without a reason")
		}
	})
}

func FuzzParseCert(f *testing.F) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "CSCA"}, NotBefore: t2020, NotAfter: t2040}
	der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	f.Add(der)
	f.Fuzz(func(t *testing.T, b []byte) {
		if c, err := ParseCert(b); err == nil {
			_ = c.CheckSignatureFrom(c)
		}
	})
}
