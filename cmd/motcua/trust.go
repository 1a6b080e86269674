package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"motcua/internal/config"
	"motcua/reader/pa"
)

func init() {
	register("trust", "the CSCA trust store: import master lists and CSCA files, list what it holds", runTrust)
}

const trustUsage = `usage: motcua trust import [--dir DIR] [--accept-unverified] FILE.ml|FILE.pem|FILE.der|DIR ...
       motcua trust list   [--dir DIR] [--json]
DIR defaults to trust.csca_dir of the configuration (--config, --set).`

func runTrust(args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, trustUsage)
		return 2
	}
	switch args[0] {
	case "import":
		return runTrustImport(args[1:])
	case "list":
		return runTrustList(args[1:])
	}
	fmt.Fprintln(os.Stderr, trustUsage)
	return 2
}

// trustDir is --dir, else the configuration's trust.csca_dir.
func trustDir(dir string, cf *config.Flags) (string, error) {
	if dir != "" {
		return dir, nil
	}
	cfg, err := cf.Load()
	if err != nil {
		return "", err
	}
	return cfg.Trust.CSCADir, nil
}

func runTrustImport(args []string) int {
	fs := flag.NewFlagSet("trust import", flag.ContinueOnError)
	dirFlag := fs.String("dir", "", "trust store folder (default: trust.csca_dir of the configuration)")
	accept := fs.Bool("accept-unverified", false, "import the CSCAs of a master list whose signer no installed CSCA certifies")
	cf := config.AddFlags(fs)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(os.Stderr, trustUsage)
		return 2
	}
	dir, err := trustDir(*dirFlag, cf)
	if err != nil {
		return configFailure(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fail("trust store: %v", err)
	}
	store, err := pa.LoadDir(dir)
	if err != nil {
		return fail("%v", err)
	}
	var files []string
	for _, a := range fs.Args() {
		fsx, err := inputFiles(a)
		if err != nil {
			return fail("%v", err)
		}
		files = append(files, fsx...)
	}
	// CSCA files first: a master list in the same import may be signed
	// under one of them.
	sort.SliceStable(files, func(i, j int) bool { return !isMasterList(files[i]) && isMasterList(files[j]) })
	imp := importer{dir: dir, store: store, acceptUnverified: *accept, out: os.Stdout}
	failed := 0
	for _, f := range files {
		if err := imp.file(f); err != nil {
			fmt.Fprintf(os.Stderr, "motcua: trust import: %v\n", err)
			failed++
		}
	}
	fmt.Printf("%d CSCA certificates added to %s (%d already there)\n", imp.added, dir, imp.present)
	if failed > 0 {
		return 1
	}
	return 0
}

// inputFiles is path itself, or the usable files of a folder (not recursive).
func inputFiles(path string) ([]string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return []string{path}, nil
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		switch strings.ToLower(filepath.Ext(e.Name())) {
		case ".ml", ".pem", ".crt", ".cer", ".der":
			out = append(out, filepath.Join(path, e.Name()))
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no master list (.ml) or certificate (.pem .crt .cer .der) in it", path)
	}
	return out, nil
}

func isMasterList(path string) bool { return strings.EqualFold(filepath.Ext(path), ".ml") }

// importer writes CSCAs into the trust store folder, one PEM file each,
// named by country and a digest of the certificate, so importing the same
// certificate twice is a no-op.
type importer struct {
	dir              string
	store            *pa.TrustStore
	acceptUnverified bool
	out              io.Writer
	added, present   int
}

func (im *importer) file(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if isMasterList(path) {
		return im.masterList(path, b)
	}
	ders := pemOrDER(b, "CERTIFICATE")
	if len(ders) == 0 {
		return fmt.Errorf("%s: no certificate in it", path)
	}
	var certs []*pa.Cert
	for i, der := range ders {
		c, err := pa.ParseCert(der)
		if err != nil {
			return fmt.Errorf("%s: certificate %d: %v (nothing imported from this file)", path, i+1, err)
		}
		if !c.IsCA {
			return fmt.Errorf("%s: certificate %d (%s) is not a CA certificate: a CSCA is; a document signer belongs on the card, not in the trust store (nothing imported from this file)", path, i+1, c.Subject)
		}
		certs = append(certs, c)
	}
	for _, c := range certs {
		if err := im.write(c, "file "+filepath.Base(path)); err != nil {
			return err
		}
	}
	return nil
}

func (im *importer) masterList(path string, b []byte) error {
	ders := pemOrDER(b, "")
	if len(ders) == 0 {
		return fmt.Errorf("%s: not a master list (neither DER nor PEM)", path)
	}
	for _, der := range ders {
		ml, err := pa.ParseMasterList(der, im.store)
		if err != nil {
			return fmt.Errorf("%s: %w (nothing imported from this list)", path, err)
		}
		source := "master list " + filepath.Base(path)
		if ml.VerifiedBy != nil {
			fmt.Fprintf(im.out, "%s: signature verified: signer %q certified by installed CSCA %q\n", path, ml.Signer.Subject, ml.VerifiedBy.Subject)
			source += " (verified)"
		} else {
			if !im.acceptUnverified {
				return fmt.Errorf("%s: unverified list: %s; its signature is intact but who made it cannot be confirmed. Install the publishing country's CSCA first, or re-run with --accept-unverified to trust its %d CSCAs anyway", path, ml.Unverified, len(ml.CSCAs))
			}
			fmt.Fprintf(os.Stderr, "motcua: WARNING: %s: unverified list imported on the operator's word (--accept-unverified): %s\n", path, ml.Unverified)
			source += " (UNVERIFIED, accepted by the operator)"
		}
		if ml.Unusable > 0 {
			fmt.Fprintf(os.Stderr, "motcua: %s: %d certificates of the list are unusable here and were left out\n", path, ml.Unusable)
		}
		for _, c := range ml.CSCAs {
			if err := im.write(c, source); err != nil {
				return err
			}
		}
	}
	return nil
}

// write stores c as DIR/CC-xxxxxxxxxxxxxxxx.pem and trusts it for the rest
// of the import.
func (im *importer) write(c *pa.Cert, source string) error {
	sum := sha256.Sum256(c.Raw)
	cc := c.Country()
	if cc == "" {
		cc = "XX"
	}
	name := filepath.Join(im.dir, cc+"-"+hex.EncodeToString(sum[:8])+".pem")
	if _, err := os.Stat(name); err == nil {
		im.present++
		im.store.Add(c)
		return nil
	}
	blk := &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw, Headers: map[string]string{
		"Subject":  strings.ReplaceAll(c.Subject, "\n", " "),
		"Source":   source,
		"Imported": time.Now().UTC().Format(time.RFC3339),
	}}
	tmp := name + ".tmp"
	if err := os.WriteFile(tmp, pem.EncodeToMemory(blk), 0o644); err != nil {
		return fmt.Errorf("trust store: %v", err)
	}
	if err := os.Rename(tmp, name); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("trust store: %v", err)
	}
	im.store.Add(c)
	im.added++
	return nil
}

// pemOrDER returns the DER blocks of type typ ("" for any) of a PEM file,
// or the file itself when it is DER (or BER: a master list may be).
func pemOrDER(b []byte, typ string) [][]byte {
	var out [][]byte
	rest := b
	for {
		var blk *pem.Block
		blk, rest = pem.Decode(rest)
		if blk == nil {
			break
		}
		if typ == "" || blk.Type == typ {
			out = append(out, blk.Bytes)
		}
	}
	if len(out) == 0 && len(b) > 0 && b[0] == 0x30 {
		out = append(out, b)
	}
	return out
}

// trustEntry is one CSCA as `motcua trust list` shows it.
type trustEntry struct {
	Country   string `json:"country"`
	Subject   string `json:"subject"`
	Serial    string `json:"serial"`
	NotBefore string `json:"not_before"`
	NotAfter  string `json:"not_after"`
	// Status is valid, expired or not_yet_valid today. An expired CSCA
	// still anchors documents signed while it was valid.
	Status string `json:"status"`
}

func runTrustList(args []string) int {
	fs := flag.NewFlagSet("trust list", flag.ContinueOnError)
	dirFlag := fs.String("dir", "", "trust store folder (default: trust.csca_dir of the configuration)")
	asJSON := fs.Bool("json", false, "print as JSON")
	cf := config.AddFlags(fs)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	dir, err := trustDir(*dirFlag, cf)
	if err != nil {
		return configFailure(err)
	}
	store, err := pa.LoadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return fail("no trust store at %s: import master lists or CSCAs with `motcua trust import`", dir)
	}
	if err != nil {
		return fail("%v", err)
	}
	entries := trustEntries(store, time.Now())
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(struct {
			Dir      string       `json:"dir"`
			CSCAs    []trustEntry `json:"cscas"`
			Problems []string     `json:"problems"`
		}{dir, entries, store.Problems}); err != nil {
			return fail("%v", err)
		}
		return 0
	}
	fmt.Printf("%s: %d CSCA certificates\n", dir, len(entries))
	last := ""
	for _, e := range entries {
		if e.Country != last {
			fmt.Printf("%s\n", e.Country)
			last = e.Country
		}
		fmt.Printf("  %-13s %s .. %s  %s (serial %s)\n", e.Status, e.NotBefore, e.NotAfter, e.Subject, e.Serial)
	}
	for _, p := range store.Problems {
		fmt.Printf("problem: %s\n", p)
	}
	return 0
}

func trustEntries(store *pa.TrustStore, now time.Time) []trustEntry {
	list := store.List(now)
	out := make([]trustEntry, 0, len(list))
	for _, c := range list {
		out = append(out, trustEntry{Country: c.Country, Subject: c.Subject, Serial: c.Serial,
			NotBefore: c.NotBefore.Format("2006-01-02"), NotAfter: c.NotAfter.Format("2006-01-02"), Status: c.Status})
	}
	return out
}
