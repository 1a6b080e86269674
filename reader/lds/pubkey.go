package lds

import (
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"

	"motcua/reader/ecc"
	"motcua/reader/tlv"
)

// OIDs of public-key algorithms and named curves.
var (
	OIDECPublicKey   = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	OIDRSAEncryption = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	// OIDRSAPSS (id-RSASSA-PSS) as a key algorithm: an RSA key restricted
	// to PSS signatures, as some CSCAs carry.
	OIDRSAPSS     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}
	oidPrimeField = asn1.ObjectIdentifier{1, 2, 840, 10045, 1, 1}
	namedCurves   = map[string]*ecc.Curve{
		"1.2.840.10045.3.1.7":   ecc.P256,
		"1.3.132.0.34":          ecc.P384,
		"1.3.132.0.35":          ecc.P521,
		"1.3.36.3.3.2.8.1.1.7":  ecc.BrainpoolP256r1,
		"1.3.36.3.3.2.8.1.1.11": ecc.BrainpoolP384r1,
		"1.3.36.3.3.2.8.1.1.13": ecc.BrainpoolP512r1,
		"1.2.840.10045.3.1.1":   ecc.Secp192r1,
		"1.3.132.0.33":          ecc.P224,
		"1.3.36.3.3.2.8.1.1.5":  ecc.BrainpoolP224r1,
		"1.3.36.3.3.2.8.1.1.9":  ecc.BrainpoolP320r1,
	}
)

// CurveOID returns the named-curve OID of c, or nil.
func CurveOID(c *ecc.Curve) asn1.ObjectIdentifier {
	for s, k := range namedCurves {
		if k == c {
			var oid asn1.ObjectIdentifier
			for _, part := range splitDots(s) {
				oid = append(oid, part)
			}
			return oid
		}
	}
	return nil
}

func splitDots(s string) []int {
	var out []int
	n := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == '.' {
			out = append(out, n)
			n = 0
			continue
		}
		n = n*10 + int(s[i]-'0')
	}
	return out
}

// PublicKey is an RSA key or an EC key on a (possibly explicitly given) curve.
type PublicKey struct {
	RSA   *rsa.PublicKey
	Curve *ecc.Curve
	Point ecc.Point
	// Explicit records that the key came with explicit curve parameters.
	Explicit bool
}

type ecParameters struct {
	Version  int
	FieldID  fieldID
	Curve    curveDef
	Base     []byte
	Order    *big.Int
	Cofactor int `asn1:"optional"`
}

type fieldID struct {
	FieldType asn1.ObjectIdentifier
	Prime     *big.Int
}

type curveDef struct {
	A, B []byte
	Seed asn1.BitString `asn1:"optional"`
}

type spki struct {
	Algorithm pkix.AlgorithmIdentifier
	Key       asn1.BitString
}

// ParsePublicKey parses a SubjectPublicKeyInfo. Unlike crypto/x509 it
// accepts brainpool curves and explicit EC parameters, as eMRTDs use.
func ParsePublicKey(der []byte) (*PublicKey, error) {
	var s spki
	rest, err := asn1.Unmarshal(der, &s)
	if err != nil {
		return nil, fmt.Errorf("public key: %w", err)
	}
	if len(rest) != 0 {
		return nil, errors.New("public key: trailing data")
	}
	switch {
	case s.Algorithm.Algorithm.Equal(OIDRSAEncryption):
		k, err := x509.ParsePKIXPublicKey(der)
		if err != nil {
			return nil, fmt.Errorf("RSA public key: %w", err)
		}
		rk, ok := k.(*rsa.PublicKey)
		if !ok {
			return nil, errors.New("RSA public key: unexpected type")
		}
		if rk.N.BitLen() > maxRSABits {
			return nil, fmt.Errorf("RSA public key of %d bits refused (more than %d)", rk.N.BitLen(), maxRSABits)
		}
		return &PublicKey{RSA: rk}, nil
	case s.Algorithm.Algorithm.Equal(OIDRSAPSS):
		// crypto/x509 refuses this key algorithm; the key is a plain
		// PKCS #1 RSAPublicKey. The PSS parameters, if any, travel with
		// each signature too, which is where they are checked.
		var k struct {
			N *big.Int
			E int
		}
		rest, err := asn1.Unmarshal(s.Key.RightAlign(), &k)
		if err != nil || len(rest) != 0 {
			return nil, fmt.Errorf("RSA-PSS public key: malformed (%v)", err)
		}
		if k.N == nil || k.N.Sign() <= 0 || k.N.BitLen() < 1024 || k.N.BitLen() > maxRSABits || k.E < 3 || k.E&1 == 0 {
			return nil, errors.New("RSA-PSS public key: modulus or exponent out of range")
		}
		return &PublicKey{RSA: &rsa.PublicKey{N: k.N, E: k.E}}, nil
	case s.Algorithm.Algorithm.Equal(OIDECPublicKey):
		curve, explicit, err := parseECParams(s.Algorithm.Parameters.FullBytes)
		if err != nil {
			return nil, err
		}
		p, err := curve.Unmarshal(s.Key.RightAlign())
		if err != nil {
			return nil, fmt.Errorf("EC public key: %w", err)
		}
		return &PublicKey{Curve: curve, Point: p, Explicit: explicit}, nil
	}
	return nil, fmt.Errorf("public key algorithm %s not supported", s.Algorithm.Algorithm)
}

// maxRSABits bounds RSA moduli: no document PKI uses more, and a hostile
// 100 kbit modulus would make every check slow.
const maxRSABits = 8192

// ErrExplicitCurve reports explicit EC parameters that are not exactly one
// of the named curves. They are refused before any curve arithmetic: a
// forged key with a huge group order or a weak curve would otherwise make
// signature checks run without bound or leak a key (invalid curves).
var ErrExplicitCurve = errors.New("explicit EC parameters that are not a named curve are refused")

// maxExplicitParams bounds the DER of explicit EC parameters. P-521's,
// with a seed, take about 450 bytes; anything much larger is hostile and is
// refused before it is even decoded.
const maxExplicitParams = 1024

// parseECParams resolves the parameters of an EC key: a named-curve OID, or
// explicit parameters that must equal a named curve field for field (p, a,
// b, G, n and the cofactor). The cost is bounded by maxExplicitParams:
// decoding and comparing, no arithmetic.
func parseECParams(der []byte) (*ecc.Curve, bool, error) {
	var oid asn1.ObjectIdentifier
	if _, err := asn1.Unmarshal(der, &oid); err == nil {
		c, ok := namedCurves[oid.String()]
		if !ok {
			return nil, false, fmt.Errorf("EC curve %s not supported", oid)
		}
		return c, false, nil
	}
	if len(der) > maxExplicitParams {
		return nil, false, fmt.Errorf("%w (%d bytes of parameters, no named curve needs more than %d)", ErrExplicitCurve, len(der), maxExplicitParams)
	}
	var p ecParameters
	if _, err := asn1.Unmarshal(der, &p); err != nil {
		return nil, false, fmt.Errorf("EC parameters: %w", err)
	}
	if !p.FieldID.FieldType.Equal(oidPrimeField) || p.FieldID.Prime == nil || p.Order == nil {
		return nil, false, fmt.Errorf("%w: only prime fields are supported", ErrExplicitCurve)
	}
	c := &ecc.Curve{
		Name: "explicit", P: p.FieldID.Prime,
		A: new(big.Int).SetBytes(p.Curve.A), B: new(big.Int).SetBytes(p.Curve.B),
		N: p.Order, H: p.Cofactor,
	}
	if len(p.Base) < 1 || p.Base[0] != 4 || (len(p.Base)-1)%2 != 0 {
		return nil, false, fmt.Errorf("%w: base point must be uncompressed", ErrExplicitCurve)
	}
	n := (len(p.Base) - 1) / 2
	c.Gx, c.Gy = new(big.Int).SetBytes(p.Base[1:1+n]), new(big.Int).SetBytes(p.Base[1+n:])
	named := ecc.Match(c)
	if named == nil {
		return nil, false, fmt.Errorf("%w: field, equation or base point of no named curve", ErrExplicitCurve)
	}
	if named.N.Cmp(c.N) != 0 {
		return nil, false, fmt.Errorf("%w: the group order is not %s's", ErrExplicitCurve, named.Name)
	}
	if c.H != 0 && c.H != named.H { // the cofactor is optional
		return nil, false, fmt.Errorf("%w: cofactor %d is not %s's", ErrExplicitCurve, c.H, named.Name)
	}
	return named, true, nil
}

// MarshalSPKI encodes the key as a SubjectPublicKeyInfo. EC keys use
// explicit parameters, as eMRTDs do.
func (k *PublicKey) MarshalSPKI() ([]byte, error) {
	if k.RSA != nil {
		return x509.MarshalPKIXPublicKey(k.RSA)
	}
	if k.Curve == nil {
		return nil, errors.New("empty public key")
	}
	c := k.Curve
	bl := c.ByteLen()
	params, err := asn1.Marshal(ecParameters{
		Version:  1,
		FieldID:  fieldID{FieldType: oidPrimeField, Prime: c.P},
		Curve:    curveDef{A: c.A.FillBytes(make([]byte, bl)), B: c.B.FillBytes(make([]byte, bl))},
		Base:     c.Marshal(c.G()),
		Order:    c.N,
		Cofactor: max(c.H, 1),
	})
	if err != nil {
		return nil, err
	}
	pt := c.Marshal(k.Point)
	return asn1.Marshal(spki{
		Algorithm: pkix.AlgorithmIdentifier{Algorithm: OIDECPublicKey, Parameters: asn1.RawValue{FullBytes: params}},
		Key:       asn1.BitString{Bytes: pt, BitLength: 8 * len(pt)},
	})
}

// ParseDG15 parses DG15: 6F { SubjectPublicKeyInfo }, the Active
// Authentication key.
func ParseDG15(b []byte) (*PublicKey, error) {
	v, err := tlv.Unwrap(b, 0x6F)
	if err != nil {
		return nil, fmt.Errorf("DG15: %w", err)
	}
	k, err := ParsePublicKey(v)
	if err != nil {
		return nil, fmt.Errorf("DG15: %w", err)
	}
	return k, nil
}

// BuildDG15 encodes a public key as DG15.
func BuildDG15(k *PublicKey) ([]byte, error) {
	spki, err := k.MarshalSPKI()
	if err != nil {
		return nil, err
	}
	return tlv.Encode(0x6F, spki), nil
}
