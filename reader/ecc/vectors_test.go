package ecc

import (
	"crypto/sha256"
	"crypto/sha512"
	"math/big"
	"testing"
)

// RFC 7027 Appendix A (ECDH key agreement on the brainpool curves for TLS):
// two key pairs and their shared point on each curve. The same values are
// published as test data by other libraries (pyca/cryptography's
// ECDH/brainpool.txt); they are independent of this package's code.
var rfc7027 = []struct {
	curve                      *Curve
	dA, xQA, yQA, dB, xQB, yQB string
	xZ, yZ                     string
}{
	{
		curve: BrainpoolP256r1,
		dA:    "81DB1EE100150FF2EA338D708271BE38300CB54241D79950F77B063039804F1D",
		xQA:   "44106E913F92BC02A1705D9953A8414DB95E1AAA49E81D9E85F929A8E3100BE5",
		yQA:   "8AB4846F11CACCB73CE49CBDD120F5A900A69FD32C272223F789EF10EB089BDC",
		dB:    "55E40BC41E37E3E2AD25C3C6654511FFA8474A91A0032087593852D3E7D76BD3",
		xQB:   "8D2D688C6CF93E1160AD04CC4429117DC2C41825E1E9FCA0ADDD34E6F1B39F7B",
		yQB:   "990C57520812BE512641E47034832106BC7D3E8DD0E4C7F1136D7006547CEC6A",
		xZ:    "89AFC39D41D3B327814B80940B042590F96556EC91E6AE7939BCE31F3A18BF2B",
		yZ:    "49C27868F4ECA2179BFD7D59B1E3BF34C1DBDE61AE12931648F43E59632504DE",
	},
	{
		curve: BrainpoolP384r1,
		dA:    "1E20F5E048A5886F1F157C74E91BDE2B98C8B52D58E5003D57053FC4B0BD65D6F15EB5D1EE1610DF870795143627D042",
		xQA:   "68B665DD91C195800650CDD363C625F4E742E8134667B767B1B476793588F885AB698C852D4A6E77A252D6380FCAF068",
		yQA:   "55BC91A39C9EC01DEE36017B7D673A931236D2F1F5C83942D049E3FA20607493E0D038FF2FD30C2AB67D15C85F7FAA59",
		dB:    "032640BC6003C59260F7250C3DB58CE647F98E1260ACCE4ACDA3DD869F74E01F8BA5E0324309DB6A9831497ABAC96670",
		xQB:   "4D44326F269A597A5B58BBA565DA5556ED7FD9A8A9EB76C25F46DB69D19DC8CE6AD18E404B15738B2086DF37E71D1EB4",
		yQB:   "62D692136DE56CBE93BF5FA3188EF58BC8A3A0EC6C1E151A21038A42E9185329B5B275903D192F8D4E1F32FE9CC78C48",
		xZ:    "0BD9D3A7EA0B3D519D09D8E48D0785FB744A6B355E6304BC51C229FBBCE239BBADF6403715C35D4FB2A5444F575D4F42",
		yZ:    "0DF213417EBE4D8E40A5F76F66C56470C489A3478D146DECF6DF0D94BAE9E598157290F8756066975F1DB34B2324B7BD",
	},
	{
		curve: BrainpoolP512r1,
		dA:    "16302FF0DBBB5A8D733DAB7141C1B45ACBC8715939677F6A56850A38BD87BD59B09E80279609FF333EB9D4C061231FB26F92EEB04982A5F1D1764CAD57665422",
		xQA:   "0A420517E406AAC0ACDCE90FCD71487718D3B953EFD7FBEC5F7F27E28C6149999397E91E029E06457DB2D3E640668B392C2A7E737A7F0BF04436D11640FD09FD",
		yQA:   "72E6882E8DB28AAD36237CD25D580DB23783961C8DC52DFA2EC138AD472A0FCEF3887CF62B623B2A87DE5C588301EA3E5FC269B373B60724F5E82A6AD147FDE7",
		dB:    "230E18E1BCC88A362FA54E4EA3902009292F7F8033624FD471B5D8ACE49D12CFABBC19963DAB8E2F1EBA00BFFB29E4D72D13F2224562F405CB80503666B25429",
		xQB:   "9D45F66DE5D67E2E6DB6E93A59CE0BB48106097FF78A081DE781CDB31FCE8CCBAAEA8DD4320C4119F1E9CD437A2EAB3731FA9668AB268D871DEDA55A5473199F",
		yQB:   "2FDC313095BCDD5FB3A91636F07A959C8E86B5636A1E930E8396049CB481961D365CC11453A06C719835475B12CB52FC3C383BCE35E27EF194512B71876285FA",
		xZ:    "A7927098655F1F9976FA50A9D566865DC530331846381C87256BAF3226244B76D36403C024D7BBF0AA0803EAFF405D3D24F11A9B5C0BEF679FE1454B21C4CD1F",
		yZ:    "7DB71C3DEF63212841C463E881BDCF055523BD368240E6C3143BD8DEF8B3B3223B95E0F53082FF5E412F4222537A43DF1C6D25729DDB51620A832BE6A26680A2",
	},
}

func TestRFC7027ECDH(t *testing.T) {
	for _, v := range rfc7027 {
		c := v.curve
		t.Run(c.Name, func(t *testing.T) {
			dA, dB := unhex(t, v.dA), unhex(t, v.dB)
			qA, qB := Point{hexInt(v.xQA), hexInt(v.yQA)}, Point{hexInt(v.xQB), hexInt(v.yQB)}
			samePoint(t, "dA·G", c.ScalarBaseMult(dA), qA)
			samePoint(t, "dB·G", c.ScalarBaseMult(dB), qB)
			z := Point{hexInt(v.xZ), hexInt(v.yZ)}
			samePoint(t, "dA·QB", c.ScalarMult(qB, dA), z)
			samePoint(t, "dB·QA", c.ScalarMult(qA, dB), z)
			for _, k := range []struct {
				priv []byte
				pub  Point
			}{{dA, qB}, {dB, qA}} {
				x, err := c.ECDH(k.priv, k.pub)
				if err != nil {
					t.Fatal(err)
				}
				if new(big.Int).SetBytes(x).Cmp(z.X) != 0 || len(x) != c.ByteLen() {
					t.Errorf("ECDH x = %X, want %s", x, v.xZ)
				}
			}
			// The peer's key with one bit flipped is off the curve: refused,
			// never multiplied (invalid-curve attack).
			bad := Point{qB.X, new(big.Int).Xor(qB.Y, big.NewInt(1))}
			if _, err := c.ECDH(dA, bad); err == nil {
				t.Error("ECDH accepted an off-curve point")
			}
		})
	}
}

func samePoint(t *testing.T, what string, got, want Point) {
	t.Helper()
	if got.Infinity() != want.Infinity() || !got.Infinity() && (got.X.Cmp(want.X) != 0 || got.Y.Cmp(want.Y) != 0) {
		t.Errorf("%s = (%X, %X), want (%X, %X)", what, got.X, got.Y, want.X, want.Y)
	}
}

// Wycheproof (C2SP/wycheproof, testvectors_v1/
// ecdsa_brainpoolP512r1_sha512_p1363_test.json): ECDSA with SHA-512 on
// brainpoolP512r1, the Vietnamese CSCA's algorithm. Signatures are r ‖ s,
// message "123400". Chosen for the edge cases a Shamir-trick verifier can
// get wrong: point duplication inside the combined multiplication, the
// comparison with the point at infinity, extreme u1 and k, and the range
// checks on r and s.
func TestWycheproofBrainpoolP512r1SHA512(t *testing.T) {
	const (
		mainX  = "67cea1bedf84cbdcba69a05bb2ce3a2d1c9d911d236c480929a16ad697b45a6ca127079fe8d7868671e28ef33bdf9319e2e51c84b190ac5c91b51baf0a980ba5"
		mainY  = "a7e79006194b5378f65cbe625ef2c47c64e56040d873b995b5b1ebaa4a6ce971da164391ff619af3bcfc71c5e1ad27ee0e859c2943e2de8ef7c43d3c976e9b"
		dupX   = "2cb7364ccec9148a3242eee17ce01d82a56d037cb01746fdd24b893f35e072827ce463adafca6282d93cf666a740ee88adbef241f17955d2bf5f9f95958a38a6"
		dupSig = "1b8e8440bd94752dc603159728a346872cad48dfff819f181f9d53537a80868bff1280acfd2397a846d3259049352bc11f5fb739410c766d1344cbcbc03bf76121610740799a83a13b49aa45dd854d85b058bd955a4105d749cba74b8f2a38cf7c33ed56921d029e7493894ad3d8f28f4431dceb89cd56316de93dc09777ca10"
	)
	tests := []struct {
		tcID  int
		x, y  string
		sig   string
		valid bool
	}{
		{1, mainX, mainY, "0bd2593447cc6c02caf99d60418dd42e9a194c910e6755ed0c7059acac656b04ccfe1e8348462ee43066823aee2fed7ca012e9890dfb69866d7ae88b6506f9c744b42304e693796618d090dbcb2a2551c3cb78534611e61fd9d1a5c0938b5b8ec6ed53d2d28999eabbd8e7792d167fcf582492403a6a0f7cc94c73a28fb76b71", true},
		{2, mainX, mainY, "b6aff6ed23b6308e0ace840e7557d0366549da44c23127fbe2d3f6771c987375223c7ac494ef54fd71ece3546ddbfdc3bdc4bd0a1659446423027f0e01affa3066297ab3f5564b25270455d2689fd6b6076515606db7ebeefc91f709dca7ace18e51086e7a1f8c2e85ad79a052959077c58d4140cdf3cb60ec3b22e00cf194f8", false},
		{4, mainX, mainY, "9f0b4484941d588874db494df23c27d931174122a5627c21c9f3431dc3cd9d6b88403dbe0462f735111fdede917c22ca7d9ee9f7fa627157480cadf737a206a266297ab3f5564b25270455d2689fd6b6076515606db7ebeefc91f709dca7ace18e51086e7a1f8c2e85ad79a052959077c58d4140cdf3cb60ec3b22e00cf194f8", false},
		{244, "0fe7f7ca44453560e1ba38b34ec8dfbc745edefc58878255452f614fee561a8a620b4d8624e159bd483db08c9a62100fd2ea69ef7381f520abe651b2ea226eea",
			"156e75af465b22d226408314536d4238a739fd2f4003bac552ae34bfa27e9be460fe40a5468cedd3221048cd1b8d796bc27494565f88aaf7fccc4c0fc36b78b1",
			"7ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffb2820c603534f430db8e49727244a316acd6ea30733070dc4fdd24e2211dded80597a9cb6bd866f37b255057ab771925eb439293319a9a2c12dc0b7cb1dbf4fa7", true},
		{269, dupX, "96da5643e5fe057f1c3b931e36d33f0e2f5fba680932a35987b79855b6c1f0ead64cbe9c72959ece2184ee65a768410df1dad81c4dba853340a2396abf82e36a", dupSig, true},
		{270, dupX, "14034774f5ebbf0c2399538ffcf6bcf99bd0d34baa972eb54eac0474b9711786a700dc642930c9748d48b2c53f3b3fd836a72712dfc84151e80826eb98b76589", dupSig, false},
		{271, "063d566fa93ee219482ec947e7be4694f9c073b2bb786db849e1f3973c5122394cf68edd9947b58e61fe42c98d3640844ed2775b0c36b5f4c0c9605d028bc0c5",
			"07521b29889632bb0756fec98e8e956cb7ac515a3fc9082b871861548e9702786f591e9a222391014725167a6c22aaf8c2c4be9425248b4d5f94f31cbd8bd352",
			"38f489e8494dec2e6a9c4ce4bbedfead43bad9e691434604f22134437abbad7ac714c96b198db75dc082205dd5395ac25f3b4680581f48f491d7dcd634385578222c52be9261f41bd990faefa3f53267f5701c5723f52a02f7ad85c216709b49aaa6127375bb6e050d1ae0384cbc03416c56c3e69b45f892bde7eae6ec21cce1", false},
		{272, "13b9a0273b3b283cc8a25aaaf2a8508a745db022e7f4ddc06acdf06eb7770fd95ba68b047b030419aec366bd187eb840a43df7d9439419e2639614d5b4eb22d2",
			"3ba9a5c0301708dc50ab9e4ad4ed48ad0f701cf387f210e57b6d06fb69cd58dfb0685f89d9ed1a319f00151d9082663046cc27101b692ca22a6b3e083dd0ff7f",
			"9f4945f680edf9800a63285758f399b3d18d8141b8a18064a30d3035f4cb6581957877f3a8f0f72597116e702915a4f4f698f404089a4cc5080447def02f485038f489e8494dec2e6a9c4ce4bbedfead43bad9e691434604f22134437abbad7ac714c96b198db75dc082205dd5395ac25f3b4680581f48f491d7dcd634385578", true},
	}
	c := BrainpoolP512r1
	digest := sha512.Sum512([]byte{0x31, 0x32, 0x33, 0x34, 0x30, 0x30})
	for _, tt := range tests {
		pub := Point{hexInt(tt.x), hexInt(tt.y)}
		if !c.IsOnCurve(pub) {
			t.Fatalf("tcId %d: public key not on %s (transcription error)", tt.tcID, c.Name)
		}
		sig := unhex(t, tt.sig)
		r, s := new(big.Int).SetBytes(sig[:len(sig)/2]), new(big.Int).SetBytes(sig[len(sig)/2:])
		if got := c.VerifyECDSA(pub, digest[:], r, s); got != tt.valid {
			t.Errorf("tcId %d: VerifyECDSA = %v, want %v", tt.tcID, got, tt.valid)
		}
		if got := (ref{c}).VerifyECDSA(pub, digest[:], r, s); got != tt.valid {
			t.Errorf("tcId %d: reference VerifyECDSA = %v, want %v", tt.tcID, got, tt.valid)
		}
	}
}

// Wycheproof (C2SP/wycheproof, testvectors_v1/
// ecdsa_brainpoolP256r1_sha256_p1363_test.json): the Vietnamese cards' curve,
// message "123400" under SHA-256, the genuine signature and the range checks.
func TestWycheproofBrainpoolP256r1SHA256(t *testing.T) {
	c := BrainpoolP256r1
	pub := Point{hexInt("019a2d9637743a63ddaefdbca0ee229a163b809b9b145e5313bbeb8defeab9d6"),
		hexInt("548caf89bf5ba49499404145651234336401b9b2843a579ed152e090f11b9e59")}
	if !c.IsOnCurve(pub) {
		t.Fatal("public key not on the curve (transcription error)")
	}
	digest := sha256.Sum256([]byte{0x31, 0x32, 0x33, 0x34, 0x30, 0x30})
	for _, tt := range []struct {
		tcID  int
		sig   string
		valid bool
	}{
		{1, "0a5f8c70ba2d0842d5d0f841f160ad15195769a8159bfe692634d73d469d111f426e857aad3ff7aa96e4d200c03b45f1846a36d089ee3917768ca1a0d6d4da6e", true},
		{2, "b45ae44c5c1bb1ff143702d28ee43a86a590e44bcafda560b652e5bfdde567c6678cd260f4aeb211a781388fdd48478007cf43d32b736de019916ce1c0737c39", false},
		{4, "9f9bcb6ae7c1a1796895124eac22e05c72e210fb9fc5a88e69e9374550ab4588678cd260f4aeb211a781388fdd48478007cf43d32b736de019916ce1c0737c39", false},
		{11, "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000", false},
		{19, "00000000000000000000000000000000000000000000000000000000000000010000000000000000000000000000000000000000000000000000000000000001", false},
		{35, "a9fb57dba1eea9bc3e660a909d838d718c397aa3b561a6f7901e0e82974856a6a9fb57dba1eea9bc3e660a909d838d718c397aa3b561a6f7901e0e82974856a6", false},
	} {
		sig := unhex(t, tt.sig)
		r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
		if got := c.VerifyECDSA(pub, digest[:], r, s); got != tt.valid {
			t.Errorf("tcId %d: VerifyECDSA = %v, want %v", tt.tcID, got, tt.valid)
		}
	}
}
