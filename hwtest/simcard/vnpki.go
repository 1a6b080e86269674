package simcard

import (
	"crypto"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"
	"math/rand/v2"
	"sync"
	"time"

	"motcua/reader/cms"
	"motcua/reader/ecc"
	"motcua/reader/lds"
	"motcua/reader/pa"
)

// VNLikePKI is a test PKI with the algorithms of the one public Vietnamese
// CSCA ("CSCA ePassport Vietnam" in the German and Dutch master lists):
// ecdsa-with-SHA512 over brainpoolP512r1, keys with explicit parameters.
// crypto/x509 can neither create nor parse such certificates, so they are
// built by hand. Keys derive from fixed labels; test keys only.
type VNLikePKI struct {
	CSCA, DS []byte // certificates (DER)
	dsCert   *pa.Cert
	dsPriv   []byte
}

var (
	vnOnce sync.Once
	vnPKI  *VNLikePKI
	vnErr  error
)

// VNLike returns the Vietnamese-like test PKI (built once per process:
// brainpoolP512r1 arithmetic in math/big is slow).
func VNLike() (*VNLikePKI, error) {
	vnOnce.Do(func() { vnPKI, vnErr = newVNLike() })
	return vnPKI, vnErr
}

// bpKey derives a brainpoolP512r1 key from a label.
func bpKey(label string) ([]byte, ecc.Point) {
	seed := sha256.Sum256([]byte("motcua synthetic test key: " + label))
	priv, pub, _ := ecc.BrainpoolP512r1.GenerateKey(rand.NewChaCha8(seed))
	return priv, pub
}

// signSHA512 is ecdsa-with-SHA512 on brainpoolP512r1, DER-encoded.
func signSHA512(priv, msg []byte) ([]byte, error) {
	sum := sha512.Sum512(msg)
	r, s, err := ecc.BrainpoolP512r1.SignECDSA(nil, priv, sum[:])
	if err != nil {
		return nil, err
	}
	return asn1.Marshal(struct{ R, S *big.Int }{r, s})
}

// handCert builds and signs a certificate with ecdsa-with-SHA512.
func handCert(subjectDER, issuerDER []byte, serial int64, pub ecc.Point, signer []byte, from, to time.Time, isCA bool) ([]byte, error) {
	spki, err := (&lds.PublicKey{Curve: ecc.BrainpoolP512r1, Point: pub}).MarshalSPKI()
	if err != nil {
		return nil, err
	}
	var exts []pkix.Extension
	if isCA {
		bc, _ := asn1.Marshal(struct{ IsCA bool }{true})
		exts = append(exts, pkix.Extension{Id: asn1.ObjectIdentifier{2, 5, 29, 19}, Critical: true, Value: bc})
	}
	alg := pkix.AlgorithmIdentifier{Algorithm: cms.OIDECDSAWithSHA512}
	tbs, err := asn1.Marshal(struct {
		Version    int `asn1:"explicit,tag:0"`
		Serial     *big.Int
		Alg        pkix.AlgorithmIdentifier
		Issuer     asn1.RawValue
		Validity   struct{ NotBefore, NotAfter time.Time }
		Subject    asn1.RawValue
		SPKI       asn1.RawValue
		Extensions []pkix.Extension `asn1:"optional,explicit,tag:3"`
	}{
		Version: 2, Serial: big.NewInt(serial), Alg: alg,
		Issuer:     asn1.RawValue{FullBytes: issuerDER},
		Validity:   struct{ NotBefore, NotAfter time.Time }{from, to},
		Subject:    asn1.RawValue{FullBytes: subjectDER},
		SPKI:       asn1.RawValue{FullBytes: spki},
		Extensions: exts,
	})
	if err != nil {
		return nil, err
	}
	sig, err := signSHA512(signer, tbs)
	if err != nil {
		return nil, err
	}
	return asn1.Marshal(struct {
		TBS asn1.RawValue
		Alg pkix.AlgorithmIdentifier
		Sig asn1.BitString
	}{asn1.RawValue{FullBytes: tbs}, alg, asn1.BitString{Bytes: sig, BitLength: 8 * len(sig)}})
}

func newVNLike() (*VNLikePKI, error) {
	cscaPriv, cscaPub := bpKey("CSCA ePassport VN-like")
	dsPriv, dsPub := bpKey("CSCA ePassport VN-like / DS")
	name := func(cn string) []byte {
		b, _ := asn1.Marshal(subject(cn).ToRDNSequence())
		return b
	}
	csca, err := handCert(name("CSCA ePassport VN-like test"), name("CSCA ePassport VN-like test"), 1, cscaPub, cscaPriv, cscaFrom, cscaTo, true)
	if err != nil {
		return nil, fmt.Errorf("VN-like CSCA: %w", err)
	}
	ds, err := handCert(name("Document Signer VN-like test"), name("CSCA ePassport VN-like test"), 2, dsPub, cscaPriv,
		cscaFrom.AddDate(0, 1, 0), time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC), false)
	if err != nil {
		return nil, fmt.Errorf("VN-like document signer: %w", err)
	}
	dsCert, err := pa.ParseCert(ds)
	if err != nil {
		return nil, fmt.Errorf("VN-like document signer: %w", err)
	}
	return &VNLikePKI{CSCA: csca, DS: ds, dsCert: dsCert, dsPriv: dsPriv}, nil
}

// SignSOD signs EF.SOD over files: SHA-512 data-group hashes and digest,
// the signature ecdsa-with-SHA512 by the VN-like document signer.
func (v *VNLikePKI) SignSOD(files map[lds.FileID][]byte, at time.Time) ([]byte, error) {
	sign := func(digest []byte) (pkix.AlgorithmIdentifier, []byte, error) {
		// cms hands over the SHA-512 digest of the signed attributes.
		r, s, err := ecc.BrainpoolP512r1.SignECDSA(nil, v.dsPriv, digest)
		if err != nil {
			return pkix.AlgorithmIdentifier{}, nil, err
		}
		sig, err := asn1.Marshal(struct{ R, S *big.Int }{r, s})
		return pkix.AlgorithmIdentifier{Algorithm: cms.OIDECDSAWithSHA512}, sig, err
	}
	return lds.BuildSODWith(crypto.SHA512, files, v.DS, v.dsCert.RawIssuer, v.dsCert.Serial, sign, at)
}

// Trust is a trust store holding the VN-like CSCA.
func (v *VNLikePKI) Trust() (*pa.TrustStore, error) {
	c, err := pa.ParseCert(v.CSCA)
	if err != nil {
		return nil, err
	}
	ts := pa.NewTrustStore()
	ts.Add(c)
	return ts, nil
}
