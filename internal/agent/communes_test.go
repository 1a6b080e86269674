package agent

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"motcua/internal/config"
)

// TestCommunes: no files, no table; the operator's files load; a bad file
// stops the start naming the key and the line.
func TestCommunes(t *testing.T) {
	cfg := config.Defaults()
	if tb, err := Communes(&cfg); tb != nil || err != nil {
		t.Fatalf("no kiosk.communes: got %v, %v", tb, err)
	}
	dir := filepath.Join("..", "..", "kiosk", "address", "testdata")
	files, err := filepath.Glob(filepath.Join(dir, "*.csv"))
	if err != nil || len(files) == 0 {
		t.Fatalf("test tables: %v %v", files, err)
	}
	cfg.Kiosk.Communes = files
	tb, err := Communes(&cfg)
	if err != nil || tb == nil {
		t.Fatalf("load %v: %v", files, err)
	}
	if len(tb.Communes("01")) == 0 {
		t.Fatal("no commune of Hà Nội in the loaded table")
	}
	bad := filepath.Join(t.TempDir(), "bad.csv")
	os.WriteFile(bad, []byte("province_code,province_name,commune_code,commune_name\n99,Nowhere,00001,X\n"), 0o600)
	cfg.Kiosk.Communes = []string{bad}
	if _, err := Communes(&cfg); err == nil || !strings.Contains(err.Error(), "kiosk.communes") || !strings.Contains(err.Error(), "bad.csv") {
		t.Fatalf("bad file: %v", err)
	}
	cfg.Kiosk.Communes = []string{filepath.Join(t.TempDir(), "missing.csv")}
	if _, err := Communes(&cfg); err == nil {
		t.Fatal("a missing file was accepted")
	}
}
