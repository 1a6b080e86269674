package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestDefaultFileIsDefaults(t *testing.T) {
	c, err := Parse(DefaultTOML, "motcua.toml")
	if err != nil {
		t.Fatal(err)
	}
	if want := Defaults(); !reflect.DeepEqual(*c, want) {
		t.Fatalf("motcua.toml decodes to\n%+v\nDefaults() is\n%+v", *c, want)
	}
}

func TestDefaultFileDocumentsEveryKey(t *testing.T) {
	// Every key the struct knows appears (and is commented) in motcua.toml.
	lines := scanKeyLines(DefaultTOML)
	b, err := Defaults().TOML()
	if err != nil {
		t.Fatal(err)
	}
	src := strings.Split(string(DefaultTOML), "\n")
	for k := range scanKeyLines(b) {
		n, ok := lines[k]
		if !ok {
			t.Errorf("key %s missing from motcua.toml", k)
			continue
		}
		if strings.Contains(k, ".") && !commented(src, n) {
			t.Errorf("key %s (line %d) has no comment above it", k, n)
		}
	}
}

// commented: the key on line n is in a block of keys that a comment opens.
func commented(src []string, n int) bool {
	for i := n - 2; i >= 0; i-- {
		l := strings.TrimSpace(src[i])
		switch {
		case strings.HasPrefix(l, "#"):
			return true
		case l == "" || strings.HasPrefix(l, "["):
			return false
		}
	}
	return false
}

func TestErrorsAreLinePrecise(t *testing.T) {
	tests := []struct {
		name, doc string
		line      int
		key, msg  string
	}{
		{"syntax", "[api]\nlisten = \"127.0.0.1:1\"\n[log\n", 3, "", "expected"},
		{"unknown key", "[api]\n\nlisen = \"x\"\n", 3, "api.lisen", "unknown key"},
		{"unknown table", "# x\n[apii]\nlisten = \"x\"\n", 2, "apii", "unknown key"},
		{"wrong type", "[kiosk]\nfullscreen = \"yes\"\n", 2, "kiosk.fullscreen", "cannot decode"},
		{"bad duration", "[kiosk]\n# c\nidle_timeout = \"2 minutes\"\n", 3, "kiosk.idle_timeout", "not a duration"},
		{"non-loopback listen", "[agent]\n[api]\norigins = []\nlisten = \"0.0.0.0:7420\"\n", 4, "api.listen", "loopback only"},
		{"bad origin", "[api]\norigins = [\n \"http://x/path\"]\n", 2, "api.origins", "origin must"},
		{"bad grant", "[api]\ndefault_grants = [\"photo\", \"fingerprint\"]\n", 2, "api.default_grants", "fingerprint"},
		{"plain http endpoint", "[provider]\nkind = \"intake\"\ntoken = \"t\"\nendpoint = \"http://lgsp.example.vn\"\n", 4, "provider.endpoint", "loopback"},
		{"missing secret", "[provider]\nkind = \"igate\"\nendpoint = \"https://lgsp.example.vn\"\nclient_id = \"x\"\n", 0, "provider.client_secret", "required"},
		{"short idle", "[kiosk]\nidle_timeout = \"1s\"\n", 2, "kiosk.idle_timeout", "between"},
		{"log output", "[log]\noutput = \"relative.log\"\n", 2, "log.output", "absolute"},
		{"short admin PIN", "[kiosk]\nmode = \"kiosk\"\n\nadmin_pin = \"2468\"\n", 4, "kiosk.admin_pin", "6 to 12 digits"},
		{"admin PIN not digits", "[kiosk]\nadmin_pin = \"abc123\"\n", 2, "kiosk.admin_pin", "6 to 12 digits"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.doc), "f.toml")
			var es Errors
			if !errors.As(err, &es) {
				t.Fatalf("err = %v, want Errors", err)
			}
			e := es[0]
			if e.Line != tt.line || e.Key != tt.key || !strings.Contains(e.Msg, tt.msg) {
				t.Fatalf("got %q (line %d key %q), want line %d key %q msg ~%q", e.Error(), e.Line, e.Key, tt.line, tt.key, tt.msg)
			}
			if tt.line > 0 && !strings.HasPrefix(e.Error(), "f.toml:"+strconv.Itoa(tt.line)+":") {
				t.Fatalf("message %q does not start with the file and line", e.Error())
			}
		})
	}
}

func TestAdminPINOfSixDigitsIsAccepted(t *testing.T) {
	c, err := Parse([]byte("[kiosk]\nadmin_pin = \"024680\"\n"), "f.toml")
	if err != nil || c.Kiosk.AdminPIN != "024680" {
		t.Fatalf("six-digit PIN: %v", err)
	}
}

func TestAllErrorsReported(t *testing.T) {
	_, err := Parse([]byte("[log]\nlevel = \"loud\"\n[kiosk]\nlanguage = \"fr\"\n"), "f.toml")
	var es Errors
	if !errors.As(err, &es) || len(es) != 2 {
		t.Fatalf("want 2 errors, got %v", err)
	}
	if es[0].Line != 4 && es[1].Line != 4 {
		t.Fatalf("lines: %v", err)
	}
}

func TestOverrides(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "motcua.toml")
	if err := os.WriteFile(p, []byte("[api]\nlisten = \"127.0.0.1:7000\"\norigins = [\"http://localhost:8080\"]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(p, false, []string{
		"api.listen=[::1]:7001",                  // bare word: taken as a string
		`api.origins=["https://his.example.vn"]`, // TOML array replaces the file's
		"kiosk.idle_timeout=5m",
		"kiosk.fullscreen=false",
		"provider.kind=intake", "provider.endpoint=https://x.example.vn", "provider.token=s3cret",
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.API.Listen != "[::1]:7001" || !reflect.DeepEqual(c.API.Origins, []string{"https://his.example.vn"}) ||
		c.Kiosk.IdleTimeout.Duration != 5*time.Minute || c.Kiosk.Fullscreen {
		t.Fatalf("overrides not applied: %+v", c)
	}
	for _, bad := range []struct{ set, want string }{
		{"api.listen=192.168.1.10:7420", "--set api.listen: the local API listens on loopback"},
		{"kiosk.fullscreen=maybe", "--set kiosk.fullscreen"},
		{"api.nope=1", "unknown key"},
		{"listen", "want section.key=value"},
	} {
		_, err := Load(p, false, []string{bad.set})
		if err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("--set %s: err = %v, want ~%q", bad.set, err, bad.want)
		}
	}
	if _, err := Load(filepath.Join(dir, "absent.toml"), false, nil); err == nil {
		t.Fatal("a named missing file must be an error")
	}
	if c, err := Load(filepath.Join(dir, "absent.toml"), true, nil); err != nil || !reflect.DeepEqual(*c, Defaults()) {
		t.Fatalf("optional missing file: %v", err)
	}
}

func TestMaskedShow(t *testing.T) {
	c := Defaults()
	c.Provider.Kind, c.Provider.Endpoint = "igate", "https://lgsp.example.vn"
	c.Provider.ClientID, c.Provider.ClientSecret, c.Provider.Token = "kiosk-7", "hunter2-secret", "tok-abc"
	b, err := c.Masked().TOML()
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	if strings.Contains(s, "hunter2") || strings.Contains(s, "tok-abc") {
		t.Fatalf("secret shown:\n%s", s)
	}
	if !strings.Contains(s, "kiosk-7") || !strings.Contains(s, Mask) || !strings.Contains(s, `timeout = '30s'`) {
		t.Fatalf("unexpected rendering:\n%s", s)
	}
	if c.Provider.ClientSecret != "hunter2-secret" {
		t.Fatal("Masked changed the original")
	}
	// The rendering is itself a valid configuration.
	if _, err := Parse(b, "show"); err != nil {
		t.Fatalf("show output does not parse: %v", err)
	}
}
