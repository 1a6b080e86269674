package connector

import (
	"encoding/json"
	"regexp"
	"sort"
)

// Hold codes of the applicant block.
const (
	// HoldCommuneUnconfirmed: the applicant's commune (MaXa) is not known
	// for sure: no commune table, or an old commune split and nobody picked.
	HoldCommuneUnconfirmed = "commune_unconfirmed"
	// HoldAddressMissing: the dossier gives no address with official codes
	// for the applicant.
	HoldAddressMissing = "address_codes_missing"
	// HoldAddressInvalid: the codes are not 2 (MaTinh) and 5 (MaXa) digits.
	HoldAddressInvalid = "address_codes_invalid"
)

// dossierSchema is the agent's dossier document (kiosk/dossier); the
// adapter reads only what the applicant block needs, so the hub, which
// forwards with this adapter, does not depend on the kiosk packages.
const dossierSchema = "motcua.dossier/v1"

var (
	provinceCode = regexp.MustCompile(`^[0-9]{2}$`)
	communeCode  = regexp.MustCompile(`^[0-9]{5}$`)
)

type dossierDoc struct {
	Schema        string `json:"schema"`
	Revision      int    `json:"revision"`
	ApplicantRole string `json:"applicant_role"`
	Parties       []struct {
		Role   string `json:"role"`
		Index  int    `json:"index"`
		Fields map[string]struct {
			Address *struct {
				ProvinceCode string `json:"province_code"`
				CommuneCode  string `json:"commune_code"`
				Detail       string `json:"detail"`
			} `json:"address"`
		} `json:"fields"`
	} `json:"parties"`
}

// fillApplicant puts the applicant's MaTinh, MaXa and DiaChiChiTiet into
// the applicant block of the create body (REFERENCE.md section 9), from the
// address codes of a dossier document (revision 2 and later). A dossier
// whose applicant commune is not known for sure is held, never sent with
// an empty MaXa. A revision-1 dossier (queued before codes existed) and a
// body that is not a dossier document go as they are, except that a block
// whose MaTinh or MaXa is present but empty or malformed is held too.
func fillApplicant(body map[string]json.RawMessage, block string) error {
	var doc dossierDoc
	if raw, ok := body["schema"]; ok {
		var schema string
		if json.Unmarshal(raw, &schema) == nil && schema == dossierSchema {
			b, _ := json.Marshal(body)
			if err := json.Unmarshal(b, &doc); err != nil {
				return &RejectedError{Reason: "dossier document does not decode"}
			}
		}
	}
	blk := map[string]json.RawMessage{}
	if raw, ok := body[block]; ok {
		if err := json.Unmarshal(raw, &blk); err != nil || blk == nil {
			return &RejectedError{Reason: "the applicant block " + block + " is not an object"}
		}
	}
	if doc.Schema == dossierSchema && doc.Revision >= 2 {
		prov, comm, detail, err := applicantCodes(doc)
		if err != nil {
			return err
		}
		for k, v := range map[string]string{"MaTinh": prov, "MaXa": comm, "DiaChiChiTiet": detail} {
			if v == "" && k == "DiaChiChiTiet" {
				continue
			}
			raw, _ := json.Marshal(v)
			blk[k] = raw
		}
		raw, _ := json.Marshal(blk)
		body[block] = raw
		return nil
	}
	// Not (or not yet) a dossier with codes: never let an empty or
	// malformed code through.
	for k, re := range map[string]*regexp.Regexp{"MaTinh": provinceCode, "MaXa": communeCode} {
		raw, ok := blk[k]
		if !ok {
			continue
		}
		var v string
		if json.Unmarshal(raw, &v) != nil || !re.MatchString(v) {
			if k == "MaXa" && (v == "" || string(raw) == "null") {
				return &HoldError{Code: HoldCommuneUnconfirmed, Reason: "MaXa is empty"}
			}
			return &HoldError{Code: HoldAddressInvalid, Reason: k + " is not an official code"}
		}
	}
	return nil
}

// applicantCodes finds the applicant's address codes: the first address
// value (in field order by ID) of the applicant party that has codes.
func applicantCodes(doc dossierDoc) (prov, comm, detail string, err error) {
	idx := -1
	for i, p := range doc.Parties {
		if p.Index == 0 && (p.Role == doc.ApplicantRole || doc.ApplicantRole == "") {
			idx = i
			break
		}
	}
	if idx < 0 {
		return "", "", "", &HoldError{Code: HoldAddressMissing, Reason: "no applicant party in the dossier"}
	}
	p := doc.Parties[idx]
	ids := make([]string, 0, len(p.Fields))
	for id, f := range p.Fields {
		if f.Address != nil {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	for _, id := range ids {
		a := p.Fields[id].Address
		if a.ProvinceCode == "" {
			continue
		}
		if !provinceCode.MatchString(a.ProvinceCode) {
			return "", "", "", &HoldError{Code: HoldAddressInvalid, Reason: "MaTinh is not 2 digits"}
		}
		if a.CommuneCode == "" {
			return "", "", "", &HoldError{Code: HoldCommuneUnconfirmed,
				Reason: "the applicant's commune is not confirmed (split commune not picked, or no commune table)"}
		}
		if !communeCode.MatchString(a.CommuneCode) {
			return "", "", "", &HoldError{Code: HoldAddressInvalid, Reason: "MaXa is not 5 digits"}
		}
		return a.ProvinceCode, a.CommuneCode, a.Detail, nil
	}
	return "", "", "", &HoldError{Code: HoldAddressMissing, Reason: "the applicant has no address with official codes"}
}
