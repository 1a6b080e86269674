package cms

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"testing"
	"time"
)

func FuzzParse(f *testing.F) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "S"}, NotBefore: time.Unix(0, 0), NotAfter: time.Unix(2e9, 0)}
	der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	cert, _ := x509.ParseCertificate(der)
	sd, err := Build(OIDData, []byte("content"), cert, key, crypto.SHA256, time.Unix(1.7e9, 0))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(sd)
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := Parse(b)
		if err != nil {
			return
		}
		for _, si := range s.SignerInfos {
			si.MessageDigest()
			si.SignerCertificate([]*x509.Certificate{cert})
		}
	})
}

func TestBuildParse(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(5), Subject: pkix.Name{CommonName: "S"}, NotBefore: time.Unix(0, 0), NotAfter: time.Unix(2e9, 0)}
	der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	cert, _ := x509.ParseCertificate(der)
	raw, err := Build(OIDData, []byte("content"), cert, key, crypto.SHA256, time.Unix(1.7e9, 0))
	if err != nil {
		t.Fatal(err)
	}
	sd, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if string(sd.Content) != "content" || len(sd.Certificates) != 1 || len(sd.SignerInfos) != 1 {
		t.Fatalf("%+v", sd)
	}
	si := sd.SignerInfos[0]
	if err := cert.CheckSignature(x509.ECDSAWithSHA256, si.SignedAttrsDER, si.Signature); err != nil {
		t.Fatal(err)
	}
	if _, err := Parse(raw[:len(raw)-3]); err == nil {
		t.Fatal("truncated SignedData accepted")
	}
}
