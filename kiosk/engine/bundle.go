package engine

import (
	"crypto/rand"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"motcua/kiosk/catalog"
	"motcua/kiosk/dossier"
	"motcua/kiosk/prefill"
	"motcua/sync/outbox"
)

// BundlePart is one agency's dossier of a combined (liên thông) service,
// as the form and review show it: who receives it and which of the
// visit's values go into it.
type BundlePart struct {
	Code           string // the procedure code the dossier is filed under
	NameVI, NameEN string
	AgencyVI       string
	// Sources are the visit's values this dossier receives, as
	// catalog.ValueKey ("party/field", "field"), in form order.
	Sources []string
}

// ReceiptPart is one dossier stored for the receipt (no personal data).
type ReceiptPart struct {
	UUID     string // the outbox's client reference
	Code     string
	NameVI   string
	NameEN   string
	AgencyVI string
}

// SaveFailure says, as a code a screen puts into plain words, why the
// dossier could not be stored. The dossier stays on review: nothing of it
// is lost and Submit again retries.
type SaveFailure string

// Save failures.
const (
	SaveOK       SaveFailure = ""
	SaveDiskFull SaveFailure = "disk_full" // the disk (or the outbox's budget) is full
	SaveReadOnly SaveFailure = "read_only" // the store cannot be written
	SaveClosed   SaveFailure = "closed"    // the store is closed (shutting down, restarting)
	SaveLocked   SaveFailure = "locked"    // another process holds the store
	SaveOther    SaveFailure = "other"
)

// saveFailure classifies an outbox error.
func saveFailure(err error) SaveFailure {
	switch {
	case err == nil:
		return SaveOK
	case errors.Is(err, outbox.ErrDiskFull):
		return SaveDiskFull
	case errors.Is(err, outbox.ErrReadOnly):
		return SaveReadOnly
	case errors.Is(err, outbox.ErrClosed):
		return SaveClosed
	case errors.Is(err, outbox.ErrLocked):
		return SaveLocked
	}
	return SaveOther
}

// pendingSubmit is the reviewed visit's dossiers, built at consent and
// kept until every one is durable: a failed save keeps them (nothing is
// lost), and a retry stores only those still missing, so no agency gets
// a dossier twice. Personal data: wiped with the visit.
type pendingSubmit struct {
	bundle string // the bundle ID ("" for a single dossier)
	parts  []*submitPart
}

type submitPart struct {
	ReceiptPart
	payload []byte
}

// stored counts the parts already durable.
func (p *pendingSubmit) stored() int {
	n := 0
	for _, s := range p.parts {
		if s.UUID != "" {
			n++
		}
	}
	return n
}

func (p *pendingSubmit) wipe() {
	for _, s := range p.parts {
		clear(s.payload)
		s.payload = nil
	}
}

// newBundleID is a random (version 4) UUID naming a combined visit.
func newBundleID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := fmt.Sprintf("%x", b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// buildSubmit turns a reviewed form into the dossiers it files, with the
// consent given now: the service's own dossier, or for a combined service
// one dossier per agency, each with the values its procedure needs (the
// catalogue's Expand decides which), all carrying the same bundle.
func buildSubmit(cat *catalog.Catalog, f *prefill.Form, consent dossier.Consent, device string, now time.Time) (*pendingSubmit, error) {
	base, err := dossier.FromForm(f, consent, device, now) // validates the whole visit
	if err != nil {
		return nil, err
	}
	svc := f.Service
	if len(svc.Produces) == 0 {
		b, err := base.JSON()
		if err != nil {
			return nil, err
		}
		return &pendingSubmit{parts: []*submitPart{{ReceiptPart: ReceiptPart{Code: svc.Code, NameVI: svc.NameVI, NameEN: svc.NameEN,
			AgencyVI: svc.AgencyVI}, payload: b}}}, nil
	}
	routes, src, err := routesOf(cat, f, true)
	if err != nil {
		return nil, err
	}
	p := &pendingSubmit{bundle: newBundleID()}
	members := make([]dossier.BundleMember, len(routes))
	for i, r := range routes {
		members[i] = dossier.BundleMember{ServiceCode: r.Code, ServiceName: r.NameVI, Agency: r.AgencyVI}
	}
	for i, r := range routes {
		d := &dossier.Dossier{Schema: dossier.SchemaV1, Revision: dossier.Revision, ServiceCode: r.Code, ServiceName: r.NameVI,
			CreatedAt: now.UTC(), Device: device, Fields: map[string]dossier.Value{}, Consent: consent,
			Bundle: &dossier.Bundle{ID: p.bundle, ServiceCode: svc.Code, ServiceName: svc.NameVI, Members: members, Index: i}}
		if r.Service != nil {
			d.Form = r.Service.Form
			if len(r.Service.Parties) > 0 {
				d.ApplicantRole = r.Service.Parties[0].Role
			}
		}
		if err := fillComponent(d, r, src, f, base); err != nil {
			p.wipe()
			return nil, err
		}
		b, err := d.JSON()
		if err != nil {
			p.wipe()
			return nil, err
		}
		name := r.NameVI
		nameEN := ""
		for _, c := range svc.Produces {
			if c.Code == r.Code || (r.Service != nil && c.Code == r.Service.Code) {
				nameEN = c.NameEN
			}
		}
		p.parts = append(p.parts, &submitPart{ReceiptPart: ReceiptPart{Code: r.Code, NameVI: name, NameEN: nameEN, AgencyVI: r.AgencyVI}, payload: b})
	}
	return p, nil
}

// routesOf expands the form's values through the catalogue with each
// value replaced by its own key: what comes back maps every target field
// of every component to the visit's value it copies (Expand is the one
// place that decides the routing). filled limits it to values with text.
func routesOf(cat *catalog.Catalog, f *prefill.Form, filled bool) ([]catalog.Dossier, map[string]*prefill.Value, error) {
	src := map[string]*prefill.Value{}
	keys := map[string]string{}
	for _, v := range f.Values {
		if filled && v.Text == "" {
			continue
		}
		k := catalog.ValueKey(v.Party, v.Field.ID, v.Index)
		src[k], keys[k] = v, k
	}
	routes, err := cat.Expand(f.Service.Code, keys)
	return routes, src, err
}

// fillComponent puts the values routed to one component into its dossier:
// each value keeps its provenance; a party all of whose card values come
// from one person of the visit keeps that person's provenance and
// verification (typed values, a date of death, a phone, do not count).
func fillComponent(d *dossier.Dossier, r catalog.Dossier, src map[string]*prefill.Value, f *prefill.Form, base *dossier.Dossier) error {
	targets := make([]string, 0, len(r.Values))
	for t := range r.Values {
		targets = append(targets, t)
	}
	sort.Strings(targets)
	type origin struct {
		role  string
		index int
	}
	parties := map[string]*dossier.Party{}
	from := map[string]map[origin]bool{}
	for _, t := range targets {
		v := src[r.Values[t]]
		if v == nil {
			return fmt.Errorf("combined service %s: %s routes from %q, which the visit lacks", f.Service.Code, r.Code, r.Values[t])
		}
		val := dossier.Value{Value: v.Text, Provenance: string(v.Provenance), Old: v.Old}
		if c := v.Codes; c != nil && (c.ProvinceCode != "" || c.CommuneCode != "") {
			val.Address = &dossier.Address{ProvinceCode: c.ProvinceCode, CommuneCode: c.CommuneCode, Detail: c.Detail}
		}
		party, field, index := splitValueKey(t)
		if v.Unlock != nil {
			d.Unlocks = append(d.Unlocks, dossier.Unlock{Party: party, Field: field, Index: index, By: v.Unlock.By, Reason: v.Unlock.Reason, At: v.Unlock.At})
		}
		if party == "" {
			d.Fields[field] = val
			continue
		}
		key := party + "#" + strconv.Itoa(index)
		p := parties[key]
		if p == nil {
			p = &dossier.Party{Role: party, Index: index, Provenance: string(prefill.Typed), Fields: map[string]dossier.Value{}}
			parties[key] = p
			from[key] = map[origin]bool{}
		}
		p.Fields[field] = val
		if v.Party != "" && v.Locked {
			// Only card values say whose identity this is: a typed phone
			// number routed to the child says nothing of the child.
			from[key][origin{v.Party, v.Index}] = true
		}
	}
	keys := make([]string, 0, len(parties))
	for k := range parties {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		p := parties[k]
		if len(from[k]) == 1 {
			for o := range from[k] {
				if people := f.Persons[o.role]; o.role != "" && o.index < len(people) {
					p.Provenance, p.Verification = string(people[o.index].Provenance), people[o.index].Verification
				}
			}
		}
		d.Parties = append(d.Parties, *p)
	}
	if len(d.Parties) == 0 {
		return fmt.Errorf("combined service %s: the dossier for %s names no person", f.Service.Code, r.Code)
	}
	return nil
}

// splitValueKey undoes catalog.ValueKey.
func splitValueKey(k string) (party, field string, index int) {
	i := strings.IndexByte(k, '/')
	if i < 0 {
		return "", k, 0
	}
	party, field = k[:i], k[i+1:]
	if j := strings.IndexByte(party, '#'); j >= 0 {
		index, _ = strconv.Atoi(party[j+1:])
		party = party[:j]
	}
	return party, field, index
}

// bundleLocked is what each agency of a combined service receives, for
// the form and review; nil for other services. Called with e.mu held.
func (e *Engine) bundleLocked(f *prefill.Form) []BundlePart {
	if f == nil || len(f.Service.Produces) == 0 {
		return nil
	}
	routes, _, err := routesOf(e.cfg.Catalog, f, false)
	if err != nil {
		return nil
	}
	order := map[string]int{}
	for i, v := range f.Values {
		order[catalog.ValueKey(v.Party, v.Field.ID, v.Index)] = i
	}
	var out []BundlePart
	for _, r := range routes {
		bp := BundlePart{Code: r.Code, NameVI: r.NameVI, AgencyVI: r.AgencyVI}
		for _, c := range f.Service.Produces {
			if c.Code == r.Code || (r.Service != nil && c.Code == r.Service.Code) {
				bp.NameEN = c.NameEN
			}
		}
		seen := map[string]bool{}
		for _, s := range r.Values {
			if !seen[s] {
				seen[s] = true
				bp.Sources = append(bp.Sources, s)
			}
		}
		sort.Slice(bp.Sources, func(i, j int) bool { return order[bp.Sources[i]] < order[bp.Sources[j]] })
		out = append(out, bp)
	}
	return out
}
