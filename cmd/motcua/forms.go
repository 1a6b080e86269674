package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	"motcua/internal/config"
	"motcua/kiosk/address"
	"motcua/kiosk/catalog"
	"motcua/kiosk/prefill"
	"motcua/reader/pa"
)

func init() {
	register("forms", "list the service catalogue; prefill a service's form from a read identity", runForms)
}

func runForms(args []string) int {
	return subcommands("forms", args, []sub{
		{"list", "list the service catalogue [--json]", runFormsList},
		{"prefill", "prefill a service's form: --service CODE --identity ID.json", runFormsPrefill},
	}, nil)
}

// formsFlags registers the flags of the forms commands and returns a loader
// of the configuration: --services is kiosk.catalog_dir and --trust is
// trust.csca_dir, as in the file.
func formsFlags(fs *flag.FlagSet) func(args []string) (*config.Config, []string, int) {
	af := addAgentFlags(fs, false)
	services := fs.String("services", "", "operator folder of service files, overriding or adding to the built-in ones (kiosk.catalog_dir)")
	trust := fs.String("trust", "", "trust store folder for re-verifying an identity file (trust.csca_dir)")
	return func(args []string) (*config.Config, []string, int) {
		pos, err := parseArgs(fs, args)
		if err != nil {
			return nil, nil, 2
		}
		af.cfg.Set("kiosk.catalog_dir", *services)
		af.cfg.Set("trust.csca_dir", *trust)
		cfg, err := af.load()
		if err != nil {
			return nil, nil, configFailure(err)
		}
		return cfg, pos, -1
	}
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
	fs := newFlags("forms list", "[--json] [--services DIR] [--config FILE]")
	load := formsFlags(fs)
	asJSON := fs.Bool("json", false, "JSON output")
	cfg, _, code := load(args)
	if code >= 0 {
		return code
	}
	c, code := loadCatalog(cfg.Kiosk.CatalogDir)
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
	fs := newFlags("forms prefill", "--service CODE --identity ID.json [--communes TABLE.csv] [--json] [--trust DIR] [--config FILE]")
	load := formsFlags(fs)
	service := fs.String("service", "", "procedure code (mã TTHC)")
	identity := fs.String("identity", "", "identity JSON as printed by 'motcua read --json'; its values are chip_verified only when it carries "+chipFilesKey+" (EF.SOD, DG13) that pass Passive Authentication against the trust store")
	communes := fs.String("communes", "", "official commune table (CSV) to map addresses to today's communes")
	asJSON := fs.Bool("json", false, "JSON output")
	cfg, _, code := load(args)
	if code >= 0 {
		return code
	}
	if *service == "" || *identity == "" {
		return fail("forms prefill: --service and --identity are required")
	}
	c, code := loadCatalog(cfg.Kiosk.CatalogDir)
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
	var trust *pa.TrustStore
	if dir := cfg.Trust.CSCADir; dir != "" {
		if _, err := os.Stat(dir); err == nil {
			if trust, err = pa.LoadDir(dir); err != nil {
				return fail("trust store: %v", err)
			}
		}
	}
	r, err := loadIdentityFile(b, trust, time.Now())
	clear(b)
	if err != nil {
		return fail("identity file: %v", err)
	}
	defer r.Wipe()
	if v := r.Verification; !v.Verified() {
		reason := v.PassiveReason
		if reason == "" {
			reason = "verdict " + v.Passive + ", chip " + v.ChipAuth
		}
		fmt.Fprintf(os.Stderr, "motcua: the identity is not chip-verified: %s\n", reason)
	}
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
