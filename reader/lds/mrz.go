package lds

import (
	"fmt"
	"strings"

	"motcua/reader/tlv"
)

// CheckDigit computes the ICAO 9303 check digit: weights 7, 3, 1; digits as
// themselves, A..Z as 10..35, '<' as 0; sum mod 10.
func CheckDigit(s string) (byte, error) {
	sum := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		var v int
		switch {
		case c >= '0' && c <= '9':
			v = int(c - '0')
		case c >= 'A' && c <= 'Z':
			v = int(c-'A') + 10
		case c == '<':
			v = 0
		default:
			return 0, fmt.Errorf("MRZ character %q not allowed", c)
		}
		sum += v * [3]int{7, 3, 1}[i%3]
	}
	return byte('0' + sum%10), nil
}

func withCheck(s string) (string, error) {
	d, err := CheckDigit(s)
	if err != nil {
		return "", err
	}
	return s + string(d), nil
}

// MRZInfo returns the MRZ information that seeds BAC keys: the document
// number padded with '<' to 9 characters, the birth date and the expiry date
// (YYMMDD), each followed by its check digit.
func MRZInfo(docNumber, dob, expiry string) (string, error) {
	docNumber = strings.ToUpper(docNumber)
	for len(docNumber) < 9 {
		docNumber += "<"
	}
	if len(dob) != 6 || len(expiry) != 6 || !isDigits(dob) || !isDigits(expiry) {
		return "", fmt.Errorf("MRZ dates must be YYMMDD")
	}
	var out string
	for _, f := range []string{docNumber, dob, expiry} {
		s, err := withCheck(f)
		if err != nil {
			return "", err
		}
		out += s
	}
	return out, nil
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// MRZ is a parsed machine-readable zone. Dates are YYMMDD as printed.
type MRZ struct {
	DocumentCode   string // "ID"
	IssuingState   string // "VNM"
	DocumentNumber string // without filler
	OptionalData1  string // TD1 line 1 optional data (CCCD: check digit + 12-digit ID)
	OptionalData2  string
	DateOfBirth    string
	Sex            string // "M", "F" or "<"
	DateOfExpiry   string // "991231" when the card never expires
	Nationality    string
	PrimaryName    string
	SecondaryName  string
	Lines          []string
}

// IDNumber returns the 12-digit ID number a CCCD carries at the start of
// the optional data of line 1 (right after the document number's check
// digit), or "".
func (m *MRZ) IDNumber() string {
	od := m.OptionalData1
	if len(od) >= 12 && isDigits(od[:12]) {
		return od[:12]
	}
	return ""
}

// BirthDate returns the date of birth as YYYY-MM-DD, resolving the century
// so that the person is not born in the future.
func (m *MRZ) BirthDate() string {
	return expandYY(m.DateOfBirth, true)
}

func expandYY(s string, past bool) string {
	if len(s) != 6 || !isDigits(s) {
		return ""
	}
	yy := int(s[0]-'0')*10 + int(s[1]-'0')
	year := 2000 + yy
	if past && year > 2026 {
		year -= 100
	}
	return fmt.Sprintf("%04d-%s-%s", year, s[2:4], s[4:6])
}

// ParseMRZ parses a TD1 (3 x 30: ID cards), TD2 (2 x 36: older ID cards
// and visas) or TD3 (2 x 44: passports) MRZ, line breaks and surrounding
// spaces optional (as a keyboard-wedge MRZ reader types them), and
// verifies every check digit.
func ParseMRZ(s string) (*MRZ, error) {
	s = strings.Join(strings.Fields(s), "")
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c == '<') {
			return nil, fmt.Errorf("MRZ character %q at %d not allowed", c, i)
		}
	}
	switch len(s) {
	case 90:
		return parseTD1(s)
	case 72:
		return parseTD2(s)
	case 88:
		return parseTD3(s)
	}
	return nil, fmt.Errorf("MRZ of %d characters: want 90 (TD1), 72 (TD2) or 88 (TD3)", len(s))
}

// longDocNumber resolves a document number longer than 9 characters: its
// check-digit position holds '<' and the overflow, ended by the check
// digit, opens the optional data (ICAO 9303-5 §4.2.4, 9303-6 §4.2.4).
func longDocNumber(doc string, check byte, optional string) (field string, digit byte, rest string, err error) {
	if check != '<' {
		return doc, check, optional, nil
	}
	od := strings.TrimRight(optional, "<")
	if len(od) < 2 {
		return "", 0, "", fmt.Errorf("MRZ long document number without overflow")
	}
	return doc + od[:len(od)-1], od[len(od)-1], "", nil
}

func parseTD2(s string) (*MRZ, error) {
	l1, l2 := s[:36], s[36:]
	m := &MRZ{Lines: []string{l1, l2}}
	m.DocumentCode = strings.TrimRight(l1[0:2], "<")
	m.IssuingState = strings.TrimRight(l1[2:5], "<")
	m.PrimaryName, m.SecondaryName = splitNames(l1[5:])
	docField, docCheck, optional, err := longDocNumber(l2[0:9], l2[9], l2[28:35])
	if err != nil {
		return nil, err
	}
	if err := checkField("document number", docField, docCheck); err != nil {
		return nil, err
	}
	m.DocumentNumber = strings.TrimRight(docField, "<")
	m.Nationality = strings.TrimRight(l2[10:13], "<")
	m.DateOfBirth = l2[13:19]
	if err := checkField("date of birth", m.DateOfBirth, l2[19]); err != nil {
		return nil, err
	}
	m.Sex = string(l2[20])
	m.DateOfExpiry = l2[21:27]
	if err := checkField("date of expiry", m.DateOfExpiry, l2[27]); err != nil {
		return nil, err
	}
	m.OptionalData1 = optional
	composite := l2[0:10] + l2[13:20] + l2[21:35]
	if err := checkField("composite", composite, l2[35]); err != nil {
		return nil, err
	}
	return m, nil
}

func checkField(name, field string, digit byte) error {
	want, err := CheckDigit(field)
	if err != nil {
		return fmt.Errorf("MRZ %s: %w", name, err)
	}
	if digit != want {
		return fmt.Errorf("MRZ %s check digit is %c, computed %c", name, digit, want)
	}
	return nil
}

func parseTD1(s string) (*MRZ, error) {
	l1, l2, l3 := s[:30], s[30:60], s[60:]
	m := &MRZ{Lines: []string{l1, l2, l3}}
	m.DocumentCode = strings.TrimRight(l1[0:2], "<")
	m.IssuingState = strings.TrimRight(l1[2:5], "<")
	doc := l1[5:14]
	docCheck := l1[14]
	m.OptionalData1 = l1[15:30]
	docField := doc
	if docCheck == '<' {
		// Long document number: the overflow sits in the optional data,
		// ended by the check digit (9303-5 §4.2.4).
		od := strings.TrimRight(m.OptionalData1, "<")
		if len(od) < 2 {
			return nil, fmt.Errorf("MRZ long document number without overflow")
		}
		docField = doc + od[:len(od)-1]
		docCheck = od[len(od)-1]
		m.OptionalData1 = ""
	}
	if err := checkField("document number", docField, docCheck); err != nil {
		return nil, err
	}
	m.DocumentNumber = strings.TrimRight(docField, "<")
	m.DateOfBirth = l2[0:6]
	if err := checkField("date of birth", m.DateOfBirth, l2[6]); err != nil {
		return nil, err
	}
	m.Sex = string(l2[7])
	m.DateOfExpiry = l2[8:14]
	if err := checkField("date of expiry", m.DateOfExpiry, l2[14]); err != nil {
		return nil, err
	}
	m.Nationality = strings.TrimRight(l2[15:18], "<")
	m.OptionalData2 = l2[18:29]
	composite := l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29]
	if err := checkField("composite", composite, l2[29]); err != nil {
		return nil, err
	}
	m.PrimaryName, m.SecondaryName = splitNames(l3)
	return m, nil
}

func parseTD3(s string) (*MRZ, error) {
	l1, l2 := s[:44], s[44:]
	m := &MRZ{Lines: []string{l1, l2}}
	m.DocumentCode = strings.TrimRight(l1[0:2], "<")
	m.IssuingState = strings.TrimRight(l1[2:5], "<")
	m.PrimaryName, m.SecondaryName = splitNames(l1[5:])
	if err := checkField("document number", l2[0:9], l2[9]); err != nil {
		return nil, err
	}
	m.DocumentNumber = strings.TrimRight(l2[0:9], "<")
	m.Nationality = strings.TrimRight(l2[10:13], "<")
	m.DateOfBirth = l2[13:19]
	if err := checkField("date of birth", m.DateOfBirth, l2[19]); err != nil {
		return nil, err
	}
	m.Sex = string(l2[20])
	m.DateOfExpiry = l2[21:27]
	if err := checkField("date of expiry", m.DateOfExpiry, l2[27]); err != nil {
		return nil, err
	}
	m.OptionalData1 = l2[28:42]
	if l2[42] != '<' || strings.Trim(m.OptionalData1, "<") != "" {
		if err := checkField("optional data", m.OptionalData1, l2[42]); err != nil {
			return nil, err
		}
	}
	composite := l2[0:10] + l2[13:20] + l2[21:43]
	if err := checkField("composite", composite, l2[43]); err != nil {
		return nil, err
	}
	return m, nil
}

func splitNames(s string) (primary, secondary string) {
	s = strings.TrimRight(s, "<")
	p, sec, _ := strings.Cut(s, "<<")
	return strings.ReplaceAll(p, "<", " "), strings.TrimSpace(strings.ReplaceAll(sec, "<", " "))
}

// TD1Fields are the inputs of a TD1 MRZ.
type TD1Fields struct {
	DocumentCode, IssuingState, DocumentNumber, OptionalData1  string
	DateOfBirth, Sex, DateOfExpiry, Nationality, OptionalData2 string
	PrimaryName, SecondaryName                                 string // ASCII A-Z, spaces allowed
}

// BuildTD1 renders a TD1 MRZ (90 characters, no line breaks) with every
// check digit computed.
func BuildTD1(f TD1Fields) (string, error) {
	pad := func(s string, n int) string {
		s = strings.ToUpper(strings.ReplaceAll(s, " ", "<"))
		if len(s) > n {
			return s[:n]
		}
		return s + strings.Repeat("<", n-len(s))
	}
	if len(f.DocumentNumber) > 9 {
		return "", fmt.Errorf("document numbers over 9 characters are not supported by this builder")
	}
	doc, err := withCheck(pad(f.DocumentNumber, 9))
	if err != nil {
		return "", err
	}
	l1 := pad(f.DocumentCode, 2) + pad(f.IssuingState, 3) + doc + pad(f.OptionalData1, 15)
	dob, err := withCheck(f.DateOfBirth)
	if err != nil {
		return "", err
	}
	exp, err := withCheck(f.DateOfExpiry)
	if err != nil {
		return "", err
	}
	sex := f.Sex
	if sex == "" {
		sex = "<"
	}
	l2 := dob + sex + exp + pad(f.Nationality, 3) + pad(f.OptionalData2, 11)
	composite := l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29]
	cd, err := CheckDigit(composite)
	if err != nil {
		return "", err
	}
	l2 += string(cd)
	name := pad(f.PrimaryName, 30)
	if f.SecondaryName != "" {
		name = pad(strings.ReplaceAll(f.PrimaryName, " ", "<")+"<<"+strings.ReplaceAll(f.SecondaryName, " ", "<"), 30)
	}
	return l1 + l2 + name, nil
}

// ParseDG1 parses DG1: 61 { 5F1F MRZ }.
func ParseDG1(b []byte) (*MRZ, error) {
	v, err := tlv.Unwrap(b, 0x61)
	if err != nil {
		return nil, fmt.Errorf("DG1: %w", err)
	}
	mrz, err := tlv.Unwrap(v, 0x5F1F)
	if err != nil {
		return nil, fmt.Errorf("DG1: %w", err)
	}
	m, err := ParseMRZ(string(mrz))
	if err != nil {
		return nil, fmt.Errorf("DG1: %w", err)
	}
	return m, nil
}

// BuildDG1 wraps an MRZ string in DG1.
func BuildDG1(mrz string) []byte {
	return tlv.Encode(0x61, tlv.Encode(0x5F1F, []byte(mrz)))
}
