package icao

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"motcua/reader/iso7816"
)

func h(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// ICAO Doc 9303 Part 11, Appendix D.4: secure messaging after BAC (3DES).
func TestSecureMessagingAppendixD4(t *testing.T) {
	ksEnc := h(t, "979EC13B1CBFE9DCD01AB0FED307EAE5")
	ksMac := h(t, "F1CB1F1FB5ADF208806B89DC579DC1F8")
	ssc := h(t, "887022120C06C226")
	term, err := NewSecureMessaging(TDES, ksEnc, ksMac, ssc)
	if err != nil {
		t.Fatal(err)
	}
	card, _ := NewSecureMessaging(TDES, ksEnc, ksMac, ssc)

	steps := []struct {
		name      string
		cmd       iso7816.Command
		protected string
		respPlain iso7816.Response
		resp      string
	}{
		{
			name:      "SELECT EF.COM",
			cmd:       iso7816.Command{Cla: 0, Ins: 0xA4, P1: 2, P2: 0x0C, Data: []byte{0x01, 0x1E}},
			protected: "0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800",
			respPlain: iso7816.Response{SW: 0x9000},
			resp:      "990290008E08FA855A5D4C50A8ED9000",
		},
		{
			name:      "READ BINARY 4",
			cmd:       iso7816.Command{Cla: 0, Ins: 0xB0, P1: 0, P2: 0, Ne: 4},
			protected: "0CB000000D9701048E08ED6705417E96BA5500",
			respPlain: iso7816.Response{Data: h(t, "60145F01"), SW: 0x9000},
			resp:      "8709019FF0EC34F9922651990290008E08AD55CC17140B2DED9000",
		},
	}
	for _, st := range steps {
		got, err := term.ProtectCommand(st.cmd, false)
		if err != nil {
			t.Fatal(err)
		}
		if want := h(t, st.protected); !bytes.Equal(got, want) {
			t.Fatalf("%s: protected command\n got %X\nwant %X", st.name, got, want)
		}
		opened, _, err := card.OpenCommand(got)
		if err != nil {
			t.Fatalf("%s: card opens command: %v", st.name, err)
		}
		if opened.Ins != st.cmd.Ins || !bytes.Equal(opened.Data, st.cmd.Data) || opened.Ne != st.cmd.Ne {
			t.Fatalf("%s: card sees %+v, want %+v", st.name, opened, st.cmd)
		}
		resp, err := card.ProtectResponse(st.respPlain)
		if err != nil {
			t.Fatal(err)
		}
		if want := h(t, st.resp); !bytes.Equal(resp, want) {
			t.Fatalf("%s: protected response\n got %X\nwant %X", st.name, resp, want)
		}
		plain, err := term.VerifyResponse(resp)
		if err != nil {
			t.Fatalf("%s: verify: %v", st.name, err)
		}
		if plain.SW != st.respPlain.SW || !bytes.Equal(plain.Data, st.respPlain.Data) {
			t.Fatalf("%s: unwrapped %+v", st.name, plain)
		}
	}
}

func TestSecureMessagingRejectsTampering(t *testing.T) {
	for _, c := range []Cipher{TDES, AES128, AES192, AES256} {
		key := bytes.Repeat([]byte{0x42}, c.KeyLen())
		ssc := make([]byte, c.BlockSize())
		newPair := func() (*SecureMessaging, *SecureMessaging) {
			a, err := NewSecureMessaging(c, key, key, ssc)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := NewSecureMessaging(c, key, key, ssc)
			return a, b
		}
		term, card := newPair()
		cmd, _ := term.ProtectCommand(iso7816.Command{Ins: 0xB0, Ne: 300}, true)
		if _, _, err := card.OpenCommand(cmd); err != nil {
			t.Fatalf("%s: %v", c, err)
		}
		resp, _ := card.ProtectResponse(iso7816.Response{Data: bytes.Repeat([]byte{7}, 300), SW: 0x9000})
		resp[5] ^= 0x01
		if _, err := term.VerifyResponse(resp); !errors.Is(err, ErrResponseMAC) {
			t.Fatalf("%s: tampered response: err = %v, want ErrResponseMAC", c, err)
		}

		term, card = newPair()
		cmd, _ = term.ProtectCommand(iso7816.Command{Ins: 0xB0, Ne: 16}, false)
		cmd[len(cmd)-3] ^= 0x80
		if _, _, err := card.OpenCommand(cmd); !errors.Is(err, ErrCommandMAC) {
			t.Fatalf("%s: tampered command: err = %v", c, err)
		}

		term, _ = newPair()
		term.ProtectCommand(iso7816.Command{Ins: 0xB0, Ne: 16}, false)
		if _, err := term.VerifyResponse([]byte{0x01, 0x02, 0x90, 0x00}); err == nil {
			t.Fatalf("%s: unprotected data accepted", c)
		}
		if _, err := term.VerifyResponse([]byte{0x69, 0x88}); !errors.Is(err, ErrUnprotectedResponse) {
			t.Fatalf("%s: unprotected error status: %v", c, err)
		}
	}
}

func TestCMACRFC4493(t *testing.T) {
	key := h(t, "2b7e151628aed2a6abf7158809cf4f3c")
	tests := []struct{ msg, mac string }{
		{"", "bb1d6929e95937287fa37d129b756746"},
		{"6bc1bee22e409f96e93d7e117393172a", "070a16b46b4d4144f79bdd9dd04a287c"},
		{"6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411", "dfa66747de9ae63030ca32611497c827"},
	}
	for _, tt := range tests {
		got, err := cmac(key, h(t, tt.msg))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, h(t, tt.mac)) {
			t.Errorf("CMAC(%s) = %X, want %s", tt.msg, got, tt.mac)
		}
	}
}
