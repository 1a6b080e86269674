package iso7816

import (
	"bytes"
	"encoding/hex"
	"errors"
	"testing"
)

func TestCommandEncoding(t *testing.T) {
	data300 := bytes.Repeat([]byte{0xAB}, 300)
	tests := []struct {
		name     string
		cmd      Command
		extended bool
		want     string
	}{
		{"case 1", Command{Ins: 0xA4}, false, "00A40000"},
		{"case 2 short", Command{Ins: 0xB0, Ne: 16}, false, "00B0000010"},
		{"case 2 short Ne 256", Command{Ins: 0xB0, Ne: 256}, false, "00B0000000"},
		{"case 3 short", Command{Ins: 0xA4, P1: 2, P2: 0x0C, Data: []byte{1, 0x1E}}, false, "00A4020C02011E"},
		{"case 4 short", Command{Ins: 0x88, Data: []byte{1, 2}, Ne: 256}, false, "0088000002010200"},
		{"case 2 extended", Command{Ins: 0xB0, Ne: 4096}, true, "00B00000001000"},
		{"case 2 extended Ne 65536", Command{Ins: 0xB0, Ne: 65536}, false, "00B00000000000"},
		{"case 4 extended", Command{Ins: 0x86, Data: []byte{7}, Ne: 65536}, true, "008600000000010700" + "00"},
	}
	for _, tt := range tests {
		got, err := tt.cmd.Bytes(tt.extended)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if hex.EncodeToString(got) != stringsLower(tt.want) {
			t.Errorf("%s: %X, want %s", tt.name, got, tt.want)
			continue
		}
		back, ext, err := ParseCommand(got)
		if err != nil {
			t.Fatalf("%s: parse: %v", tt.name, err)
		}
		if back.Ins != tt.cmd.Ins || !bytes.Equal(back.Data, tt.cmd.Data) || back.Ne != tt.cmd.Ne {
			t.Errorf("%s: round trip %+v (ext %v)", tt.name, back, ext)
		}
	}
	// Long data forces the extended form.
	b, _ := Command{Ins: 0xD6, Data: data300}.Bytes(false)
	if back, ext, err := ParseCommand(b); err != nil || !ext || len(back.Data) != 300 {
		t.Fatalf("300-byte command: ext %v err %v", ext, err)
	}
	if _, err := (Command{Data: make([]byte, 70000)}).Bytes(true); !errors.Is(err, ErrCommandTooLong) {
		t.Fatal("70000-byte command accepted")
	}
	for _, bad := range []string{"00", "00A4", "00A4000005010203", "00A400000000"} {
		raw, _ := hex.DecodeString(bad)
		if _, _, err := ParseCommand(raw); err == nil {
			t.Errorf("ParseCommand(%s) accepted", bad)
		}
	}
}

func stringsLower(s string) string { return string(bytes.ToLower([]byte(s))) }

func TestStatusErrors(t *testing.T) {
	if _, err := ParseResponse([]byte{0x90}); !errors.Is(err, ErrShortResponse) {
		t.Fatal("1-byte response accepted")
	}
	r, _ := ParseResponse([]byte{1, 2, 0x6A, 0x82})
	if !errors.Is(r.Err(), ErrFileNotFound) || errors.Is(r.Err(), ErrWrongLength) {
		t.Fatal("6A82 not typed as file not found")
	}
	if e := (Response{SW: 0x6C10}).Err(); !errors.Is(e, ErrWrongLe) {
		t.Fatal("6C10 does not match ErrWrongLe")
	}
	if e := (Response{SW: 0x63C2}).Err(); !errors.Is(e, ErrVerificationFailedRetryLeft) || e.Error() == "" {
		t.Fatal("63C2")
	}
	if (Response{SW: 0x9000}).Err() != nil {
		t.Fatal("9000 is an error")
	}
}

// cardScript answers commands from a fixed list, to test Exchange's 61xx/6Cxx handling.
type cardScript struct {
	answers [][]byte
	seen    [][]byte
}

func (c *cardScript) Transmit(b []byte) ([]byte, error) {
	c.seen = append(c.seen, b)
	if len(c.answers) == 0 {
		return nil, errors.New("script exhausted")
	}
	a := c.answers[0]
	c.answers = c.answers[1:]
	return a, nil
}

func TestExchangeGetResponseAndWrongLe(t *testing.T) {
	c := &cardScript{answers: [][]byte{{1, 2, 0x61, 0x02}, {3, 4, 0x90, 0x00}}}
	r, err := Exchange(c, Command{Ins: 0xB0, Ne: 4}, false)
	if err != nil || !bytes.Equal(r.Data, []byte{1, 2, 3, 4}) || r.SW != 0x9000 {
		t.Fatalf("61xx: %+v %v", r, err)
	}
	if !bytes.Equal(c.seen[1], []byte{0x00, 0xC0, 0, 0, 0x02}) {
		t.Fatalf("GET RESPONSE %X", c.seen[1])
	}
	c = &cardScript{answers: [][]byte{{0x6C, 0x03}, {7, 8, 9, 0x90, 0x00}}}
	r, err = Exchange(c, Command{Ins: 0xB0, Ne: 16}, false)
	if err != nil || len(r.Data) != 3 || c.seen[1][4] != 3 {
		t.Fatalf("6Cxx: %+v %v", r, err)
	}
}

func TestATR(t *testing.T) {
	// T=1 ATR with card capabilities announcing extended length.
	atr := []byte{0x3B, 0x85, 0x80, 0x01, 0x80, 0x73, 0x00, 0x00, 0x40, 0x00}
	if sup, ok := ExtendedLengthInATR(atr); !ok || !sup {
		t.Fatalf("extended length not seen: %v %v", sup, ok)
	}
	atr[8] = 0
	if sup, ok := ExtendedLengthInATR(atr); !ok || sup {
		t.Fatal("extended length seen where the ATR denies it")
	}
	if _, ok := ExtendedLengthInATR([]byte{0x3B, 0x00}); ok {
		t.Fatal("an ATR without capabilities claimed to know")
	}
	if _, err := HistoricalBytes([]byte{0x3B, 0x8F}); err == nil {
		t.Fatal("truncated ATR accepted")
	}
}
