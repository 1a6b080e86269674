package pa

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"

	"motcua/reader/cms"
	"motcua/reader/ecc"
	"motcua/reader/lds"
)

// ErrUnknownAlgorithm reports a signature algorithm this reader cannot check.
var ErrUnknownAlgorithm = errors.New("unknown or unsupported signature algorithm")

// ErrBadSignature reports a signature that does not verify.
var ErrBadSignature = errors.New("signature does not verify")

type pssParams struct {
	Hash       pkix.AlgorithmIdentifier `asn1:"optional,explicit,tag:0"`
	MGF        pkix.AlgorithmIdentifier `asn1:"optional,explicit,tag:1"`
	SaltLength int                      `asn1:"optional,explicit,tag:2,default:20"`
}

// sigScheme resolves a signature algorithm identifier into a scheme and hash.
// digestHint is the CMS digest algorithm, for the bare rsaEncryption OID.
func sigScheme(alg pkix.AlgorithmIdentifier, digestHint crypto.Hash) (scheme string, h crypto.Hash, pss *pssParams, err error) {
	o := alg.Algorithm
	table := []struct {
		oid    asn1.ObjectIdentifier
		scheme string
		hash   crypto.Hash
	}{
		{cms.OIDSHA1WithRSA, "rsa", crypto.SHA1}, {cms.OIDSHA224WithRSA, "rsa", crypto.SHA224},
		{cms.OIDSHA256WithRSA, "rsa", crypto.SHA256}, {cms.OIDSHA384WithRSA, "rsa", crypto.SHA384},
		{cms.OIDSHA512WithRSA, "rsa", crypto.SHA512},
		{cms.OIDECDSAWithSHA1, "ecdsa", crypto.SHA1}, {cms.OIDECDSAWithSHA224, "ecdsa", crypto.SHA224},
		{cms.OIDECDSAWithSHA256, "ecdsa", crypto.SHA256}, {cms.OIDECDSAWithSHA384, "ecdsa", crypto.SHA384},
		{cms.OIDECDSAWithSHA512, "ecdsa", crypto.SHA512},
	}
	for _, e := range table {
		if o.Equal(e.oid) {
			return e.scheme, e.hash, nil, nil
		}
	}
	switch {
	case o.Equal(cms.OIDRSAEncryption):
		if digestHint == 0 {
			return "", 0, nil, fmt.Errorf("%w: rsaEncryption without a digest", ErrUnknownAlgorithm)
		}
		return "rsa", digestHint, nil, nil
	case o.Equal(cms.OIDRSAPSS):
		p := &pssParams{SaltLength: 20}
		if len(alg.Parameters.FullBytes) > 0 {
			if _, err := asn1.Unmarshal(alg.Parameters.FullBytes, p); err != nil {
				return "", 0, nil, fmt.Errorf("%w: RSA-PSS parameters: %v", ErrUnknownAlgorithm, err)
			}
		}
		h := crypto.SHA1
		if len(p.Hash.Algorithm) > 0 {
			if h, err = cms.HashFromOID(p.Hash.Algorithm); err != nil {
				return "", 0, nil, fmt.Errorf("%w: %v", ErrUnknownAlgorithm, err)
			}
		}
		return "pss", h, p, nil
	}
	return "", 0, nil, fmt.Errorf("%w: %s", ErrUnknownAlgorithm, o)
}

// verifySignature checks sig over msg with key under the algorithm alg.
func verifySignature(key *lds.PublicKey, alg pkix.AlgorithmIdentifier, msg, sig []byte) error {
	return verifyWithHint(key, alg, 0, msg, sig)
}

func verifyWithHint(key *lds.PublicKey, alg pkix.AlgorithmIdentifier, digestHint crypto.Hash, msg, sig []byte) error {
	scheme, h, pss, err := sigScheme(alg, digestHint)
	if err != nil {
		return err
	}
	if !h.Available() {
		return fmt.Errorf("%w: hash %v", ErrUnknownAlgorithm, h)
	}
	hh := h.New()
	hh.Write(msg)
	digest := hh.Sum(nil)
	switch scheme {
	case "rsa", "pss":
		if key.RSA == nil {
			return fmt.Errorf("%w: RSA signature with a non-RSA key", ErrBadSignature)
		}
		if scheme == "rsa" {
			err = rsa.VerifyPKCS1v15(key.RSA, h, digest, sig)
		} else {
			err = rsa.VerifyPSS(key.RSA, h, digest, sig, &rsa.PSSOptions{SaltLength: pss.SaltLength, Hash: h})
		}
		if err != nil {
			return fmt.Errorf("%w (%v)", ErrBadSignature, err)
		}
		return nil
	case "ecdsa":
		if key.Curve == nil {
			return fmt.Errorf("%w: ECDSA signature with a non-EC key", ErrBadSignature)
		}
		var rs struct{ R, S *big.Int }
		if rest, err := asn1.Unmarshal(sig, &rs); err != nil || len(rest) > 0 {
			// Some signers use plain r||s.
			n := len(sig) / 2
			if len(sig)%2 != 0 || n == 0 {
				return fmt.Errorf("%w: malformed ECDSA signature", ErrBadSignature)
			}
			rs.R, rs.S = new(big.Int).SetBytes(sig[:n]), new(big.Int).SetBytes(sig[n:])
		}
		if std := stdCurve(key.Curve); std != nil {
			// NIST curves: the standard library's constant-time, much faster code.
			size := (std.Params().BitSize + 7) / 8
			if key.Point.X == nil || key.Point.Y == nil || key.Point.X.BitLen() > size*8 || key.Point.Y.BitLen() > size*8 {
				return fmt.Errorf("%w: public key point out of range", ErrBadSignature)
			}
			enc := make([]byte, 1+2*size)
			enc[0] = 4 // uncompressed point
			key.Point.X.FillBytes(enc[1 : 1+size])
			key.Point.Y.FillBytes(enc[1+size:])
			pub, err := ecdsa.ParseUncompressedPublicKey(std, enc)
			if err != nil {
				return fmt.Errorf("%w: %v", ErrBadSignature, err)
			}
			if !ecdsa.Verify(pub, digest, rs.R, rs.S) {
				return ErrBadSignature
			}
			return nil
		}
		if !key.Curve.VerifyECDSA(key.Point, digest, rs.R, rs.S) {
			return ErrBadSignature
		}
		return nil
	}
	return fmt.Errorf("%w: %s", ErrUnknownAlgorithm, scheme)
}

// stdCurve returns the standard library curve for a NIST curve, or nil.
func stdCurve(c *ecc.Curve) elliptic.Curve {
	switch c {
	case ecc.P224:
		return elliptic.P224()
	case ecc.P256:
		return elliptic.P256()
	case ecc.P384:
		return elliptic.P384()
	case ecc.P521:
		return elliptic.P521()
	}
	return nil
}
