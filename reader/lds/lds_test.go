package lds

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"math/big"
	"strings"
	"testing"
	"time"

	"motcua/reader/cccd"
	"motcua/reader/cms"
	"motcua/reader/ecc"
)

// The synthetic DG13 of REFERENCE.md section 3 (fictitious citizen).
const referenceDG13 = `6D8201733082016F020101060628D316010008318201603011020101130C303031303933303437303634
30180201020C134E677579E1BB856E2056C4836E205468E1BBAD300F0201030C0A30352F30312F31393933
30080201040C034E616D300F0201050C0A5669E1BB8774204E616D30090201060C044B696E68300B020107
0C064B68C3B46E6730230201080C1E59C3AA6E2042E1BAAF632C20447579205469C3AA6E2C2048C3A0204E
616D30340201090C2F4B696D204E67C6B0752C2056C4A96E68205475792C204861692042C3A0205472C6B0
6E672C2048C3A0204EE1BB9969302C02010A0C274EE1BB9174207275E1BB936920433A33636D207472C3AA
6E20736175206DC3A970207472C3A169300F02010B0C0A32342F30372F32303231300F02010C0C0A30352F
30312F32303333302B02010D30260C114E677579E1BB856E2056C4836E204368610C115472E1BAA76E2054
68E1BB8B204DE1BAB9300502010E3000300E02010F0C09313233343536373839`

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var referenceIdentity = cccd.Identity{
	IDNumber: "001093047064", FullName: "Nguyễn Văn Thử", DateOfBirth: "1993-01-05", Sex: "Nam",
	Nationality: "Việt Nam", Ethnicity: "Kinh", Religion: "Không",
	PlaceOfOrigin: "Yên Bắc, Duy Tiên, Hà Nam", PlaceOfResidence: "Kim Ngưu, Vĩnh Tuy, Hai Bà Trưng, Hà Nội",
	IdentifyingMarks: "Nốt ruồi C:3cm trên sau mép trái", DateOfIssue: "2021-07-24", DateOfExpiry: "2033-01-05",
	FatherName: "Nguyễn Văn Cha", MotherName: "Trần Thị Mẹ", OldIDNumber: "123456789",
}

func TestDG13ReferenceVector(t *testing.T) {
	raw := unhex(t, referenceDG13)
	d, err := ParseDG13(raw)
	if err != nil {
		t.Fatal(err)
	}
	if got := d.Identity(); got != referenceIdentity {
		t.Fatalf("identity\n got %+v\nwant %+v", got, referenceIdentity)
	}
	if rebuilt := BuildDG13(referenceIdentity); !bytes.Equal(rebuilt, raw) {
		t.Fatalf("rebuilt DG13 differs\n got %X\nwant %X", rebuilt, raw)
	}
}

func TestDG13ByFieldNumberNotPosition(t *testing.T) {
	// Fields out of order, an unknown field 16, no spouse field at all.
	id := referenceIdentity
	raw := BuildDG13(id)
	d, _ := ParseDG13(raw)
	if d.Identity().SpouseName != "" {
		t.Fatal("empty spouse read as a name")
	}
	id.DateOfExpiry = ""
	d, err := ParseDG13(BuildDG13(id))
	if err != nil {
		t.Fatal(err)
	}
	if got := d.Identity().DateOfExpiry; got != "" || d.ExpiryText() != "Không thời hạn" {
		t.Fatalf("no-expiry card: expiry %q text %q", got, d.ExpiryText())
	}
}

func TestCheckDigits(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want byte
	}{{"520727", '3'}, {"AB2134<<<", '5'}} {
		got, err := CheckDigit(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("CheckDigit(%q) = %c, %v; want %c", tt.in, got, err, tt.want)
		}
	}
	if _, err := CheckDigit("ab"); err == nil {
		t.Error("lower case accepted")
	}
}

func TestReferenceMRZ(t *testing.T) {
	mrz := "IDVNM0930470641001093047064<<2" + "9301054M3301052VNM<<<<<<<<<<<8" + "UNG<<HOANG<HIEP<<<<<<<<<<<<<<<"
	m, err := ParseMRZ(mrz)
	if err != nil {
		t.Fatal(err)
	}
	if m.DocumentNumber != "093047064" || m.IDNumber() != "001093047064" || m.DateOfBirth != "930105" ||
		m.DateOfExpiry != "330105" || m.Sex != "M" || m.PrimaryName != "UNG" || m.SecondaryName != "HOANG HIEP" {
		t.Fatalf("parsed %+v", m)
	}
	if m.BirthDate() != "1993-01-05" {
		t.Fatalf("BirthDate = %s", m.BirthDate())
	}
	built, err := BuildTD1(TD1Fields{DocumentCode: "ID", IssuingState: "VNM", DocumentNumber: "093047064",
		OptionalData1: "001093047064<<2", DateOfBirth: "930105", Sex: "M", DateOfExpiry: "330105", Nationality: "VNM",
		PrimaryName: "UNG", SecondaryName: "HOANG HIEP"})
	if err != nil {
		t.Fatal(err)
	}
	if built != mrz {
		t.Fatalf("BuildTD1\n got %s\nwant %s", built, mrz)
	}
	for i := range mrz {
		bad := []byte(mrz)
		if bad[i] >= '0' && bad[i] <= '8' && (i < 30 || i < 60) {
			bad[i]++
			if _, err := ParseMRZ(string(bad)); err == nil && (i >= 5 && i < 15 || i >= 30 && i < 45) {
				t.Errorf("altered digit at %d not detected", i)
			}
		}
	}
	info, _ := MRZInfo("L898902C", "690806", "940623")
	if info != "L898902C<369080619406236" {
		t.Fatalf("MRZInfo = %s", info)
	}
}

func TestCardAccessICAOVector(t *testing.T) {
	raw := append([]byte{0x31, 0x14}, unhex(t, "3012060A04007F0007020204020202010202010D")...)
	si, err := ParseCardAccess(raw)
	if err != nil {
		t.Fatal(err)
	}
	if len(si.PACE) != 1 || !si.PACE[0].Protocol.Equal(OIDPACEECDHGMAES128) || si.PACE[0].Version != 2 || si.PACE[0].ParameterID != 13 {
		t.Fatalf("PACEInfo %+v", si.PACE)
	}
	if got := BuildSecurityInfos(BuildPACEInfo(si.PACE[0])); !bytes.Equal(got, raw) {
		t.Fatalf("rebuilt %X", got)
	}
}

func TestDG14DG15RoundTrip(t *testing.T) {
	_, pub, _ := ecc.BrainpoolP256r1.GenerateKey(nil)
	ck, err := BuildChipAuthPublicKey(ChipAuthPublicKey{Key: &PublicKey{Curve: ecc.BrainpoolP256r1, Point: pub}})
	if err != nil {
		t.Fatal(err)
	}
	dg14 := BuildDG14(BuildChipAuthInfo(ChipAuthInfo{Protocol: OIDCAECDHAES128, Version: 1}), ck, BuildTAInfo(),
		BuildActiveAuthInfo(cms.OIDECDSAWithSHA256))
	si, err := ParseDG14(dg14)
	if err != nil {
		t.Fatal(err)
	}
	if len(si.ChipAuth) != 1 || len(si.ChipKeys) != 1 || !si.TA || si.ActiveAuth == nil {
		t.Fatalf("DG14 %+v", si)
	}
	k := si.ChipKeys[0].Key
	if k.Curve != ecc.BrainpoolP256r1 || !k.Explicit || k.Point.X.Cmp(pub.X) != 0 {
		t.Fatalf("chip key %+v", k)
	}
	rk, _ := rsa.GenerateKey(rand.Reader, 1024)
	dg15, err := BuildDG15(&PublicKey{RSA: &rk.PublicKey})
	if err != nil {
		t.Fatal(err)
	}
	k15, err := ParseDG15(dg15)
	if err != nil || k15.RSA == nil || k15.RSA.N.Cmp(rk.N) != 0 {
		t.Fatalf("DG15: %v", err)
	}
}

func TestDG2RoundTrip(t *testing.T) {
	jpeg := append([]byte{0xFF, 0xD8, 0xFF, 0xE0}, bytes.Repeat([]byte{0x42}, 5000)...)
	f, err := ParseDG2(BuildDG2(jpeg, 240, 320))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(f.Image, jpeg) || f.MIME != MIMEJPEG || f.Width != 240 || f.Height != 320 {
		t.Fatalf("face %s %dx%d, %d bytes", f.MIME, f.Width, f.Height, len(f.Image))
	}
	if _, err := ParseDG2(BuildDG2([]byte("not an image"), 1, 1)); err == nil {
		t.Fatal("non-image accepted")
	}
}

func TestCOMRoundTrip(t *testing.T) {
	c, err := ParseCOM(BuildCOM([]FileID{DG1, DG2, DG3, DG13, DG14, DG15}))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.DataGroups) != 6 || c.DataGroups[3] != DG13 || c.LDSVersion != "0107" {
		t.Fatalf("%+v", c)
	}
}

func testSigner(t testing.TB) (*x509.Certificate, crypto.Signer) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "Test DS", Country: []string{"VN"}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return cert, key
}

func TestSODRoundTrip(t *testing.T) {
	cert, key := testSigner(t)
	files := map[FileID][]byte{DG1: []byte("dg1"), DG13: unhex(t, referenceDG13)}
	raw, err := BuildSOD(crypto.SHA256, files, cert, key, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	sod, err := ParseSOD(raw)
	if err != nil {
		t.Fatal(err)
	}
	if sod.HashAlgorithm != crypto.SHA256 || len(sod.Hashes) != 2 {
		t.Fatalf("%+v", sod)
	}
	si := sod.SignedData.SignerInfos[0]
	signer, err := si.SignerCertificate([]*x509.Certificate{cert})
	if err != nil {
		t.Fatal(err)
	}
	if err := signer.CheckSignature(x509.ECDSAWithSHA256, si.SignedAttrsDER, si.Signature); err != nil {
		t.Fatalf("SOD signature does not verify with crypto/x509: %v", err)
	}
	md, _ := si.MessageDigest()
	h := crypto.SHA256.New()
	h.Write(sod.SignedData.Content)
	if !bytes.Equal(md, h.Sum(nil)) {
		t.Fatal("messageDigest does not match the content")
	}
	if _, err := ParseSOD(raw[:len(raw)/2]); err == nil {
		t.Fatal("truncated SOD accepted")
	}
}

func TestFileTable(t *testing.T) {
	if f := FileOf(DG13); f.FID != 0x010D || f.SFI != 0x0D || f.Tag != 0x6D || f.Name != "DG13" {
		t.Fatalf("%+v", f)
	}
	if f := FileOf(SOD); f.FID != 0x011D || f.SFI != 0x1D {
		t.Fatalf("%+v", f)
	}
	if DGForTag(0x75) != DG2 {
		t.Fatal("DG2 tag")
	}
	_ = asn1.ObjectIdentifier{}
}
