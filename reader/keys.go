package reader

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"motcua/reader/cccd"
	"motcua/reader/lds"
)

// Key is one way into the chip: a card access number for PACE, or the MRZ
// fields for BAC (and PACE with an MRZ password).
type Key struct {
	CAN string
	MRZ *MRZKey
}

// MRZKey holds the three MRZ fields that derive BAC keys. Dates are YYMMDD.
type MRZKey struct {
	DocumentNumber string
	DateOfBirth    string
	DateOfExpiry   string
}

// Info is the MRZ information: each field followed by its check digit.
func (m MRZKey) Info() (string, error) {
	return lds.MRZInfo(m.DocumentNumber, m.DateOfBirth, m.DateOfExpiry)
}

// String describes the key without revealing it.
func (k Key) String() string {
	switch {
	case k.CAN != "":
		return "CAN"
	case k.MRZ != nil:
		return "MRZ (expiry " + k.MRZ.DateOfExpiry[:2] + "xxxx)"
	}
	return "no key"
}

// KeyFromCAN makes a PACE key from a 6-digit card access number.
func KeyFromCAN(can string) (Key, error) {
	if len(can) != 6 || !digits(can) {
		return Key{}, fmt.Errorf("CAN must be 6 digits (got %d characters)", len(can))
	}
	return Key{CAN: can}, nil
}

// KeyFromID makes a PACE key from the 12-digit ID number: the CAN is its
// last six digits.
func KeyFromID(id string) (Key, error) {
	can, err := cccd.CAN(id)
	if err != nil {
		return Key{}, err
	}
	return Key{CAN: can}, nil
}

var mrzArg = regexp.MustCompile(`^([0-9A-Z<]{1,9})/([0-9]{6})/([0-9]{6})$`)

// KeyFromMRZ parses "DOCUMENT/YYMMDD/YYMMDD" (document number, birth,
// expiry), or a whole MRZ (TD1, TD2 or TD3, as typed or as a keyboard-wedge
// MRZ reader sends it), whose check digits must hold.
func KeyFromMRZ(s string) (Key, error) {
	if len(strings.Join(strings.Fields(s), "")) >= 72 {
		mrz, err := lds.ParseMRZ(s)
		if err != nil {
			return Key{}, err
		}
		return Key{MRZ: &MRZKey{DocumentNumber: mrz.DocumentNumber, DateOfBirth: mrz.DateOfBirth, DateOfExpiry: mrz.DateOfExpiry}}, nil
	}
	m := mrzArg.FindStringSubmatch(s)
	if m == nil {
		return Key{}, fmt.Errorf("MRZ key must look like DOCNUMBER/YYMMDD/YYMMDD, or be the whole MRZ")
	}
	k := &MRZKey{DocumentNumber: m[1], DateOfBirth: m[2], DateOfExpiry: m[3]}
	if _, err := k.Info(); err != nil {
		return Key{}, err
	}
	return Key{MRZ: k}, nil
}

// KeysFromCitizen returns every key the QR data allows, in the order to try
// them: PACE with the CAN first, then BAC with each computed expiry candidate
// (the QR carries the issue date, not the expiry).
func KeysFromCitizen(id string, dob, issue time.Time) ([]Key, error) {
	k, err := KeyFromID(id)
	if err != nil {
		return nil, err
	}
	keys := []Key{k}
	if dob.IsZero() {
		return keys, nil
	}
	doc, _ := cccd.BACDocumentNumber(id)
	for _, exp := range cccd.ExpiryCandidates(dob, issue) {
		keys = append(keys, Key{MRZ: &MRZKey{DocumentNumber: doc, DateOfBirth: dob.Format("060102"), DateOfExpiry: exp}})
	}
	return keys, nil
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
