package packaging

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"motcua/internal/config"
)

const testVersion = "1.2.3~test"

// buildPackages runs build.sh for targets into a temporary dist directory.
func buildPackages(t *testing.T, targets string) string {
	t.Helper()
	dist := t.TempDir()
	cmd := exec.Command("bash", "build.sh")
	cmd.Env = append(os.Environ(), "DIST="+dist, "TARGETS="+targets, "VERSION="+testVersion)
	out, err := cmd.CombinedOutput()
	t.Logf("build.sh:\n%s", out)
	if err != nil {
		t.Fatalf("build.sh: %v", err)
	}
	return dist
}

// unitKeys parses a systemd unit into section.key -> values.
func unitKeys(t *testing.T, path string) map[string][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m := map[string][]string{}
	sec := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		switch {
		case l == "" || l[0] == '#' || l[0] == ';':
		case l[0] == '[':
			sec = strings.Trim(l, "[]")
		default:
			k, v, ok := strings.Cut(l, "=")
			if !ok {
				t.Fatalf("%s: bad line %q", path, l)
			}
			m[sec+"."+strings.TrimSpace(k)] = append(m[sec+"."+strings.TrimSpace(k)], strings.TrimSpace(v))
		}
	}
	return m
}

func one(t *testing.T, m map[string][]string, key string) string {
	t.Helper()
	if len(m[key]) != 1 {
		t.Fatalf("%s: %q, want exactly one value", key, m[key])
	}
	return m[key][0]
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// TestDebInstallsIntoScratchRoot builds the .deb, installs it with dpkg into
// a scratch root (maintainer scripts run chrootless and honour DPKG_ROOT, so
// the host is untouched), checks files, unit, conffiles and the desktop
// entry, then removes and purges it.
func TestDebInstallsIntoScratchRoot(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the package (-short)")
	}
	for _, tool := range []string{"dpkg-deb", "dpkg"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
	dist := buildPackages(t, "deb kiosk")
	debs, _ := filepath.Glob(filepath.Join(dist, "motcua_*_amd64.deb"))
	if len(debs) != 1 {
		t.Fatalf("debs: %v", debs)
	}
	deb := debs[0]
	if st, _ := os.Stat(deb); st != nil {
		t.Logf("package size: %s %d bytes", filepath.Base(deb), st.Size())
	}
	fields := run(t, "dpkg-deb", "-f", deb, "Package", "Version", "Architecture", "Depends")
	for _, want := range []string{"Package: motcua", "Version: " + testVersion, "Architecture: amd64", "Depends: pcscd"} {
		if !strings.Contains(fields, want) {
			t.Errorf("control lacks %q:\n%s", want, fields)
		}
	}

	root := t.TempDir()
	for _, d := range []string{"var/lib/dpkg/info", "var/lib/dpkg/updates", "var/lib/dpkg/triggers"} {
		os.MkdirAll(filepath.Join(root, d), 0o755)
	}
	os.WriteFile(filepath.Join(root, "var/lib/dpkg/status"), nil, 0o644)
	dpkg := func(args ...string) string {
		return run(t, "dpkg", append([]string{"--root=" + root, "--force-all", "--force-script-chrootless",
			"--log=" + filepath.Join(root, "dpkg.log")}, args...)...)
	}
	dpkg("-i", deb)
	if st := run(t, "dpkg", "--root="+root, "-s", "motcua"); !strings.Contains(st, "Status: install ok installed") ||
		!strings.Contains(st, "Conffiles:\n /etc/motcua/motcua.toml ") {
		t.Fatalf("dpkg status:\n%s", st)
	}

	// The binary runs and accepts the installed configuration.
	bin := filepath.Join(root, "usr/bin/motcua")
	if st, err := os.Stat(bin); err != nil || st.Mode().Perm() != 0o755 {
		t.Fatalf("motcua binary: %v %v", st, err)
	}
	if st, err := os.Stat(filepath.Join(root, "usr/bin/motcua-app")); err != nil || st.Mode().Perm() != 0o755 {
		t.Fatalf("motcua-app binary (the kiosk app): %v %v", st, err)
	}
	conf := filepath.Join(root, "etc/motcua/motcua.toml")
	if out := run(t, bin, "config", "check", "--config", conf); !strings.HasPrefix(out, "ok: ") {
		t.Fatalf("config check: %s", out)
	}
	if b, _ := os.ReadFile(conf); !bytes.Equal(b, config.DefaultTOML) {
		t.Fatal("installed motcua.toml differs from the documented defaults")
	}

	// The unit.
	u := unitKeys(t, filepath.Join(root, "lib/systemd/system/motcua.service"))
	for k, v := range map[string]string{
		"Service.Type": "notify", "Service.Restart": "on-failure", "Service.User": "motcua",
		"Service.NotifyAccess": "main", "Service.StateDirectory": "motcua", "Install.WantedBy": "multi-user.target",
	} {
		if got := one(t, u, k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if d, err := time.ParseDuration(one(t, u, "Service.WatchdogSec")); err != nil || d <= 0 {
		t.Errorf("WatchdogSec %q: %v", one(t, u, "Service.WatchdogSec"), err)
	}
	exec0 := strings.Fields(one(t, u, "Service.ExecStart"))
	if exec0[0] != "/usr/bin/motcua" || exec0[1] != "serve" || !strings.Contains(one(t, u, "Service.ExecStart"), "/etc/motcua/motcua.toml") {
		t.Errorf("ExecStart = %q", one(t, u, "Service.ExecStart"))
	}
	if !strings.Contains(strings.Join(u["Unit.After"], " "), "pcscd") {
		t.Errorf("unit not ordered after pcscd: %q", u["Unit.After"])
	}

	// The desktop entry.
	desk := filepath.Join(root, "usr/share/applications/vn.motcua.Kiosk.desktop")
	e := unitKeys(t, desk)
	if one(t, e, "Desktop Entry.Type") != "Application" || one(t, e, "Desktop Entry.Exec") != "motcua kiosk" ||
		one(t, e, "Desktop Entry.Name") == "" || !strings.HasSuffix(one(t, e, "Desktop Entry.Categories"), ";") {
		t.Errorf("desktop entry: %v", e)
	}
	icon := filepath.Join(root, "usr/share/icons/hicolor/scalable/apps", one(t, e, "Desktop Entry.Icon")+".svg")
	if _, err := os.Stat(icon); err != nil {
		t.Errorf("icon: %v", err)
	}
	if v, err := exec.LookPath("desktop-file-validate"); err == nil {
		run(t, v, desk)
	}
	for _, f := range []string{"usr/share/doc/motcua/kiosk/setup-kiosk.sh", "usr/share/doc/motcua/kiosk/motcua-kiosk.service",
		"usr/share/motcua/openapi.yaml", "usr/share/doc/motcua/README.service.md", "etc/motcua/csca"} {
		if _, err := os.Stat(filepath.Join(root, f)); err != nil {
			t.Errorf("missing %s", f)
		}
	}

	// Remove keeps the edited conffile; purge removes it.
	os.WriteFile(conf, append(config.DefaultTOML, []byte("\n# edited by the operator\n")...), 0o644)
	dpkg("-r", "motcua")
	if _, err := os.Stat(bin); !os.IsNotExist(err) {
		t.Fatal("binary left after remove")
	}
	if b, err := os.ReadFile(conf); err != nil || !bytes.Contains(b, []byte("edited by the operator")) {
		t.Fatalf("conffile lost on remove: %v", err)
	}
	dpkg("-P", "motcua")
	if _, err := os.Stat(conf); !os.IsNotExist(err) {
		t.Fatalf("conffile left after purge: %v", err)
	}

	// The kiosk recipe archive.
	recipe, _ := filepath.Glob(filepath.Join(dist, "motcua-kiosk-recipe-*.tar.gz"))
	if len(recipe) != 1 {
		t.Fatalf("kiosk recipe: %v", recipe)
	}
	names := tarNames(t, recipe[0])
	for _, want := range []string{"motcua-kiosk-recipe/README.md", "motcua-kiosk-recipe/motcua-kiosk.service",
		"motcua-kiosk-recipe/cage.pam", "motcua-kiosk-recipe/setup-kiosk.sh"} {
		if !names[want] {
			t.Errorf("kiosk recipe lacks %s (has %v)", want, names)
		}
	}
	sums, _ := os.ReadFile(filepath.Join(dist, "SHA256SUMS"))
	if !strings.Contains(string(sums), filepath.Base(deb)) {
		t.Errorf("SHA256SUMS: %s", sums)
	}
}

func tarNames(t *testing.T, path string) map[string]bool {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	names := map[string]bool{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return names
		}
		if err != nil {
			t.Fatal(err)
		}
		names[strings.TrimPrefix(h.Name, "./")] = true
	}
}

func TestKioskRecipe(t *testing.T) {
	u := unitKeys(t, "kiosk/motcua-kiosk.service")
	exec0 := one(t, u, "Service.ExecStart")
	if !strings.HasPrefix(exec0, "/usr/bin/cage ") || !strings.HasSuffix(exec0, "-- /usr/bin/motcua kiosk") {
		t.Errorf("ExecStart = %q", exec0)
	}
	if one(t, u, "Service.User") != "motcua-kiosk" || one(t, u, "Service.PAMName") != "cage" ||
		one(t, u, "Service.Restart") != "always" || one(t, u, "Service.TTYPath") != "/dev/tty1" {
		t.Errorf("kiosk unit: %v", u)
	}
	for _, s := range []string{"kiosk/setup-kiosk.sh", "debian/postinst", "debian/prerm", "debian/postrm"} {
		run(t, "sh", "-n", s)
	}
	run(t, "bash", "-n", "build.sh")
	// Maintainer scripts never touch the host when installing into a root.
	for _, s := range []string{"debian/postinst", "debian/prerm", "debian/postrm"} {
		b, _ := os.ReadFile(s)
		if !strings.Contains(string(b), `if [ -n "${DPKG_ROOT:-}" ]; then`) {
			t.Errorf("%s ignores DPKG_ROOT", s)
		}
	}
}
