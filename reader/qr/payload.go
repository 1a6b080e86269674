// Package qr parses the QR code printed on a CCCD gắn chip (7 fields) and on
// a thẻ căn cước (10 or more fields), recognises what else a desk scanner
// may have read instead (a web address, a VietQR payment code, a VNeID code,
// ...), derives the chip access keys the QR allows, and cross-checks a QR
// against what the chip says.
//
// The QR is printed, not signed: it identifies the holder, it proves nothing.
// Only the chip, with Passive Authentication, proves.
//
// Image decoding lives in reader/qr/decode, cameras in reader/qr/camera and
// desk scanners (USB-serial and keyboard-wedge) in reader/qr/scanner.
package qr

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"motcua/reader/cccd"
)

// Generation tells which card printed a QR.
type Generation string

// Card generations, told apart by the QR's field count.
const (
	// GenerationCCCD is the CCCD gắn chip (2021 to 06/2024): 7 fields.
	GenerationCCCD Generation = "cccd"
	// GenerationCanCuoc is the thẻ căn cước (from 1/7/2024): 10 or more
	// fields, the first 7 as on the CCCD.
	GenerationCanCuoc Generation = "can_cuoc"
)

// Field counts of the two generations.
const (
	FieldsCCCD       = 7
	MinFieldsCanCuoc = 10
)

// MaxPayloadLen bounds what Parse accepts. A CCCD QR is a few hundred bytes;
// a QR code holds at most 2953 bytes.
const MaxPayloadLen = 4096

// Payload is a parsed card QR. All text is NFC-normalised. Dates are
// YYYY-MM-DD strings (the same form as cccd.Identity), already validated as
// real calendar dates; use time.Parse("2006-01-02", ...) if a time.Time is
// needed.
type Payload struct {
	IDNumber    string     `json:"id_number"`          // 12 digits
	OldIDNumber string     `json:"old_id_number"`      // old CMND (9 digits; 12 accepted), or "" when the QR has none
	FullName    string     `json:"full_name"`          // as printed, NFC
	DateOfBirth string     `json:"date_of_birth"`      // YYYY-MM-DD
	Sex         string     `json:"sex"`                // "Nam" or "Nữ"
	Residence   string     `json:"place_of_residence"` // as printed, NFC; may be ""
	DateOfIssue string     `json:"date_of_issue"`      // YYYY-MM-DD
	Generation  Generation `json:"generation"`
	// Extra holds the fields after the 7th on a thẻ căn cước, NFC but
	// otherwise raw: their meaning is not verified yet.
	Extra []string `json:"extra,omitempty"`
	// Unreliable names the text fields that arrived mangled (see
	// Mangled): their text is kept as received for the officer to see,
	// but Identity leaves them empty and CrossCheck skips them, so the
	// chip supplies them. The ID number and the dates that open the chip
	// are never in this list: they are digits, checked as usual.
	Unreliable []string `json:"unreliable,omitempty"`
}

// Reliable reports whether the field (its JSON name) arrived intact.
func (p *Payload) Reliable(field string) bool { return !slices.Contains(p.Unreliable, field) }

// Identity returns the payload as the identity record the rest of the agent
// consumes. Fields the QR does not carry are empty.
// Fields listed in Unreliable are left empty: the chip supplies them.
func (p *Payload) Identity() cccd.Identity {
	id := cccd.Identity{
		IDNumber:         p.IDNumber,
		OldIDNumber:      p.OldIDNumber,
		FullName:         p.FullName,
		DateOfBirth:      p.DateOfBirth,
		Sex:              p.Sex,
		PlaceOfResidence: p.Residence,
		DateOfIssue:      p.DateOfIssue,
	}
	if !p.Reliable(FieldFullName) {
		id.FullName = ""
	}
	if !p.Reliable(FieldSex) {
		id.Sex = ""
	}
	if !p.Reliable(FieldResidence) {
		id.PlaceOfResidence = ""
	}
	return id
}

// CAN returns the card access number for PACE: the last 6 digits of the ID.
func (p *Payload) CAN() string { return p.IDNumber[6:] }

// BirthDate is DateOfBirth as a time (UTC midnight). Together with IssueDate
// it gives the BAC key candidates (cccd.ExpiryCandidates computes the
// possible expiry dates from the two).
func (p *Payload) BirthDate() time.Time { return mustISO(p.DateOfBirth) }

// IssueDate is DateOfIssue as a time (UTC midnight).
func (p *Payload) IssueDate() time.Time { return mustISO(p.DateOfIssue) }

// mustISO parses a date Parse has validated; a hand-built Payload with a bad
// date gives the zero time.
func mustISO(s string) time.Time {
	t, err := time.Parse(isoDate, s)
	if err != nil {
		return time.Time{}
	}
	return t
}

// String describes the payload without personal data, for logs.
func (p *Payload) String() string {
	return fmt.Sprintf("qr.Payload{id=%s generation=%s extra=%d unreliable=%v}", cccd.MaskID(p.IDNumber), p.Generation, len(p.Extra), p.Unreliable)
}

// Parse validates a scanned card QR and returns its fields. Surrounding white
// space, a byte-order mark and a trailing CR/LF (as scanners send them) are
// ignored. It returns a *FieldError (matching ErrFieldCount, ErrIDNumber,
// ErrOldIDNumber, ErrName, ErrDate, ErrSex or ErrText) when the payload has
// the card's shape but a bad field, and a *NotCardError (matching
// ErrNotCardQR) saying what was scanned when it is something else.
// Error strings never contain personal data.
//
// A QR typed by a keyboard-wedge scanner often arrives with its Vietnamese
// letters mangled ('?', U+FFFD, bytes that are not UTF-8, or UTF-8 read as
// Windows-1252). The ID number and the dates, which open the chip, are
// digits and arrive intact: then the payload is accepted, the mangled text
// fields (name, sex, residence) are listed in Unreliable and the chip
// supplies them. A mangled digit field is still an error.
func Parse(payload string) (*Payload, error) {
	if len(payload) > MaxPayloadLen {
		return nil, &NotCardError{Kind: KindTooLong}
	}
	// Bytes that are not UTF-8 become U+FFFD: only a text field can hold
	// them and still be accepted (as unreliable).
	payload = strings.ToValidUTF8(payload, string(utf8.RuneError))
	s := strings.TrimPrefix(payload, "\ufeff")
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, &NotCardError{Kind: KindEmpty}
	}
	s = norm.NFC.String(s)
	fields := strings.Split(s, "|")
	n := len(fields)
	if n != FieldsCCCD && n < MinFieldsCanCuoc {
		if k := classify(s, fields); k != KindUnknown {
			return nil, &NotCardError{Kind: k}
		}
		return nil, &FieldError{Index: -1, Err: ErrFieldCount,
			Reason: fmt.Sprintf("%d fields, want %d (CCCD) or at least %d (thẻ căn cước)", n, FieldsCCCD, MinFieldsCanCuoc)}
	}
	for i, f := range fields {
		if r, bad := controlRune(f); bad {
			return nil, &FieldError{Index: i, Err: ErrText, Reason: fmt.Sprintf("control character U+%04X", r)}
		}
	}
	id := strings.TrimSpace(fields[0])
	if !isDigits(id) || len(id) != 12 {
		if k := classify(s, fields); k != KindUnknown {
			return nil, &NotCardError{Kind: k}
		}
		return nil, &FieldError{Index: 0, Err: ErrIDNumber, Reason: fmt.Sprintf("%d characters, want 12 digits", len(id))}
	}
	p := &Payload{IDNumber: id}
	p.OldIDNumber = strings.TrimSpace(fields[1])
	if p.OldIDNumber != "" && (!isDigits(p.OldIDNumber) || (len(p.OldIDNumber) != 9 && len(p.OldIDNumber) != 12)) {
		return nil, &FieldError{Index: 1, Err: ErrOldIDNumber, Reason: fmt.Sprintf("%d characters, want 9 digits or empty", len(p.OldIDNumber))}
	}
	p.FullName = collapseSpace(fields[2])
	if Mangled(p.FullName) {
		if !hasLetterOrMark(p.FullName) {
			return nil, &FieldError{Index: 2, Err: ErrName, Reason: "no letters"}
		}
		p.Unreliable = append(p.Unreliable, FieldFullName)
	} else if err := checkName(p.FullName); err != nil {
		return nil, err
	}
	dob, err := parseDate(fields[3], 3)
	if err != nil {
		return nil, err
	}
	p.DateOfBirth = dob.Format(isoDate)
	switch sex := strings.TrimSpace(fields[4]); strings.ToLower(sex) {
	case "nam":
		p.Sex = "Nam"
	case "nữ":
		p.Sex = "Nữ"
	default:
		// "Nữ" is the only value with a non-ASCII letter; a mangled one
		// is left for the chip rather than guessed.
		if !Mangled(sex) {
			return nil, &FieldError{Index: 4, Err: ErrSex, Reason: "want Nam or Nữ"}
		}
		p.Unreliable = append(p.Unreliable, FieldSex)
	}
	p.Residence = collapseSpace(fields[5])
	if Mangled(p.Residence) {
		p.Unreliable = append(p.Unreliable, FieldResidence)
	}
	issue, err := parseDate(fields[6], 6)
	if err != nil {
		return nil, err
	}
	if issue.Before(dob) {
		return nil, &FieldError{Index: 6, Err: ErrDate, Reason: "issue date is before the date of birth"}
	}
	p.DateOfIssue = issue.Format(isoDate)
	p.Generation = GenerationCCCD
	if n >= MinFieldsCanCuoc {
		p.Generation = GenerationCanCuoc
		p.Extra = append([]string(nil), fields[FieldsCCCD:]...)
	}
	return p, nil
}

const (
	qrDate  = "02012006"
	isoDate = "2006-01-02"
)

// earliestBirth bounds dates: nobody alive was born before it.
var earliestBirth = time.Date(1890, 1, 1, 0, 0, 0, 0, time.UTC)

func parseDate(f string, index int) (time.Time, error) {
	f = strings.TrimSpace(f)
	if len(f) != 8 || !isDigits(f) {
		return time.Time{}, &FieldError{Index: index, Err: ErrDate, Reason: fmt.Sprintf("%d characters, want ddMMyyyy", len(f))}
	}
	t, err := time.Parse(qrDate, f)
	if err != nil {
		return time.Time{}, &FieldError{Index: index, Err: ErrDate, Reason: "not a calendar date (want ddMMyyyy)"}
	}
	// Allow a day of clock skew between the issuing office and this desk.
	if t.Before(earliestBirth) || t.After(time.Now().UTC().AddDate(0, 0, 1)) {
		return time.Time{}, &FieldError{Index: index, Err: ErrDate, Reason: "year out of range"}
	}
	return t, nil
}

func checkName(name string) error {
	if name == "" {
		return &FieldError{Index: 2, Err: ErrName, Reason: "empty"}
	}
	letters := 0
	for _, r := range name {
		switch {
		case unicode.IsLetter(r) || unicode.Is(unicode.Mn, r):
			letters++
		case r == ' ' || r == '-' || r == '\'' || r == '.':
		default:
			return &FieldError{Index: 2, Err: ErrName, Reason: "digit or symbol in the name"}
		}
	}
	if letters == 0 {
		return &FieldError{Index: 2, Err: ErrName, Reason: "no letters"}
	}
	return nil
}

// controlRune finds a C0 control character (tab and the like) or DEL
// inside a field. U+FFFD and C1 controls are not refused here: they mark
// mangled text (see Mangled), which only a text field may be.
func controlRune(f string) (rune, bool) {
	for _, r := range f {
		if r < 0x20 || r == 0x7F {
			return r, true
		}
	}
	return 0, false
}

func collapseSpace(s string) string { return strings.Join(strings.Fields(s), " ") }

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Encode renders the payload back into the QR text form (ddMMyyyy dates,
// fields joined by |). Parse(p.Encode()) gives p back. Test fixtures and the
// corpus generator use it; it carries personal data, so never log it.
func (p *Payload) Encode() string {
	f := []string{p.IDNumber, p.OldIDNumber, p.FullName, qrForm(p.DateOfBirth), p.Sex, p.Residence, qrForm(p.DateOfIssue)}
	return strings.Join(append(f, p.Extra...), "|")
}

func qrForm(iso string) string {
	t, err := time.Parse(isoDate, iso)
	if err != nil {
		return iso
	}
	return t.Format(qrDate)
}
