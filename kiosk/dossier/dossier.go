// Package dossier is the versioned JSON document a visit produces: the
// service, each party's data with where it came from and how the card was
// verified, the typed data, the consent. The outbox stores it encrypted and
// the sync connectors send it. Its schema is dossier.schema.json (version 1) and
// dossier.v2.schema.json (version 2: with attachments).
package dossier

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"motcua/kiosk/prefill"
	"motcua/reader/cccd"
)

// SchemaV1 names this version of the document.
const SchemaV1 = "motcua.dossier/v1"

// Revision is the additive revision of v1 this code writes. Revision 2 adds
// applicant_role and, on address values, the official unit codes
// ("address"). Revision 3 adds "bundle" (the dossiers of one combined
// visit) and consent.parties (each person's own consent). A v1 reader that
// ignores unknown keys reads a later revision unchanged; a document
// without "revision" is revision 1 and has no codes.
const Revision = 3

// Dossier is one submission.
type Dossier struct {
	Schema   string `json:"schema"`
	Revision int    `json:"revision,omitempty"`
	// ApplicantRole is the role of the party who files (the service's
	// first party: the ChuHoSo of a provider payload). Revision 2.
	ApplicantRole string           `json:"applicant_role,omitempty"`
	ServiceCode   string           `json:"service_code"`
	ServiceName   string           `json:"service_name"`
	Form          string           `json:"form,omitempty"`
	CreatedAt     time.Time        `json:"created_at"`
	Device        string           `json:"device"`
	Parties       []Party          `json:"parties"`
	Fields        map[string]Value `json:"fields"`
	Consent       Consent          `json:"consent"`
	Unlocks       []Unlock         `json:"unlocks,omitempty"`
	// Attachments (schema version 2 only) lists the digitised attachments.
	Attachments []Attachment `json:"attachments,omitempty"`
	// Bundle ties the dossiers of one combined (liên thông) visit
	// together: each agency's dossier carries the same bundle (revision 3).
	Bundle *Bundle `json:"bundle,omitempty"`
}

// Bundle is the combined procedure a dossier was filed under, shared by
// every dossier of the visit (revision 3).
type Bundle struct {
	// ID is the visit's bundle identifier (a random UUID), the same in
	// every member's dossier.
	ID string `json:"id"`
	// ServiceCode and ServiceName are the combined procedure's.
	ServiceCode string `json:"service_code"`
	ServiceName string `json:"service_name"`
	// Members lists every dossier of the bundle, in the catalogue's order;
	// Index is this dossier's place in it.
	Members []BundleMember `json:"members"`
	Index   int            `json:"index"`
}

// BundleMember is one agency's procedure in a bundle.
type BundleMember struct {
	ServiceCode string `json:"service_code"`
	ServiceName string `json:"service_name"`
	Agency      string `json:"agency,omitempty"`
}

// Party is one person of the dossier.
type Party struct {
	Role         string             `json:"role"`
	Index        int                `json:"index"`
	Provenance   string             `json:"provenance"` // of the identity: chip_verified, chip_unverified, qr, typed
	Verification *cccd.Verification `json:"verification,omitempty"`
	Fields       map[string]Value   `json:"fields"`
}

// Value is one field's value and its provenance.
type Value struct {
	Value      string `json:"value"`
	Provenance string `json:"provenance"`
	Old        string `json:"old,omitempty"` // the card's wording before conversion
	// Address holds the official unit codes of an address value in
	// today's units (revision 2); nil for other values.
	Address *Address `json:"address,omitempty"`
}

// Address is an address value's official codes (Quyết định 19/2025/QĐ-TTg):
// what a provider payload's MaTinh, MaXa and DiaChiChiTiet come from.
type Address struct {
	ProvinceCode string `json:"province_code,omitempty"` // 2 digits
	// CommuneCode is "" while the commune is not known for sure (no
	// commune table, or an old commune split and nobody picked): such a
	// dossier is not sent to a provider that needs MaXa.
	CommuneCode string `json:"commune_code,omitempty"` // 5 digits
	Detail      string `json:"detail,omitempty"`       // house number, street, hamlet
}

// Consent records the citizen's agreement.
type Consent struct {
	Text       string    `json:"text"`
	AcceptedAt time.Time `json:"accepted_at"`
	// Parties lists each person who agreed, when the service's parties
	// consent one by one (revision 3); empty when the one visitor agreed.
	Parties []PartyConsent `json:"parties,omitempty"`
}

// PartyConsent is one person's own agreement on the review.
type PartyConsent struct {
	Role       string    `json:"role"`
	Index      int       `json:"index"`
	AcceptedAt time.Time `json:"accepted_at"`
	// OnBehalfOf names parties who cannot agree themselves and for whom
	// this person agreed ("deceased#0": a death registration's relative).
	OnBehalfOf []string `json:"on_behalf_of,omitempty"`
}

// Unlock records an officer's edit of a card value.
type Unlock struct {
	Party  string    `json:"party"`
	Field  string    `json:"field"`
	Index  int       `json:"index"`
	By     string    `json:"by"`
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
}

// ErrInvalid reports a form that cannot become a dossier yet.
var ErrInvalid = errors.New("the form is not complete")

// FromForm builds the dossier of a complete, valid form. consent must have
// been accepted (its time set).
func FromForm(f *prefill.Form, consent Consent, device string, now time.Time) (*Dossier, error) {
	if probs := f.Validate(); len(probs) > 0 {
		return nil, fmt.Errorf("%w: %d problems, first: %s", ErrInvalid, len(probs), probs[0].EN)
	}
	if consent.AcceptedAt.IsZero() || consent.Text == "" {
		return nil, fmt.Errorf("%w: consent not given", ErrInvalid)
	}
	d := &Dossier{
		Schema: SchemaV1, Revision: Revision, ServiceCode: f.Service.Code, ServiceName: f.Service.NameVI, Form: f.Service.Form,
		CreatedAt: now.UTC(), Device: device, Fields: map[string]Value{}, Consent: consent,
	}
	if len(f.Service.Parties) > 0 {
		d.ApplicantRole = f.Service.Parties[0].Role
	}
	parties := map[string]*Party{}
	for _, v := range f.Values {
		val := Value{Value: v.Text, Provenance: string(v.Provenance), Old: v.Old}
		if c := v.Codes; c != nil && (c.ProvinceCode != "" || c.CommuneCode != "") {
			val.Address = &Address{ProvinceCode: c.ProvinceCode, CommuneCode: c.CommuneCode, Detail: c.Detail}
		}
		if v.Unlock != nil {
			d.Unlocks = append(d.Unlocks, Unlock{Party: v.Party, Field: v.Field.ID, Index: v.Index, By: v.Unlock.By, Reason: v.Unlock.Reason, At: v.Unlock.At})
		}
		if v.Party == "" {
			if v.Text != "" {
				d.Fields[v.Field.ID] = val
			}
			continue
		}
		key := fmt.Sprintf("%s#%d", v.Party, v.Index)
		p := parties[key]
		if p == nil {
			p = &Party{Role: v.Party, Index: v.Index, Provenance: string(prefill.Typed), Fields: map[string]Value{}}
			if people := f.Persons[v.Party]; v.Index < len(people) {
				p.Provenance, p.Verification = string(people[v.Index].Provenance), people[v.Index].Verification
			}
			parties[key] = p
		}
		if v.Text != "" {
			p.Fields[v.Field.ID] = val
		}
	}
	keys := make([]string, 0, len(parties))
	for k := range parties {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		d.Parties = append(d.Parties, *parties[k])
	}
	return d, nil
}

// JSON encodes the dossier.
func (d *Dossier) JSON() ([]byte, error) { return json.Marshal(d) }

// Parse decodes a dossier and checks its version.
func Parse(b []byte) (*Dossier, error) {
	var d Dossier
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, fmt.Errorf("dossier: %w", err)
	}
	switch d.Schema {
	case SchemaV1:
		if len(d.Attachments) > 0 {
			return nil, fmt.Errorf("dossier: schema %s has no attachments (they need %s)", SchemaV1, SchemaV2)
		}
	case SchemaV2:
		if err := (&Dossier{}).SetAttachments(d.Attachments); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("dossier: schema %q not supported (want %s or %s)", d.Schema, SchemaV1, SchemaV2)
	}
	if d.ServiceCode == "" || len(d.Parties) == 0 {
		return nil, errors.New("dossier: no service or no party")
	}
	return &d, nil
}
