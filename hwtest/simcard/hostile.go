package simcard

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"math/big"
	"time"

	"motcua/reader/cms"
	"motcua/reader/ecc"
	"motcua/reader/lds"
)

// PhotoBomb is a small valid JPEG (an 8x8 grey square) whose frame header
// is rewritten to declare 65535x65535 pixels: a few hundred bytes that a
// plain image.Decode would turn into gigabytes of allocations.
func PhotoBomb() []byte {
	img := image.NewGray(image.Rect(0, 0, 8, 8))
	for i := range img.Pix {
		img.Pix[i] = color.Gray{Y: uint8(i * 4)}.Y
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 50}); err != nil {
		panic(err) // encoding to memory cannot fail
	}
	b := buf.Bytes()
	// Find the baseline frame header (FFC0): length(2) precision(1)
	// height(2) width(2).
	for i := 2; i+9 < len(b); {
		if b[i] != 0xFF {
			break
		}
		marker, n := b[i+1], int(binary.BigEndian.Uint16(b[i+2:i+4]))
		if marker == 0xC0 {
			binary.BigEndian.PutUint16(b[i+5:i+7], 0xFFFF)
			binary.BigEndian.PutUint16(b[i+7:i+9], 0xFFFF)
			return b
		}
		i += 2 + n
	}
	panic("simcard: no frame header in the encoded JPEG")
}

// Sizes of the hostile group orders of FaultExplicitCurve.
const (
	HostileSignerOrderBytes = 32 << 10 // document signer certificate
	HostileChipOrderBytes   = 4 << 10  // DG14 and DG15 keys
)

// HostileCurve is P-256's field and equation with another base point (2G,
// so it names no curve) and an odd group order of orderBytes bytes: what a
// forger gives as explicit EC parameters to make verification arithmetic
// run without bound.
func HostileCurve(orderBytes int) *ecc.Curve {
	g := ecc.P256.ScalarBaseMult([]byte{2})
	n := new(big.Int).Lsh(big.NewInt(1), uint(8*orderBytes-1))
	n.Add(n, big.NewInt(1))
	return &ecc.Curve{Name: "hostile", P: ecc.P256.P, A: ecc.P256.A, B: ecc.P256.B, Gx: g.X, Gy: g.Y, N: n, H: 1}
}

// HostileKey is a public key on HostileCurve(orderBytes).
func HostileKey(orderBytes int) *lds.PublicKey {
	c := HostileCurve(orderBytes)
	return &lds.PublicKey{Curve: c, Point: c.G(), Explicit: true}
}

// HostileSignerCert is a document signer certificate, certified by the
// issuer's CSCA, whose key has hostile explicit parameters.
func HostileSignerCert(is *Issuer, serial *big.Int) ([]byte, error) {
	spki, err := HostileKey(HostileSignerOrderBytes).MarshalSPKI()
	if err != nil {
		return nil, err
	}
	subj, err := asn1.Marshal(subject("Document Signer explicit curve").ToRDNSequence())
	if err != nil {
		return nil, err
	}
	alg := pkix.AlgorithmIdentifier{Algorithm: cms.OIDECDSAWithSHA256}
	tbs, err := asn1.Marshal(struct {
		Version  int `asn1:"explicit,tag:0"`
		Serial   *big.Int
		Alg      pkix.AlgorithmIdentifier
		Issuer   asn1.RawValue
		Validity struct{ NotBefore, NotAfter time.Time }
		Subject  asn1.RawValue
		SPKI     asn1.RawValue
	}{
		Version: 2, Serial: serial, Alg: alg,
		Issuer:   asn1.RawValue{FullBytes: is.CSCA.RawSubject},
		Validity: struct{ NotBefore, NotAfter time.Time }{is.DS.NotBefore, is.DS.NotAfter},
		Subject:  asn1.RawValue{FullBytes: subj},
		SPKI:     asn1.RawValue{FullBytes: spki},
	})
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(tbs)
	sig, err := ecdsa.SignASN1(rand.Reader, is.CSCAKey, sum[:])
	if err != nil {
		return nil, err
	}
	return asn1.Marshal(struct {
		TBS asn1.RawValue
		Alg pkix.AlgorithmIdentifier
		Sig asn1.BitString
	}{asn1.RawValue{FullBytes: tbs}, alg, asn1.BitString{Bytes: sig, BitLength: 8 * len(sig)}})
}

// hostileCurveFiles gives DG14 and DG15 hostile keys and signs EF.SOD
// "with" the hostile document signer: the signature is (r, s) = (1, 2),
// whose check on the hostile curve would need a scalar as long as the
// group order.
func hostileCurveFiles(files map[lds.FileID][]byte, is *Issuer) ([]byte, error) {
	caKey, err := lds.BuildChipAuthPublicKey(lds.ChipAuthPublicKey{Key: HostileKey(HostileChipOrderBytes)})
	if err != nil {
		return nil, err
	}
	files[lds.DG14] = lds.BuildDG14(
		lds.BuildChipAuthInfo(lds.ChipAuthInfo{Protocol: lds.OIDCAECDHAES128, Version: 1}),
		caKey,
		lds.BuildActiveAuthInfo(cms.OIDECDSAWithSHA256))
	if files[lds.DG15], err = lds.BuildDG15(HostileKey(HostileChipOrderBytes)); err != nil {
		return nil, err
	}
	serial := big.NewInt(0xEC)
	cert, err := HostileSignerCert(is, serial)
	if err != nil {
		return nil, err
	}
	sign := func([]byte) (pkix.AlgorithmIdentifier, []byte, error) {
		sig, err := asn1.Marshal(struct{ R, S *big.Int }{big.NewInt(1), big.NewInt(2)})
		return pkix.AlgorithmIdentifier{Algorithm: cms.OIDECDSAWithSHA256}, sig, err
	}
	return lds.BuildSODWith(crypto.SHA256, files, cert, is.CSCA.RawSubject, serial, sign, is.DS.NotBefore.Add(24*time.Hour))
}
