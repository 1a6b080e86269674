package simcard

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"time"

	"motcua/reader/pa"
)

// Issuer is the test PKI that signs every synthetic card: a country signing
// CA (CSCA) and a document signer (DS) it certifies. The keys are derived
// from fixed labels, so every process (the test, `motcua simcard`, the
// trust store written by `motcua simcard csca`) agrees on them. They are test
// keys: never trust them outside tests and demos.
type Issuer struct {
	CSCA    *x509.Certificate
	CSCAKey *ecdsa.PrivateKey
	DS      *x509.Certificate
	DSKey   *ecdsa.PrivateKey
}

// testKey derives a P-256 key from a label.
func testKey(label string) *ecdsa.PrivateKey {
	sum := sha256.Sum256([]byte("motcua synthetic test key: " + label))
	n := elliptic.P256().Params().N
	d := new(big.Int).SetBytes(sum[:])
	d.Mod(d, new(big.Int).Sub(n, big.NewInt(1)))
	d.Add(d, big.NewInt(1))
	k, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), d.FillBytes(make([]byte, 32)))
	if err != nil {
		panic(err) // d is in range by construction
	}
	return k
}

// Fixed validity so certificates from different runs are interchangeable.
var (
	cscaFrom = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	cscaTo   = time.Date(2045, 1, 1, 0, 0, 0, 0, time.UTC)
)

func subject(cn string) pkix.Name {
	return pkix.Name{Country: []string{"VN"}, Organization: []string{"Motcua synthetic test PKI"}, CommonName: cn}
}

func issue(tmpl, parent *x509.Certificate, pub, parentKey crypto.Signer) (*x509.Certificate, error) {
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub.Public(), parentKey)
	if err != nil {
		return nil, err
	}
	return x509.ParseCertificate(der)
}

// NewIssuer builds the test PKI under a CSCA label ("" for the default one
// that `motcua simcard csca` exports). A DS valid from dsFrom until dsTo is
// certified.
func NewIssuer(label string, dsFrom, dsTo time.Time) (*Issuer, error) {
	if label == "" {
		label = "CSCA VN test"
	}
	cscaKey := testKey(label)
	cscaTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               subject(label),
		NotBefore:             cscaFrom,
		NotAfter:              cscaTo,
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	csca, err := issue(cscaTmpl, cscaTmpl, cscaKey, cscaKey)
	if err != nil {
		return nil, fmt.Errorf("test CSCA: %w", err)
	}
	dsKey := testKey(label + " / DS")
	dsTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(dsTo.Unix()),
		Subject:      subject("Document Signer test"),
		NotBefore:    dsFrom,
		NotAfter:     dsTo,
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	ds, err := issue(dsTmpl, csca, dsKey, cscaKey)
	if err != nil {
		return nil, fmt.Errorf("test document signer: %w", err)
	}
	return &Issuer{CSCA: csca, CSCAKey: cscaKey, DS: ds, DSKey: dsKey}, nil
}

// DefaultIssuer is the test PKI of every synthetic card: the default CSCA
// and a DS valid from 2020 to 2040.
func DefaultIssuer() (*Issuer, error) {
	return NewIssuer("", cscaFrom.AddDate(0, 1, 0), time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC))
}

// ExpiredIssuer certifies a DS under the default CSCA whose validity ended
// in 2023: the forgery mode "expired-signer".
func ExpiredIssuer() (*Issuer, error) {
	return NewIssuer("", cscaFrom.AddDate(0, 1, 0), time.Date(2023, 6, 1, 0, 0, 0, 0, time.UTC))
}

// UntrustedIssuer is a PKI under another CSCA, which no trust store holds:
// the forgery mode "untrusted-signer".
func UntrustedIssuer() (*Issuer, error) {
	return NewIssuer("CSCA of nobody", cscaFrom.AddDate(0, 1, 0), time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC))
}

// WriteCSCA writes the CSCA certificate as PEM.
func (is *Issuer) WriteCSCA(path string) error {
	return os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: is.CSCA.Raw}), 0o644)
}

// TrustStore is a trust store holding this PKI's CSCA: what a test or the
// demo points Passive Authentication at so synthetic cards verify.
func (is *Issuer) TrustStore() (*pa.TrustStore, error) {
	c, err := pa.ParseCert(is.CSCA.Raw)
	if err != nil {
		return nil, fmt.Errorf("test CSCA: %w", err)
	}
	ts := pa.NewTrustStore()
	ts.Add(c)
	return ts, nil
}

// DefaultTrust is the trust store of every genuine synthetic card.
func DefaultTrust() (*pa.TrustStore, error) {
	is, err := DefaultIssuer()
	if err != nil {
		return nil, err
	}
	return is.TrustStore()
}
