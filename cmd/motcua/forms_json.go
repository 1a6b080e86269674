package main

import (
	"encoding/json"
	"io"

	"motcua/kiosk/catalog"
)

// The JSON of 'motcua forms list --json': every service with what a desk,
// a kiosk tile or an integrator needs to know before filing.
type (
	serviceJSON struct {
		Code       string `json:"code"`
		SubmitCode string `json:"submit_code"` // the operator's alias, else code
		CodeStatus string `json:"code_status"` // verified, reference, unverified
		CodeSource string `json:"code_source,omitempty"`
		Form       string `json:"form,omitempty"`
		NameVI     string `json:"name_vi"`
		NameEN     string `json:"name_en"`
		Owner      string `json:"owner,omitempty"`
		AgencyVI   string `json:"agency_vi,omitempty"`
		Essential  bool   `json:"essential"`

		Parties     []partyJSON      `json:"parties"`
		Fields      int              `json:"fields"`
		CardFields  int              `json:"card_fields"` // fields the card fills
		Attachments []attachmentJSON `json:"attachments"`
		Fees        []feeJSON        `json:"fees"`
		Free        bool             `json:"free"`

		ProcessingVI   string   `json:"processing_vi,omitempty"`
		ProcessingDays int      `json:"processing_days"`
		Delivery       []string `json:"delivery"`
		Produces       []string `json:"produces,omitempty"` // component codes of a combined visit

		Note   string `json:"note,omitempty"`
		Source string `json:"source"`
	}
	partyJSON struct {
		Role     string `json:"role"`
		LabelVI  string `json:"label_vi"`
		Min      int    `json:"min"`
		Max      int    `json:"max"` // 0: no limit
		FromCard bool   `json:"from_card"`
	}
	attachmentJSON struct {
		ID         string `json:"id"`
		LabelVI    string `json:"label_vi"`
		Required   bool   `json:"required"`
		ReplacedBy string `json:"replaced_by"` // "" when the citizen provides it
		ReasonVI   string `json:"reason_vi,omitempty"`
	}
	feeJSON struct {
		LabelVI   string `json:"label_vi"`
		AmountVND int64  `json:"amount_vnd"`
		Varies    bool   `json:"varies,omitempty"`
		NoteVI    string `json:"note_vi,omitempty"`
	}
)

// formsList describes every service of the catalogue, by code.
func formsList(c *catalog.Catalog) []serviceJSON {
	out := []serviceJSON{}
	for _, s := range c.Services() {
		status := s.CodeStatus
		if status == "" {
			status = catalog.CodeUnverified
		}
		it := serviceJSON{Code: s.Code, SubmitCode: s.SubmitCode(), CodeStatus: status, CodeSource: s.CodeSource, Form: s.Form,
			NameVI: s.NameVI, NameEN: s.NameEN, Owner: s.Owner, AgencyVI: s.AgencyVI, Essential: s.Essential,
			Fields: len(s.Fields), Parties: []partyJSON{}, Attachments: []attachmentJSON{}, Fees: []feeJSON{},
			Free: s.Procedure.Free(), ProcessingVI: s.Procedure.ProcessingVI, ProcessingDays: s.Procedure.ProcessingDays,
			Delivery: append([]string{}, s.Procedure.Delivery...), Note: s.Note, Source: s.Source}
		for _, p := range s.Parties {
			it.Parties = append(it.Parties, partyJSON{Role: p.Role, LabelVI: p.LabelVI, Min: p.Min, Max: p.Max, FromCard: p.FromCard})
		}
		for _, f := range s.Fields {
			if len(f.Source) > 5 && f.Source[:5] == "card:" {
				it.CardFields++
			}
		}
		for _, a := range s.Attachments {
			it.Attachments = append(it.Attachments, attachmentJSON{ID: a.ID, LabelVI: a.LabelVI, Required: a.Required, ReplacedBy: a.ReplacedBy, ReasonVI: a.ReasonVI})
		}
		for _, f := range s.Procedure.Fees {
			it.Fees = append(it.Fees, feeJSON{LabelVI: f.LabelVI, AmountVND: f.AmountVND, Varies: f.Varies, NoteVI: f.NoteVI})
		}
		for _, p := range s.Produces {
			it.Produces = append(it.Produces, p.Code)
		}
		out = append(out, it)
	}
	return out
}

// writeFormsListJSON writes formsList as indented JSON.
func writeFormsListJSON(w io.Writer, c *catalog.Catalog) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(formsList(c))
}
