package pa

import (
	"bytes"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"sort"
	"strings"

	"motcua/reader/cms"
)

// findSigner picks the document signer certificate among those EF.SOD
// carries. The SignerInfo names it by issuer and serial number (the issuer
// compared by value: real issuers list the same RDNs in another order or
// another string type than the certificate) or by subject key identifier.
// When nothing matches and exactly one certificate is present, that one is
// taken: the signature check that follows decides, so a wrong choice can
// only fail. Certificates that cannot be parsed are reported when no other
// will do.
func findSigner(si cms.SignerInfo, ders [][]byte) (*Cert, error) {
	return findSignerIn(si, ders, "EF.SOD")
}

// findSignerIn is findSigner for any SignedData; what names it in errors.
func findSignerIn(si cms.SignerInfo, ders [][]byte, what string) (*Cert, error) {
	var certs []*Cert
	var refused error // why a certificate carried could not be used
	for _, der := range ders {
		c, err := ParseCert(der)
		if err != nil {
			if refused == nil {
				refused = err
			}
			continue
		}
		certs = append(certs, c)
	}
	for _, c := range certs {
		if si.Serial != nil && c.Serial.Cmp(si.Serial) == 0 && sameName(c.RawIssuer, si.IssuerDER) {
			return c, nil
		}
		if si.SubjectKeyID != nil && len(c.SubjectKeyID) > 0 && bytes.Equal(c.SubjectKeyID, si.SubjectKeyID) {
			return c, nil
		}
	}
	switch {
	case len(certs) == 1 && refused == nil:
		return certs[0], nil
	case refused != nil:
		return nil, fmt.Errorf("%s's signer certificate is refused: %v", what, refused)
	case len(certs) == 0:
		return nil, fmt.Errorf("%s does not carry its signer certificate", what)
	}
	return nil, fmt.Errorf("none of the certificates in %s is the one its signature names", what)
}

// sameName compares two X.501 names by value: the same attributes (type
// and value, case and surrounding spaces ignored), in any order.
func sameName(a, b []byte) bool {
	if bytes.Equal(a, b) {
		return true
	}
	ka, okA := nameKey(a)
	kb, okB := nameKey(b)
	return okA && okB && ka == kb
}

// nameKey is a canonical form of a name: its attributes as "oid=value",
// sorted.
func nameKey(der []byte) (string, bool) {
	var rdns pkix.RDNSequence
	if rest, err := asn1.Unmarshal(der, &rdns); err != nil || len(rest) > 0 {
		return "", false
	}
	var parts []string
	for _, rdn := range rdns {
		for _, atv := range rdn {
			v, ok := atv.Value.(string)
			if !ok {
				return "", false
			}
			parts = append(parts, atv.Type.String()+"="+strings.ToLower(strings.Join(strings.Fields(v), " ")))
		}
	}
	sort.Strings(parts)
	return strings.Join(parts, "\x00"), true
}
