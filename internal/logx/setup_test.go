package logx

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestFileOutput(t *testing.T) {
	p := filepath.Join(t.TempDir(), "log", "motcua.log")
	for i := range 2 { // appends across opens
		l, err := New(Options{Output: p, Level: "info"})
		if err != nil {
			t.Fatal(err)
		}
		l.Info("opened", "i", i, "id", testID)
		l.Debug("hidden")
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 2 || strings.Contains(string(b), testID) || strings.Contains(string(b), "hidden") {
		t.Fatalf("file:\n%s", b)
	}
	var rec map[string]any
	if err := json.Unmarshal([]byte(lines[1]), &rec); err != nil || rec["id"] != "001******064" {
		t.Fatalf("record %s: %v", lines[1], err)
	}
	if _, err := New(Options{Output: "relative.log"}); err == nil {
		t.Fatal("relative path accepted")
	}
	if _, err := New(Options{Level: "loud"}); err == nil {
		t.Fatal("bad level accepted")
	}
}

// parseJournal decodes one native-protocol datagram.
func parseJournal(t *testing.T, b []byte) map[string]string {
	t.Helper()
	m := map[string]string{}
	for len(b) > 0 {
		nl := bytes.IndexByte(b, '\n')
		if nl < 0 {
			t.Fatalf("unterminated field %q", b)
		}
		line := b[:nl]
		if k, v, ok := bytes.Cut(line, []byte("=")); ok {
			m[string(k)] = string(v)
			b = b[nl+1:]
			continue
		}
		n := binary.LittleEndian.Uint64(b[nl+1 : nl+9])
		m[string(line)] = string(b[nl+9 : nl+9+int(n)])
		b = b[nl+9+int(n)+1:]
	}
	return m
}

func TestJournalOutput(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "journal.sock")
	srv, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Skipf("unixgram: %v", err)
	}
	defer srv.Close()
	l, err := New(Options{Output: "journal", JournalSocket: sock})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	l.Error("read failed for "+testID, "reason", "wrong_key")
	l.Info("two\nlines")

	buf := make([]byte, 1<<16)
	var got []map[string]string
	for range 2 {
		srv.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, err := srv.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, parseJournal(t, buf[:n]))
	}
	if got[0]["PRIORITY"] != "3" || got[0]["SYSLOG_IDENTIFIER"] != "motcua" || got[1]["PRIORITY"] != "6" {
		t.Fatalf("fields: %v", got)
	}
	var rec map[string]any
	if err := json.Unmarshal([]byte(got[0]["MESSAGE"]), &rec); err != nil {
		t.Fatalf("MESSAGE is not JSON: %q", got[0]["MESSAGE"])
	}
	if rec["msg"] != "read failed for 001******064" || rec["reason"] != "wrong_key" {
		t.Fatalf("record: %v", rec)
	}
	if !strings.Contains(got[1]["MESSAGE"], `two\nlines`) {
		t.Fatalf("second: %q", got[1]["MESSAGE"])
	}
	var b bytes.Buffer
	field(&b, "K", []byte("a\nb"))
	if m := parseJournal(t, b.Bytes()); m["K"] != "a\nb" {
		t.Fatalf("binary field: %q", m)
	}
	if _, err := New(Options{Output: "journal", JournalSocket: filepath.Join(t.TempDir(), "none")}); err == nil {
		t.Fatal("missing journal socket accepted")
	}
}
