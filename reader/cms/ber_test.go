package cms

import (
	"bytes"
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

// BER as issuers write it (indefinite lengths, chunked OCTET STRINGs)
// parses to the same SignedData as its DER, whose signature still verifies.
func TestBERSignedData(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(5), Subject: pkix.Name{CommonName: "S"}, NotBefore: time.Unix(0, 0), NotAfter: time.Unix(2e9, 0)}
	der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	cert, _ := x509.ParseCertificate(der)
	raw, err := Build(OIDData, bytes.Repeat([]byte("content "), 20), cert, key, crypto.SHA256, time.Unix(1.7e9, 0))
	if err != nil {
		t.Fatal(err)
	}
	ber, err := IndefiniteBER(raw)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(ber, raw) || !bytes.Contains(ber, []byte{0x24, 0x80}) {
		t.Fatal("IndefiniteBER left the DER as it was")
	}
	back, err := ToDER(ber)
	if err != nil || !bytes.Equal(back, raw) {
		t.Fatalf("ToDER(IndefiniteBER(der)) != der: %v", err)
	}
	if d, err := ToDER(raw); err != nil || !bytes.Equal(d, raw) {
		t.Fatal("ToDER changed DER")
	}
	sd, err := Parse(ber)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := Parse(raw)
	if !bytes.Equal(sd.Content, want.Content) || len(sd.Certificates) != 1 {
		t.Fatal("BER and DER parse differently")
	}
	si := sd.SignerInfos[0]
	if err := cert.CheckSignature(x509.ECDSAWithSHA256, si.SignedAttrsDER, si.Signature); err != nil {
		t.Fatalf("signature over the re-encoded signed attributes: %v", err)
	}
	// Broken BER is an error, not a panic or a loop.
	for _, bad := range [][]byte{ber[:len(ber)-2], ber[:len(ber)/2], {0x30, 0x80}, {0x04, 0x80, 0, 0}, {0x30, 0x84, 0xFF, 0xFF, 0xFF, 0xFF}} {
		if _, err := ToDER(bad); err == nil {
			t.Errorf("ToDER(% X…) accepted", bad[:min(len(bad), 8)])
		}
	}
	deep := bytes.Repeat([]byte{0x30, 0x80}, 100)
	if _, err := ToDER(append(deep, make([]byte, 200)...)); err == nil {
		t.Error("100 levels of nesting accepted")
	}
}

func FuzzToDER(f *testing.F) {
	f.Add([]byte{0x30, 0x80, 0x04, 0x01, 0x00, 0x00, 0x00})
	f.Add([]byte{0x24, 0x80, 0x04, 0x01, 0x41, 0x04, 0x01, 0x42, 0x00, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := ToDER(b)
		if err != nil {
			return
		}
		if d2, err := ToDER(d); err != nil || !bytes.Equal(d, d2) {
			t.Fatalf("ToDER not idempotent: %v", err)
		}
	})
}
