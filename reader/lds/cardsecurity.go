package lds

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"time"

	"motcua/reader/cms"
	"motcua/reader/tlv"
)

// OIDSecurityObject is id-SecurityObject (BSI TR-03110-3, bsi-de
// applications(3) eID(2) 1): the content type of EF.CardSecurity.
var OIDSecurityObject = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 3, 2, 1}

// OIDPACECAM is id-PACE-ECDH-CAM, the PACE Chip Authentication Mapping
// whose chips must carry EF.CardSecurity (ICAO 9303-11 §4.4.3.5).
var OIDPACECAM = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 4, 6}

// CardSecurityData is EF.CardSecurity: CMS SignedData (ContentInfo, no
// wrapper tag) whose content is a SET OF SecurityInfo.
type CardSecurityData struct {
	Infos *SecurityInfos
	// InfosDER is the signed SET OF SecurityInfo as carried.
	InfosDER   []byte
	SignedData *cms.SignedData
}

// ParseCardSecurity parses EF.CardSecurity (BER tolerated, like EF.SOD);
// the signature is checked by pa.VerifyCardSecurity.
func ParseCardSecurity(b []byte) (*CardSecurityData, error) {
	sd, err := cms.Parse(b)
	if err != nil {
		return nil, fmt.Errorf("EF.CardSecurity: %w", err)
	}
	if !sd.ContentType.Equal(OIDSecurityObject) {
		return nil, fmt.Errorf("EF.CardSecurity: content type %s, want id-SecurityObject", sd.ContentType)
	}
	si, err := ParseSecurityInfos(sd.Content)
	if err != nil {
		return nil, fmt.Errorf("EF.CardSecurity: %w", err)
	}
	return &CardSecurityData{Infos: si, InfosDER: sd.Content, SignedData: sd}, nil
}

// SecurityInfoElements returns the DER of each SecurityInfo of a SET OF
// SecurityInfo, for comparing EF.CardAccess with what was signed.
func SecurityInfoElements(set []byte) ([][]byte, error) {
	v, err := tlv.Unwrap(set, 0x31)
	if err != nil {
		return nil, fmt.Errorf("SecurityInfos: %w", err)
	}
	items, err := tlv.ParseAll(v)
	if err != nil {
		return nil, fmt.Errorf("SecurityInfos: %w", err)
	}
	out := make([][]byte, len(items))
	for i, it := range items {
		out[i] = tlv.Encode(it.Tag, it.Value)
	}
	return out, nil
}

// MissingFrom returns the SecurityInfos of sub (EF.CardAccess) that are
// not in super (EF.CardSecurity's signed content), compared by their DER:
// EF.CardSecurity must carry every SecurityInfo of EF.CardAccess.
func MissingFrom(sub, super []byte) ([][]byte, error) {
	a, err := SecurityInfoElements(sub)
	if err != nil {
		return nil, err
	}
	b, err := SecurityInfoElements(super)
	if err != nil {
		return nil, err
	}
	var missing [][]byte
	for _, x := range a {
		found := false
		for _, y := range b {
			if bytes.Equal(x, y) {
				found = true
				break
			}
		}
		if !found {
			missing = append(missing, x)
		}
	}
	return missing, nil
}

// DescribeSecurityInfo names a SecurityInfo by its protocol OID, for reasons.
func DescribeSecurityInfo(der []byte) string {
	var raw struct {
		Protocol asn1.ObjectIdentifier
		Rest     asn1.RawValue `asn1:"optional"`
	}
	if _, err := asn1.Unmarshal(der, &raw); err != nil {
		return "an unparsable SecurityInfo"
	}
	return "SecurityInfo " + raw.Protocol.String()
}

// BuildCardSecurity signs a SET OF SecurityInfo as EF.CardSecurity.
func BuildCardSecurity(infos []byte, cert *x509.Certificate, key crypto.Signer, at time.Time) ([]byte, error) {
	return cms.Build(OIDSecurityObject, infos, cert, key, crypto.SHA256, at)
}
