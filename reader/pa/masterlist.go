package pa

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"time"

	"motcua/reader/cms"
)

// MasterList is an ICAO CSCA master list (ICAO 9303-12 §9): CMS SignedData
// whose content is CscaMasterList { version, SET OF Certificate }, signed
// by a master list signer that a country's CSCA certifies.
type MasterList struct {
	CSCAs []*Cert
	// Unusable counts certificates in the list that could not be parsed
	// (an algorithm or curve this reader refuses); they are left out.
	Unusable int
	// Signer is the master list signer certificate.
	Signer *Cert
	// VerifiedBy is the already trusted CSCA that certified Signer; nil
	// when no trusted CSCA did, and the list is then unverified.
	VerifiedBy *Cert
	// Unverified says why VerifiedBy is nil.
	Unverified string
	// SignedAt is the list's signingTime (zero when absent).
	SignedAt time.Time
}

// ErrNotMasterList reports a file that is CMS but not a CSCA master list.
var ErrNotMasterList = errors.New("not a CSCA master list")

// ParseMasterList parses a master list (DER, BER or one PEM block's DER)
// and checks its signature. A signature that does not verify with the
// signer certificate the list carries is an error (ErrBadSignature): the
// list was altered. A signature that verifies but whose signer no CSCA in
// trusted certified leaves the list unverified (VerifiedBy nil, Unverified
// says why): whoever made it is not known, and a list that certifies
// itself proves nothing. trusted may be nil.
func ParseMasterList(der []byte, trusted *TrustStore) (*MasterList, error) {
	sd, err := cms.Parse(der)
	if err != nil {
		return nil, err
	}
	if !sd.ContentType.Equal(OIDCSCAMasterList) {
		return nil, fmt.Errorf("%w (content type %s)", ErrNotMasterList, sd.ContentType)
	}
	var content struct {
		Version int
		Certs   []asn1.RawValue `asn1:"set"`
	}
	if rest, err := asn1.Unmarshal(sd.Content, &content); err != nil || len(rest) > 0 {
		return nil, fmt.Errorf("master list content is malformed: %v", err)
	}
	if content.Version != 0 {
		return nil, fmt.Errorf("master list version %d, want 0", content.Version)
	}
	signer, si, err := checkSignedData(sd, "master list")
	if err != nil {
		return nil, err
	}
	ml := &MasterList{Signer: signer}
	if t, ok, err := si.SigningTime(); err == nil && ok {
		ml.SignedAt = t
	}
	for _, rv := range content.Certs {
		c, err := ParseCert(rv.FullBytes)
		if err != nil {
			ml.Unusable++
			continue
		}
		ml.CSCAs = append(ml.CSCAs, c)
	}
	switch {
	case trusted == nil || len(trusted.CSCAs) == 0:
		ml.Unverified = "no CSCA is installed yet to verify the list's signer with"
	default:
		ca, err := trusted.Issuer(signer)
		switch {
		case errors.Is(err, errNoCSCA):
			ml.Unverified = fmt.Sprintf("the list's signer %q is not certified by any installed CSCA", signer.Subject)
		case err != nil:
			return nil, fmt.Errorf("master list signer: %v", err)
		case trusted.Revoked(ca, signer.Serial):
			return nil, fmt.Errorf("master list signer %q is revoked", signer.Subject)
		default:
			ml.VerifiedBy = ca
		}
	}
	return ml, nil
}

// Country is the country (C) of c's subject, upper case; "" when absent.
func (c *Cert) Country() string {
	var rdn pkix.RDNSequence
	if _, err := asn1.Unmarshal(c.RawSubject, &rdn); err != nil {
		return ""
	}
	var n pkix.Name
	n.FillFromRDNSequence(&rdn)
	if len(n.Country) == 0 {
		return ""
	}
	return toUpper(n.Country[0])
}

func toUpper(s string) string {
	b := []byte(s)
	for i, ch := range b {
		if 'a' <= ch && ch <= 'z' {
			b[i] = ch - 32
		}
	}
	return string(b)
}
