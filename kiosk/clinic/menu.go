package clinic

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
)

// Department is a clinic or department a patient can queue for, as the
// hospital configures it ([[clinic.departments]]).
type Department struct {
	Code   string `json:"code" toml:"code"`
	Name   string `json:"name" toml:"name"`
	NameEN string `json:"name_en,omitempty" toml:"name_en"`
	// Prefix starts the department's queue numbers (A012): one to three
	// letters, unique among departments, so two queues never share a number.
	Prefix string `json:"prefix" toml:"prefix"`
}

// Reason is why the patient comes ([[clinic.reasons]]): the hospital's
// own list and codes.
type Reason struct {
	Code   string `json:"code" toml:"code"`
	Name   string `json:"name" toml:"name"`
	NameEN string `json:"name_en,omitempty" toml:"name_en"`
}

// Menu is what a self check-in offers: the departments and the reasons.
type Menu struct {
	Departments []Department
	Reasons     []Reason
}

// ErrNoMenu says a self check-in kiosk has no departments or reasons to offer.
var ErrNoMenu = errors.New("no departments or reasons configured ([[clinic.departments]], [[clinic.reasons]])")

// Validate checks that every department and reason has a code and a name,
// codes are unique, and prefixes are one to three letters, unique.
func (m Menu) Validate() error {
	if len(m.Departments) == 0 || len(m.Reasons) == 0 {
		return ErrNoMenu
	}
	codes, prefixes := map[string]bool{}, map[string]bool{}
	for i, d := range m.Departments {
		if err := codeName(d.Code, d.Name); err != nil {
			return fmt.Errorf("department %d: %w", i+1, err)
		}
		if codes[d.Code] {
			return fmt.Errorf("department %d: code %q used twice", i+1, d.Code)
		}
		codes[d.Code] = true
		if n := len(d.Prefix); n < 1 || n > 3 || strings.IndexFunc(d.Prefix, func(r rune) bool { return r < 'A' || r > 'Z' }) >= 0 {
			return fmt.Errorf("department %d (%s): prefix %q: want 1 to 3 capital letters A-Z", i+1, d.Code, d.Prefix)
		}
		if prefixes[d.Prefix] {
			return fmt.Errorf("department %d (%s): prefix %q used twice: two queues would share numbers", i+1, d.Code, d.Prefix)
		}
		prefixes[d.Prefix] = true
	}
	codes = map[string]bool{}
	for i, r := range m.Reasons {
		if err := codeName(r.Code, r.Name); err != nil {
			return fmt.Errorf("reason %d: %w", i+1, err)
		}
		if codes[r.Code] {
			return fmt.Errorf("reason %d: code %q used twice", i+1, r.Code)
		}
		codes[r.Code] = true
	}
	return nil
}

// codeName checks a code (letters, digits, '.', '-', '_'; at most 32) and
// a name (not blank).
func codeName(code, name string) error {
	if code == "" || len(code) > 32 || strings.IndexFunc(code, func(r rune) bool {
		return !(r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '.' || r == '-' || r == '_'))
	}) >= 0 {
		return fmt.Errorf("code %q: want 1 to 32 ASCII letters, digits, '.', '-' or '_'", code)
	}
	if strings.TrimSpace(name) == "" {
		return fmt.Errorf("code %q has no name", code)
	}
	return nil
}

// Department finds a department by its code.
func (m Menu) Department(code string) (Department, bool) {
	for _, d := range m.Departments {
		if d.Code == code {
			return d, true
		}
	}
	return Department{}, false
}

// Reason finds a reason by its code.
func (m Menu) Reason(code string) (Reason, bool) {
	for _, r := range m.Reasons {
		if r.Code == code {
			return r, true
		}
	}
	return Reason{}, false
}
