package lds

import (
	"encoding/asn1"
	"errors"
	"fmt"

	"motcua/reader/cms"
	"motcua/reader/tlv"
)

// Protocol object identifiers (BSI TR-03110, ICAO 9303-11).
var (
	OIDPACE             = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 4}
	OIDCA               = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 3}
	OIDPKDH             = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 1, 1}
	OIDPKECDH           = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 1, 2}
	OIDTA               = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 2}
	OIDActiveAuth       = asn1.ObjectIdentifier{2, 23, 136, 1, 1, 5}
	OIDPACEECDHGM       = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 4, 2}
	OIDPACEECDHGMAES128 = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 4, 2, 2}
	OIDCAECDHAES128     = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 3, 2, 2}
	OIDCAECDH3DES       = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 3, 2, 1}
)

func hasPrefix(oid, prefix asn1.ObjectIdentifier) bool {
	return len(oid) > len(prefix) && oid[:len(prefix)].Equal(prefix)
}

// PACEInfo advertises one PACE variant.
type PACEInfo struct {
	Protocol    asn1.ObjectIdentifier
	Version     int
	ParameterID int // standardized domain parameters; 0 when absent
}

// ChipAuthInfo advertises Chip Authentication.
type ChipAuthInfo struct {
	Protocol asn1.ObjectIdentifier
	Version  int
	KeyID    int
}

// ChipAuthPublicKey is the chip's static key for Chip Authentication.
type ChipAuthPublicKey struct {
	Protocol asn1.ObjectIdentifier // id-PK-ECDH or id-PK-DH
	Key      *PublicKey
	KeyID    int
}

// ActiveAuthInfo names the signature algorithm of ECDSA Active Authentication.
type ActiveAuthInfo struct {
	Version            int
	SignatureAlgorithm asn1.ObjectIdentifier
}

// RawInfo is a SecurityInfo this package does not interpret, kept as is.
type RawInfo struct {
	Protocol asn1.ObjectIdentifier
	DER      []byte
}

// SecurityInfos is the content of EF.CardAccess and DG14.
type SecurityInfos struct {
	PACE       []PACEInfo
	ChipAuth   []ChipAuthInfo
	ChipKeys   []ChipAuthPublicKey
	TA         bool
	ActiveAuth *ActiveAuthInfo
	Other      []RawInfo
}

// ParseSecurityInfos parses a DER SET OF SecurityInfo.
func ParseSecurityInfos(der []byte) (*SecurityInfos, error) {
	set, err := tlv.Unwrap(der, 0x31)
	if err != nil {
		return nil, fmt.Errorf("SecurityInfos: %w", err)
	}
	items, err := tlv.ParseAll(set)
	if err != nil {
		return nil, fmt.Errorf("SecurityInfos: %w", err)
	}
	si := &SecurityInfos{}
	for _, it := range items {
		if it.Tag != 0x30 {
			return nil, fmt.Errorf("SecurityInfos: element tag %X, want SEQUENCE", it.Tag)
		}
		full := tlv.Encode(0x30, it.Value)
		var oid asn1.ObjectIdentifier
		rest, err := asn1.Unmarshal(it.Value, &oid)
		if err != nil {
			return nil, fmt.Errorf("SecurityInfo protocol: %w", err)
		}
		fields, err := cms.Elements(rest)
		if err != nil {
			return nil, fmt.Errorf("SecurityInfo %s: %w", oid, err)
		}
		switch {
		case hasPrefix(oid, OIDPACE) && !oid.Equal(OIDPACE):
			if len(oidTail(oid, OIDPACE)) == 2 { // id-PACE-<ka>-<map>-<cipher>
				pi := PACEInfo{Protocol: oid}
				if len(fields) < 1 || asn1Int(fields[0], &pi.Version) != nil {
					return nil, fmt.Errorf("PACEInfo %s: version missing", oid)
				}
				if len(fields) > 1 {
					if err := asn1Int(fields[1], &pi.ParameterID); err != nil {
						return nil, fmt.Errorf("PACEInfo %s: parameterId: %w", oid, err)
					}
				}
				si.PACE = append(si.PACE, pi)
			} else {
				si.Other = append(si.Other, RawInfo{Protocol: oid, DER: full})
			}
		case hasPrefix(oid, OIDCA) && len(oidTail(oid, OIDCA)) == 2:
			ci := ChipAuthInfo{Protocol: oid}
			if len(fields) < 1 || asn1Int(fields[0], &ci.Version) != nil {
				return nil, fmt.Errorf("ChipAuthenticationInfo: version missing")
			}
			if len(fields) > 1 {
				if err := asn1Int(fields[1], &ci.KeyID); err != nil {
					return nil, fmt.Errorf("ChipAuthenticationInfo keyId: %w", err)
				}
			}
			si.ChipAuth = append(si.ChipAuth, ci)
		case oid.Equal(OIDPKECDH) || oid.Equal(OIDPKDH):
			if len(fields) < 1 {
				return nil, fmt.Errorf("ChipAuthenticationPublicKeyInfo: key missing")
			}
			pk, err := ParsePublicKey(fields[0].FullBytes)
			if err != nil {
				if oid.Equal(OIDPKDH) {
					si.Other = append(si.Other, RawInfo{Protocol: oid, DER: full})
					continue
				}
				return nil, fmt.Errorf("ChipAuthenticationPublicKeyInfo: %w", err)
			}
			ck := ChipAuthPublicKey{Protocol: oid, Key: pk}
			if len(fields) > 1 {
				if err := asn1Int(fields[1], &ck.KeyID); err != nil {
					return nil, fmt.Errorf("ChipAuthenticationPublicKeyInfo keyId: %w", err)
				}
			}
			si.ChipKeys = append(si.ChipKeys, ck)
		case hasPrefix(oid, OIDTA) || oid.Equal(OIDTA):
			si.TA = true
		case oid.Equal(OIDActiveAuth):
			ai := &ActiveAuthInfo{}
			if len(fields) < 1 || asn1Int(fields[0], &ai.Version) != nil {
				return nil, fmt.Errorf("ActiveAuthenticationInfo: version missing")
			}
			if len(fields) > 1 {
				if _, err := asn1.Unmarshal(fields[1].FullBytes, &ai.SignatureAlgorithm); err != nil {
					return nil, fmt.Errorf("ActiveAuthenticationInfo algorithm: %w", err)
				}
			}
			si.ActiveAuth = ai
		default:
			si.Other = append(si.Other, RawInfo{Protocol: oid, DER: full})
		}
	}
	return si, nil
}

func oidTail(oid, prefix asn1.ObjectIdentifier) asn1.ObjectIdentifier { return oid[len(prefix):] }

func asn1Int(rv asn1.RawValue, out *int) error {
	if rv.Tag != asn1.TagInteger || rv.Class != asn1.ClassUniversal {
		return errors.New("not an INTEGER")
	}
	_, err := asn1.Unmarshal(rv.FullBytes, out)
	return err
}

// ParseCardAccess parses EF.CardAccess.
func ParseCardAccess(b []byte) (*SecurityInfos, error) {
	si, err := ParseSecurityInfos(b)
	if err != nil {
		return nil, fmt.Errorf("EF.CardAccess: %w", err)
	}
	return si, nil
}

// ParseDG14 parses DG14: 6E { SecurityInfos }.
func ParseDG14(b []byte) (*SecurityInfos, error) {
	v, err := tlv.Unwrap(b, 0x6E)
	if err != nil {
		return nil, fmt.Errorf("DG14: %w", err)
	}
	si, err := ParseSecurityInfos(v)
	if err != nil {
		return nil, fmt.Errorf("DG14: %w", err)
	}
	return si, nil
}

// Builders.

func encodeInfo(oid asn1.ObjectIdentifier, fields ...[]byte) []byte {
	o, _ := asn1.Marshal(oid)
	return tlv.Encode(0x30, append([][]byte{o}, fields...)...)
}

func encodeInt(n int) []byte { b, _ := asn1.Marshal(n); return b }

// BuildPACEInfo encodes a PACEInfo.
func BuildPACEInfo(p PACEInfo) []byte {
	if p.ParameterID > 0 {
		return encodeInfo(p.Protocol, encodeInt(p.Version), encodeInt(p.ParameterID))
	}
	return encodeInfo(p.Protocol, encodeInt(p.Version))
}

// BuildChipAuthInfo encodes a ChipAuthenticationInfo.
func BuildChipAuthInfo(c ChipAuthInfo) []byte {
	if c.KeyID > 0 {
		return encodeInfo(c.Protocol, encodeInt(c.Version), encodeInt(c.KeyID))
	}
	return encodeInfo(c.Protocol, encodeInt(c.Version))
}

// BuildChipAuthPublicKey encodes a ChipAuthenticationPublicKeyInfo.
func BuildChipAuthPublicKey(k ChipAuthPublicKey) ([]byte, error) {
	spki, err := k.Key.MarshalSPKI()
	if err != nil {
		return nil, err
	}
	if k.KeyID > 0 {
		return encodeInfo(OIDPKECDH, spki, encodeInt(k.KeyID)), nil
	}
	return encodeInfo(OIDPKECDH, spki), nil
}

// BuildTAInfo encodes a TerminalAuthenticationInfo (version 1).
func BuildTAInfo() []byte { return encodeInfo(OIDTA, encodeInt(1)) }

// BuildActiveAuthInfo encodes an ActiveAuthenticationInfo.
func BuildActiveAuthInfo(alg asn1.ObjectIdentifier) []byte {
	o, _ := asn1.Marshal(alg)
	return encodeInfo(OIDActiveAuth, encodeInt(1), o)
}

// BuildSecurityInfos wraps encoded infos in a SET.
func BuildSecurityInfos(infos ...[]byte) []byte { return tlv.Encode(0x31, infos...) }

// BuildDG14 wraps SecurityInfos in DG14.
func BuildDG14(infos ...[]byte) []byte { return tlv.Encode(0x6E, BuildSecurityInfos(infos...)) }
