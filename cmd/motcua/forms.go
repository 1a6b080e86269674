package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	"motcua/kiosk/address"
	"motcua/kiosk/catalog"
	"motcua/kiosk/prefill"
	"motcua/reader/cccd"
)

func init() {
	register("forms", "list the service catalogue; prefill a service's form from a read identity", runForms)
}

func runForms(args []string) int {
	if len(args) == 0 {
		return fail("forms: use 'forms list' or 'forms prefill'")
	}
	switch args[0] {
	case "list":
		return runFormsList(args[1:])
	case "prefill":
		return runFormsPrefill(args[1:])
	}
	return fail("forms: unknown subcommand %q", args[0])
}

func loadCatalog(dir string) (*catalog.Catalog, int) {
	c, err := catalog.Load(dir)
	if err != nil {
		return nil, fail("%v", err)
	}
	for _, e := range c.Errors {
		fmt.Fprintf(os.Stderr, "motcua: service file skipped: %v\n", e)
	}
	return c, 0
}

func runFormsList(args []string) int {
	fs := flag.NewFlagSet("forms list", flag.ContinueOnError)
	dir := fs.String("services", "", "operator folder of service files (override or add to the built-in ones)")
	asJSON := fs.Bool("json", false, "JSON output")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	c, code := loadCatalog(*dir)
	if c == nil {
		return code
	}
	type item struct {
		Code    string   `json:"code"`
		Form    string   `json:"form,omitempty"`
		NameVI  string   `json:"name_vi"`
		NameEN  string   `json:"name_en"`
		Parties []string `json:"parties"`
		Fields  int      `json:"fields"`
		Note    string   `json:"note,omitempty"`
		Source  string   `json:"source"`
	}
	var out []item
	for _, s := range c.Services() {
		it := item{Code: s.Code, Form: s.Form, NameVI: s.NameVI, NameEN: s.NameEN, Fields: len(s.Fields), Note: s.Note, Source: s.Source}
		for _, p := range s.Parties {
			it.Parties = append(it.Parties, p.Role)
		}
		out = append(out, it)
	}
	if *asJSON {
		if err := writeFormsListJSON(os.Stdout, c); err != nil {
			return fail("%v", err)
		}
		return 0
	}
	for _, it := range out {
		fmt.Printf("%s  %-6s %s (%s)\n", it.Code, it.Form, it.NameVI, it.NameEN)
	}
	return 0
}

func runFormsPrefill(args []string) int {
	fs := flag.NewFlagSet("forms prefill", flag.ContinueOnError)
	dir := fs.String("services", "", "operator folder of service files")
	service := fs.String("service", "", "procedure code (mã TTHC)")
	identity := fs.String("identity", "", "identity JSON as printed by 'motcua read --json'")
	communes := fs.String("communes", "", "official commune table (CSV) to map addresses to today's communes")
	asJSON := fs.Bool("json", false, "JSON output")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *service == "" || *identity == "" {
		return fail("forms prefill: --service and --identity are required")
	}
	c, code := loadCatalog(*dir)
	if c == nil {
		return code
	}
	svc, ok := c.Service(*service)
	if !ok {
		return fail("no service %s in the catalogue ('motcua forms list' shows them)", *service)
	}
	b, err := os.ReadFile(*identity)
	if err != nil {
		return fail("%v", err)
	}
	r, err := cccd.ParseReadResult(b)
	if err != nil {
		return fail("identity file: %v", err)
	}
	defer r.Wipe()
	var table *address.Table
	if *communes != "" {
		if table, err = address.LoadTable(*communes); err != nil {
			return fail("%v", err)
		}
	}
	role := ""
	for _, p := range svc.Parties {
		if p.FromCard {
			role = p.Role
			break
		}
	}
	f, err := prefill.New(svc, map[string][]prefill.Person{role: {prefill.FromRead(r)}}, table, time.Now())
	if err != nil {
		return fail("%v", err)
	}
	type value struct {
		Party             string `json:"party,omitempty"`
		Index             int    `json:"index"`
		Field             string `json:"field"`
		Label             string `json:"label"`
		Value             string `json:"value"`
		Provenance        string `json:"provenance"`
		Locked            bool   `json:"locked"`
		Required          bool   `json:"required"`
		Old               string `json:"old,omitempty"`
		NeedsConfirmation bool   `json:"needs_confirmation,omitempty"`
		// Official unit codes of an address (MaTinh, MaXa) and the
		// communes to pick from when the commune is not known for sure.
		ProvinceCode string         `json:"province_code,omitempty"`
		CommuneCode  string         `json:"commune_code,omitempty"`
		Candidates   []address.Unit `json:"commune_candidates,omitempty"`
	}
	var out struct {
		Service string   `json:"service"`
		Values  []value  `json:"values"`
		Ask     []string `json:"ask"`
	}
	out.Service = svc.Code
	for _, v := range f.Values {
		out.Values = append(out.Values, value{Party: v.Party, Index: v.Index, Field: v.Field.ID, Label: v.Field.LabelVI, Value: v.Text,
			Provenance: string(v.Provenance), Locked: v.Locked, Required: v.Field.Required, Old: v.Old, NeedsConfirmation: v.NeedsConfirmation})
		if c := v.Codes; c != nil {
			last := &out.Values[len(out.Values)-1]
			last.ProvinceCode, last.CommuneCode, last.Candidates = c.ProvinceCode, c.CommuneCode, c.Candidates
		}
	}
	for _, v := range f.Ask() {
		out.Ask = append(out.Ask, v.Party+"/"+v.Field.ID)
	}
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		enc.Encode(out)
		return 0
	}
	for _, v := range out.Values {
		lock := " "
		if v.Locked {
			lock = "🔒"
		}
		fmt.Printf("%s %-40s %-16s %s\n", lock, v.Label, v.Provenance, v.Value)
		if v.ProvinceCode != "" || v.CommuneCode != "" {
			commune := v.CommuneCode
			if commune == "" {
				commune = fmt.Sprintf("chưa xác định (to pick: %d candidates)", len(v.Candidates))
			}
			fmt.Printf("  %-40s MaTinh %s  MaXa %s\n", "", v.ProvinceCode, commune)
			if v.CommuneCode == "" {
				for _, c := range v.Candidates {
					fmt.Printf("  %-40s   %s %s\n", "", c.CommuneCode, c.CommuneName)
				}
			}
		}
	}
	return 0
}
