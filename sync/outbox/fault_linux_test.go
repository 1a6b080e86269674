//go:build linux

package outbox

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// childReport is what a child process prints as its last line.
type childReport struct {
	ReadOnly   bool     `json:"read_only"`
	Acked      []string `json:"acked"`
	Count      int      `json:"count"`
	AddErr     string   `json:"add_err"`
	AddErrKind string   `json:"add_err_kind"`
	Payload    string   `json:"payload"`
	Logs       string   `json:"logs"`
}

func runChild(mode, dir string) int {
	var logs bytes.Buffer
	rep := childReport{}
	emit := func() int {
		rep.Logs = logs.String()
		json.NewEncoder(os.Stdout).Encode(rep)
		return 0
	}
	switch mode {
	case "diskfull":
		// The kernel sends SIGXFSZ when a write crosses RLIMIT_FSIZE; with
		// it ignored the write fails with EFBIG, as on a full disk.
		signal.Ignore(syscall.SIGXFSZ)
		s, err := Open(dir, Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
		if err != nil {
			fmt.Fprintln(os.Stderr, "open:", err)
			return 3
		}
		fi, _ := os.Stat(filepath.Join(dir, DBFile))
		lim := uint64(fi.Size()) + 512<<10
		if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: lim, Max: lim}); err != nil {
			fmt.Fprintln(os.Stderr, "setrlimit:", err)
			return 3
		}
		payload := []byte(`{"SoDinhDanh":"001099012345","pad":"` + strings.Repeat("x", 3000) + `"}`)
		for i := 0; i < 2000; i++ {
			id, err := s.Add(context.Background(), "1.004222", payload)
			if err != nil {
				rep.AddErr = err.Error()
				if errors.Is(err, ErrDiskFull) {
					rep.AddErrKind = "disk_full"
				}
				break
			}
			rep.Acked = append(rep.Acked, id)
		}
		// Further adds either fit in free pages or fail cleanly again;
		// reading still works.
		for range 5 {
			id, err := s.Add(context.Background(), "1.004222", payload)
			if err == nil {
				rep.Acked = append(rep.Acked, id)
			} else if !errors.Is(err, ErrDiskFull) {
				rep.AddErrKind = fmt.Sprintf("later add: %v", err)
			}
		}
		list, err := s.List(Filter{})
		if err != nil {
			fmt.Fprintln(os.Stderr, "list:", err)
			return 3
		}
		rep.Count = len(list)
		if len(rep.Acked) > 0 {
			p, _ := s.Payload(rep.Acked[0])
			rep.Payload = fmt.Sprintf("%d bytes", len(p))
		}
		s.Close()
		return emit()
	case "attachfull":
		// Disk full mid-capture: a sealed attachment file crosses the file
		// size limit (EFBIG, as ENOSPC) while it is being written.
		signal.Ignore(syscall.SIGXFSZ)
		s, err := Open(dir, Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
		if err != nil {
			fmt.Fprintln(os.Stderr, "open:", err)
			return 3
		}
		lim := uint64(256 << 10)
		if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: lim, Max: lim}); err != nil {
			fmt.Fprintln(os.Stderr, "setrlimit:", err)
			return 3
		}
		for _, n := range []int{100 << 10, 1 << 20} {
			id, err := s.AddWithAttachments(context.Background(), "1.004222", []byte(`{"a":1}`),
				[]AttachmentSource{{Name: "scan", Type: "application/pdf", R: bytes.NewReader(make([]byte, n))}})
			if err != nil {
				rep.AddErr = err.Error()
				if errors.Is(err, ErrDiskFull) {
					rep.AddErrKind = "disk_full"
				}
				break
			}
			rep.Acked = append(rep.Acked, id)
		}
		list, err := s.List(Filter{})
		if err != nil {
			fmt.Fprintln(os.Stderr, "list:", err)
			return 3
		}
		rep.Count = len(list)
		s.Close()
		return emit()
	case "readonly":
		s, err := Open(dir, Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
		if err != nil {
			fmt.Fprintln(os.Stderr, "open:", err)
			return 3
		}
		defer s.Close()
		rep.ReadOnly = s.ReadOnly()
		list, err := s.List(Filter{})
		if err != nil {
			fmt.Fprintln(os.Stderr, "list:", err)
			return 3
		}
		rep.Count = len(list)
		if len(list) > 0 {
			p, err := s.Payload(list[0].UUID)
			if err != nil {
				fmt.Fprintln(os.Stderr, "payload:", err)
				return 3
			}
			rep.Payload = string(p)
		}
		_, err = s.Add(context.Background(), "1.004222", []byte(`{}`))
		if err != nil {
			rep.AddErr = err.Error()
			if errors.Is(err, ErrReadOnly) {
				rep.AddErrKind = "read_only"
			}
		}
		if _, err := s.Claim(time.Now()); !errors.Is(err, ErrReadOnly) {
			rep.AddErrKind += fmt.Sprintf(" claim: %v", err)
		}
		return emit()
	}
	return runCrashChild(mode, dir)
}

func runChildT(t *testing.T, mode, dir string, cred *syscall.Credential, bin string) childReport {
	t.Helper()
	if bin == "" {
		bin = os.Args[0]
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-test.run=^$")
	cmd.Env = append(os.Environ(), "OUTBOX_TEST_CHILD="+mode, "OUTBOX_TEST_DIR="+dir)
	if cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("child %s: %v\n%s", mode, err, stderr.String())
	}
	var rep childReport
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	var last string
	for sc.Scan() {
		last = sc.Text()
	}
	if err := json.Unmarshal([]byte(last), &rep); err != nil {
		t.Fatalf("child output %q: %v", out, err)
	}
	return rep
}

// TestDiskFull fills the store until the file size limit (RLIMIT_FSIZE,
// which fails writes with EFBIG exactly like ENOSPC on a full disk) stops
// it, in a child process, and checks the error is clear and nothing that
// was acknowledged is lost.
func TestDiskFull(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir, Options{})
	s.Close()
	rep := runChildT(t, "diskfull", dir, nil, "")
	if rep.AddErrKind != "disk_full" {
		t.Fatalf("add error %q kind %q, want ErrDiskFull", rep.AddErr, rep.AddErrKind)
	}
	if len(rep.Acked) < 10 {
		t.Fatalf("only %d adds before disk full; limit too small to test anything", len(rep.Acked))
	}
	if rep.Count != len(rep.Acked) {
		t.Errorf("child lists %d records, acknowledged %d", rep.Count, len(rep.Acked))
	}
	if strings.Contains(rep.AddErr, "001099012345") || strings.Contains(rep.Logs, "001099012345") {
		t.Errorf("payload leaked: %s %s", rep.AddErr, rep.Logs)
	}
	t.Logf("disk full after %d records: %s", len(rep.Acked), rep.AddErr)

	s = openT(t, dir, Options{})
	if s.Recovered() != nil {
		t.Fatalf("store corrupt after disk full: %+v", s.Recovered())
	}
	for _, id := range rep.Acked {
		p, err := s.Payload(id)
		if err != nil || !bytes.Contains(p, []byte("SoDinhDanh")) {
			t.Fatalf("acknowledged %s lost after disk full: %v", id, err)
		}
	}
	if _, err := s.Add(context.Background(), "1.004222", []byte(`{}`)); err != nil {
		t.Errorf("add after space returned: %v", err)
	}
}

// TestDiskFullMidAttachment: the disk fills while an attachment is being
// sealed to disk. The add fails with ErrDiskFull, nothing of it stays, and
// the record stored before keeps its attachment.
func TestDiskFullMidAttachment(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir, Options{})
	s.Close()
	rep := runChildT(t, "attachfull", dir, nil, "")
	if rep.AddErrKind != "disk_full" || len(rep.Acked) != 1 || rep.Count != 1 {
		t.Fatalf("child: err %q kind %q, acked %d, listed %d; want the second add refused as disk full", rep.AddErr, rep.AddErrKind, len(rep.Acked), rep.Count)
	}
	s = openT(t, dir, Options{})
	if err := s.VerifyAttachments(rep.Acked[0]); err != nil {
		t.Fatalf("first attachment after disk full: %v", err)
	}
	ents, _ := os.ReadDir(filepath.Join(dir, AttachDir))
	if len(ents) != 1 {
		t.Errorf("attachments directory holds %d entries after the failed add, want 1", len(ents))
	}
}

// TestReadOnlyDisk opens a store whose directory and files refuse writes.
// Root ignores permission bits, so as root the child runs as nobody.
func TestReadOnlyDisk(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "data")
	s := openT(t, dir, Options{})
	want := `{"n":"read-only test"}`
	for range 3 {
		if _, err := s.Add(context.Background(), "1.004222", []byte(want)); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()

	var cred *syscall.Credential
	bin := ""
	if os.Geteuid() == 0 {
		const nobody = 65534
		cred = &syscall.Credential{Uid: nobody, Gid: nobody}
		// nobody must reach the test binary and the data.
		bin = filepath.Join(base, "outbox.test")
		copyFile(t, os.Args[0], bin, 0o755)
		for _, p := range []string{filepath.Dir(base), base} {
			os.Chmod(p, 0o755)
		}
		filepath.Walk(dir, func(p string, _ os.FileInfo, _ error) error { return os.Chown(p, nobody, nobody) })
	}
	os.Chmod(filepath.Join(dir, DBFile), 0o444)
	os.Chmod(filepath.Join(dir, KeyFile), 0o400)
	os.Chmod(dir, 0o555)
	t.Cleanup(func() { os.Chmod(dir, 0o755) })

	rep := runChildT(t, "readonly", dir, cred, bin)
	if !rep.ReadOnly {
		t.Errorf("store did not open read-only")
	}
	if rep.Count != 3 || rep.Payload != want {
		t.Errorf("stored records not readable: count %d payload %q", rep.Count, rep.Payload)
	}
	if rep.AddErrKind != "read_only" {
		t.Errorf("add on read-only: %q (%s)", rep.AddErr, rep.AddErrKind)
	}
	if !strings.Contains(rep.Logs, "READ-ONLY") {
		t.Errorf("read-only not reported: %s", rep.Logs)
	}
	os.Chmod(dir, 0o755)
	os.Chmod(filepath.Join(dir, DBFile), 0o600)
	s = openT(t, dir, Options{})
	if l, _ := s.List(Filter{}); len(l) != 3 {
		t.Errorf("after read-only period: %d records", len(l))
	}
}

func copyFile(t *testing.T, from, to string, mode os.FileMode) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestDiskFullTmpfs fills a real, tiny tmpfs until ENOSPC. Mounting needs
// root (CI runs as root); elsewhere TestDiskFull covers the same path.
func TestDiskFullTmpfs(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounting a tmpfs needs root; TestDiskFull covers disk full with RLIMIT_FSIZE")
	}
	mnt := filepath.Join(t.TempDir(), "mnt")
	os.Mkdir(mnt, 0o700)
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mnt).CombinedOutput(); err != nil {
		t.Skipf("cannot mount tmpfs here (%v: %s); TestDiskFull covers disk full", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", mnt).Run() })
	dir := filepath.Join(mnt, "data")
	s := openT(t, dir, Options{})
	payload := []byte(`{"pad":"` + strings.Repeat("y", 3000) + `"}`)
	var acked []string
	var lastErr error
	for i := 0; i < 2000; i++ {
		id, err := s.Add(context.Background(), "1.004222", payload)
		if err != nil {
			lastErr = err
			break
		}
		acked = append(acked, id)
	}
	if !errors.Is(lastErr, ErrDiskFull) {
		t.Fatalf("after %d adds: %v, want ErrDiskFull", len(acked), lastErr)
	}
	if len(acked) < 10 {
		t.Fatalf("only %d adds fit", len(acked))
	}
	t.Logf("ENOSPC after %d records: %v", len(acked), lastErr)
	s.Close()
	s = openT(t, dir, Options{})
	if s.Recovered() != nil {
		t.Fatalf("store corrupt after ENOSPC: %+v", s.Recovered())
	}
	for _, id := range acked {
		if p, err := s.Payload(id); err != nil || len(p) != len(payload) {
			t.Fatalf("acknowledged %s lost: %v", id, err)
		}
	}
}
