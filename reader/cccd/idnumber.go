package cccd

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"
)

// ErrBadIDNumber reports an ID number that is not 12 digits.
var ErrBadIDNumber = errors.New("ID number must be exactly 12 digits")

// ValidateIDNumber checks the 12-digit form PPP G YY SSSSSS.
func ValidateIDNumber(id string) error {
	if len(id) != 12 || !allDigits(id) {
		return fmt.Errorf("%w (got %d characters)", ErrBadIDNumber, len(id))
	}
	return nil
}

// CAN returns the card access number: the last 6 digits of the ID number.
func CAN(id string) (string, error) {
	if err := ValidateIDNumber(id); err != nil {
		return "", err
	}
	return id[6:], nil
}

// BACDocumentNumber returns the MRZ document number: the last 9 digits of the ID.
func BACDocumentNumber(id string) (string, error) {
	if err := ValidateIDNumber(id); err != nil {
		return "", err
	}
	return id[3:], nil
}

// MaskID masks an ID number (or CAN, or anything identifying) as its first 3
// and last 3 characters. Short values are fully masked. Use it for every ID
// that could reach a log line or an error string.
func MaskID(id string) string {
	if len(id) < 9 {
		return strings.Repeat("*", len(id))
	}
	return id[:3] + strings.Repeat("*", len(id)-6) + id[len(id)-3:]
}

// CheckIDAgainst cross-checks the century/sex digit and the birth year in an
// ID number against a date of birth (YYYY-MM-DD) and sex ("Nam"/"Nữ").
// Mismatches are warnings, not failures: prefix tables change.
func CheckIDAgainst(id, dob, sex string) []string {
	if ValidateIDNumber(id) != nil {
		return []string{"ID number is not 12 digits"}
	}
	var warn []string
	g := int(id[3] - '0')
	yy := id[4:6]
	if t, err := time.Parse("2006-01-02", dob); err == nil {
		century := 1900 + 100*(g/2)
		if t.Year()/100*100 != century {
			warn = append(warn, fmt.Sprintf("ID century digit %d does not match birth year %d", g, t.Year()))
		}
		if fmt.Sprintf("%02d", t.Year()%100) != yy {
			warn = append(warn, fmt.Sprintf("ID birth-year digits do not match birth year %d", t.Year()))
		}
	}
	switch SexCode(sex) {
	case "M":
		if g%2 != 0 {
			warn = append(warn, "ID sex digit says female, card says male")
		}
	case "F":
		if g%2 != 1 {
			warn = append(warn, "ID sex digit says male, card says female")
		}
	}
	return warn
}

// SexCode maps "Nam"/"Nữ" (any case, NFC or not) and MRZ "M"/"F" to "M"/"F",
// and anything else to "".
func SexCode(s string) string {
	s = norm.NFC.String(strings.ToLower(strings.TrimSpace(s)))
	switch s {
	case "nam", "m", "male":
		return "M"
	case "nữ", "nu", "f", "female":
		return "F"
	}
	return ""
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return len(s) > 0
}
