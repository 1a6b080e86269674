package pa

import (
	"bytes"
	"encoding/asn1"
	"errors"
	"fmt"

	"motcua/reader/cms"
)

// checkSignedData verifies the one signature of a SignedData other than
// EF.SOD (a master list, EF.CardSecurity) with the signer certificate it
// carries, and returns that certificate and its SignerInfo. The chain of
// the signer is the caller's to judge. what names the object in errors.
func checkSignedData(sd *cms.SignedData, what string) (*Cert, cms.SignerInfo, error) {
	if len(sd.SignerInfos) != 1 {
		return nil, cms.SignerInfo{}, fmt.Errorf("%s has %d signatures, want 1", what, len(sd.SignerInfos))
	}
	si := sd.SignerInfos[0]
	signer, err := findSignerIn(si, sd.Certificates, what)
	if err != nil {
		return nil, si, err
	}
	digestHash, err := cms.HashFromOID(si.DigestAlgorithm.Algorithm)
	if err != nil {
		return nil, si, fmt.Errorf("%s: %v", what, err)
	}
	signed := sd.Content
	if si.SignedAttrsDER != nil {
		md, err := si.MessageDigest()
		if err != nil {
			return nil, si, fmt.Errorf("%s: %v", what, err)
		}
		h := digestHash.New()
		h.Write(sd.Content)
		if !bytes.Equal(h.Sum(nil), md) {
			return nil, si, fmt.Errorf("%s: %w: its message digest does not match its content", what, ErrBadSignature)
		}
		ct, ok := si.Attr(cms.OIDContentType)
		var ctOID asn1.ObjectIdentifier
		if !ok {
			return nil, si, fmt.Errorf("%s has no signed content-type attribute", what)
		}
		if _, err := asn1.Unmarshal(ct.FullBytes, &ctOID); err != nil || !ctOID.Equal(sd.ContentType) {
			return nil, si, fmt.Errorf("%s: signed content type does not match its content (%s)", what, sd.ContentType)
		}
		signed = si.SignedAttrsDER
	}
	if err := verifyWithHint(signer.PublicKey, si.SignatureAlgorithm, digestHash, signed, si.Signature); err != nil {
		if errors.Is(err, ErrUnknownAlgorithm) {
			return nil, si, fmt.Errorf("%s signature: %v", what, err)
		}
		return nil, si, fmt.Errorf("%s: %w with its signer's key", what, ErrBadSignature)
	}
	return signer, si, nil
}
