package engine

import (
	"errors"
	"testing"

	"motcua/hwtest/simcard"
	"motcua/reader"
	"motcua/reader/qr"
)

func TestKeysFromQR(t *testing.T) {
	r := simcard.NewReader("x")
	deck := simcard.DemoDeck(r)
	p, keys, err := KeysFromQR(deck.QR(cardGenuine))
	if err != nil {
		t.Fatal(err)
	}
	want, err := reader.KeysFromCitizen(p.IDNumber, p.BirthDate(), p.IssueDate())
	if err != nil || len(keys) != len(want) || keys[0] != want[0] {
		t.Fatalf("keys %v want %v (%v)", keys, want, err)
	}
	if keys[0].CAN != p.IDNumber[6:] {
		t.Fatal("the first key is not the CAN (PACE first)")
	}
	_, _, err = KeysFromQR("https://example.invalid/")
	var nc *qr.NotCardError
	if !errors.As(err, &nc) {
		t.Fatalf("a URL: %v", err)
	}
}

func TestKeyFromDigits(t *testing.T) {
	id := simcard.ReferenceProfile().Identity.IDNumber
	for _, tc := range []struct {
		in  string
		can string
		ok  bool
	}{
		{id[6:], id[6:], true},
		{" " + id + " ", id[6:], true},
		{"12345", "", false},
		{"12a456", "", false},
		{"", "", false},
	} {
		k, err := KeyFromDigits(tc.in)
		if tc.ok != (err == nil) || (tc.ok && k.CAN != tc.can) {
			t.Errorf("%q: %+v %v", tc.in, k, err)
		}
		if err != nil && !errors.Is(err, ErrTypedKey) {
			t.Errorf("%q: untyped error %v", tc.in, err)
		}
	}
}
