package packaging

import (
	"archive/zip"
	"bytes"
	"debug/pe"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestWindowsZip cross-compiles the agent, the app and the intake for
// Windows with mingw-w64 (as `make package` does), and checks the zip holds
// what packaging/windows/README.txt promises, as real PE executables that
// reach PC/SC through winscard.dll. The first build of the app compiles
// GLFW's C code with mingw and takes minutes; later runs hit the cache.
func TestWindowsZip(t *testing.T) {
	if testing.Short() {
		t.Skip("cross-compiles for Windows (-short)")
	}
	if _, err := exec.LookPath("x86_64-w64-mingw32-gcc"); err != nil {
		t.Skip("mingw-w64 not installed (Debian package gcc-mingw-w64-x86-64)")
	}
	dist := buildPackages(t, "windows")
	zips, _ := filepath.Glob(filepath.Join(dist, "motcua-*-windows-amd64.zip"))
	if len(zips) != 1 {
		t.Fatalf("zips: %v", zips)
	}
	if st, err := os.Stat(zips[0]); err == nil {
		t.Logf("package size: %s %d bytes", filepath.Base(zips[0]), st.Size())
	}
	zr, err := zip.OpenReader(zips[0])
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	files := map[string]*zip.File{}
	for _, f := range zr.File {
		files[strings.TrimPrefix(f.Name, "motcua/")] = f
	}
	readme, err := os.ReadFile("windows/README.txt")
	if err != nil {
		t.Fatal(err)
	}
	// Every file the README lists under Contents is in the zip.
	inContents := false
	for _, l := range strings.Split(string(readme), "\n") {
		switch {
		case strings.HasPrefix(l, "Contents"):
			inContents = true
			continue
		case inContents && strings.TrimSpace(l) == "":
			inContents = false
		}
		if !inContents {
			continue
		}
		name := strings.Fields(l)[0]
		if _, ok := files[name]; !ok && !strings.Contains(l, "when built") {
			t.Errorf("README lists %s; the zip lacks it", name)
		}
	}
	for _, exe := range []string{"motcua.exe", "motcua-app.exe", "motcua-intake.exe"} {
		f, ok := files[exe]
		if !ok {
			t.Errorf("zip lacks %s", exe)
			continue
		}
		imports, raw := peImports(t, f)
		// scard loads winscard.dll at run time (a lazy DLL): its name is in
		// the binary, not in the import table.
		if exe != "motcua-intake.exe" && !bytes.Contains(bytes.ToLower(raw), []byte("winscard.dll")) {
			t.Errorf("%s does not reach winscard.dll", exe)
		}
		if exe == "motcua-app.exe" && !slices.ContainsFunc(imports, func(s string) bool { return strings.HasSuffix(strings.ToLower(s), ":opengl32.dll") }) {
			t.Errorf("%s does not import opengl32.dll (%d imported symbols)", exe, len(imports))
		}
	}
}

// peImports reads a zipped executable: its imported symbols ("sym:dll")
// and its bytes.
func peImports(t *testing.T, f *zip.File) ([]string, []byte) {
	t.Helper()
	rc, err := f.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	raw, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	pf, err := pe.NewFile(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("%s is not a PE executable: %v", f.Name, err)
	}
	defer pf.Close()
	if pf.FileHeader.Machine != pe.IMAGE_FILE_MACHINE_AMD64 {
		t.Errorf("%s: machine %#x, want amd64", f.Name, pf.FileHeader.Machine)
	}
	syms, err := pf.ImportedSymbols()
	if err != nil {
		t.Fatal(err)
	}
	return syms, raw
}
