package engine

import (
	"errors"
	"fmt"
	"strings"

	"motcua/reader"
	"motcua/reader/qr"
)

// This file is the one place where what a citizen has (the QR code on the
// card, digits typed on a keypad) becomes the keys that open the chip. The
// app, the local API and the CLI all call it.

// ErrTypedKey reports typed digits that are neither a CAN nor an ID number.
var ErrTypedKey = errors.New("type the 6 digits of the CAN or all 12 of the ID number")

// KeysFromQR turns a card's QR payload into the keys to its chip (PACE
// with the CAN, the last six digits of the ID; BAC with the ID, birth and
// expiry candidates). The error wraps qr's typed errors (*qr.NotCardError
// for a code that is not a card's).
func KeysFromQR(text string) (*qr.Payload, []reader.Key, error) {
	p, err := qr.Parse(text)
	if err != nil {
		return nil, nil, err
	}
	keys, err := KeysForPayload(p)
	if err != nil {
		return nil, nil, err
	}
	return p, keys, nil
}

// KeysForPayload is KeysFromQR for a payload already parsed.
func KeysForPayload(p *qr.Payload) ([]reader.Key, error) {
	if p == nil {
		return nil, errors.New("no QR payload")
	}
	keys, err := reader.KeysFromCitizen(p.IDNumber, p.BirthDate(), p.IssueDate())
	if err != nil {
		return nil, fmt.Errorf("QR: %w", err)
	}
	return keys, nil
}

// KeyFromDigits turns what a citizen typed into a chip key: 6 digits are
// the CAN, 12 the ID number (whose last six are the CAN).
func KeyFromDigits(s string) (reader.Key, error) {
	s = strings.TrimSpace(s)
	var k reader.Key
	var err error
	switch len(s) {
	case 6:
		k, err = reader.KeyFromCAN(s)
	case 12:
		k, err = reader.KeyFromID(s)
	default:
		return reader.Key{}, ErrTypedKey
	}
	if err != nil {
		return reader.Key{}, fmt.Errorf("%w: %v", ErrTypedKey, err)
	}
	return k, nil
}
