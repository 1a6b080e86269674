package simcard

import (
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"math/big"
	"time"

	"motcua/reader/cms"
	"motcua/reader/pa"
)

// MasterListSigner is a master list signer of the test PKI: a certificate
// the issuer's CSCA certifies for signing CSCA master lists (ICAO 9303-12
// §9), as a country's CSCA does for the list it publishes.
func (is *Issuer) MasterListSigner() (*x509.Certificate, crypto.Signer, error) {
	key := testKey(is.CSCA.Subject.CommonName + " / master list signer")
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(77),
		Subject:      subject("Master List Signer test"),
		NotBefore:    cscaFrom.AddDate(0, 1, 0),
		NotAfter:     cscaTo.AddDate(-1, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	cert, err := issue(tmpl, is.CSCA, key, is.CSCAKey)
	if err != nil {
		return nil, nil, fmt.Errorf("test master list signer: %w", err)
	}
	return cert, key, nil
}

// MasterList builds a synthetic ICAO CSCA master list holding the given
// certificates (DER), signed by this PKI's master list signer at signedAt.
func (is *Issuer) MasterList(signedAt time.Time, cscas ...[]byte) ([]byte, error) {
	cert, key, err := is.MasterListSigner()
	if err != nil {
		return nil, err
	}
	set := make([]asn1.RawValue, len(cscas))
	for i, der := range cscas {
		set[i] = asn1.RawValue{FullBytes: der}
	}
	content, err := asn1.Marshal(struct {
		Version int
		Certs   []asn1.RawValue `asn1:"set"`
	}{0, set})
	if err != nil {
		return nil, fmt.Errorf("master list content: %w", err)
	}
	return cms.Build(pa.OIDCSCAMasterList, content, cert, key, crypto.SHA256, signedAt)
}

// ForeignCSCA is a self-signed test CSCA of another country (two-letter
// code cc), for master lists and trust store listings with several
// countries. Synthetic: its key is derived from its label.
func ForeignCSCA(cc string, from, to time.Time) (*x509.Certificate, error) {
	label := "CSCA " + cc + " test"
	key := testKey(label)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(int64(from.Year())),
		Subject:               subject(label),
		NotBefore:             from,
		NotAfter:              to,
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	tmpl.Subject.Country = []string{cc}
	return issue(tmpl, tmpl, key, key)
}
