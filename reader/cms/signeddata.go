// Package cms reads and writes the CMS SignedData (RFC 5652) that eMRTDs
// use for EF.SOD and that ICAO master lists use for CSCA certificates. It
// keeps every signed byte as received, so signatures can be checked over
// exactly what the signer signed.
package cms

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"time"
)

// Object identifiers.
var (
	OIDSignedData    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	OIDData          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	OIDContentType   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	OIDMessageDigest = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	OIDSigningTime   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}

	OIDSHA1   = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	OIDSHA224 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 4}
	OIDSHA256 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	OIDSHA384 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	OIDSHA512 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}

	OIDRSAEncryption   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	OIDRSAPSS          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}
	OIDSHA1WithRSA     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 5}
	OIDSHA256WithRSA   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
	OIDSHA384WithRSA   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 12}
	OIDSHA512WithRSA   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 13}
	OIDSHA224WithRSA   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 14}
	OIDECDSAWithSHA1   = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 1}
	OIDECDSAWithSHA224 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 1}
	OIDECDSAWithSHA256 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	OIDECDSAWithSHA384 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}
	OIDECDSAWithSHA512 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 4}
)

// HashFromOID maps a digest algorithm OID to a crypto.Hash.
func HashFromOID(oid asn1.ObjectIdentifier) (crypto.Hash, error) {
	switch {
	case oid.Equal(OIDSHA1):
		return crypto.SHA1, nil
	case oid.Equal(OIDSHA224):
		return crypto.SHA224, nil
	case oid.Equal(OIDSHA256):
		return crypto.SHA256, nil
	case oid.Equal(OIDSHA384):
		return crypto.SHA384, nil
	case oid.Equal(OIDSHA512):
		return crypto.SHA512, nil
	}
	return 0, fmt.Errorf("digest algorithm %s not supported", oid)
}

// OIDFromHash is the inverse of HashFromOID.
func OIDFromHash(h crypto.Hash) (asn1.ObjectIdentifier, error) {
	switch h {
	case crypto.SHA1:
		return OIDSHA1, nil
	case crypto.SHA224:
		return OIDSHA224, nil
	case crypto.SHA256:
		return OIDSHA256, nil
	case crypto.SHA384:
		return OIDSHA384, nil
	case crypto.SHA512:
		return OIDSHA512, nil
	}
	return nil, fmt.Errorf("hash %v not supported", h)
}

// Attribute is a signed attribute.
type Attribute struct {
	Type   asn1.ObjectIdentifier
	Values []asn1.RawValue `asn1:"set"`
}

// SignerInfo is one signature.
type SignerInfo struct {
	Version            int
	IssuerDER          []byte   // issuer Name of IssuerAndSerialNumber, raw
	Serial             *big.Int // serial of IssuerAndSerialNumber
	SubjectKeyID       []byte   // when the signer is named by key identifier
	DigestAlgorithm    pkix.AlgorithmIdentifier
	SignedAttrs        []Attribute
	SignedAttrsDER     []byte // the attributes re-tagged as SET OF: what was signed
	SignatureAlgorithm pkix.AlgorithmIdentifier
	Signature          []byte
}

// SignedData is a parsed CMS SignedData.
type SignedData struct {
	Version      int
	ContentType  asn1.ObjectIdentifier // eContentType
	Content      []byte                // eContent octets
	Certificates [][]byte
	SignerInfos  []SignerInfo
}

// ErrMalformed reports a structure that is not valid CMS.
var ErrMalformed = errors.New("malformed CMS SignedData")

func malformed(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, a...))
}

// Elements splits concatenated DER elements (the body of a SEQUENCE or SET).
func Elements(b []byte) ([]asn1.RawValue, error) {
	var out []asn1.RawValue
	for len(b) > 0 {
		var rv asn1.RawValue
		rest, err := asn1.Unmarshal(b, &rv)
		if err != nil {
			return nil, err
		}
		out = append(out, rv)
		b = rest
	}
	return out, nil
}

// Parse parses a ContentInfo holding SignedData. DER is parsed as it is;
// BER that real issuers emit (indefinite lengths, constructed OCTET
// STRINGs) is re-encoded as DER first (ToDER): the content digest covers
// the content octets and the signature the DER of the signed attributes,
// both unchanged by the re-encoding.
func Parse(der []byte) (*SignedData, error) {
	sd, err := parse(der)
	if err == nil {
		return sd, nil
	}
	norm, nerr := ToDER(der)
	if nerr != nil || bytes.Equal(norm, der) {
		return nil, err
	}
	return parse(norm)
}

func parse(der []byte) (*SignedData, error) {
	var ci struct {
		ContentType asn1.ObjectIdentifier
		Content     asn1.RawValue `asn1:"explicit,tag:0"`
	}
	rest, err := asn1.Unmarshal(der, &ci)
	if err != nil {
		return nil, malformed("ContentInfo: %v", err)
	}
	if len(rest) > 0 {
		return nil, malformed("%d bytes after ContentInfo", len(rest))
	}
	if !ci.ContentType.Equal(OIDSignedData) {
		return nil, malformed("content type %s, want signedData", ci.ContentType)
	}
	var sdSeq asn1.RawValue
	// An explicitly tagged RawValue keeps the [0] wrapper: the SignedData is inside.
	if _, err := asn1.Unmarshal(ci.Content.Bytes, &sdSeq); err != nil || sdSeq.Tag != asn1.TagSequence {
		return nil, malformed("SignedData is not a SEQUENCE")
	}
	els, err := Elements(sdSeq.Bytes)
	if err != nil || len(els) < 4 {
		return nil, malformed("SignedData has too few fields")
	}
	sd := &SignedData{}
	if _, err := asn1.Unmarshal(els[0].FullBytes, &sd.Version); err != nil {
		return nil, malformed("version: %v", err)
	}
	// els[1]: digestAlgorithms SET, informational.
	var encap struct {
		Type    asn1.ObjectIdentifier
		Content asn1.RawValue `asn1:"explicit,optional,tag:0"`
	}
	if _, err := asn1.Unmarshal(els[2].FullBytes, &encap); err != nil {
		return nil, malformed("encapContentInfo: %v", err)
	}
	sd.ContentType = encap.Type
	if len(encap.Content.Bytes) > 0 {
		var octets []byte
		if _, err := asn1.Unmarshal(encap.Content.Bytes, &octets); err != nil {
			return nil, malformed("eContent: %v", err)
		}
		sd.Content = octets
	}
	i := 3
	for ; i < len(els) && els[i].Class == asn1.ClassContextSpecific; i++ {
		if els[i].Tag == 0 { // certificates [0] IMPLICIT SET OF
			certs, err := Elements(els[i].Bytes)
			if err != nil {
				return nil, malformed("certificates: %v", err)
			}
			for _, c := range certs {
				sd.Certificates = append(sd.Certificates, c.FullBytes)
			}
		}
	}
	if i != len(els)-1 || els[i].Tag != asn1.TagSet {
		return nil, malformed("signerInfos missing")
	}
	sis, err := Elements(els[i].Bytes)
	if err != nil || len(sis) == 0 {
		return nil, malformed("no signerInfo")
	}
	for _, raw := range sis {
		si, err := parseSignerInfo(raw.Bytes)
		if err != nil {
			return nil, err
		}
		sd.SignerInfos = append(sd.SignerInfos, *si)
	}
	return sd, nil
}

func parseSignerInfo(b []byte) (*SignerInfo, error) {
	els, err := Elements(b)
	if err != nil || len(els) < 5 {
		return nil, malformed("SignerInfo has too few fields")
	}
	si := &SignerInfo{}
	if _, err := asn1.Unmarshal(els[0].FullBytes, &si.Version); err != nil {
		return nil, malformed("SignerInfo version: %v", err)
	}
	switch {
	case els[1].Class == asn1.ClassUniversal && els[1].Tag == asn1.TagSequence:
		parts, err := Elements(els[1].Bytes)
		if err != nil || len(parts) != 2 {
			return nil, malformed("IssuerAndSerialNumber")
		}
		si.IssuerDER = parts[0].FullBytes
		si.Serial = new(big.Int)
		if _, err := asn1.Unmarshal(parts[1].FullBytes, &si.Serial); err != nil {
			return nil, malformed("serial: %v", err)
		}
	case els[1].Class == asn1.ClassContextSpecific && els[1].Tag == 0:
		si.SubjectKeyID = els[1].Bytes
	default:
		return nil, malformed("signer identifier")
	}
	if _, err := asn1.Unmarshal(els[2].FullBytes, &si.DigestAlgorithm); err != nil {
		return nil, malformed("digestAlgorithm: %v", err)
	}
	i := 3
	if els[i].Class == asn1.ClassContextSpecific && els[i].Tag == 0 {
		// What was signed is the attributes with an explicit SET OF tag.
		set := append([]byte(nil), els[i].FullBytes...)
		set[0] = 0x31
		si.SignedAttrsDER = set
		attrs, err := Elements(els[i].Bytes)
		if err != nil {
			return nil, malformed("signedAttrs: %v", err)
		}
		for _, a := range attrs {
			var at Attribute
			if _, err := asn1.Unmarshal(a.FullBytes, &at); err != nil {
				return nil, malformed("attribute: %v", err)
			}
			si.SignedAttrs = append(si.SignedAttrs, at)
		}
		i++
	}
	if i+1 >= len(els) {
		return nil, malformed("SignerInfo signature missing")
	}
	if _, err := asn1.Unmarshal(els[i].FullBytes, &si.SignatureAlgorithm); err != nil {
		return nil, malformed("signatureAlgorithm: %v", err)
	}
	if _, err := asn1.Unmarshal(els[i+1].FullBytes, &si.Signature); err != nil {
		return nil, malformed("signature: %v", err)
	}
	return si, nil
}

// Attr returns the single value of a signed attribute.
func (si *SignerInfo) Attr(oid asn1.ObjectIdentifier) (asn1.RawValue, bool) {
	for _, a := range si.SignedAttrs {
		if a.Type.Equal(oid) && len(a.Values) == 1 {
			return a.Values[0], true
		}
	}
	return asn1.RawValue{}, false
}

// MessageDigest returns the messageDigest attribute.
func (si *SignerInfo) MessageDigest() ([]byte, error) {
	rv, ok := si.Attr(OIDMessageDigest)
	if !ok {
		return nil, malformed("no messageDigest attribute")
	}
	var d []byte
	if _, err := asn1.Unmarshal(rv.FullBytes, &d); err != nil {
		return nil, malformed("messageDigest: %v", err)
	}
	return d, nil
}

// SigningTime returns the signingTime attribute (UTCTime or
// GeneralizedTime); ok is false when the signer did not include one.
func (si *SignerInfo) SigningTime() (t time.Time, ok bool, err error) {
	rv, ok := si.Attr(OIDSigningTime)
	if !ok {
		return time.Time{}, false, nil
	}
	if _, err := asn1.Unmarshal(rv.FullBytes, &t); err != nil {
		return time.Time{}, true, malformed("signingTime: %v", err)
	}
	return t, true, nil
}

// SignerCertificate returns the certificate among certs that the signer
// info names.
func (si *SignerInfo) SignerCertificate(certs []*x509.Certificate) (*x509.Certificate, error) {
	for _, c := range certs {
		if si.Serial != nil && c.SerialNumber.Cmp(si.Serial) == 0 && string(c.RawIssuer) == string(si.IssuerDER) {
			return c, nil
		}
		if si.SubjectKeyID != nil && string(c.SubjectKeyId) == string(si.SubjectKeyID) {
			return c, nil
		}
	}
	return nil, errors.New("the signer's certificate is not in the SignedData")
}

// SignFunc signs the digest of the signed attributes and names the
// signature algorithm it used (with its parameters, as RSA-PSS needs).
type SignFunc func(digest []byte) (alg pkix.AlgorithmIdentifier, sig []byte, err error)

// SignerFor signs with an RSA (PKCS #1 v1.5) or ECDSA (NIST curve) key.
func SignerFor(signer crypto.Signer, hash crypto.Hash) SignFunc {
	return func(digest []byte) (pkix.AlgorithmIdentifier, []byte, error) {
		switch k := signer.(type) {
		case *rsa.PrivateKey:
			alg := map[crypto.Hash]asn1.ObjectIdentifier{crypto.SHA1: OIDSHA1WithRSA, crypto.SHA224: OIDSHA224WithRSA, crypto.SHA256: OIDSHA256WithRSA, crypto.SHA384: OIDSHA384WithRSA, crypto.SHA512: OIDSHA512WithRSA}[hash]
			sig, err := rsa.SignPKCS1v15(rand.Reader, k, hash, digest)
			return pkix.AlgorithmIdentifier{Algorithm: alg}, sig, err
		case *ecdsa.PrivateKey:
			alg := map[crypto.Hash]asn1.ObjectIdentifier{crypto.SHA1: OIDECDSAWithSHA1, crypto.SHA224: OIDECDSAWithSHA224, crypto.SHA256: OIDECDSAWithSHA256, crypto.SHA384: OIDECDSAWithSHA384, crypto.SHA512: OIDECDSAWithSHA512}[hash]
			sig, err := ecdsa.SignASN1(rand.Reader, k, digest)
			return pkix.AlgorithmIdentifier{Algorithm: alg}, sig, err
		}
		return pkix.AlgorithmIdentifier{}, nil, fmt.Errorf("signer key %T not supported", signer)
	}
}

// Build signs content as SignedData (with contentType, signingTime and
// messageDigest attributes) and returns the ContentInfo DER. signer must
// match cert (an RSA or NIST-curve ECDSA key).
func Build(contentType asn1.ObjectIdentifier, content []byte, cert *x509.Certificate, signer crypto.Signer, hash crypto.Hash, now time.Time) ([]byte, error) {
	return BuildWith(contentType, content, cert.Raw, cert.RawIssuer, cert.SerialNumber, hash, SignerFor(signer, hash), now)
}

// BuildWith is Build for any signature scheme: certDER is the signer's
// certificate, named in the SignerInfo by issuerDER and serial. A zero now
// leaves the signingTime attribute out.
func BuildWith(contentType asn1.ObjectIdentifier, content, certDER, issuerDER []byte, serial *big.Int, hash crypto.Hash, sign SignFunc, now time.Time) ([]byte, error) {
	hOID, err := OIDFromHash(hash)
	if err != nil {
		return nil, err
	}
	h := hash.New()
	h.Write(content)
	digest := h.Sum(nil)
	attr := func(oid asn1.ObjectIdentifier, v any) (Attribute, error) {
		b, err := asn1.Marshal(v)
		if err != nil {
			return Attribute{}, err
		}
		return Attribute{Type: oid, Values: []asn1.RawValue{{FullBytes: b}}}, nil
	}
	a1, err := attr(OIDContentType, contentType)
	if err != nil {
		return nil, err
	}
	attrs := []Attribute{a1}
	if !now.IsZero() { // a zero time leaves signingTime out, as some issuers do
		a2, err := attr(OIDSigningTime, now.UTC())
		if err != nil {
			return nil, err
		}
		attrs = append(attrs, a2)
	}
	a3, err := attr(OIDMessageDigest, digest)
	if err != nil {
		return nil, err
	}
	attrsDER, err := asn1.Marshal(struct {
		A []Attribute `asn1:"set"`
	}{append(attrs, a3)})
	if err != nil {
		return nil, err
	}
	// Strip the outer SEQUENCE of the helper struct: what remains is the SET.
	var wrapper asn1.RawValue
	if _, err := asn1.Unmarshal(attrsDER, &wrapper); err != nil {
		return nil, err
	}
	setDER := wrapper.Bytes
	sh := hash.New()
	sh.Write(setDER)
	sigAlg, sig, err := sign(sh.Sum(nil))
	if err != nil {
		return nil, err
	}
	implicitAttrs := append([]byte(nil), setDER...)
	implicitAttrs[0] = 0xA0
	issuerAndSerial, err := asn1.Marshal(struct {
		Issuer asn1.RawValue
		Serial *big.Int
	}{asn1.RawValue{FullBytes: issuerDER}, serial})
	if err != nil {
		return nil, err
	}
	algID := func(oid asn1.ObjectIdentifier) []byte {
		b, _ := asn1.Marshal(pkix.AlgorithmIdentifier{Algorithm: oid})
		return b
	}
	ver1, _ := asn1.Marshal(1)
	ver3, _ := asn1.Marshal(3)
	sigOctets, _ := asn1.Marshal(sig)
	sigAlgDER, err := asn1.Marshal(sigAlg)
	if err != nil {
		return nil, err
	}
	signerInfo := seq(ver1, issuerAndSerial, algID(hOID), implicitAttrs, sigAlgDER, sigOctets)
	contentOctets, _ := asn1.Marshal(content)
	ctOID, _ := asn1.Marshal(contentType)
	encap := seq(ctOID, tagged(0xA0, contentOctets))
	signedData := seq(ver3, tagged(0x31, algID(hOID)), encap, tagged(0xA0, certDER), tagged(0x31, signerInfo))
	sdOID, _ := asn1.Marshal(OIDSignedData)
	return seq(sdOID, tagged(0xA0, signedData)), nil
}

func seq(parts ...[]byte) []byte { return tagged(0x30, parts...) }

func tagged(tag byte, parts ...[]byte) []byte {
	var body []byte
	for _, p := range parts {
		body = append(body, p...)
	}
	b, _ := asn1.Marshal(asn1.RawValue{FullBytes: append(lengthPrefix(tag, len(body)), body...)})
	return b
}

func lengthPrefix(tag byte, n int) []byte {
	switch {
	case n < 0x80:
		return []byte{tag, byte(n)}
	case n <= 0xFF:
		return []byte{tag, 0x81, byte(n)}
	case n <= 0xFFFF:
		return []byte{tag, 0x82, byte(n >> 8), byte(n)}
	}
	return []byte{tag, 0x83, byte(n >> 16), byte(n >> 8), byte(n)}
}
