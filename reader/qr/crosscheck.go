package qr

import (
	"strings"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"

	"motcua/reader/cccd"
)

// Severities of a Mismatch.
const (
	// SeverityError: the QR and the chip disagree; the QR may belong to
	// another card or have been altered. The chip wins.
	SeverityError = "error"
	// SeverityWarning: a soft inconsistency (prefix tables change).
	SeverityWarning = "warning"
)

// Mismatch is one disagreement between a card's QR and its chip, or within
// the ID number. Message never contains personal data.
type Mismatch struct {
	Field    string `json:"field"` // JSON name of the field: "id_number", "full_name", ...
	Severity string `json:"severity"`
	Message  string `json:"message"`
}

// CrossCheck compares a QR with what the chip says (ID, old ID, name, date of
// birth, sex; names compared NFC, case- and space-insensitively), then checks
// the ID number's century/sex digit and birth year against the date of birth
// and sex (cccd.CheckIDAgainst) as warnings. Chip fields that are empty are
// not compared, nor are QR fields listed in q.Unreliable (mangled by the
// scanner). It returns nil when everything agrees.
func CrossCheck(q *Payload, chip cccd.Identity) []Mismatch {
	var out []Mismatch
	add := func(field, sev, msg string) {
		for _, m := range out {
			if m.Field == field && m.Message == msg {
				return
			}
		}
		out = append(out, Mismatch{Field: field, Severity: sev, Message: msg})
	}
	if c := digitsOnly(chip.IDNumber); c != "" && c != q.IDNumber {
		add("id_number", SeverityError, "QR ID number "+cccd.MaskID(q.IDNumber)+" differs from chip ID number "+cccd.MaskID(c))
	}
	if c := digitsOnly(chip.OldIDNumber); c != "" && q.OldIDNumber != "" && c != q.OldIDNumber {
		add("old_id_number", SeverityWarning, "QR old CMND number differs from the chip's")
	}
	if chip.FullName != "" && q.Reliable(FieldFullName) && foldName(chip.FullName) != foldName(q.FullName) {
		add("full_name", SeverityError, "QR name differs from the chip's")
	}
	if chip.DateOfBirth != "" && strings.TrimSpace(chip.DateOfBirth) != q.DateOfBirth {
		add("date_of_birth", SeverityError, "QR date of birth differs from the chip's")
	}
	if chip.Sex != "" && q.Reliable(FieldSex) && cccd.SexCode(chip.Sex) != cccd.SexCode(q.Sex) {
		add("sex", SeverityError, "QR sex differs from the chip's")
	}
	qsex := q.Sex
	if !q.Reliable(FieldSex) {
		qsex = chip.Sex // a mangled QR sex is not compared; the chip's stands in
	}
	for _, w := range cccd.CheckIDAgainst(q.IDNumber, q.DateOfBirth, qsex) {
		add("id_number", SeverityWarning, "QR: "+w)
	}
	// The chip's own ID against the chip's own DOB and sex, when that is a
	// different question from the QR's.
	chipID, dob, sex := digitsOnly(chip.IDNumber), chip.DateOfBirth, chip.Sex
	if dob == "" {
		dob = q.DateOfBirth
	}
	if sex == "" {
		sex = q.Sex
	}
	if chipID != "" && (chipID != q.IDNumber || dob != q.DateOfBirth || cccd.SexCode(sex) != cccd.SexCode(q.Sex)) {
		for _, w := range cccd.CheckIDAgainst(chipID, dob, sex) {
			add("id_number", SeverityWarning, "chip: "+w)
		}
	}
	return out
}

// foldName makes two spellings of a name comparable: NFC, case-folded,
// runs of space collapsed. A Caser is stateful, so each call makes its own.
func foldName(s string) string {
	return norm.NFC.String(cases.Fold().String(strings.Join(strings.Fields(norm.NFC.String(s)), " ")))
}

// digitsOnly drops spaces a typist or a chip field may carry around an ID.
func digitsOnly(s string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '.' {
			return -1
		}
		return r
	}, strings.TrimSpace(s))
}
