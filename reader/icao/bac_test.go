package icao

import (
	"bytes"
	"errors"
	"testing"

	"motcua/reader/iso7816"
)

// bacResponder drives the card side of BAC; it is the same code the
// simulated card uses, answering only GET CHALLENGE and EXTERNAL AUTHENTICATE.
type bacResponder struct {
	card *BACCard
	sm   *SecureMessaging
}

func (b *bacResponder) Transmit(raw []byte) ([]byte, error) {
	c, _, err := iso7816.ParseCommand(raw)
	if err != nil {
		return nil, err
	}
	switch c.Ins {
	case 0x84:
		ch, err := b.card.Challenge()
		if err != nil {
			return nil, err
		}
		return iso7816.Response{Data: ch, SW: 0x9000}.Bytes(), nil
	case 0x82:
		out, sm, err := b.card.Authenticate(c.Data)
		if err != nil {
			return []byte{0x63, 0x00}, nil
		}
		b.sm = sm
		return iso7816.Response{Data: out, SW: 0x9000}.Bytes(), nil
	}
	return []byte{0x6D, 0x00}, nil
}

// ICAO Doc 9303 Part 11, Appendices D.2 and D.3.
func TestBACAppendixD(t *testing.T) {
	const mrzInfo = "L898902C<369080619406236"
	kEnc, kMac := BACKeys(mrzInfo)
	if want := h(t, "AB94FDECF2674FDFB9B391F85D7F76F2"); !bytes.Equal(kEnc, want) {
		t.Fatalf("K_enc = %X", kEnc)
	}
	if want := h(t, "7962D9ECE03D1ACD4C76089DCE131543"); !bytes.Equal(kMac, want) {
		t.Fatalf("K_mac = %X", kMac)
	}
	cardRand := bytes.NewReader(h(t, "4608F91988702212"+"0B4F80323EB3191CB04970CB4052790B"))
	termRand := bytes.NewReader(h(t, "781723860C06C226"+"0B795240CB7049B01C19B33E32804F0B"))
	card := &bacResponder{card: NewBACCard(mrzInfo, cardRand)}
	sm, err := BAC(card, mrzInfo, termRand)
	if err != nil {
		t.Fatal(err)
	}
	if want := h(t, "979EC13B1CBFE9DCD01AB0FED307EAE5"); !bytes.Equal(sm.encKey, want) {
		t.Errorf("KS_enc = %X", sm.encKey)
	}
	if want := h(t, "F1CB1F1FB5ADF208806B89DC579DC1F8"); !bytes.Equal(sm.macKey, want) {
		t.Errorf("KS_mac = %X", sm.macKey)
	}
	if want := h(t, "887022120C06C226"); !bytes.Equal(sm.SSC(), want) || !bytes.Equal(card.sm.SSC(), want) {
		t.Errorf("SSC = %X / card %X", sm.SSC(), card.sm.SSC())
	}
}

func TestBACWrongKey(t *testing.T) {
	card := &bacResponder{card: NewBACCard("L898902C<369080619406236", bytes.NewReader(make([]byte, 64)))}
	_, err := BAC(card, "L898902C<369080619406237", bytes.NewReader(make([]byte, 64)))
	if !errors.Is(err, ErrAccessDenied) {
		t.Fatalf("err = %v, want ErrAccessDenied", err)
	}
}
