// Package catalog is the data-driven catalogue of public services: one TOML
// file per service, keyed by its national procedure code (mã TTHC), saying
// which parties it needs, which fields its form has, which card field fills
// each one and how, which attachments it wants and the consent text.
// Built-in files are embedded; an operator folder overrides or adds services
// without rebuilding. A bad file is reported with its path, line and reason
// and the rest of the catalogue still loads.
package catalog

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/pelletier/go-toml/v2"
)

//go:embed services/*.toml
var builtin embed.FS

// Service is one public service (thủ tục hành chính).
type Service struct {
	Code        string       `toml:"code"` // mã TTHC, e.g. 1.004222
	Form        string       `toml:"form"` // form number, e.g. CT01
	NameVI      string       `toml:"name_vi"`
	NameEN      string       `toml:"name_en"`
	ConsentVI   string       `toml:"consent_vi"`
	ConsentEN   string       `toml:"consent_en"`
	Note        string       `toml:"note"` // where a fact is unverified, the file says so here
	Parties     []Party      `toml:"parties"`
	Fields      []Field      `toml:"fields"`
	Attachments []Attachment `toml:"attachments"`

	// CodeStatus says how far Code was checked: "verified" (against the
	// national procedure database), "reference" (as given in the project's
	// reference facts), "unverified" (not checked here: confirm, or alias
	// it). Empty reads as unverified.
	CodeStatus string `toml:"code_status"`
	CodeSource string `toml:"code_source"` // where the code comes from, or why it is unverified
	// Owner is the agency answerable for the procedure (see owners).
	Owner    string `toml:"owner"`
	AgencyVI string `toml:"agency_vi"` // who receives and decides, in words
	AgencyEN string `toml:"agency_en"`
	// Essential marks one of the 25 essential services of Đề án 06, online
	// only at every desk since 1/10/2025 (Chỉ thị 24/CT-TTg).
	Essential bool `toml:"essential"`
	// Procedure is what a citizen looks for before filing: fees, time,
	// how the result comes back.
	Procedure Procedure `toml:"procedure"`
	// Produces makes this a combined (liên thông) visit: one visit, one
	// set of answers, one dossier per component procedure.
	Produces []Component `toml:"produces"`

	// Source is the file the service came from ("builtin:..." or a path).
	Source string `toml:"-"`
	// alias is the code the operator says the provincial system uses now
	// (aliases.toml); "" when the file's code is used.
	alias string
	raw   []byte // the file, to point at lines in cross-file errors
}

// Party is a person the dossier is about; card parties are filled by a card read.
type Party struct {
	Role     string `toml:"role"` // applicant, spouse_1, spouse_2, father, mother, deceased, member, guest, requester
	LabelVI  string `toml:"label_vi"`
	LabelEN  string `toml:"label_en"`
	Min      int    `toml:"min"`
	Max      int    `toml:"max"` // 0 means no limit (household members)
	FromCard bool   `toml:"from_card"`
	// Sex ("M" or "F", as cccd.SexCode) says that a card of that sex fills
	// this role (bride, groom): the order the cards come in does not matter.
	Sex string `toml:"sex"`

	// Passport says a chip passport may fill this role as well as an ID
	// card (a foreign party of a marriage); its fields with document =
	// "passport" then replace those with document = "id_card".
	Passport bool `toml:"passport"`
}

// Documents a field may be limited to (Field.Document).
const (
	DocumentIDCard   = "id_card"
	DocumentPassport = "passport"
)

// Accepts reports whether a document of the kind (DocumentIDCard, or ""
// for it, or DocumentPassport) may fill the party.
func (p Party) Accepts(document string) bool {
	return document != DocumentPassport || p.Passport
}

// Field is one form field.
type Field struct {
	ID       string   `toml:"id"`
	Party    string   `toml:"party"` // role the field belongs to; "" for dossier-level fields
	LabelVI  string   `toml:"label_vi"`
	LabelEN  string   `toml:"label_en"`
	Type     string   `toml:"type"`
	Required bool     `toml:"required"`
	Source   string   `toml:"source"`  // where the value comes from; "" means typed
	Pattern  string   `toml:"pattern"` // extra validation (regular expression)
	Options  []string `toml:"options"` // pick list for select fields
	MaxLen   int      `toml:"max_len"` // 0: no limit
	HintVI   string   `toml:"hint_vi"` // shown under the field
	HintEN   string   `toml:"hint_en"`

	// Document limits the field to a party filled from that kind of
	// document: "id_card" (and a party still to come), or "passport"
	// (only when the party's document is a passport). "" for any.
	Document string `toml:"document"`
}

// Attachment is a document the dossier needs.
type Attachment struct {
	ID       string `toml:"id"`
	LabelVI  string `toml:"label_vi"`
	LabelEN  string `toml:"label_en"`
	Required bool   `toml:"required"`
	// ReplacedBy names the data the state already holds in place of this
	// paper: "vneid" (papers integrated into VNeID), "population_db" (the
	// national population database or another connected database) or
	// "previous_result" (the result of an earlier procedure, e.g. the birth
	// certificate of the same visit). Such an attachment is never asked for
	// (Chỉ thị 24/CT-TTg); ReasonVI/ReasonEN say why, for display.
	ReplacedBy string `toml:"replaced_by"`
	ReasonVI   string `toml:"reason_vi"`
	ReasonEN   string `toml:"reason_en"`
}

// Replaced reports whether the attachment must not be asked for.
func (a Attachment) Replaced() bool { return a.ReplacedBy != "" }

// Field types.
var fieldTypes = map[string]bool{
	"text": true, "textarea": true, "date": true, "select": true, "phone": true, "email": true,
	"number": true, "id12": true, "cmnd": true, "address": true, "sex": true,
}

// Sources a field may draw from: a card field, a card address mapped to
// today's units, or a value derived from other data.
var sources = map[string]bool{
	"card:id_number": true, "card:full_name": true, "card:date_of_birth": true, "card:sex": true,
	"card:nationality": true, "card:ethnicity": true, "card:religion": true,
	"card:place_of_origin": true, "card:place_of_residence": true, "card:identifying_marks": true,
	"card:date_of_issue": true, "card:date_of_expiry": true, "card:father_name": true,
	"card:mother_name": true, "card:spouse_name": true, "card:old_id_number": true,
	"card:residence_today": true, "card:residence_province_today": true,
	"card:family_name": true, "card:given_names": true,
	"derived:today": true, "derived:age": true,

	"card:document_number": true, // a passport's number (passport parties, issue 20)
}

var codePattern = regexp.MustCompile(`^[0-9]\.[0-9]{6}$`)

// LoadError is a service file that could not be used.
type LoadError struct {
	Path   string
	Line   int // 0 when the problem is not tied to a line
	Reason string
}

func (e LoadError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.Path, e.Line, e.Reason)
	}
	return fmt.Sprintf("%s: %s", e.Path, e.Reason)
}

// Catalog is the loaded set of services.
type Catalog struct {
	services map[string]*Service
	aliases  map[string]*Service // operator's code → service
	// Errors lists the files that were skipped.
	Errors []LoadError
}

// Load reads the built-in services and then, when dir is not "", the
// operator's folder: a file there with the same code replaces the built-in,
// and aliases.toml there maps codes (see AliasFile). Combined services are
// checked against the others once all are read.
func Load(dir string) (*Catalog, error) {
	c := &Catalog{services: map[string]*Service{}, aliases: map[string]*Service{}}
	aliasPath := ""
	entries, err := fs.Glob(builtin, "services/*.toml")
	if err != nil {
		return nil, err
	}
	for _, name := range entries {
		b, _ := builtin.ReadFile(name)
		c.add("builtin:"+name, b)
	}
	if dir != "" {
		files, err := filepath.Glob(filepath.Join(dir, "*.toml"))
		if err != nil {
			return nil, err
		}
		if _, err := os.Stat(dir); err != nil {
			return nil, fmt.Errorf("service folder: %w", err)
		}
		for _, path := range files {
			if filepath.Base(path) == AliasFile {
				aliasPath = path
				continue
			}
			b, err := os.ReadFile(path)
			if err != nil {
				c.Errors = append(c.Errors, LoadError{Path: path, Reason: err.Error()})
				continue
			}
			c.add(path, b)
		}
	}
	for _, code := range sortedCodes(c.services) {
		s := c.services[code]
		if len(s.Produces) == 0 {
			continue
		}
		if le := c.checkProduces(s); le != nil {
			c.Errors = append(c.Errors, *le)
			delete(c.services, code)
		}
	}
	if aliasPath != "" {
		// Aliases apply last, to the services that survived the checks.
		b, err := os.ReadFile(aliasPath)
		if err != nil {
			c.Errors = append(c.Errors, LoadError{Path: aliasPath, Reason: err.Error()})
		} else {
			c.loadAliases(aliasPath, b)
		}
	}
	return c, nil
}

func sortedCodes(m map[string]*Service) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (c *Catalog) add(path string, b []byte) {
	s, err := Parse(path, b)
	if err != nil {
		var le LoadError
		if errors.As(err, &le) {
			c.Errors = append(c.Errors, le)
		} else {
			c.Errors = append(c.Errors, LoadError{Path: path, Reason: err.Error()})
		}
		return
	}
	c.services[s.Code] = s
}

// Parse decodes and checks one service file.
func Parse(path string, b []byte) (*Service, error) {
	var s Service
	dec := toml.NewDecoder(bytes.NewReader(b)).DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		var de *toml.DecodeError
		if errors.As(err, &de) {
			row, _ := de.Position()
			return nil, LoadError{Path: path, Line: row, Reason: de.Error()}
		}
		var sm *toml.StrictMissingError
		if errors.As(err, &sm) && len(sm.Errors) > 0 {
			row, _ := sm.Errors[0].Position()
			return nil, LoadError{Path: path, Line: row, Reason: "unknown key " + strings.Join(sm.Errors[0].Key(), ".")}
		}
		return nil, LoadError{Path: path, Reason: err.Error()}
	}
	s.Source, s.raw = path, b
	if err := s.check(b); err != nil {
		err.Path = path
		return nil, *err
	}
	return &s, nil
}

// lineOf finds the line where needle first appears, for semantic errors.
func lineOf(b []byte, needle string) int {
	i := bytes.Index(b, []byte(needle))
	if i < 0 {
		return 0
	}
	return bytes.Count(b[:i], []byte("\n")) + 1
}

func (s *Service) check(b []byte) *LoadError {
	bad := func(needle, format string, a ...any) *LoadError {
		return &LoadError{Line: lineOf(b, needle), Reason: fmt.Sprintf(format, a...)}
	}
	if !codePattern.MatchString(s.Code) {
		return bad("code", "code %q is not a national procedure code (like 1.004222)", s.Code)
	}
	if s.NameVI == "" || s.NameEN == "" {
		return bad("name", "name_vi and name_en are required")
	}
	if s.ConsentVI == "" {
		return bad("consent", "consent_vi is required")
	}
	roles := map[string]bool{}
	for _, p := range s.Parties {
		if p.Role == "" || roles[p.Role] {
			return bad(`role = "`+p.Role+`"`, "party role %q empty or repeated", p.Role)
		}
		if p.Max != 0 && p.Max < p.Min {
			return bad(`role = "`+p.Role+`"`, "party %q: max < min", p.Role)
		}
		roles[p.Role] = true
	}
	if len(roles) == 0 {
		return bad("[[parties]]", "a service needs at least one party")
	}
	ids := map[string]bool{}
	for _, f := range s.Fields {
		at := `id = "` + f.ID + `"`
		key := f.Party + "/" + f.ID
		if f.ID == "" || ids[key] {
			return bad(at, "field id %q empty or repeated", f.ID)
		}
		ids[key] = true
		if f.Party != "" && !roles[f.Party] {
			return bad(at, "field %q belongs to unknown party %q", f.ID, f.Party)
		}
		if !fieldTypes[f.Type] {
			return bad(at, "field %q: unknown type %q", f.ID, f.Type)
		}
		if f.Source != "" && !sources[f.Source] {
			return bad(at, "field %q: unknown source %q", f.ID, f.Source)
		}
		if strings.HasPrefix(f.Source, "card:") && f.Party == "" {
			return bad(at, "field %q takes a card value but belongs to no party", f.ID)
		}
		if f.Type == "select" && len(f.Options) == 0 {
			return bad(at, "select field %q has no options", f.ID)
		}
		if f.Pattern != "" {
			if _, err := regexp.Compile(f.Pattern); err != nil {
				return bad(at, "field %q: bad pattern: %v", f.ID, err)
			}
		}
		if f.LabelVI == "" {
			return bad(at, "field %q has no Vietnamese label", f.ID)
		}
		switch f.Document {
		case "", DocumentIDCard:
		case DocumentPassport:
			if p, _ := s.Party(f.Party); !p.Passport {
				return bad(at, "field %q is for passports but party %q does not take one (passport = true)", f.ID, f.Party)
			}
		default:
			return bad(at, "field %q: document %q is neither id_card nor passport", f.ID, f.Document)
		}
	}
	return s.checkProcedure(bad)
}

// Service returns the service with the code: the file's code or an
// operator's alias of it.
func (c *Catalog) Service(code string) (*Service, bool) {
	if s, ok := c.services[code]; ok {
		return s, true
	}
	s, ok := c.aliases[code]
	return s, ok
}

// Services lists the services by code.
func (c *Catalog) Services() []*Service {
	out := make([]*Service, 0, len(c.services))
	for _, s := range c.services {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out
}

// Party returns the party with the role.
func (s *Service) Party(role string) (Party, bool) {
	for _, p := range s.Parties {
		if p.Role == role {
			return p, true
		}
	}
	return Party{}, false
}
