package lds

import (
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"
	"sort"
	"time"

	"motcua/reader/cms"
	"motcua/reader/tlv"
)

// OIDLDSSecurityObject is id-icao-mrtd-security-ldsSecurityObject.
var OIDLDSSecurityObject = asn1.ObjectIdentifier{2, 23, 136, 1, 1, 1}

// SODData is EF.SOD: the signed hashes of the data groups.
type SODData struct {
	HashAlgorithm crypto.Hash
	Hashes        map[FileID][]byte
	SignedData    *cms.SignedData
	// Raw is the ContentInfo DER (the value of tag 77).
	Raw []byte
}

type ldsSecurityObject struct {
	Version       int
	HashAlgorithm pkix.AlgorithmIdentifier
	Hashes        []dataGroupHash
	VersionInfo   asn1.RawValue `asn1:"optional"`
}

type dataGroupHash struct {
	Number int
	Hash   []byte
}

// ParseSOD parses EF.SOD: 77 { ContentInfo { SignedData { LDSSecurityObject } } }.
// It is lenient about what real issuers emit (BER with indefinite lengths,
// the id-data content type); the signature is not checked here (see
// reader/pa), which is strict about what was signed.
func ParseSOD(b []byte) (*SODData, error) {
	if len(b) > 1 && b[0] == 0x77 && b[1] == 0x80 {
		// BER with an indefinite length from the outermost tag on.
		der, err := cms.ToDER(b)
		if err != nil {
			return nil, fmt.Errorf("EF.SOD: %w", err)
		}
		b = der
	}
	v, err := tlv.Unwrap(b, 0x77)
	if err != nil {
		return nil, fmt.Errorf("EF.SOD: %w", err)
	}
	sd, err := cms.Parse(v)
	if err != nil {
		return nil, fmt.Errorf("EF.SOD: %w", err)
	}
	// Some issuers label the content id-data; it must still parse as an
	// LDS security object below.
	if !sd.ContentType.Equal(OIDLDSSecurityObject) && !sd.ContentType.Equal(cms.OIDData) {
		return nil, fmt.Errorf("EF.SOD: content type %s is not an LDS security object", sd.ContentType)
	}
	var lso ldsSecurityObject
	rest, err := asn1.Unmarshal(sd.Content, &lso)
	if err != nil {
		return nil, fmt.Errorf("EF.SOD: LDS security object: %w", err)
	}
	if len(rest) > 0 {
		return nil, fmt.Errorf("EF.SOD: trailing data after the LDS security object")
	}
	h, err := cms.HashFromOID(lso.HashAlgorithm.Algorithm)
	if err != nil {
		return nil, fmt.Errorf("EF.SOD: %w", err)
	}
	s := &SODData{HashAlgorithm: h, Hashes: map[FileID][]byte{}, SignedData: sd, Raw: v}
	for _, dh := range lso.Hashes {
		if dh.Number < 1 || dh.Number > 16 {
			return nil, fmt.Errorf("EF.SOD: data group number %d out of range", dh.Number)
		}
		if len(dh.Hash) != h.Size() {
			return nil, fmt.Errorf("EF.SOD: DG%d hash of %d bytes for %v", dh.Number, len(dh.Hash), h)
		}
		s.Hashes[FileID(dh.Number)] = dh.Hash
	}
	if len(s.Hashes) == 0 {
		return nil, fmt.Errorf("EF.SOD: no data-group hashes")
	}
	return s, nil
}

// DataGroups lists the data groups the SOD covers, in order.
func (s *SODData) DataGroups() []FileID {
	var out []FileID
	for dg := range s.Hashes {
		out = append(out, dg)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// BuildSOD hashes the given data groups and signs the LDS security object
// with the document signer's key. files maps data-group numbers to their
// complete contents.
func BuildSOD(hash crypto.Hash, files map[FileID][]byte, signerCert *x509.Certificate, signerKey crypto.Signer, now time.Time) ([]byte, error) {
	return BuildSODWith(hash, files, signerCert.Raw, signerCert.RawIssuer, signerCert.SerialNumber, cms.SignerFor(signerKey, hash), now)
}

// BuildSODWith is BuildSOD for any signature scheme (brainpool, RSA-PSS):
// certDER is the document signer certificate, named by issuerDER and serial.
func BuildSODWith(hash crypto.Hash, files map[FileID][]byte, certDER, issuerDER []byte, serial *big.Int, sign cms.SignFunc, now time.Time) ([]byte, error) {
	hOID, err := cms.OIDFromHash(hash)
	if err != nil {
		return nil, err
	}
	lso := ldsSecurityObject{HashAlgorithm: pkix.AlgorithmIdentifier{Algorithm: hOID, Parameters: asn1.NullRawValue}}
	var dgs []int
	for dg := range files {
		if dg >= 1 && dg <= 16 {
			dgs = append(dgs, int(dg))
		}
	}
	sort.Ints(dgs)
	for _, dg := range dgs {
		h := hash.New()
		h.Write(files[FileID(dg)])
		lso.Hashes = append(lso.Hashes, dataGroupHash{Number: dg, Hash: h.Sum(nil)})
	}
	content, err := asn1.Marshal(lso)
	if err != nil {
		return nil, err
	}
	ci, err := cms.BuildWith(OIDLDSSecurityObject, content, certDER, issuerDER, serial, hash, sign, now)
	if err != nil {
		return nil, err
	}
	return tlv.Encode(0x77, ci), nil
}
