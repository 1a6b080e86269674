package catalog

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Component is one dossier a combined (liên thông) visit produces: the
// procedure of one agency, with the visit's values it receives.
type Component struct {
	Code string `toml:"code"` // the component procedure's mã TTHC
	// CodeStatus is as for a service ("" reads as unverified); when the
	// catalogue has the component's own file, that file's status counts.
	CodeStatus string `toml:"code_status"`
	NameVI     string `toml:"name_vi"`
	NameEN     string `toml:"name_en"`
	Owner      string `toml:"owner"`
	AgencyVI   string `toml:"agency_vi"`
	// CopySameIDs copies every visit value whose party and field id the
	// component service also has (the component must be in the catalogue).
	CopySameIDs bool `toml:"copy_same_ids"`
	// Map copies visit values to the component's fields under other names:
	// keys "party/field" (or "field" for dossier-level fields).
	Map []FieldMap `toml:"map"`
	// Attachments are the visit's attachment ids that go into this dossier.
	Attachments []string `toml:"attachments"`
}

// FieldMap copies one visit value into a component field.
type FieldMap struct {
	From string `toml:"from"`
	To   string `toml:"to"`
}

// Dossier is one agency's dossier expanded from a visit.
type Dossier struct {
	Code string // mã TTHC to submit (the operator's alias when set)
	// CodeStatus says how far Code was checked (verified, reference,
	// unverified, or operator when it is the operator's alias): a caller
	// may refuse to submit unverified codes.
	CodeStatus string
	NameVI     string
	Owner      string
	AgencyVI   string
	// Service is the component's own service file, nil when the catalogue
	// has none (the agency receives the mapped values only).
	Service     *Service
	Values      map[string]string // ValueKey → value
	Attachments []Attachment
}

// ErrUnknownService is returned for codes the catalogue lacks.
var ErrUnknownService = errors.New("no such service in the catalogue")

// submitStatus is the status of SubmitCode: the operator's alias is
// vouched for by the operator.
func (s *Service) submitStatus() string {
	if s.alias != "" {
		return CodeOperator
	}
	return codeStatus(s.CodeStatus)
}

func codeStatus(s string) string {
	if s == "" {
		return CodeUnverified
	}
	return s
}

// ValueKey names a value of a form: "field" for dossier-level fields,
// "party/field" for the first person of a role, "party#2/field" for the
// third (index 2).
func ValueKey(party, field string, index int) string {
	switch {
	case party == "":
		return field
	case index == 0:
		return party + "/" + field
	}
	return party + "#" + strconv.Itoa(index) + "/" + field
}

// splitKey undoes ValueKey.
func splitKey(k string) (party, field string, index int, err error) {
	i := strings.IndexByte(k, '/')
	if i < 0 {
		return "", k, 0, nil
	}
	party, field = k[:i], k[i+1:]
	if j := strings.IndexByte(party, '#'); j >= 0 {
		index, err = strconv.Atoi(party[j+1:])
		if err != nil || index < 0 {
			return "", "", 0, fmt.Errorf("value key %q: bad index", k)
		}
		party = party[:j]
	}
	return party, field, index, nil
}

// hasField reports whether the service has the field "party/field".
func (s *Service) hasField(key string) bool {
	party, field, _, err := splitKey(key)
	if err != nil {
		return false
	}
	for _, f := range s.Fields {
		if f.Party == party && f.ID == field {
			return true
		}
	}
	return false
}

// Expand turns one visit into the dossiers it files: for a combined
// procedure one per component, each with the values and attachments its
// agency needs; for any other service the one dossier of the service itself.
// values are keyed by ValueKey; keys the service does not have are refused,
// so a typo cannot silently drop an answer.
func (c *Catalog) Expand(code string, values map[string]string) ([]Dossier, error) {
	s, ok := c.Service(code)
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrUnknownService, code)
	}
	for k := range values {
		party, field, index, err := splitKey(k)
		if err != nil {
			return nil, err
		}
		if !s.hasField(ValueKey(party, field, 0)) {
			return nil, fmt.Errorf("service %s has no field %q", s.Code, k)
		}
		if p, ok := s.Party(party); party != "" && ok && p.Max > 0 && index >= p.Max {
			return nil, fmt.Errorf("service %s: %q: %s takes at most %d", s.Code, k, party, p.Max)
		}
	}
	if len(s.Produces) == 0 {
		d := Dossier{Code: s.SubmitCode(), CodeStatus: s.submitStatus(), NameVI: s.NameVI, Owner: s.Owner, AgencyVI: s.AgencyVI, Service: s,
			Values: map[string]string{}, Attachments: s.AttachmentsToAsk()}
		for k, v := range values {
			d.Values[k] = v
		}
		return []Dossier{d}, nil
	}
	out := make([]Dossier, 0, len(s.Produces))
	for _, comp := range s.Produces {
		d := Dossier{Code: comp.Code, CodeStatus: codeStatus(comp.CodeStatus), NameVI: comp.NameVI, Owner: comp.Owner, AgencyVI: comp.AgencyVI,
			Values: map[string]string{}}
		if cs, ok := c.Service(comp.Code); ok {
			d.Service, d.Code, d.CodeStatus = cs, cs.SubmitCode(), cs.submitStatus()
		}
		keys := make([]string, 0, len(values))
		for k := range values {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			party, field, index, _ := splitKey(k)
			base := ValueKey(party, field, 0)
			if comp.CopySameIDs && d.Service != nil && d.Service.hasField(base) {
				d.Values[k] = values[k]
			}
			for _, m := range comp.Map {
				if m.From != base {
					continue
				}
				tp, tf, _, _ := splitKey(m.To)
				d.Values[ValueKey(tp, tf, index)] = values[k]
			}
		}
		for _, id := range comp.Attachments {
			for _, a := range s.Attachments {
				if a.ID == id && !a.Replaced() {
					d.Attachments = append(d.Attachments, a)
				}
			}
		}
		out = append(out, d)
	}
	return out, nil
}

// checkProduces checks a combined service against the catalogue once every
// file is loaded: sources are the visit's fields, targets the component's
// (when the catalogue has it), attachments the visit's.
func (c *Catalog) checkProduces(s *Service) *LoadError {
	bad := func(needle, format string, a ...any) *LoadError {
		return &LoadError{Path: s.Source, Line: lineOf(s.raw, needle), Reason: fmt.Sprintf(format, a...)}
	}
	seen := map[string]bool{}
	for _, comp := range s.Produces {
		at := `code = "` + comp.Code + `"`
		if !codePattern.MatchString(comp.Code) || seen[comp.Code] {
			return bad(at, "component code %q is not a procedure code or is repeated", comp.Code)
		}
		seen[comp.Code] = true
		if comp.Code == s.Code {
			return bad(at, "a combined procedure cannot produce itself")
		}
		if comp.NameVI == "" {
			return bad(at, "component %s has no name_vi", comp.Code)
		}
		switch comp.CodeStatus {
		case "", CodeVerified, CodeReference, CodeUnverified:
		default:
			return bad(at, "component %s: code_status %q: use verified, reference or unverified", comp.Code, comp.CodeStatus)
		}
		if comp.Owner != "" {
			if _, ok := Owners[comp.Owner]; !ok {
				return bad(at, "component %s: owner %q unknown", comp.Code, comp.Owner)
			}
		}
		target, inCatalogue := c.services[comp.Code]
		if inCatalogue && len(target.Produces) > 0 {
			return bad(at, "component %s is itself combined", comp.Code)
		}
		if comp.CopySameIDs && !inCatalogue {
			return bad(at, "component %s: copy_same_ids needs the component's service file", comp.Code)
		}
		for _, m := range comp.Map {
			if !s.hasField(m.From) {
				return bad(`"`+m.From+`"`, "component %s: map from %q: the visit has no such field", comp.Code, m.From)
			}
			if _, _, _, err := splitKey(m.To); err != nil || m.To == "" {
				return bad(`"`+m.To+`"`, "component %s: map to %q is not a field key", comp.Code, m.To)
			}
			if inCatalogue && !target.hasField(m.To) {
				return bad(`"`+m.To+`"`, "component %s: map to %q: its service has no such field", comp.Code, m.To)
			}
		}
		for _, id := range comp.Attachments {
			found := false
			for _, a := range s.Attachments {
				found = found || a.ID == id
			}
			if !found {
				return bad(`"`+id+`"`, "component %s: attachment %q is not one of the visit's", comp.Code, id)
			}
		}
	}
	return nil
}
