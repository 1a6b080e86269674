// Package ecc is short-Weierstrass elliptic-curve arithmetic over prime
// fields for any curve parameters, including the brainpool curves that Go's
// standard library does not have. PACE generic mapping needs point addition
// and multiplication with an arbitrary generator, which crypto/ecdh does not
// expose, and Vietnamese cards use brainpoolP256r1.
//
// Field elements are fixed arrays of 64-bit words in Montgomery form
// (field.go), points are Jacobian (jacobian.go), so the inner loops neither
// allocate nor divide. Signature verification computes u1·G + u2·Q in one
// chain of doublings (Shamir's trick with width-5 NAFs); it handles public
// values only and its running time depends on them.
//
// Secret scalars (the terminal's ephemeral PACE and Chip Authentication keys,
// the simulated card's signing keys) go through ScalarMult/ScalarMultInt, a
// fixed-window method: the same doublings and additions for every scalar
// below the group order, each table entry fetched by reading all of them,
// field operations without branches on the values. That is better than the
// former double-and-add, which branched on every bit, but it is not a
// constant-time implementation: math/big still converts the scalar and the
// coordinates in and out (its running time depends on the values), GenerateKey
// reduces the random scalar with math/big, SignECDSA inverts the nonce with
// big.Int.ModInverse, and nothing here has been checked for timing at the
// instruction level. Use it for one session's ephemeral keys on the terminal
// and for public-key operations; do not use it to guard long-term secrets on a
// machine shared with an adversary.
package ecc

import (
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"math/big"
)

// Curve is y² = x³ + ax + b over GF(p) with base point G of order N.
type Curve struct {
	Name    string
	P, A, B *big.Int
	Gx, Gy  *big.Int
	N       *big.Int
	H       int // cofactor
}

// Point is an affine point; the point at infinity has X == nil.
type Point struct {
	X, Y *big.Int
}

// Infinity reports whether p is the point at infinity.
func (p Point) Infinity() bool { return p.X == nil }

// ByteLen is the length of one coordinate in bytes.
func (c *Curve) ByteLen() int { return (c.P.BitLen() + 7) / 8 }

// G returns the base point.
func (c *Curve) G() Point { return Point{new(big.Int).Set(c.Gx), new(big.Int).Set(c.Gy)} }

// WithGenerator returns a copy of the curve with another base point of the
// same order (the mapped generator of PACE GM).
func (c *Curve) WithGenerator(g Point) *Curve {
	cc := *c
	cc.Gx, cc.Gy = new(big.Int).Set(g.X), new(big.Int).Set(g.Y)
	cc.Name = c.Name + " (mapped)"
	return &cc
}

// IsOnCurve reports whether p is a finite point on the curve.
func (c *Curve) IsOnCurve(p Point) bool {
	if p.Infinity() || p.X.Sign() < 0 || p.Y.Sign() < 0 || p.X.Cmp(c.P) >= 0 || p.Y.Cmp(c.P) >= 0 {
		return false
	}
	y2 := new(big.Int).Mul(p.Y, p.Y)
	y2.Mod(y2, c.P)
	rhs := new(big.Int).Mul(p.X, p.X)
	rhs.Add(rhs, c.A)
	rhs.Mul(rhs, p.X)
	rhs.Add(rhs, c.B)
	rhs.Mod(rhs, c.P)
	return y2.Cmp(rhs) == 0
}

// arith returns the curve's fast arithmetic. Building it costs a few
// math/big operations (R² mod p), small against one scalar multiplication,
// so nothing is cached and a Curve stays a plain value. It fails only for a
// prime this package cannot handle (even, tiny or over 576 bits); no named
// curve and no explicit parameters that Match a named curve are such.
func (c *Curve) arith() (*arith, error) { return newArith(c) }

// Add returns p + q. It returns the point at infinity on a curve whose prime
// the arithmetic cannot handle.
func (c *Curve) Add(p, q Point) Point {
	ar, err := c.arith()
	if err != nil {
		return Point{}
	}
	jp, jq := ar.fromAffine(p), ar.fromAffine(q)
	ar.add(&jp, &jp, &jq)
	return ar.toAffine(&jp)
}

// ScalarMult returns k·p. k is a big-endian unsigned integer.
func (c *Curve) ScalarMult(p Point, k []byte) Point {
	return c.ScalarMultInt(p, new(big.Int).SetBytes(k))
}

// ScalarMultInt returns k·p. k may be secret: the
// multiplication is a fixed-window method whose sequence of field operations
// depends only on the lengths of N and k (see the package doc for what
// math/big still leaks). It returns the point at infinity on a curve whose
// prime the arithmetic cannot handle.
func (c *Curve) ScalarMultInt(p Point, k *big.Int) Point {
	ar, err := c.arith()
	if err != nil {
		return Point{}
	}
	jp := ar.fromAffine(p)
	order := c.N
	if order == nil {
		order = new(big.Int)
	}
	var r jac
	ar.scalarMult(&r, &jp, k, order)
	if k.Sign() < 0 {
		ar.negate(&r, &r)
	}
	return ar.toAffine(&r)
}

// ScalarBaseMult returns k·G.
func (c *Curve) ScalarBaseMult(k []byte) Point { return c.ScalarMult(c.G(), k) }

// Marshal encodes p uncompressed: 04 || X || Y.
func (c *Curve) Marshal(p Point) []byte {
	n := c.ByteLen()
	out := make([]byte, 1+2*n)
	out[0] = 4
	p.X.FillBytes(out[1 : 1+n])
	p.Y.FillBytes(out[1+n:])
	return out
}

// ErrInvalidPoint reports an encoding that is not a point on the curve.
var ErrInvalidPoint = errors.New("ecc: invalid point")

// Unmarshal decodes an uncompressed point and checks that it lies on the
// curve. Accepting an off-curve point would leak the private key in an
// invalid-curve attack.
func (c *Curve) Unmarshal(b []byte) (Point, error) {
	n := c.ByteLen()
	if len(b) != 1+2*n || b[0] != 4 {
		return Point{}, fmt.Errorf("%w: %d bytes, want 04 || X || Y of %d", ErrInvalidPoint, len(b), 1+2*n)
	}
	p := Point{new(big.Int).SetBytes(b[1 : 1+n]), new(big.Int).SetBytes(b[1+n:])}
	if !c.IsOnCurve(p) {
		return Point{}, fmt.Errorf("%w: not on %s", ErrInvalidPoint, c.Name)
	}
	return p, nil
}

// GenerateKey returns a private scalar in [1, N-1] and its public point k·G.
func (c *Curve) GenerateKey(rnd io.Reader) ([]byte, Point, error) {
	if rnd == nil {
		rnd = rand.Reader
	}
	nm1 := new(big.Int).Sub(c.N, big.NewInt(1))
	buf := make([]byte, (c.N.BitLen()+7)/8+8) // 64 extra bits make the bias negligible
	if _, err := io.ReadFull(rnd, buf); err != nil {
		return nil, Point{}, fmt.Errorf("ecc: random: %w", err)
	}
	k := new(big.Int).SetBytes(buf)
	k.Mod(k, nm1)
	k.Add(k, big.NewInt(1))
	priv := make([]byte, (c.N.BitLen()+7)/8)
	k.FillBytes(priv)
	return priv, c.ScalarBaseMult(priv), nil
}

// ECDH returns the x coordinate of priv·pub, checking pub first.
func (c *Curve) ECDH(priv []byte, pub Point) ([]byte, error) {
	if !c.IsOnCurve(pub) {
		return nil, ErrInvalidPoint
	}
	s := c.ScalarMult(pub, priv)
	if s.Infinity() {
		return nil, errors.New("ecc: shared secret is the point at infinity")
	}
	out := make([]byte, c.ByteLen())
	s.X.FillBytes(out)
	return out, nil
}

func hexInt(s string) *big.Int {
	n, ok := new(big.Int).SetString(s, 16)
	if !ok {
		panic("ecc: bad constant " + s)
	}
	return n
}

func fromStdlib(name string, c elliptic.Curve) *Curve {
	p := c.Params()
	return &Curve{
		Name: name, P: p.P, A: new(big.Int).Sub(p.P, big.NewInt(3)), B: p.B,
		Gx: p.Gx, Gy: p.Gy, N: p.N, H: 1,
	}
}

// Named curves used by eMRTDs. Parameters: RFC 5639 (brainpool) and FIPS 186 (NIST).
var (
	P256 = fromStdlib("P-256", elliptic.P256())
	P384 = fromStdlib("P-384", elliptic.P384())
	P521 = fromStdlib("P-521", elliptic.P521())

	BrainpoolP256r1 = &Curve{
		Name: "brainpoolP256r1",
		P:    hexInt("A9FB57DBA1EEA9BC3E660A909D838D726E3BF623D52620282013481D1F6E5377"),
		A:    hexInt("7D5A0975FC2C3057EEF67530417AFFE7FB8055C126DC5C6CE94A4B44F330B5D9"),
		B:    hexInt("26DC5C6CE94A4B44F330B5D9BBD77CBF958416295CF7E1CE6BCCDC18FF8C07B6"),
		Gx:   hexInt("8BD2AEB9CB7E57CB2C4B482FFC81B7AFB9DE27E1E3BD23C23A4453BD9ACE3262"),
		Gy:   hexInt("547EF835C3DAC4FD97F8461A14611DC9C27745132DED8E545C1D54C72F046997"),
		N:    hexInt("A9FB57DBA1EEA9BC3E660A909D838D718C397AA3B561A6F7901E0E82974856A7"),
		H:    1,
	}
	// More curves real documents use (issue 20): the secp ones from SEC 2
	// (P-224 from the standard library), brainpool from RFC 5639.
	P224      = fromStdlib("P-224", elliptic.P224())
	Secp192r1 = &Curve{
		Name: "secp192r1",
		P:    hexInt("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFFFFFFFFFFFF"),
		A:    hexInt("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFFFFFFFFFFFC"),
		B:    hexInt("64210519E59C80E70FA7E9AB72243049FEB8DEECC146B9B1"),
		Gx:   hexInt("188DA80EB03090F67CBF20EB43A18800F4FF0AFD82FF1012"),
		Gy:   hexInt("07192B95FFC8DA78631011ED6B24CDD573F977A11E794811"),
		N:    hexInt("FFFFFFFFFFFFFFFFFFFFFFFF99DEF836146BC9B1B4D22831"),
		H:    1,
	}
	BrainpoolP224r1 = &Curve{
		Name: "brainpoolP224r1",
		P:    hexInt("D7C134AA264366862A18302575D1D787B09F075797DA89F57EC8C0FF"),
		A:    hexInt("68A5E62CA9CE6C1C299803A6C1530B514E182AD8B0042A59CAD29F43"),
		B:    hexInt("2580F63CCFE44138870713B1A92369E33E2135D266DBB372386C400B"),
		Gx:   hexInt("0D9029AD2C7E5CF4340823B2A87DC68C9E4CE3174C1E6EFDEE12C07D"),
		Gy:   hexInt("58AA56F772C0726F24C6B89E4ECDAC24354B9E99CAA3F6D3761402CD"),
		N:    hexInt("D7C134AA264366862A18302575D0FB98D116BC4B6DDEBCA3A5A7939F"),
		H:    1,
	}
	BrainpoolP320r1 = &Curve{
		Name: "brainpoolP320r1",
		P:    hexInt("D35E472036BC4FB7E13C785ED201E065F98FCFA6F6F40DEF4F92B9EC7893EC28FCD412B1F1B32E27"),
		A:    hexInt("3EE30B568FBAB0F883CCEBD46D3F3BB8A2A73513F5EB79DA66190EB085FFA9F492F375A97D860EB4"),
		B:    hexInt("520883949DFDBC42D3AD198640688A6FE13F41349554B49ACC31DCCD884539816F5EB4AC8FB1F1A6"),
		Gx:   hexInt("43BD7E9AFB53D8B85289BCC48EE5BFE6F20137D10A087EB6E7871E2A10A599C710AF8D0D39E20611"),
		Gy:   hexInt("14FDD05545EC1CC8AB4093247F77275E0743FFED117182EAA9C77877AAAC6AC7D35245D1692E8EE1"),
		N:    hexInt("D35E472036BC4FB7E13C785ED201E065F98FCFA5B68F12A32D482EC7EE8658E98691555B44C59311"),
		H:    1,
	}
	BrainpoolP384r1 = &Curve{
		Name: "brainpoolP384r1",
		P:    hexInt("8CB91E82A3386D280F5D6F7E50E641DF152F7109ED5456B412B1DA197FB71123ACD3A729901D1A71874700133107EC53"),
		A:    hexInt("7BC382C63D8C150C3C72080ACE05AFA0C2BEA28E4FB22787139165EFBA91F90F8AA5814A503AD4EB04A8C7DD22CE2826"),
		B:    hexInt("04A8C7DD22CE28268B39B55416F0447C2FB77DE107DCD2A62E880EA53EEB62D57CB4390295DBC9943AB78696FA504C11"),
		Gx:   hexInt("1D1C64F068CF45FFA2A63A81B7C13F6B8847A3E77EF14FE3DB7FCAFE0CBD10E8E826E03436D646AAEF87B2E247D4AF1E"),
		Gy:   hexInt("8ABE1D7520F9C2A45CB1EB8E95CFD55262B70B29FEEC5864E19C054FF99129280E4646217791811142820341263C5315"),
		N:    hexInt("8CB91E82A3386D280F5D6F7E50E641DF152F7109ED5456B31F166E6CAC0425A7CF3AB6AF6B7FC3103B883202E9046565"),
		H:    1,
	}
	BrainpoolP512r1 = &Curve{
		Name: "brainpoolP512r1",
		P:    hexInt("AADD9DB8DBE9C48B3FD4E6AE33C9FC07CB308DB3B3C9D20ED6639CCA703308717D4D9B009BC66842AECDA12AE6A380E62881FF2F2D82C68528AA6056583A48F3"),
		A:    hexInt("7830A3318B603B89E2327145AC234CC594CBDD8D3DF91610A83441CAEA9863BC2DED5D5AA8253AA10A2EF1C98B9AC8B57F1117A72BF2C7B9E7C1AC4D77FC94CA"),
		B:    hexInt("3DF91610A83441CAEA9863BC2DED5D5AA8253AA10A2EF1C98B9AC8B57F1117A72BF2C7B9E7C1AC4D77FC94CADC083E67984050B75EBAE5DD2809BD638016F723"),
		Gx:   hexInt("81AEE4BDD82ED9645A21322E9C4C6A9385ED9F70B5D916C1B43B62EEF4D0098EFF3B1F78E2D0D48D50D1687B93B97D5F7C6D5047406A5E688B352209BCB9F822"),
		Gy:   hexInt("7DDE385D566332ECC0EABFA9CF7822FDF209F70024A57B1AA000C55B881F8111B2DCDE494A5F485E5BCA4BD88A2763AED1CA2B2FA8F0540678CD1E0F3AD80892"),
		N:    hexInt("AADD9DB8DBE9C48B3FD4E6AE33C9FC07CB308DB3B3C9D20ED6639CCA70330870553E5C414CA92619418661197FAC10471DB1D381085DDADDB58796829CA90069"),
		H:    1,
	}
)

// Named lists every named curve this package knows, for matching explicit
// parameters.
var Named = []*Curve{P256, BrainpoolP256r1, P384, BrainpoolP384r1, BrainpoolP512r1, P521,
	Secp192r1, P224, BrainpoolP224r1, BrainpoolP320r1}

// ByStandardizedID returns the curve for a BSI TR-03110 / ICAO standardized
// domain-parameter id (the parameterId of PACEInfo).
func ByStandardizedID(id int) (*Curve, error) {
	switch id {
	case 8:
		return Secp192r1, nil
	case 10:
		return P224, nil
	case 11:
		return BrainpoolP224r1, nil
	case 14:
		return BrainpoolP320r1, nil
	case 12:
		return P256, nil
	case 13:
		return BrainpoolP256r1, nil
	case 15:
		return P384, nil
	case 16:
		return BrainpoolP384r1, nil
	case 17:
		return BrainpoolP512r1, nil
	case 18:
		return P521, nil
	}
	return nil, fmt.Errorf("ecc: standardized domain parameters %d not supported", id)
}

// Match returns the named curve with the same p, a, b and G as c, or nil.
// Cards often give explicit parameters instead of a curve name.
func Match(c *Curve) *Curve {
	for _, k := range Named {
		if k.P.Cmp(c.P) == 0 && k.A.Cmp(c.A) == 0 && k.B.Cmp(c.B) == 0 && k.Gx.Cmp(c.Gx) == 0 && k.Gy.Cmp(c.Gy) == 0 {
			return k
		}
	}
	return nil
}
