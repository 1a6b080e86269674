package catalog

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBuiltinCatalogLoads(t *testing.T) {
	c, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Errors) != 0 {
		t.Fatalf("built-in files with errors: %v", c.Errors)
	}
	want := []string{"1.004222", "1.004194", "1.003781", "1.004206", "1.001193", "1.000656", "1.000894", "2.000488", "1.000466", "1.002809"}
	for _, code := range want {
		if _, ok := c.Service(code); !ok {
			t.Errorf("service %s missing", code)
		}
	}
	marriage, _ := c.Service("1.000894")
	cards := 0
	for _, p := range marriage.Parties {
		if p.FromCard && p.Min == 1 {
			cards++
		}
	}
	if cards != 2 {
		t.Fatalf("marriage needs two cards, has %d card parties", cards)
	}
}

func TestOperatorOverrideAndBadFiles(t *testing.T) {
	dir := t.TempDir()
	builtinCMND, _ := builtin.ReadFile("services/1.000466-xac-nhan-cmnd.toml")
	override := strings.Replace(string(builtinCMND), `name_vi = "Xác nhận số Chứng minh nhân dân"`, `name_vi = "Xác nhận số CMND (tỉnh)"`, 1)
	os.WriteFile(filepath.Join(dir, "cmnd.toml"), []byte(override), 0o644)
	os.WriteFile(filepath.Join(dir, "syntax.toml"), []byte("code = \"9.000001\"\nname_vi = \"x\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "unknown-key.toml"), []byte("code = \"9.000002\"\ncolour = \"red\"\n"), 0o644)
	bad := strings.Replace(override, `type = "cmnd"`, `type = "colour"`, 1)
	bad = strings.Replace(bad, `code = "1.000466"`, `code = "9.000003"`, 1)
	os.WriteFile(filepath.Join(dir, "bad-type.toml"), []byte(bad), 0o644)
	c, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := c.Service("1.000466"); s.NameVI != "Xác nhận số CMND (tỉnh)" {
		t.Fatalf("operator file did not override: %q", s.NameVI)
	}
	if len(c.Services()) != len(builtinCodes(t)) {
		t.Fatalf("%d services, want the %d built-ins", len(c.Services()), len(builtinCodes(t)))
	}
	if len(c.Errors) != 3 {
		t.Fatalf("errors %v", c.Errors)
	}
	for _, e := range c.Errors {
		if e.Line == 0 || !strings.HasPrefix(e.Error(), dir) {
			t.Errorf("error without path and line: %v", e)
		}
	}
	if !strings.Contains(c.Errors[0].Error()+c.Errors[1].Error()+c.Errors[2].Error(), `unknown type "colour"`) {
		t.Errorf("semantic error not explained: %v", c.Errors)
	}
}

func FuzzParse(f *testing.F) {
	b, _ := builtin.ReadFile("services/1.000894-ket-hon.toml")
	f.Add(b)
	f.Fuzz(func(t *testing.T, b []byte) { Parse("fuzz.toml", b) })
}
