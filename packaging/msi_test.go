package packaging

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// buildMSI runs build.sh for the MSI at msiVersion and returns its path.
func buildMSI(t *testing.T, msiVersion string) string {
	t.Helper()
	dist := t.TempDir()
	cmd := exec.Command("bash", "build.sh")
	cmd.Env = append(os.Environ(), "DIST="+dist, "TARGETS=msi", "VERSION="+msiVersion+"~test", "MSI_VERSION="+msiVersion)
	out, err := cmd.CombinedOutput()
	t.Logf("build.sh (msi %s):\n%s", msiVersion, out)
	if err != nil {
		t.Fatalf("build.sh: %v", err)
	}
	msi := filepath.Join(dist, "motcua-"+msiVersion+"-x64.msi")
	st, err := os.Stat(msi)
	if err != nil {
		t.Fatalf("no MSI: %v", err)
	}
	t.Logf("package size: %s %d bytes", filepath.Base(msi), st.Size())
	return msi
}

// msiTables exports one table of an MSI with msiinfo (msitools).
func msiTable(t *testing.T, msi, table string) string {
	t.Helper()
	out, err := exec.Command("msiinfo", "export", msi, table).Output()
	if err != nil {
		t.Fatalf("msiinfo export %s: %v", table, err)
	}
	return string(out)
}

// unixToWine is the Windows path of a Unix file (Wine's Z: drive is /).
func unixToWine(p string) string { return `Z:` + strings.ReplaceAll(p, "/", `\`) }

// TestMSIInstallUpgradeRemove builds two versions of the MSI with
// build.sh, checks their tables, and under Wine installs the first with
// msiexec /qn (the service created and running, answering /healthz), queues
// a dossier, upgrades to the second (the queue and the administrator's
// configuration kept, the new defaults beside it, the service running the
// new binary), uninstalls (service, program and shortcut gone; data and
// configuration kept), and finally installs and uninstalls with
// PURGEDATA=1 (the data gone).
func TestMSIInstallUpgradeRemove(t *testing.T) {
	needWine(t)
	for _, tool := range []string{"wixl", "msiinfo"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (Debian packages wixl and msitools): cannot build the MSI", tool)
		}
	}
	v1 := buildMSI(t, "1.2.3")
	v2 := buildMSI(t, "1.2.4")

	// The tables say what the package does, before Wine runs it.
	svcTable := msiTable(t, v1, "ServiceInstall")
	for _, want := range []string{"motcua\t", "LocalSystem", `serve --config "[CONFDIR]motcua.toml" --data "[CONFDIR]data"`} {
		if !strings.Contains(svcTable, want) {
			t.Errorf("ServiceInstall lacks %q:\n%s", want, svcTable)
		}
	}
	if ctl := msiTable(t, v1, "ServiceControl"); !strings.Contains(ctl, "motcua") {
		t.Errorf("ServiceControl:\n%s", ctl)
	}
	if up := msiTable(t, v1, "Upgrade"); !strings.Contains(up, "898BE795-1ADD-41FE-8A0A-35BDDAA7EE05") && !strings.Contains(strings.ToLower(up), "898be795-1add-41fe-8a0a-35bddaa7ee05") {
		t.Errorf("Upgrade table lacks the upgrade code:\n%s", up)
	}
	if files := msiTable(t, v1, "File"); strings.Contains(files, "motcua.toml\t") || !strings.Contains(files, "motcua.toml.dist") {
		t.Errorf("the MSI must ship motcua.toml.dist and never own motcua.toml:\n%s", files)
	}

	w := newWinePrefix(t, "")
	port := freePort(t)
	confDir := w.drive(`C:\ProgramData\motcua`)
	dataDir := filepath.Join(confDir, "data")
	// The administrator's configuration, there before the install (as a
	// deployment tool would put it): the API on a free loopback port.
	def, err := os.ReadFile("../internal/config/motcua.toml")
	if err != nil {
		t.Fatal(err)
	}
	adminCfg := bytes.Replace(def, []byte(`listen = "127.0.0.1:7420"`), []byte(fmt.Sprintf("listen = %q\r\n# edited by the administrator", port)), 1)
	if bytes.Equal(adminCfg, def) {
		t.Fatal("the default configuration has no api listen line to edit")
	}
	os.MkdirAll(confDir, 0o755)
	if err := os.WriteFile(filepath.Join(confDir, "motcua.toml"), adminCfg, 0o644); err != nil {
		t.Fatal(err)
	}

	msiexec := func(args ...string) {
		t.Helper()
		log := filepath.Join(t.TempDir(), "msi.log")
		out, err := w.run(append([]string{"msiexec"}, append(args, "/qn", "/l*v", unixToWine(log))...)...)
		if err != nil {
			b, _ := os.ReadFile(log)
			t.Fatalf("msiexec %s: %v\n%s\nlog (tail):\n%s", strings.Join(args, " "), err, out, tail(string(utf16ish(b)), 4000))
		}
	}
	exe := `C:\Program Files\motcua\motcua.exe`
	scState := func() string {
		out, _ := w.run("sc", "query", "motcua")
		for _, l := range strings.Split(out, "\n") {
			if strings.Contains(l, "STATE") {
				return strings.TrimSpace(l)
			}
		}
		return strings.TrimSpace(out)
	}
	healthz := func() string {
		t.Helper()
		var last error
		for i := 0; i < 120; i++ {
			resp, err := http.Get("http://" + port + "/healthz")
			if err == nil {
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				return string(b)
			}
			last = err
			time.Sleep(500 * time.Millisecond)
		}
		t.Fatalf("the service never answered /healthz on %s: %v", port, last)
		return ""
	}

	// Install.
	msiexec("/i", unixToWine(v1))
	if st := scState(); !strings.Contains(st, "RUNNING") {
		t.Fatalf("after install: sc query motcua: %s", st)
	}
	if h := healthz(); !healthOK(h) {
		t.Errorf("healthz after install: %s", h)
	}
	for _, p := range []string{exe, `C:\Program Files\motcua\motcua-app.exe`, `C:\ProgramData\motcua\motcua.toml.dist`} {
		if _, err := os.Stat(w.drive(p)); err != nil {
			t.Errorf("after install: %s missing: %v", p, err)
		}
	}
	if lnk := shortcut(w); lnk == "" {
		t.Errorf("after install: no Start-menu shortcut %q", shortcutName)
	} else {
		t.Logf("Start-menu shortcut: %s", lnk)
	}
	status := w.must(exe, "service", "status")
	t.Logf("motcua service status (as Wine reports it):\n%s", status)
	for _, want := range []string{"state:     running", "start:     automatic", `--data "C:\ProgramData\motcua\data"`, "account:   LocalSystem"} {
		if !strings.Contains(status, want) && !strings.Contains(status, strings.ReplaceAll(want, `"`, "")) {
			t.Errorf("service status lacks %q", want)
		}
	}

	// Queue a dossier while the service is stopped (nowhere to deliver:
	// no provider is configured, so it stays queued).
	w.must(exe, "service", "stop")
	payload := w.drive(`C:\dossier.json`)
	os.WriteFile(payload, []byte(`{"applicant":{"full_name":"TRAN THI TEST"},"note":"synthetic"}`), 0o644)
	id := strings.TrimSpace(w.must(exe, "outbox", "add", "--data", `C:\ProgramData\motcua\data`, "--service", "1.004222", "--file", `C:\dossier.json`))
	if id == "" {
		t.Fatal("outbox add printed no id")
	}
	w.must(exe, "service", "start")

	// Major upgrade.
	msiexec("/i", unixToWine(v2))
	if st := scState(); !strings.Contains(st, "RUNNING") {
		t.Fatalf("after the upgrade: sc query motcua: %s", st)
	}
	healthz()
	if got, _ := os.ReadFile(filepath.Join(confDir, "motcua.toml")); !bytes.Equal(got, adminCfg) {
		t.Errorf("the upgrade changed the administrator's motcua.toml")
	}
	if _, err := os.Stat(filepath.Join(confDir, "motcua.toml.dist")); err != nil {
		t.Errorf("the upgrade did not write the new defaults beside it: %v", err)
	}
	w.must(exe, "service", "stop")
	if list := w.must(exe, "outbox", "list", "--data", `C:\ProgramData\motcua\data`, "--json"); !strings.Contains(list, id) {
		t.Fatalf("the upgrade lost the queued dossier %s:\n%s", id, list)
	}
	products := w.must("reg", "query", `HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall`, "/s")
	if n := strings.Count(products, "DisplayName    REG_SZ    Mot Cua Edge"); n != 1 {
		t.Errorf("after the upgrade %d products named Mot Cua Edge are registered, want 1", n)
	}

	// Uninstall: program, service and shortcut go; data and config stay.
	msiexec("/x", unixToWine(v2))
	if st := scState(); strings.Contains(st, "RUNNING") || strings.Contains(st, "STOPPED") {
		t.Errorf("after uninstall the service still exists: %s", st)
	}
	if _, err := os.Stat(w.drive(exe)); err == nil {
		t.Errorf("after uninstall %s is still there", exe)
	}
	if lnk := shortcut(w); lnk != "" {
		t.Errorf("after uninstall the shortcut %s is still there", lnk)
	}
	for _, p := range []string{filepath.Join(dataDir, "outbox.db"), filepath.Join(dataDir, "outbox.key"), filepath.Join(confDir, "motcua.toml")} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("uninstall removed %s (data and configuration are kept unless PURGEDATA=1)", p)
		}
	}

	// Install again: the queue is still there; then uninstall with PURGEDATA=1.
	msiexec("/i", unixToWine(v2))
	w.must(exe, "service", "stop")
	var recs []struct {
		UUID string `json:"uuid"`
	}
	list := w.must(exe, "outbox", "list", "--data", `C:\ProgramData\motcua\data`, "--json")
	if err := json.Unmarshal([]byte(list), &recs); err != nil || len(recs) != 1 || recs[0].UUID != id {
		t.Fatalf("reinstall: queue %v (%v), want the one dossier %s", recs, err, id)
	}
	msiexec("/x", unixToWine(v2), "PURGEDATA=1")
	if _, err := os.Stat(dataDir); err == nil {
		t.Errorf("PURGEDATA=1 left the data directory")
	}
	if _, err := os.Stat(filepath.Join(confDir, "motcua.toml")); err != nil {
		t.Errorf("PURGEDATA=1 removed the configuration too: %v", err)
	}
}

// shortcutName is the app's Start-menu entry, under Programs.
const shortcutName = `Mot Cua Edge\Mot Cua Edge.lnk`

// shortcut finds the app's Start-menu shortcut: in the all-users Start menu
// (Windows, ALLUSERS=1), or in the user's, where Wine 8's msi puts
// ProgramMenuFolder even for a per-machine install. "" when there is none.
func shortcut(w *winePrefix) string {
	for _, dir := range []string{`C:\ProgramData\Microsoft\Windows\Start Menu\Programs`,
		`C:\users\` + os.Getenv("USER") + `\AppData\Roaming\Microsoft\Windows\Start Menu\Programs`} {
		p := dir + `\` + shortcutName
		if _, err := os.Stat(w.drive(p)); err == nil {
			return p
		}
	}
	matches, _ := filepath.Glob(filepath.Join(w.dir, "drive_c", "users", "*", "AppData", "Roaming", "Microsoft", "Windows", "Start Menu", "Programs", "Mot Cua Edge", "Mot Cua Edge.lnk"))
	if len(matches) > 0 {
		return matches[0]
	}
	return ""
}

// tail is the last n bytes of s.
func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// utf16ish drops the NULs of a UTF-16LE msiexec log for reading.
func utf16ish(b []byte) []byte { return bytes.ReplaceAll(b, []byte{0}, nil) }
