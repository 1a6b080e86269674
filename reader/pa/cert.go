// Package pa implements Passive Authentication (ICAO 9303-11 §5.1): the
// data groups' hashes against EF.SOD, the document signer's signature over
// EF.SOD, and the document signer certificate's chain to a trusted country
// signing CA (CSCA). It also loads the trust store: ICAO master lists and
// folders of certificates and revocation lists.
//
// Certificates are parsed with crypto/x509 when it can, and with a small
// parser of our own when it cannot: crypto/x509 refuses brainpool keys and
// explicit curve parameters, which CSCAs and document signers use.
package pa

import (
	"bytes"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"time"

	"motcua/reader/lds"
)

// Cert is the part of an X.509 certificate Passive Authentication needs.
type Cert struct {
	Raw                []byte
	RawTBS             []byte
	RawSubject         []byte
	RawIssuer          []byte
	Subject            string
	Issuer             string
	Serial             *big.Int
	NotBefore          time.Time
	NotAfter           time.Time
	SignatureAlgorithm pkix.AlgorithmIdentifier
	Signature          []byte
	PublicKey          *lds.PublicKey
	SubjectKeyID       []byte
	AuthorityKeyID     []byte
	IsCA               bool
}

type rawCert struct {
	TBS       asn1.RawValue
	Algorithm pkix.AlgorithmIdentifier
	Signature asn1.BitString
}

type rawTBS struct {
	Version    int `asn1:"optional,explicit,default:0,tag:0"`
	Serial     *big.Int
	Algorithm  pkix.AlgorithmIdentifier
	Issuer     asn1.RawValue
	Validity   validity
	Subject    asn1.RawValue
	PublicKey  asn1.RawValue
	IssuerUID  asn1.BitString   `asn1:"optional,tag:1"`
	SubjectUID asn1.BitString   `asn1:"optional,tag:2"`
	Extensions []pkix.Extension `asn1:"optional,explicit,tag:3"`
}

type validity struct {
	NotBefore, NotAfter time.Time
}

var (
	oidSKI = asn1.ObjectIdentifier{2, 5, 29, 14}
	oidAKI = asn1.ObjectIdentifier{2, 5, 29, 35}
	oidBC  = asn1.ObjectIdentifier{2, 5, 29, 19}
)

// ParseCert parses a DER certificate.
func ParseCert(der []byte) (*Cert, error) {
	var rc rawCert
	rest, err := asn1.Unmarshal(der, &rc)
	if err != nil {
		return nil, fmt.Errorf("certificate: %w", err)
	}
	if len(rest) > 0 {
		return nil, errors.New("certificate: trailing data")
	}
	var tbs rawTBS
	if _, err := asn1.Unmarshal(rc.TBS.FullBytes, &tbs); err != nil {
		return nil, fmt.Errorf("certificate body: %w", err)
	}
	pk, err := lds.ParsePublicKey(tbs.PublicKey.FullBytes)
	if err != nil {
		return nil, fmt.Errorf("certificate key: %w", err)
	}
	c := &Cert{
		Raw: der, RawTBS: rc.TBS.FullBytes, RawSubject: tbs.Subject.FullBytes, RawIssuer: tbs.Issuer.FullBytes,
		Serial: tbs.Serial, NotBefore: tbs.Validity.NotBefore, NotAfter: tbs.Validity.NotAfter,
		SignatureAlgorithm: rc.Algorithm, Signature: rc.Signature.RightAlign(), PublicKey: pk,
	}
	c.Subject, c.Issuer = nameString(tbs.Subject.FullBytes), nameString(tbs.Issuer.FullBytes)
	for _, e := range tbs.Extensions {
		switch {
		case e.Id.Equal(oidSKI):
			asn1.Unmarshal(e.Value, &c.SubjectKeyID)
		case e.Id.Equal(oidAKI):
			var aki struct {
				ID []byte `asn1:"optional,tag:0"`
			}
			if _, err := asn1.Unmarshal(e.Value, &aki); err == nil {
				c.AuthorityKeyID = aki.ID
			}
		case e.Id.Equal(oidBC):
			var bc struct {
				IsCA bool `asn1:"optional"`
			}
			if _, err := asn1.Unmarshal(e.Value, &bc); err == nil {
				c.IsCA = bc.IsCA
			}
		}
	}
	return c, nil
}

func nameString(der []byte) string {
	var rdn pkix.RDNSequence
	if _, err := asn1.Unmarshal(der, &rdn); err != nil {
		return "(unparsable name)"
	}
	var n pkix.Name
	n.FillFromRDNSequence(&rdn)
	return n.String()
}

// IssuedBy reports whether issuer's subject and key identifier match c's
// issuer (a necessary condition; the signature decides).
func (c *Cert) IssuedBy(issuer *Cert) bool {
	if !bytes.Equal(c.RawIssuer, issuer.RawSubject) {
		return false
	}
	if len(c.AuthorityKeyID) > 0 && len(issuer.SubjectKeyID) > 0 {
		return bytes.Equal(c.AuthorityKeyID, issuer.SubjectKeyID)
	}
	return true
}

// CheckSignatureFrom verifies c's signature with issuer's key.
func (c *Cert) CheckSignatureFrom(issuer *Cert) error {
	return verifySignature(issuer.PublicKey, c.SignatureAlgorithm, c.RawTBS, c.Signature)
}
