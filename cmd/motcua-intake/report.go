package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

func report(args []string, out io.Writer) int {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	var sf storeFlags
	sf.register(fs)
	month := fs.String("month", "", "month YYYY-MM (Vietnam time)")
	format := fs.String("format", "xlsx", "xlsx, csv or json")
	outFile := fs.String("out", "", "output file (- for stdout)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if err := sf.check(); err != nil {
		return fail("report: %v", err)
	}
	if *month == "" || *outFile == "" {
		return fail("report needs --month and --out")
	}
	r, err := open(sf)
	if err != nil {
		return fail("%v", err)
	}
	defer r.Close()
	rep, err := r.Report(bg, *month)
	if err != nil {
		return fail("report: %v", err)
	}
	var buf bytes.Buffer
	switch *format {
	case "xlsx":
		err = rep.WriteXLSX(&buf)
	case "csv":
		err = rep.WriteCSV(&buf)
	case "json":
		enc := json.NewEncoder(&buf)
		enc.SetIndent("", "  ")
		err = enc.Encode(rep)
	default:
		return fail("report: --format must be xlsx, csv or json")
	}
	if err != nil {
		return fail("report: %v", err)
	}
	if *outFile == "-" {
		out.Write(buf.Bytes())
		return 0
	}
	// Written whole via a temp file and rename: a half-written report is
	// never left under the final name.
	tmp, err := os.CreateTemp(filepath.Dir(*outFile), ".report-*")
	if err != nil {
		return fail("report: %v", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(buf.Bytes()); err != nil {
		tmp.Close()
		return fail("report: %v", err)
	}
	if err := tmp.Close(); err != nil {
		return fail("report: %v", err)
	}
	if err := os.Rename(tmp.Name(), *outFile); err != nil {
		return fail("report: %v", err)
	}
	fmt.Fprintf(out, "report %s: %d dossiers, %d devices, %d procedures -> %s\n", rep.Month, rep.Total.Dossiers, len(rep.ByDevice), len(rep.ByProcedure), *outFile)
	return 0
}
