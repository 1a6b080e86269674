package icao

import (
	"bytes"
	"encoding/asn1"
	"errors"
	"math/big"
	"testing"

	"motcua/reader/ecc"
	"motcua/reader/iso7816"
)

// paceResponder drives the card side of PACE (the code the simulated card uses).
type paceResponder struct {
	card *PACECard
	sm   *SecureMessaging
	seen [][]byte
}

func (p *paceResponder) Transmit(raw []byte) ([]byte, error) {
	p.seen = append(p.seen, append([]byte(nil), raw...))
	c, _, err := iso7816.ParseCommand(raw)
	if err != nil {
		return nil, err
	}
	switch c.Ins {
	case 0x22:
		if err := p.card.SetAT(c.Data); err != nil {
			return []byte{0x6A, 0x80}, nil
		}
		return []byte{0x90, 0x00}, nil
	case 0x86:
		out, sm, err := p.card.GeneralAuthenticate(c.Data)
		if errors.Is(err, ErrAccessDenied) {
			return []byte{0x63, 0x00}, nil
		}
		if err != nil {
			return []byte{0x69, 0x85}, nil
		}
		if sm != nil {
			p.sm = sm
		}
		return iso7816.Response{Data: out, SW: 0x9000}.Bytes(), nil
	}
	return []byte{0x6D, 0x00}, nil
}

// keyStream returns the random bytes that make ecc.GenerateKey yield priv.
func keyStream(t *testing.T, c *ecc.Curve, priv string) []byte {
	k := new(big.Int).SetBytes(h(t, priv))
	k.Sub(k, big.NewInt(1))
	out := make([]byte, (c.N.BitLen()+7)/8+8)
	return k.FillBytes(out)
}

func checkDigit(s string) string {
	w := []int{7, 3, 1}
	sum := 0
	for i, r := range s {
		v := 0
		switch {
		case r >= '0' && r <= '9':
			v = int(r - '0')
		case r >= 'A' && r <= 'Z':
			v = int(r-'A') + 10
		}
		sum += v * w[i%3]
	}
	return string(rune('0' + sum%10))
}

// ICAO Doc 9303 Part 11, Appendix G.1.1: PACE ECDH-GM, brainpoolP256r1, AES-128.
func TestPACEAppendixG1(t *testing.T) {
	info := "T22000129" + checkDigit("T22000129") + "640812" + checkDigit("640812") + "101031" + checkDigit("101031")
	pw := MRZPassword(info)
	if got, want := pw.Kpi(AES128), h(t, "89DED1B26624EC1E634C1989302849DD"); !bytes.Equal(got, want) {
		t.Fatalf("K_pi = %X, want %X", got, want)
	}
	oid := asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 4, 2, 2}
	proto, err := ParsePACEProtocol(oid)
	if err != nil {
		t.Fatal(err)
	}
	params := PACEParams{Protocol: proto, ParamID: 13}
	if got, want := MSESetAT(params, PasswordMRZ), h(t, "800A04007F00070202040202830101"+"84010D"); !bytes.Equal(got, want) {
		t.Fatalf("MSE:Set AT data = %X, want %X", got, want)
	}
	c := ecc.BrainpoolP256r1
	cardRand := bytes.NewReader(append(append(h(t, "3F00C4D39D153F2B2A214A078D899B22"),
		keyStream(t, c, "498FF49756F2DC1587840041839A85982BE7761D14715FB091EFA7BCE9058560")...),
		keyStream(t, c, "107CF58696EF6155053340FD633392BA81909DF7B9706F226F32086C7AFF974A")...))
	termRand := bytes.NewReader(append(
		keyStream(t, c, "7F4EF07B9EA82FD78AD689B38D0BC78CF21F249D953BC46F4C6E19259C010F99"),
		keyStream(t, c, "A73FB703AC1436A18E0CFA5ABB3F7BEC7A070E7A6788486BEE230C4A22762595")...))
	card := &paceResponder{card: NewPACECard(params, cardRand, pw)}
	sm, err := PACE(card, params, pw, termRand)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		got  []byte
		want string
	}{
		{"MSE:Set AT", card.seen[0], "0022C1A412800A04007F0007020204020283010184010D"},
		{"KS_enc", sm.encKey, "F5F0E35C0D7161EE6724EE513A0D9A7F"},
		{"KS_mac", sm.macKey, "FE251C7858B356B24514B3BD5F4297D1"},
	}
	for _, tt := range tests {
		if !bytes.Equal(tt.got, h(t, tt.want)) {
			t.Errorf("%s = %X, want %s", tt.name, tt.got, tt.want)
		}
	}
	// The encrypted nonce on the wire (the card's reply to step 1).
	z, _ := EncryptNonce(AES128, pw.Kpi(AES128), h(t, "3F00C4D39D153F2B2A214A078D899B22"))
	if !bytes.Equal(z, h(t, "95A3A016522EE98D01E76CB6B98B42C3")) {
		t.Errorf("z = %X", z)
	}
	pkDHIC := h(t, "049E880F842905B8B3181F7AF7CAA9F0EFB743847F44A306D2D28C1D9EC65DF6DB7764B22277A2EDDC3C265A9F018F9CB852E111B768B326904B59A0193776F094")
	pkDHIFD := h(t, "042DB7A64C0355044EC9DF190514C625CBA2CEA48754887122F3A5EF0D5EDD301C3556F3B3B186DF10B857B58F6A7EB80F20BA5DC7BE1D43D9BF850149FBB36462")
	if tok, _ := AuthToken(AES128, sm.macKey, oid, pkDHIC); !bytes.Equal(tok, h(t, "C2B0BD78D94BA866")) {
		t.Errorf("T_IFD = %X", tok)
	}
	if tok, _ := AuthToken(AES128, sm.macKey, oid, pkDHIFD); !bytes.Equal(tok, h(t, "3ABB9674BCE93C08")) {
		t.Errorf("T_IC = %X", tok)
	}
	if !bytes.Equal(card.sm.encKey, sm.encKey) {
		t.Error("card and terminal disagree on KS_enc")
	}
}

func TestPACEAllCiphersAndCurves(t *testing.T) {
	for _, paramID := range []int{12, 13} {
		for last := 1; last <= 4; last++ {
			proto, err := ParsePACEProtocol(append(append(asn1.ObjectIdentifier{}, OIDPACEECDHGM...), last))
			if err != nil {
				t.Fatal(err)
			}
			params := PACEParams{Protocol: proto, ParamID: paramID}
			card := &paceResponder{card: NewPACECard(params, seeded(1), CANPassword("047064"))}
			if _, err := PACE(card, params, CANPassword("047064"), seeded(2)); err != nil {
				t.Fatalf("param %d %s: %v", paramID, proto.Cipher, err)
			}
			card = &paceResponder{card: NewPACECard(params, seeded(3), CANPassword("047064"))}
			if _, err := PACE(card, params, CANPassword("123456"), seeded(4)); !errors.Is(err, ErrAccessDenied) {
				t.Fatalf("param %d %s: wrong CAN: err = %v, want ErrAccessDenied", paramID, proto.Cipher, err)
			}
		}
	}
}

// seeded is a deterministic byte stream for tests.
func seeded(seed byte) *bytes.Reader {
	b := make([]byte, 4096)
	x := uint32(seed) * 2654435761
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
	return bytes.NewReader(b)
}
