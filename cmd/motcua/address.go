package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"motcua/kiosk/address"
)

func init() {
	register("address", "parse a card address and map it to today's units with official codes",
		func(args []string) int { return runAddress(args, os.Stdout, os.Stderr) })
}

// fileList is a repeatable flag.
type fileList []string

func (f *fileList) String() string     { return strings.Join(*f, ",") }
func (f *fileList) Set(v string) error { *f = append(*f, v); return nil }

// addressJSON is the output of 'motcua address parse --json'.
type addressJSON struct {
	Format   address.Format `json:"format"`
	Street   string         `json:"street"`
	Commune  string         `json:"commune"`
	District string         `json:"district"`
	Province string         `json:"province"`
	// FormatCertain is false when the format was a guess (no unit words and
	// no table knowing the names).
	FormatCertain bool `json:"format_certain"`
	// New lists every unit of today the address may be in (several when an
	// old commune was split); commune fields are empty without the table.
	New []address.Unit `json:"new"`
}

// runAddress is 'motcua address parse ADDRESS [--communes FILE]... [--json]'.
// Flags may come before or after the address.
func runAddress(args []string, stdout, stderr io.Writer) int {
	failf := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "motcua: "+format+"\n", a...)
		return 1
	}
	if len(args) == 0 || args[0] != "parse" {
		fmt.Fprintln(stderr, "usage: motcua address parse 'ADDRESS' [--communes FILE]... [--json]")
		return 2
	}
	fs := flag.NewFlagSet("address parse", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var communes fileList
	fs.Var(&communes, "communes", "commune register or old→new mapping CSV (units-2025.csv, old-to-new-2025.csv formats); repeatable")
	asJSON := fs.Bool("json", false, "JSON output")
	var positional []string
	rest := args[1:]
	for {
		if err := fs.Parse(rest); err != nil {
			return 2
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	if len(positional) != 1 {
		return failf("address parse: give exactly one address (quote it)")
	}
	var table *address.Table
	if len(communes) > 0 {
		var err error
		if table, err = address.LoadTables(communes...); err != nil {
			return failf("%v", err)
		}
	}
	a, err := address.Parse(positional[0], table)
	switch {
	case errors.Is(err, address.ErrEmpty):
		return failf("address parse: the address is empty")
	case errors.Is(err, address.ErrUnknownProvince):
		// The address itself is personal data: it is not repeated here.
		return failf("address parse: the address does not end with a province (old or new)")
	case err != nil:
		return failf("address parse: %v", err)
	}
	out := addressJSON{Format: a.Format, Street: a.Street, Commune: a.Commune, District: a.District, Province: a.Province,
		FormatCertain: a.Sure, New: address.Resolve(a, table)}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return failf("%v", err)
		}
		return 0
	}
	fmt.Fprintf(stdout, "format:   %s\nstreet:   %s\ncommune:  %s\ndistrict: %s\nprovince: %s\n", out.Format, out.Street, out.Commune, out.District, out.Province)
	for _, u := range out.New {
		commune := u.CommuneName
		if commune == "" {
			commune = "(commune to confirm: no table or not in it)"
		}
		fmt.Fprintf(stdout, "today:    %s %s, %s %s\n", u.CommuneCode, commune, u.ProvinceCode, u.ProvinceName)
	}
	return 0
}
