package lds

import (
	"fmt"
	"strings"
)

// TD3Fields are the inputs of a passport's TD3 MRZ (ICAO 9303-4).
type TD3Fields struct {
	DocumentCode, IssuingState, DocumentNumber  string
	Nationality, DateOfBirth, Sex, DateOfExpiry string
	PersonalNumber                              string // optional data, at most 14
	PrimaryName, SecondaryName                  string // ASCII A-Z, spaces allowed
}

// BuildTD3 renders a TD3 MRZ (88 characters, no line breaks) with every
// check digit computed.
func BuildTD3(f TD3Fields) (string, error) {
	pad := func(s string, n int) (string, error) {
		s = strings.ToUpper(strings.ReplaceAll(s, " ", "<"))
		if len(s) > n {
			return "", fmt.Errorf("MRZ field %q longer than %d", s, n)
		}
		return s + strings.Repeat("<", n-len(s)), nil
	}
	name := strings.ReplaceAll(f.PrimaryName, " ", "<")
	if f.SecondaryName != "" {
		name += "<<" + strings.ReplaceAll(f.SecondaryName, " ", "<")
	}
	name = strings.ToUpper(name)
	if len(name) > 39 {
		name = name[:39] // names are truncated, never wrapped (9303-3 §4.6)
	}
	code, err := pad(f.DocumentCode, 2)
	if err != nil {
		return "", err
	}
	iss, err := pad(f.IssuingState, 3)
	if err != nil {
		return "", err
	}
	nm, _ := pad(name, 39)
	l1 := code + iss + nm
	doc, err := pad(f.DocumentNumber, 9)
	if err != nil {
		return "", err
	}
	nat, err := pad(f.Nationality, 3)
	if err != nil {
		return "", err
	}
	opt, err := pad(f.PersonalNumber, 14)
	if err != nil {
		return "", err
	}
	sex := f.Sex
	if sex == "" {
		sex = "<"
	}
	parts := []string{}
	for _, s := range []string{doc, f.DateOfBirth, f.DateOfExpiry, opt} {
		w, err := withCheck(s)
		if err != nil {
			return "", err
		}
		parts = append(parts, w)
	}
	l2 := parts[0] + nat + parts[1] + sex + parts[2] + parts[3]
	cd, err := CheckDigit(l2[0:10] + l2[13:20] + l2[21:43])
	if err != nil {
		return "", err
	}
	return l1 + l2 + string(cd), nil
}

// ExpiryDate returns the date of expiry as YYYY-MM-DD (documents expire
// within this century), or "" when it is not a date.
func (m *MRZ) ExpiryDate() string { return expandYY(m.DateOfExpiry, false) }

// IsPassport reports a TD3 MRZ of a passport (document code P…).
func (m *MRZ) IsPassport() bool {
	return len(m.Lines) == 2 && len(m.Lines[0]) == 44 && strings.HasPrefix(m.DocumentCode, "P")
}
