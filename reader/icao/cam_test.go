package icao

import (
	"bytes"
	"encoding/asn1"
	"errors"
	"math/big"
	"strings"
	"testing"

	"motcua/reader/ecc"
)

// transcript replays a recorded card: each command the terminal sends must
// be the recorded one (a prefix check for MSE:Set AT, whose optional
// parameter reference the recordings differ on), and the answer is the
// recorded response.
type transcript struct {
	t     *testing.T
	steps []struct{ cmd, resp string }
	n     int
}

func (tr *transcript) Transmit(raw []byte) ([]byte, error) {
	tr.t.Helper()
	if tr.n >= len(tr.steps) {
		tr.t.Fatalf("command %X beyond the recorded exchange", raw)
	}
	st := tr.steps[tr.n]
	tr.n++
	want := h(tr.t, st.cmd)
	if raw[1] == 0x22 {
		if !bytes.HasPrefix(raw[5:], want) {
			tr.t.Errorf("MSE:Set AT data %X, want it to start %X", raw[5:], want)
		}
	} else if !bytes.Equal(raw, want) {
		tr.t.Errorf("command %d\n got %X\nwant %X", tr.n, raw, want)
	}
	return h(tr.t, st.resp), nil
}

// ICAO Doc 9303 Part 11, Appendix G.1 on the wire: the terminal's four
// GENERAL AUTHENTICATE commands, byte for byte, against the card's recorded
// answers; the result is the appendix's session.
func TestPACEAppendixG1Transcript(t *testing.T) {
	info := "T22000129" + checkDigit("T22000129") + "640812" + checkDigit("640812") + "101031" + checkDigit("101031")
	c := ecc.BrainpoolP256r1
	termRand := bytes.NewReader(append(
		keyStream(t, c, "7F4EF07B9EA82FD78AD689B38D0BC78CF21F249D953BC46F4C6E19259C010F99"),
		keyStream(t, c, "A73FB703AC1436A18E0CFA5ABB3F7BEC7A070E7A6788486BEE230C4A22762595")...))
	tr := &transcript{t: t, steps: []struct{ cmd, resp string }{
		{"800A04007F00070202040202830101", "9000"},
		{"10860000027C0000", "7C12801095A3A016522EE98D01E76CB6B98B42C39000"},
		{"10860000457C438141047ACF3EFC982EC45565A4B155129EFBC74650DCBFA6362D896FC70262E0C2CC5E544552DCB6725218799115B55C9BAA6D9F6BC3A9618E70C25AF71777A9C4922D00",
			"7C43824104824FBA91C9CBE26BEF53A0EBE7342A3BF178CEA9F45DE0B70AA601651FBA3F5730D8C879AAA9C9F73991E61B58F4D52EB87A0A0C709A49DC63719363CCD13C549000"},
		{"10860000457C438341042DB7A64C0355044EC9DF190514C625CBA2CEA48754887122F3A5EF0D5EDD301C3556F3B3B186DF10B857B58F6A7EB80F20BA5DC7BE1D43D9BF850149FBB3646200",
			"7C438441049E880F842905B8B3181F7AF7CAA9F0EFB743847F44A306D2D28C1D9EC65DF6DB7764B22277A2EDDC3C265A9F018F9CB852E111B768B326904B59A0193776F0949000"},
		{"008600000C7C0A8508C2B0BD78D94BA86600", "7C0A86083ABB9674BCE93C089000"},
	}}
	proto, _ := ParsePACEProtocol(asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 4, 2, 2})
	res, err := EstablishPACE(tr, PACEParams{Protocol: proto, ParamID: 13}, MRZPassword(info), termRand)
	if err != nil {
		t.Fatal(err)
	}
	if res.CAM != nil {
		t.Fatal("generic mapping produced a CAM proof")
	}
	if !bytes.Equal(res.SM.encKey, h(t, "F5F0E35C0D7161EE6724EE513A0D9A7F")) || !bytes.Equal(res.SM.macKey, h(t, "FE251C7858B356B24514B3BD5F4297D1")) {
		t.Fatalf("session keys %X / %X", res.SM.encKey, res.SM.macKey)
	}
	if tr.n != len(tr.steps) {
		t.Fatalf("%d of %d exchanges", tr.n, len(tr.steps))
	}
}

// appendixI is ICAO Doc 9303 Part 11, Appendix I.1: PACE-CAM (ECDH, chip
// authentication mapping) on brainpoolP256r1 with AES-128, MRZ password.
// The commands and answers are the appendix's APDUs; the static private key
// is not in the appendix and is derived in TestPACECAMAppendixICard.
var appendixI = struct {
	doc, birth, expiry             string
	s, z                           string
	skMapIFD, skDHIFD, skMapIC     string
	pkMapIC, pkIC                  string
	k, ksEnc, ksMac, iv, caIC, aIC string
	gHat                           string
	steps                          []struct{ cmd, resp string }
	pkICwrong                      string // another point on the curve (Appendix G.1's PK_Map,IC)
	oid                            asn1.ObjectIdentifier
}{
	doc: "C11T002JM", birth: "960812", expiry: "231031",
	s:        "658B860BC94DF6F044FCE6D5C82CF8E5",
	z:        "CB60E8E0D85B76A9BD304747C2AD42E2",
	skMapIFD: "5D8BB87BD74D985A4B7D4325B9F7B976FE835122773400798914AA22738135CC",
	skDHIFD:  "76ECFDAA9841C323A3F5FC5E88B88DB3EFF7E35EBF57A7E6946CB630006C2120",
	skMapIC:  "9E56A6B59C95D06ECE5CD10F983BB2F4F1943528E577F23881D89D8C3BBEE0AA",
	pkMapIC:  "04A234236AA9B9621E8EFB73B5245C0E09D2576E5277183C1208BDD55280CAE8B304F365713A356E65A451E165ECC9AC0AC46E3771342C8FE5AEDD092685338E23",
	pkIC:     "041872709494399E7470A6431BE25E83EEE24FEA568C2ED28DB48E05DB3A610DC884D256A40E35EFCB59BF6753D3A489D28C7A4D973C2DA138A6E7A4A08F68E16F",
	k:        "67950559D0C06B4D4B86972D14460837461087F8419FDBC36AAF6CEAAC462832",
	ksEnc:    "0A9DA4DB03BDDE39FC5202BC44B2E89E",
	ksMac:    "4B1C06491ED5140CA2B537D344C6C0B1",
	iv:       "F6A3B75A1E933941DD7A13E2520779DF",
	caIC:     "85DC3FA93D0952BFA82F5FD189EE75BD82F11D1F0B8ED4BF5319AC9B53C426B3",
	aIC:      "1EEA964DAAE372AC990E3EFDE6333353BFC89A6704D93DA8798CF77F5B7A54BD10CBA372B42BE0B9B5F28AA8DE2F4F92",
	gHat:     "0489F0B5EABF3BE293C75903A3986131925C9F5B515CA95AF485DC7E886F03245D44BEFB2DD3A0DBD71CB5E618971CF4747F12B79E548379A40E45963BAAF3E829",
	steps: []struct{ cmd, resp string }{
		{"800A04007F00070202040602830101", "9000"},
		{"10860000027C0000", "7C128010CB60E8E0D85B76A9BD304747C2AD42E29000"},
		{"10860000457C438141047F1D410ADB7DDB3B84BF1030800981A9105D7457B4A3ADE002384F3086C67EDE1AB889104A27DB6D842B019020FBF3CEACB0DC627F7BDCAC29969E19D0E553C100",
			"7C43824104A234236AA9B9621E8EFB73B5245C0E09D2576E5277183C1208BDD55280CAE8B304F365713A356E65A451E165ECC9AC0AC46E3771342C8FE5AEDD092685338E239000"},
		{"10860000457C43834104446C934084D9DAB863944F219520076C29EE3F7AE6722B11FF319EC1C7728F955483400BFF60BF0C5929270009277DC2A515E12575010AD9BA916CF1BF86FEFC00",
			"7C4384410402AD566F3C6EC7F9324509AD50A51FA52030782A4968FCFEDF737DAEA993333111C3B9B4C2287789BD137E7F8AA882E2A3C633CCD6ECC2C63C57AD401A09C2E19000"},
		{"008600000C7C0A8508E86BD06018A1CD3B00",
			"7C3C86088596CF055C67C1A38A301EEA964DAAE372AC990E3EFDE6333353BFC89A6704D93DA8798CF77F5B7A54BD10CBA372B42BE0B9B5F28AA8DE2F4F929000"},
	},
	pkICwrong: "04824FBA91C9CBE26BEF53A0EBE7342A3BF178CEA9F45DE0B70AA601651FBA3F5730D8C879AAA9C9F73991E61B58F4D52EB87A0A0C709A49DC63719363CCD13C54",
	oid:       asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 4, 6, 2},
}

func appendixIPassword() Password {
	a := appendixI
	return MRZPassword(a.doc + checkDigit(a.doc) + a.birth + checkDigit(a.birth) + a.expiry + checkDigit(a.expiry))
}

// runAppendixI runs the terminal against the appendix's recorded chip, with
// the last answer replaced by lastResp when it is not empty.
func runAppendixI(t *testing.T, lastResp string) *PACEResult {
	t.Helper()
	a := appendixI
	c := ecc.BrainpoolP256r1
	tr := &transcript{t: t, steps: append([]struct{ cmd, resp string }(nil), a.steps...)}
	if lastResp != "" {
		tr.steps[len(tr.steps)-1].resp = lastResp
	}
	proto, err := ParsePACEProtocol(a.oid)
	if err != nil || !proto.CAM() || proto.Cipher != AES128 {
		t.Fatalf("%s: %+v %v", a.oid, proto, err)
	}
	termRand := bytes.NewReader(append(keyStream(t, c, a.skMapIFD), keyStream(t, c, a.skDHIFD)...))
	res, err := EstablishPACE(tr, PACEParams{Protocol: proto, ParamID: 13}, appendixIPassword(), termRand)
	if err != nil {
		t.Fatal(err)
	}
	if tr.n != len(tr.steps) {
		t.Fatalf("%d of %d exchanges", tr.n, len(tr.steps))
	}
	return res
}

func point(t *testing.T, s string) ecc.Point {
	p, err := ecc.BrainpoolP256r1.Unmarshal(h(t, s))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// The terminal side of Appendix I.1: its commands are the appendix's, its
// session keys too, and the chip's Chip Authentication data proves the
// appendix's static key PK_IC and no other.
func TestPACECAMAppendixITerminal(t *testing.T) {
	a := appendixI
	c := ecc.BrainpoolP256r1
	pw := appendixIPassword()
	if s, _ := DecryptNonce(AES128, pw.Kpi(AES128), h(t, a.z)); !bytes.Equal(s, h(t, a.s)) {
		t.Fatalf("nonce s = %X, want %s", s, a.s)
	}
	res := runAppendixI(t, "")
	for _, kv := range []struct {
		name string
		got  []byte
		want string
	}{
		{"KS_enc", res.SM.encKey, a.ksEnc},
		{"KS_mac", res.SM.macKey, a.ksMac},
		{"KDF_enc(K)", KDF(AES128, h(t, a.k), kdfEnc), a.ksEnc},
		{"IV = E(KS_enc, -1)", must(camIV(AES128, h(t, a.ksEnc))), a.iv},
		{"CA_IC = D(KS_enc, A_IC)", must(DecryptChipAuthData(AES128, h(t, a.ksEnc), h(t, a.aIC))), a.caIC},
	} {
		if !bytes.Equal(kv.got, h(t, kv.want)) {
			t.Errorf("%s = %X, want %s", kv.name, kv.got, kv.want)
		}
	}
	// The mapped generator G~ = s·G + H, H = SK_Map,IFD · PK_Map,IC.
	gHat := c.Add(c.ScalarBaseMult(h(t, a.s)), c.ScalarMult(point(t, a.pkMapIC), h(t, a.skMapIFD)))
	if got := c.Marshal(gHat); !bytes.Equal(got, h(t, a.gHat)) {
		t.Errorf("G~ = %X, want %s", got, a.gHat)
	}
	if res.CAM == nil || res.CAM.State() != CAMPending {
		t.Fatalf("CAM proof %+v, want pending until the static key is read", res.CAM)
	}
	if !res.CAM.Check("EF.CardSecurity", []ecc.Point{point(t, a.pkIC)}, []*ecc.Curve{c}) || res.CAM.State() != CAMPassed {
		t.Fatalf("the appendix's chip does not prove PK_IC: %s %s", res.CAM.State(), res.CAM.Reason())
	}

	// The same data against another static key: a different chip.
	res = runAppendixI(t, "")
	if !res.CAM.Check("DG14", []ecc.Point{point(t, a.pkICwrong)}, []*ecc.Curve{c}) || res.CAM.State() != CAMFailed ||
		!strings.Contains(res.CAM.Reason(), "does not match the static key in DG14") {
		t.Fatalf("wrong static key: %s %q", res.CAM.State(), res.CAM.Reason())
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		return nil
	}
	return b
}

// The chip side of Appendix I.1: the chip's state machine computes the
// appendix's CA_IC and A_IC from its keys.
func TestPACECAMAppendixICard(t *testing.T) {
	a := appendixI
	c := ecc.BrainpoolP256r1
	// The appendix lists PK_IC only; SK_IC = CA_IC⁻¹ · SK_Map,IC mod n, and
	// it must give PK_IC back for the rest to be a true vector.
	inv := new(big.Int).ModInverse(new(big.Int).SetBytes(h(t, a.caIC)), c.N)
	skIC := inv.Mul(inv, new(big.Int).SetBytes(h(t, a.skMapIC)))
	skIC.Mod(skIC, c.N)
	skICBytes := skIC.FillBytes(make([]byte, 32))
	if got := c.Marshal(c.ScalarBaseMult(skICBytes)); !bytes.Equal(got, h(t, a.pkIC)) {
		t.Fatalf("SK_IC·G = %X, want PK_IC %s", got, a.pkIC)
	}
	if got := c.Marshal(c.ScalarBaseMult(h(t, a.skMapIC))); !bytes.Equal(got, h(t, a.pkMapIC)) {
		t.Fatalf("PK_Map,IC = %X", got)
	}
	ca, err := ChipAuthData(c, skICBytes, h(t, a.skMapIC))
	if err != nil || !bytes.Equal(ca, h(t, a.caIC)) {
		t.Fatalf("CA_IC = %X (%v), want %s", ca, err, a.caIC)
	}
	aIC, err := EncryptChipAuthData(AES128, h(t, a.ksEnc), ca)
	if err != nil || !bytes.Equal(aIC, h(t, a.aIC)) {
		t.Fatalf("A_IC = %X (%v), want %s", aIC, err, a.aIC)
	}
	if z, _ := EncryptNonce(AES128, appendixIPassword().Kpi(AES128), h(t, a.s)); !bytes.Equal(z, h(t, a.z)) {
		t.Fatalf("z = %X, want %s", z, a.z)
	}
}

// Every way a chip's PACE-CAM data can be wrong ends in a failed proof
// with its reason, never a pass; tampering with what the chip sent after
// the token is not a failed session (the password was right) but a failed
// proof. The answers are the appendix's last one, altered.
func TestPACECAMForgedData(t *testing.T) {
	a := appendixI
	c := ecc.BrainpoolP256r1
	token := "86088596CF055C67C1A3"
	enc := func(ca []byte) string {
		b, err := EncryptChipAuthData(AES128, h(t, a.ksEnc), ca)
		if err != nil {
			t.Fatal(err)
		}
		return strings.ToUpper(hexs(b))
	}
	wrap := func(inner string) string {
		b := h(t, inner)
		return hexs(append(append([]byte{0x7C, byte(len(b))}, b...), 0x90, 0x00))
	}
	flipped := h(t, a.aIC)
	flipped[40] ^= 1 // last block: breaks the padding
	flipped2 := h(t, a.aIC)
	flipped2[3] ^= 1 // first block: CA_IC changes, padding intact
	n := c.N.FillBytes(make([]byte, 32))
	tests := []struct {
		name, resp, reason string
	}{
		{"no DO 8A", wrap(token), "sent no Chip Authentication data"},
		{"padding broken", wrap(token + "8A30" + hexs(flipped)), "does not decrypt"},
		{"CA_IC altered", wrap(token + "8A30" + hexs(flipped2)), "does not match the static key"},
		{"not whole blocks", wrap(token + "8A2F" + a.aIC[:94]), "does not decrypt"},
		{"short CA_IC", wrap(token + "8A20" + enc(h(t, a.caIC)[1:])), "bytes, want 32"},
		{"CA_IC zero", wrap(token + "8A30" + enc(make([]byte, 32))), "not a scalar"},
		{"CA_IC = n", wrap(token + "8A30" + enc(n)), "not a scalar"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runAppendixI(t, tt.resp)
			res.CAM.Check("EF.CardSecurity", []ecc.Point{point(t, a.pkIC)}, []*ecc.Curve{c})
			if res.CAM.State() != CAMFailed || !strings.Contains(res.CAM.Reason(), tt.reason) {
				t.Fatalf("state %s reason %q, want failed with %q", res.CAM.State(), res.CAM.Reason(), tt.reason)
			}
			if !strings.Contains(res.CAM.Reason(), "probable clone") {
				t.Fatal("reason does not say probable clone")
			}
		})
	}
	// A wrong token is a refused session, as with generic mapping.
	res, err := func() (*PACEResult, error) {
		tr := &transcript{t: t, steps: append([]struct{ cmd, resp string }(nil), a.steps...)}
		tr.steps[4].resp = wrap("86080000000000000000" + "8A30" + a.aIC)
		proto, _ := ParsePACEProtocol(a.oid)
		termRand := bytes.NewReader(append(keyStream(t, c, a.skMapIFD), keyStream(t, c, a.skDHIFD)...))
		return EstablishPACE(tr, PACEParams{Protocol: proto, ParamID: 13}, appendixIPassword(), termRand)
	}()
	if err == nil || res != nil {
		t.Fatal("a wrong chip token was accepted")
	}
}

func hexs(b []byte) string {
	const digits = "0123456789ABCDEF"
	out := make([]byte, 2*len(b))
	for i, x := range b {
		out[2*i], out[2*i+1] = digits[x>>4], digits[x&15]
	}
	return string(out)
}

// PACE-CAM through both state machines (terminal and chip): a chip with
// its static key passes; one that proves another key, or sends no data,
// fails; a wrong password is refused before any proof. Every cipher.
func TestPACECAMStateMachines(t *testing.T) {
	c := ecc.BrainpoolP256r1
	skIC, pkIC, _ := c.GenerateKey(seeded(9))
	skOther, _, _ := c.GenerateKey(seeded(10))
	for last := 2; last <= 4; last++ {
		proto, err := ParsePACEProtocol(append(append(asn1.ObjectIdentifier{}, OIDPACEECDHCAM...), last))
		if err != nil {
			t.Fatal(err)
		}
		params := PACEParams{Protocol: proto, ParamID: 13}
		tests := []struct {
			name   string
			key    []byte
			pw     string
			state  CAMState
			reason string
		}{
			{"genuine", skIC, "047064", CAMPassed, ""},
			{"CA data for another key", skOther, "047064", CAMFailed, "does not match the static key"},
			{"CAM announced, not done", nil, "047064", CAMFailed, "sent no Chip Authentication data"},
		}
		for _, tt := range tests {
			card := &paceResponder{card: NewPACECard(params, seeded(1), CANPassword("047064"))}
			card.card.CAMKey = tt.key
			res, err := EstablishPACE(card, params, CANPassword(tt.pw), seeded(2))
			if err != nil {
				t.Fatalf("%s %s: %v", proto.Cipher, tt.name, err)
			}
			res.CAM.Check("DG14", []ecc.Point{pkIC}, []*ecc.Curve{c})
			if res.CAM.State() != tt.state || !strings.Contains(res.CAM.Reason(), tt.reason) {
				t.Fatalf("%s %s: %s %q", proto.Cipher, tt.name, res.CAM.State(), res.CAM.Reason())
			}
			if !bytes.Equal(card.sm.encKey, res.SM.encKey) {
				t.Fatalf("%s %s: sessions differ", proto.Cipher, tt.name)
			}
		}
		card := &paceResponder{card: NewPACECard(params, seeded(3), CANPassword("047064"))}
		card.card.CAMKey = skIC
		if _, err := EstablishPACE(card, params, CANPassword("123456"), seeded(4)); !errors.Is(err, ErrAccessDenied) {
			t.Fatalf("%s wrong CAN: %v", proto.Cipher, err)
		}
		if _, err := PACE(card, params, CANPassword("047064"), seeded(5)); !errors.Is(err, ErrCAMNeedsProof) {
			t.Fatalf("PACE() with CAM: %v, want ErrCAMNeedsProof", err)
		}
	}
	// A CAM chip also does generic mapping when the terminal asks for it.
	gm, _ := ParsePACEProtocol(append(append(asn1.ObjectIdentifier{}, OIDPACEECDHGM...), 2))
	cam, _ := ParsePACEProtocol(append(append(asn1.ObjectIdentifier{}, OIDPACEECDHCAM...), 2))
	pc := NewPACECard(PACEParams{Protocol: cam, ParamID: 13}, seeded(6), CANPassword("047064"))
	pc.CAMKey = skIC
	pc.Offer(gm)
	res, err := EstablishPACE(&paceResponder{card: pc}, PACEParams{Protocol: gm, ParamID: 13}, CANPassword("047064"), seeded(7))
	if err != nil || res.CAM != nil {
		t.Fatalf("GM on a CAM chip: %v %+v", err, res)
	}
	// 3DES has no CAM variant.
	if _, err := ParsePACEProtocol(append(append(asn1.ObjectIdentifier{}, OIDPACEECDHCAM...), 1)); !errors.Is(err, ErrPACEUnsupported) {
		t.Fatalf("CAM with 3DES: %v", err)
	}
}

// Check skips keys on other curves (they cannot be the key CAM used) and
// keeps the proof pending when no key is left; a passed proof that a
// second signed source contradicts fails.
func TestCAMProofCheck(t *testing.T) {
	c := ecc.BrainpoolP256r1
	skIC, pkIC, _ := c.GenerateKey(seeded(9))
	skMap, pkMap, _ := c.GenerateKey(seeded(10))
	ksEnc := bytes.Repeat([]byte{7}, 16)
	ca, _ := ChipAuthData(c, skIC, skMap)
	aIC, _ := EncryptChipAuthData(AES128, ksEnc, ca)
	p := newCAMProof(c, pkMap, aIC, true, AES128, ksEnc)
	if p.Check("DG14", []ecc.Point{ecc.P256.G()}, []*ecc.Curve{ecc.P256}) || p.State() != CAMPending {
		t.Fatalf("a P-256 key judged a brainpool proof: %s", p.State())
	}
	if !p.Check("EF.CardSecurity", []ecc.Point{pkMap, pkIC}, []*ecc.Curve{c, c}) || p.State() != CAMPassed {
		t.Fatalf("one matching key among several: %s %s", p.State(), p.Reason())
	}
	if !p.Check("DG14", []ecc.Point{pkMap}, []*ecc.Curve{c}) || p.State() != CAMFailed {
		t.Fatalf("contradicting DG14 after EF.CardSecurity: %s", p.State())
	}
	p.Check("DG14", []ecc.Point{pkIC}, []*ecc.Curve{c})
	if p.State() != CAMFailed {
		t.Fatal("failed is not final")
	}
}
