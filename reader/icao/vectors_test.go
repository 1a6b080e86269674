package icao

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"math/big"
	"testing"

	"motcua/reader/iso7816"
)

// ICAO Doc 9303 Part 11, Appendix D.3 and D.4 on the wire: BAC with the
// appendix's nonces and keys, then the three protected exchanges that read
// EF.COM. Every command must be the appendix's byte for byte, every answer
// must verify and give the appendix's plaintext, and the session ends at
// the appendix's send sequence counter.
func TestBACAndSecureMessagingAppendixDTranscript(t *testing.T) {
	tr := &transcript{t: t, steps: []struct{ cmd, resp string }{
		{"0084000008", "4608F919887022129000"},
		{"008200002872C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F25F1448EEA8AD90A728",
			"46B9342A41396CD7386BF5803104D7CEDC122B9132139BAF2EEDC94EE178534F2F2D235D074D74499000"},
		{"0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800", "990290008E08FA855A5D4C50A8ED9000"},
		{"0CB000000D9701048E08ED6705417E96BA5500", "8709019FF0EC34F9922651990290008E08AD55CC17140B2DED9000"},
		{"0CB000040D9701128E082EA28A70F3C7B53500", "871901FB9235F4E4037F2327DCC8964F1F9B8C30F42C8E2FFF224A990290008E08C8B2787EAEA07D749000"},
	}}
	sm, err := BAC(tr, "L898902C<369080619406236", bytes.NewReader(h(t, "781723860C06C226"+"0B795240CB7049B01C19B33E32804F0B")))
	if err != nil {
		t.Fatal(err)
	}
	s := &Session{T: tr, SM: sm}
	var com []byte
	for _, c := range []iso7816.Command{
		{Ins: 0xA4, P1: 0x02, P2: 0x0C, Data: []byte{0x01, 0x1E}},
		{Ins: 0xB0, P1: 0, P2: 0, Ne: 4},
		{Ins: 0xB0, P1: 0, P2: 4, Ne: 0x12},
	} {
		r, err := s.Exchange(c)
		if err != nil || r.SW != 0x9000 {
			t.Fatalf("%X: %v %04X", c.Ins, err, r.SW)
		}
		com = append(com, r.Data...)
	}
	if want := h(t, "60145F0104303130365F36063034303030305C026175"); !bytes.Equal(com, want) {
		t.Fatalf("EF.COM = %X, want %X", com, want)
	}
	if want := h(t, "887022120C06C22C"); !bytes.Equal(sm.SSC(), want) {
		t.Fatalf("final SSC = %X, want %X", sm.SSC(), want)
	}
	if tr.n != len(tr.steps) {
		t.Fatalf("%d of %d exchanges", tr.n, len(tr.steps))
	}
}

// ICAO Doc 9303 Part 11, Appendix F: Active Authentication with RSA-1024
// and SHA-1 (ISO/IEC 9796-2 scheme 1). The appendix gives the challenge,
// the non-recoverable part M1 and the message representative F, not a key:
// any 1024-bit key signs F. The chip side must build the appendix's F from
// M1 and the challenge; the reader must accept the signature and refuse it
// for any other challenge or a representative changed in its header bits,
// M1, hash or trailer.
func TestActiveAuthenticationAppendixF(t *testing.T) {
	challenge := h(t, "F173589974BF40C6")
	m1 := h(t, "9D2784A67F8E7C659973EA1AEA25D95B6C8F91E5002F369F0FBDCE8A3CEC1991B543F1696546C5524CF23A5303CD6C98"+
		"599F40B79F377B5F3A1406B3B4D8F96784D23AA88DB7E1032A405E69325FA91A6E86F5C71AEA978264C4A207446DAD4E7292E2DCDA3024B47DA8")
	f := h(t, "6A9D2784A67F8E7C659973EA1AEA25D95B6C8F91E5002F369F0FBDCE8A3CEC1991B543F1696546C5524CF23A5303CD6C"+
		"98599F40B79F377B5F3A1406B3B4D8F96784D23AA88DB7E1032A405E69325FA91A6E86F5C71AEA978264C4A207446DAD"+
		"4E7292E2DCDA3024B47DA8C063AA1E6D22FBD976AB0FE73D94D2D9C6D88127BC")
	key, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := SignAA(key, nil, nil, challenge, bytes.NewReader(m1))
	if err != nil {
		t.Fatal(err)
	}
	// The chip's representative: s^e mod n, or n minus it (the signer
	// sends the smaller of s and n-s); F ends in BC, so it is even.
	got := new(big.Int).Exp(new(big.Int).SetBytes(sig), big.NewInt(int64(key.E)), key.N)
	if got.Bit(0) == 1 {
		got.Sub(key.N, got)
	}
	if !bytes.Equal(got.FillBytes(make([]byte, 128)), f) {
		t.Fatalf("F = %X\nwant %X", got.FillBytes(make([]byte, 128)), f)
	}
	pub := AAPublicKey{RSA: &key.PublicKey}
	sign := func(rep []byte) []byte {
		return new(big.Int).Exp(new(big.Int).SetBytes(rep), key.D, key.N).FillBytes(make([]byte, 128))
	}
	alter := func(i int, mask byte) []byte { g := bytes.Clone(f); g[i] ^= mask; return sign(g) }
	tests := []struct {
		name      string
		challenge []byte
		sig       []byte
		ok        bool
	}{
		{"appendix F", challenge, sign(f), true},
		{"the chip's signature", challenge, sig, true},
		{"other challenge", h(t, "F173589974BF40C7"), sign(f), false},
		{"M1 altered", challenge, alter(10, 0x01), false},
		{"hash altered", challenge, alter(110, 0x01), false},
		{"trailer altered", challenge, alter(127, 0x01), false},
		// ICAO's steps check the trailer and the hash; the header's "01"
		// is checked too (a representative not of ISO/IEC 9796-2 form).
		{"header 01 altered", challenge, alter(0, 0x40), false},
	}
	for _, tt := range tests {
		err := VerifyAA(pub, tt.challenge, tt.sig)
		if (err == nil) != tt.ok || (err != nil && !errors.Is(err, ErrActiveAuthFailed)) {
			t.Errorf("%s: err = %v, want ok %v", tt.name, err, tt.ok)
		}
	}
}
