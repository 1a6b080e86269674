// Package prefill turns identities read from cards (or their QR codes) into
// a service's form: every field the card can fill is filled and tagged with
// where its value came from, card values are locked unless an officer
// unlocks them, and only what the card cannot give is asked.
package prefill

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"motcua/kiosk/address"
	"motcua/kiosk/catalog"
	"motcua/reader/cccd"
)

// Provenance says where a value came from.
type Provenance string

// Provenances.
const (
	ChipVerified   Provenance = "chip_verified"   // chip with Passive Authentication verified
	ChipUnverified Provenance = "chip_unverified" // chip read, but not (or not fully) verified
	QR             Provenance = "qr"              // the printed QR code: identifies, proves nothing
	Typed          Provenance = "typed"
	Derived        Provenance = "derived"
)

// Person is one party's identity and how it was obtained.
type Person struct {
	Identity     cccd.Identity
	Provenance   Provenance
	Verification *cccd.Verification // nil for QR
	// Document is the kind of document read: cccd.DocumentPassport for a
	// passport ("" or cccd.DocumentIDCard: an ID card); DocumentNumber is
	// a passport's number (issue 20).
	Document, DocumentNumber string
}

// Passport reports whether the person was read from a passport.
func (p *Person) Passport() bool { return p != nil && p.Document == cccd.DocumentPassport }

// FromRead makes a Person from a chip read. Only a card whose verification
// says verified is chip_verified.
func FromRead(r *cccd.ReadResult) Person {
	p := Person{Identity: r.Identity, Provenance: ChipUnverified, Verification: r.Verification,
		Document: r.Document, DocumentNumber: r.DocumentNumber}
	if r.Verification.Verified() {
		p.Provenance = ChipVerified
	}
	return p
}

// FromQR makes a Person from a card's QR code.
func FromQR(id cccd.Identity) Person { return Person{Identity: id, Provenance: QR} }

// Value is one field's value in a form.
type Value struct {
	Field      *catalog.Field
	Party      string // role, "" for dossier-level fields
	Index      int    // which person of the role (household members, guests)
	Text       string
	Provenance Provenance
	Locked     bool
	// Old holds the card's own wording when the value was converted (an
	// address in today's units), for showing both side by side.
	Old string
	// NeedsConfirmation marks a converted value the citizen must confirm
	// (an address whose commune could not be mapped).
	NeedsConfirmation bool
	// Choices lists today's address once per commune the card's commune
	// may now be in (an old commune split between several): the citizen
	// picks one with Choose. Empty when there is nothing to pick (one
	// conversion to confirm, or none).
	Choices []string
	// Unlock records who unlocked a card value and why.
	Unlock *Unlock
	// Codes are the official unit codes of an address value in today's
	// units (MaTinh, MaXa for provider payloads); nil for other values.
	Codes *AddressCodes
}

// AddressCodes are an address's official codes (QĐ 19/2025/QĐ-TTg).
type AddressCodes struct {
	ProvinceCode string // 2 digits; "" when the province is unknown
	CommuneCode  string // 5 digits; "" until the commune is known for sure
	Detail       string // house number, street, hamlet
	// Candidates are today's communes the address may be in (more than one
	// when an old commune was split): PickCommune chooses one.
	Candidates []address.Unit
}

// Unlock is an officer's decision to edit a card value.
type Unlock struct {
	By     string    `json:"by"`
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
}

// Form is a service's form being filled.
type Form struct {
	Service *catalog.Service
	Persons map[string][]Person
	Values  []*Value
}

// Errors callers branch on.
var (
	ErrLocked      = errors.New("this value comes from the card and is locked; an officer can unlock it")
	ErrNoSuchField = errors.New("no such field")
	ErrPartyCount  = errors.New("wrong number of people for this role")
)

// New prefills a form for the service from the people given per role.
// table may be nil (no commune table installed).
func New(s *catalog.Service, persons map[string][]Person, table *address.Table, now time.Time) (*Form, error) {
	f := &Form{Service: s, Persons: persons}
	for role := range persons {
		if _, ok := s.Party(role); !ok {
			return nil, fmt.Errorf("%w: service %s has no role %q", ErrPartyCount, s.Code, role)
		}
	}
	for _, p := range s.Parties {
		n := len(persons[p.Role])
		if p.Max > 0 && n > p.Max {
			return nil, fmt.Errorf("%w: %s takes at most %d, got %d", ErrPartyCount, p.Role, p.Max, n)
		}
	}
	for i := range s.Fields {
		fd := &s.Fields[i]
		if fd.Party == "" {
			f.Values = append(f.Values, f.fill(fd, "", 0, nil, table, now))
			continue
		}
		people := persons[fd.Party]
		p, _ := s.Party(fd.Party)
		slots := len(people)
		if slots < p.Min {
			slots = p.Min // empty slots for people still to come (a second card, typed data)
		}
		for idx := 0; idx < slots; idx++ {
			var person *Person
			if idx < len(people) {
				person = &people[idx]
			}
			if !forDocument(fd, person) {
				continue
			}
			f.Values = append(f.Values, f.fill(fd, fd.Party, idx, person, table, now))
		}
	}
	return f, nil
}

func (f *Form) fill(fd *catalog.Field, party string, idx int, p *Person, table *address.Table, now time.Time) *Value {
	v := &Value{Field: fd, Party: party, Index: idx, Provenance: Typed}
	switch {
	case strings.HasPrefix(fd.Source, "card:") && p.Passport():
		if text := passportValue(fd.Source[5:], p); text != "" {
			v.Text, v.Provenance, v.Locked = text, p.Provenance, true
		}
	case strings.HasPrefix(fd.Source, "card:") && p != nil:
		text, old, confirm, choices := cardValue(fd.Source[5:], p.Identity, table)
		if text != "" {
			v.Text, v.Old, v.NeedsConfirmation, v.Choices = text, old, confirm, choices
			v.Provenance, v.Locked = p.Provenance, true
			if fd.Source == "card:residence_today" {
				v.Codes = residenceCodes(p.Identity.PlaceOfResidence, table)
			}
		}
	case fd.Source == "derived:today":
		v.Text, v.Provenance = now.Format("2006-01-02"), Derived
	case fd.Source == "derived:age" && p != nil:
		if dob, err := time.Parse("2006-01-02", p.Identity.DateOfBirth); err == nil {
			age := now.Year() - dob.Year()
			if now.YearDay() < dob.YearDay() {
				age--
			}
			v.Text, v.Provenance = strconv.Itoa(age), Derived
		}
	}
	return v
}

// cardValue maps a card source to a field value, converting where needed.
func cardValue(src string, id cccd.Identity, table *address.Table) (text, old string, confirm bool, choices []string) {
	switch src {
	case "family_name", "given_names":
		parts := strings.Fields(id.FullName)
		if len(parts) == 0 {
			return "", "", false, nil
		}
		if src == "family_name" {
			return parts[0], "", false, nil
		}
		return strings.Join(parts[1:], " "), "", false, nil
	case "residence_today", "residence_province_today":
		o, err := address.ParseOld(id.PlaceOfResidence)
		if err != nil {
			// Not parsable: keep the card's text, the citizen confirms it.
			return id.PlaceOfResidence, id.PlaceOfResidence, id.PlaceOfResidence != "", nil
		}
		t := address.Map(o, table)
		if src == "residence_province_today" {
			return t.Province, o.Province, false, nil
		}
		if t.NeedsConfirmation && len(t.Candidates) > 1 {
			// The old commune was split: one choice per new commune.
			for _, c := range t.Candidates {
				choices = append(choices, address.Today{Detail: t.Detail, Commune: c.CommuneName, Province: t.Province}.String())
			}
		}
		if t.NeedsConfirmation {
			// Until the commune is confirmed the form shows the card's
			// commune next to today's province.
			t.Commune = o.Commune
		}
		return t.String(), o.String(), t.NeedsConfirmation, choices
	}
	m := map[string]string{
		"id_number": id.IDNumber, "full_name": id.FullName, "date_of_birth": id.DateOfBirth, "sex": id.Sex,
		"nationality": id.Nationality, "ethnicity": id.Ethnicity, "religion": id.Religion,
		"place_of_origin": id.PlaceOfOrigin, "place_of_residence": id.PlaceOfResidence,
		"identifying_marks": id.IdentifyingMarks, "date_of_issue": id.DateOfIssue, "date_of_expiry": id.DateOfExpiry,
		"father_name": id.FatherName, "mother_name": id.MotherName, "spouse_name": id.SpouseName,
		"old_id_number": id.OldIDNumber,
	}
	return m[src], "", false, nil
}

// residenceCodes maps a card's residence to today's unit codes; nil when
// the address cannot be parsed.
func residenceCodes(raw string, table *address.Table) *AddressCodes {
	o, err := address.ParseOld(raw)
	if err != nil {
		return nil
	}
	t := address.Map(o, table)
	return &AddressCodes{ProvinceCode: t.ProvinceCode, CommuneCode: t.CommuneCode, Detail: t.Detail, Candidates: t.Candidates}
}

// ErrNotACandidate is returned by PickCommune for a commune code the
// address cannot be in.
var ErrNotACandidate = errors.New("this commune is not one the address can be in")

// PickCommune settles an address's commune among its candidates (an old
// commune split into several): the value shows it and carries its code.
func (f *Form) PickCommune(party, fieldID string, index int, communeCode string) error {
	v, err := f.Find(party, fieldID, index)
	if err != nil {
		return err
	}
	if v.Codes == nil {
		return fmt.Errorf("%w: %s has no address codes", ErrNotACandidate, fieldID)
	}
	for _, c := range v.Codes.Candidates {
		if c.CommuneCode != "" && c.CommuneCode == communeCode {
			v.Codes.ProvinceCode, v.Codes.CommuneCode = c.ProvinceCode, c.CommuneCode
			v.Text = address.Today{Detail: v.Codes.Detail, Commune: c.CommuneName, Province: c.ProvinceName}.String()
			v.NeedsConfirmation = false
			return nil
		}
	}
	return fmt.Errorf("%w: %s", ErrNotACandidate, communeCode)
}

// Find returns the value of a field.
func (f *Form) Find(party, fieldID string, index int) (*Value, error) {
	for _, v := range f.Values {
		if v.Party == party && v.Field.ID == fieldID && v.Index == index {
			return v, nil
		}
	}
	return nil, fmt.Errorf("%w: %s/%s#%d", ErrNoSuchField, party, fieldID, index)
}

// Set types a value (NFC-normalised). Card values are refused unless unlocked.
func (f *Form) Set(party, fieldID string, index int, text string) error {
	v, err := f.Find(party, fieldID, index)
	if err != nil {
		return err
	}
	if v.Locked {
		return ErrLocked
	}
	v.Text = norm.NFC.String(strings.TrimSpace(text))
	if v.Field.Type == "date" {
		// Typed day first (dd/mm/yyyy, d/m/yyyy, ddmmyyyy), stored as the
		// catalogue's yyyy-mm-dd; text that is no date yet (still being
		// typed, or impossible) stays as typed for Validate to explain.
		if iso, err := ParseDate(v.Text); err == nil {
			v.Text = iso
		}
	}
	if v.Unlock == nil {
		v.Provenance = Typed
	}
	v.NeedsConfirmation = false
	v.Codes = nil // typed text: the card's codes no longer describe it
	return nil
}

// Confirm accepts a converted value as shown (an address in today's units).
func (f *Form) Confirm(party, fieldID string, index int) error {
	v, err := f.Find(party, fieldID, index)
	if err != nil {
		return err
	}
	if len(v.Choices) > 0 {
		return fmt.Errorf("%w: pick the new commune first", ErrNoSuchChoice)
	}
	v.NeedsConfirmation = false
	return nil
}

// ErrNoSuchChoice reports a pick outside a value's choices.
var ErrNoSuchChoice = errors.New("no such choice for this address")

// Choose settles a converted address whose old commune was split: the
// value becomes choice i of Choices (still the card's, still locked; the
// citizen only said which new commune the house is in).
func (f *Form) Choose(party, fieldID string, index, i int) error {
	v, err := f.Find(party, fieldID, index)
	if err != nil {
		return err
	}
	if i < 0 || i >= len(v.Choices) {
		return fmt.Errorf("%w: %d of %d", ErrNoSuchChoice, i, len(v.Choices))
	}
	v.Text, v.NeedsConfirmation, v.Choices = v.Choices[i], false, nil
	return nil
}

// UnlockField lets an officer edit a card value; who and why are recorded
// and go with the dossier.
func (f *Form) UnlockField(party, fieldID string, index int, by, reason string, now time.Time) error {
	v, err := f.Find(party, fieldID, index)
	if err != nil {
		return err
	}
	if strings.TrimSpace(by) == "" || strings.TrimSpace(reason) == "" {
		return errors.New("unlocking a card value needs the officer and a reason")
	}
	v.Locked = false
	v.Unlock = &Unlock{By: by, Reason: reason, At: now}
	return nil
}

// Ask lists the fields the citizen still has to fill: the ones the card
// could not give, required or not, in form order.
func (f *Form) Ask() []*Value {
	var out []*Value
	for _, v := range f.Values {
		if !v.Locked && v.Provenance != Derived {
			out = append(out, v)
		}
	}
	return out
}

// Problem is a validation message in plain Vietnamese and English.
type Problem struct {
	Party string
	Field string
	Index int
	VI    string
	EN    string
}

var (
	phonePattern = regexp.MustCompile(`^(0|\+84)[0-9]{9,10}$`)
	emailPattern = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
)

// Validate checks every value and returns what is wrong, in form order.
func (f *Form) Validate() []Problem {
	var out []Problem
	add := func(v *Value, vi, en string) {
		out = append(out, Problem{Party: v.Party, Field: v.Field.ID, Index: v.Index,
			VI: v.Field.LabelVI + ": " + vi, EN: v.Field.LabelEN + ": " + en})
	}
	for _, v := range f.Values {
		fd := v.Field
		if v.Text == "" {
			if fd.Required {
				add(v, "cần điền thông tin này.", "this is required.")
			}
			continue
		}
		if v.NeedsConfirmation {
			add(v, "xin xác nhận địa chỉ theo đơn vị hành chính mới.", "please confirm the address in today's units.")
		}
		if fd.MaxLen > 0 && utf8.RuneCountInString(v.Text) > fd.MaxLen {
			add(v, fmt.Sprintf("dài quá %d ký tự.", fd.MaxLen), fmt.Sprintf("longer than %d characters.", fd.MaxLen))
		}
		switch fd.Type {
		case "date":
			if _, err := ParseDate(v.Text); err != nil {
				var de *DateError
				if errors.As(err, &de) {
					add(v, de.VI, de.EN)
				} else {
					add(v, "ngày không đúng (ngày/tháng/năm).", "not a valid date.")
				}
			}
		case "phone":
			if !phonePattern.MatchString(strings.ReplaceAll(v.Text, " ", "")) {
				add(v, "số điện thoại gồm 10 chữ số, bắt đầu bằng số 0.", "a phone number has 10 digits starting with 0.")
			}
		case "email":
			if !emailPattern.MatchString(v.Text) {
				add(v, "địa chỉ thư điện tử không đúng.", "not a valid email address.")
			}
		case "id12":
			if cccd.ValidateIDNumber(v.Text) != nil {
				add(v, "số định danh gồm đúng 12 chữ số.", "the ID number has exactly 12 digits.")
			}
		case "number":
			if _, err := strconv.Atoi(v.Text); err != nil {
				add(v, "chỉ được nhập số.", "digits only.")
			}
		case "sex":
			if cccd.SexCode(v.Text) == "" {
				add(v, "chọn Nam hoặc Nữ.", "choose Nam (male) or Nữ (female).")
			}
		case "select":
			ok := false
			for _, o := range fd.Options {
				ok = ok || o == v.Text
			}
			if !ok {
				add(v, "chọn một mục trong danh sách.", "choose one of the options.")
			}
		}
		if fd.Pattern != "" && !regexp.MustCompile(fd.Pattern).MatchString(v.Text) {
			add(v, "không đúng định dạng.", "not in the expected format.")
		}
	}
	return out
}

// Wipe drops every value and identity (strings cannot be zeroed in Go;
// dropping the references lets them go).
func (f *Form) Wipe() {
	for _, v := range f.Values {
		*v = Value{}
	}
	f.Values, f.Persons = nil, nil
}
