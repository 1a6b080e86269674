package outbox

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// synthetic payload with a made-up 12-digit ID number and name.
const testPayload = `{"SoDinhDanh":"001099012345","HoTen":"Nguyễn Văn Thử","ThanhPhan":["CT01"]}`

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newClock() *clock { return &clock{t: time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)} }

func openT(t *testing.T, dir string, o Options) *Store {
	t.Helper()
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(testWriter{t}, nil))
	}
	s, err := Open(dir, o)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func TestAddIsDurableAndEncrypted(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir, Options{Device: "kiosk-01"})
	id, err := s.Add(context.Background(), "1.004222", []byte(testPayload))
	if err != nil {
		t.Fatal(err)
	}
	if !ValidUUID(id) {
		t.Fatalf("bad uuid %q", id)
	}
	s.Close()

	raw, err := os.ReadFile(filepath.Join(dir, DBFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"001099012345", "Nguy", "SoDinhDanh"} {
		if bytes.Contains(raw, []byte(secret)) {
			t.Errorf("database file contains plaintext %q", secret)
		}
	}
	if !bytes.Contains(raw, []byte(id)) || !bytes.Contains(raw, []byte("1.004222")) {
		t.Error("metadata (uuid, service) should be stored in clear")
	}
	if runtime.GOOS != "windows" {
		fi, err := os.Stat(filepath.Join(dir, KeyFile))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("key file mode %v, want 0600", fi.Mode().Perm())
		}
	}

	s = openT(t, dir, Options{})
	r, err := s.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	if r.State != Pending || r.Service != "1.004222" || r.Device != "kiosk-01" || r.Attempts != 0 || r.PayloadSize != len(testPayload) {
		t.Errorf("record %+v", r)
	}
	p, err := s.Payload(id)
	if err != nil || string(p) != testPayload {
		t.Fatalf("payload %q, %v", p, err)
	}
	if _, err := s.Get("00000000-0000-4000-8000-000000000000"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get unknown: %v", err)
	}
}

func TestAddRejectsBadInput(t *testing.T) {
	s := openT(t, t.TempDir(), Options{MaxPayload: 200})
	ctx := context.Background()
	cases := []struct {
		name, service, payload string
	}{
		{"empty service", "", `{}`},
		{"service with space", "1.004 222", `{}`},
		{"service too long", strings.Repeat("1", 33), `{}`},
		{"empty payload", "1.004222", ``},
		{"not json", "1.004222", `{"SoDinhDanh":"001099012345"`},
		{"too big", "1.004222", `"` + strings.Repeat("9", 300) + `"`},
	}
	for _, c := range cases {
		_, err := s.Add(ctx, c.service, []byte(c.payload))
		if !errors.Is(err, ErrInvalidInput) {
			t.Errorf("%s: err %v, want ErrInvalidInput", c.name, err)
			continue
		}
		if strings.Contains(err.Error(), "001099012345") || strings.Contains(err.Error(), "999999") {
			t.Errorf("%s: error leaks payload: %v", c.name, err)
		}
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.Add(cctx, "1.004222", []byte(`{}`)); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled ctx: %v", err)
	}
	if recs, _ := s.List(Filter{}); len(recs) != 0 {
		t.Errorf("bad input stored %d records", len(recs))
	}
}

func TestKeyRotationKeepsOldRecordsReadable(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir, Options{})
	ctx := context.Background()
	a, err := s.Add(ctx, "1.000466", []byte(`{"n":1}`))
	if err != nil {
		t.Fatal(err)
	}
	k2, err := s.RotateKey()
	if err != nil || k2 != 2 {
		t.Fatalf("RotateKey = %d, %v", k2, err)
	}
	b, err := s.Add(ctx, "1.000466", []byte(`{"n":2}`))
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = openT(t, dir, Options{})
	if ids := s.keyring().KeyIDs(); len(ids) != 1 || ids[0] != 2 {
		t.Errorf("master keys after rotation %v, want only 2 (1 wraps nothing any more)", ids)
	}
	for id, want := range map[string]string{a: `{"n":1}`, b: `{"n":2}`} {
		p, err := s.Payload(id)
		if err != nil || string(p) != want {
			t.Errorf("payload %s = %q, %v", id, p, err)
		}
	}
}

func TestMissingKeyIsAnErrorNotANewKey(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir, Options{})
	if _, err := s.Add(context.Background(), "1.004222", []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if err := os.Remove(filepath.Join(dir, KeyFile)); err != nil {
		t.Fatal(err)
	}
	_, err := Open(dir, Options{Logger: slog.New(slog.DiscardHandler)})
	if !errors.Is(err, ErrKeyMissing) {
		t.Fatalf("Open without key: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, KeyFile)); err == nil {
		t.Error("a new key file was created over sealed records")
	}
	// Read-only, the metadata is still listable without the key.
	ro, err := Open(dir, Options{ReadOnly: true, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("read-only open without key: %v", err)
	}
	defer ro.Close()
	recs, err := ro.List(Filter{})
	if err != nil || len(recs) != 1 || recs[0].Service != "1.004222" {
		t.Fatalf("list without key: %v %v", recs, err)
	}
	if _, err := ro.Payload(recs[0].UUID); !errors.Is(err, ErrKeyMissing) {
		t.Errorf("payload without key: %v", err)
	}
}

func TestStateMachine(t *testing.T) {
	clk := newClock()
	s := openT(t, t.TempDir(), Options{Now: clk.Now, MaxAttempts: 3})
	ctx := context.Background()
	id, _ := s.Add(ctx, "1.004222", []byte(`{"x":1}`))

	if err := s.MarkAccepted(id, "H01", 1); !errors.Is(err, ErrInvalidState) {
		t.Errorf("accept pending: %v", err)
	}
	c, err := s.Claim(clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	if c.UUID != id || c.State != Sending || c.Attempts != 1 || string(c.Payload) != `{"x":1}` {
		t.Fatalf("claimed %+v", c)
	}
	if _, err := s.Claim(clk.Now()); !errors.Is(err, ErrNoneDue) {
		t.Errorf("second claim: %v", err)
	}
	// Not sent (connection refused): attempt not counted.
	st, err := s.MarkRetry(id, Retry{Next: clk.Now().Add(time.Minute), Code: "unreachable", Detail: "dial refused", NoCount: true})
	if err != nil || st != Pending {
		t.Fatalf("MarkRetry = %v, %v", st, err)
	}
	if r, _ := s.Get(id); r.Attempts != 0 {
		t.Errorf("not-sent attempt counted: %d", r.Attempts)
	}
	if _, err := s.Claim(clk.Now()); !errors.Is(err, ErrNoneDue) {
		t.Errorf("claim before backoff elapsed: %v", err)
	}
	if next, ok, _ := s.NextDue(); !ok || !next.Equal(clk.Now().Add(time.Minute)) {
		t.Errorf("NextDue %v %v", next, ok)
	}
	clk.Add(time.Minute)
	for i := 1; i <= 3; i++ {
		if _, err := s.Claim(clk.Now()); err != nil {
			t.Fatalf("claim %d: %v", i, err)
		}
		st, err = s.MarkRetry(id, Retry{Next: clk.Now(), Code: "no_answer_http_503", Detail: "HTTP 503 for 001099012345"})
		if err != nil {
			t.Fatal(err)
		}
	}
	r, _ := s.Get(id)
	if st != NeedsAttention || r.State != NeedsAttention || r.Attempts != 3 {
		t.Fatalf("after 3 attempts: %v %+v", st, r)
	}
	if r.Reason != CodeRetriesExhausted || r.LastError != "no_answer_http_503" {
		t.Errorf("codes %q %q", r.Reason, r.LastError)
	}
	if d, err := s.Detail(id); err != nil || d.LastError != "HTTP 503 for 001099012345" {
		t.Errorf("detail %+v %v", d, err)
	}
	if _, err := s.Claim(clk.Now()); !errors.Is(err, ErrNoneDue) {
		t.Errorf("needs_attention was claimed: %v", err)
	}
	if err := s.Requeue(id); err != nil {
		t.Fatal(err)
	}
	c, err = s.Claim(clk.Now())
	if err != nil || c.UUID != id || c.Attempts != 1 {
		t.Fatalf("claim after requeue: %+v %v", c, err)
	}
	if err := s.MarkAccepted(id, "H40.22-261123-0001", 1); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkAccepted(id, "H40.22-261123-0001", 1); err != nil {
		t.Errorf("repeat accept with same code: %v", err)
	}
	if err := s.MarkAccepted(id, "OTHER", 1); !errors.Is(err, ErrInvalidState) {
		t.Errorf("accept with other code: %v", err)
	}
	if err := s.SetProvincialStatus(id, 4); err != nil {
		t.Fatal(err)
	}
	if err := s.SetProvincialStatus(id, 11); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("status 11: %v", err)
	}
	r, _ = s.Get(id)
	if r.State != Accepted || r.DossierCode != "H40.22-261123-0001" || r.ProvincialStatus != 4 {
		t.Errorf("accepted record %+v", r)
	}

	id2, _ := s.Add(ctx, "1.004222", []byte(`{"x":2}`))
	if _, err := s.Claim(clk.Now()); err != nil {
		t.Fatal(err)
	}
	// A caller passing free text as the code: it never reaches the clear
	// metadata.
	if err := s.MarkRejected(id2, "SoDinhDanh 001099012345 không hợp lệ", ""); err != nil {
		t.Fatal(err)
	}
	r, _ = s.Get(id2)
	if r.State != Rejected || r.Reason != CodeUnspecified {
		t.Errorf("rejected %+v", r)
	}
	if d, err := s.Detail(id2); err != nil || d.Reason != "SoDinhDanh 001099012345 không hợp lệ" {
		t.Errorf("detail %+v %v", d, err)
	}
	if _, err := s.MarkRetry(id2, Retry{Next: clk.Now()}); !errors.Is(err, ErrInvalidState) {
		t.Errorf("retry of rejected: %v", err)
	}
	counts, _ := s.Counts()
	if counts[Accepted] != 1 || counts[Rejected] != 1 || len(counts) != 2 {
		t.Errorf("counts %v", counts)
	}
}

func TestClaimOrderIsFIFO(t *testing.T) {
	clk := newClock()
	s := openT(t, t.TempDir(), Options{Now: clk.Now})
	var ids []string
	for i := range 5 {
		id, err := s.Add(context.Background(), "1.004222", []byte(`{}`))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
		_ = i
	}
	for i := range 5 {
		c, err := s.Claim(clk.Now())
		if err != nil || c.UUID != ids[i] {
			t.Fatalf("claim %d = %v, %v; want %s", i, c, err, ids[i])
		}
	}
	list, _ := s.List(Filter{States: []State{Sending}, Limit: 3})
	if len(list) != 3 || list[0].UUID != ids[0] {
		t.Errorf("List limit/order: %d", len(list))
	}
}

func TestCrashWhileSendingGoesBackToPending(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir, Options{})
	id, _ := s.Add(context.Background(), "1.004222", []byte(`{}`))
	if _, err := s.Claim(time.Now()); err != nil {
		t.Fatal(err)
	}
	s.Close() // as if killed mid-delivery: state stays sending on disk
	s = openT(t, dir, Options{})
	r, _ := s.Get(id)
	if r.State != Pending || r.Attempts != 1 || r.LastError == "" {
		t.Fatalf("after restart %+v", r)
	}
	c, err := s.Claim(time.Now())
	if err != nil || c.UUID != id {
		t.Fatalf("reclaim: %v", err)
	}
}

func TestPurgeAfterRetentionKeepsAudit(t *testing.T) {
	clk := newClock()
	dir := t.TempDir()
	s := openT(t, dir, Options{Now: clk.Now, Retention: time.Hour, Device: "quay-3"})
	ctx := context.Background()
	id, _ := s.Add(ctx, "1.004222", []byte(testPayload))
	keep, _ := s.Add(ctx, "1.004222", []byte(`{"keep":true}`))
	if _, err := s.Claim(clk.Now()); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkAccepted(id, "H40-1", 2); err != nil {
		t.Fatal(err)
	}
	clk.Add(59 * time.Minute)
	if n, err := s.Purge(); n != 0 || err != nil {
		t.Fatalf("early purge %d %v", n, err)
	}
	clk.Add(2 * time.Minute)
	s.Close()
	s = openT(t, dir, Options{Now: clk.Now, Retention: time.Hour}) // Open purges
	if _, err := s.Payload(id); !errors.Is(err, ErrPayloadPurged) {
		t.Errorf("payload after retention: %v", err)
	}
	if p, err := s.Payload(keep); err != nil || string(p) != `{"keep":true}` {
		t.Errorf("pending payload lost: %v", err)
	}
	r, _ := s.Get(id)
	if r.PurgedAt.IsZero() || r.DossierCode != "H40-1" {
		t.Errorf("record after purge %+v", r)
	}
	audit, _ := s.Audit()
	if len(audit) != 1 || audit[0].UUID != id || audit[0].DossierCode != "H40-1" || audit[0].Device != "quay-3" ||
		audit[0].PurgedAt.IsZero() || audit[0].AcceptedAt.IsZero() || audit[0].Service != "1.004222" {
		t.Errorf("audit %+v", audit)
	}
	s.Close()
}

func TestSecondProcessGetsErrLocked(t *testing.T) {
	dir := t.TempDir()
	openT(t, dir, Options{})
	_, err := Open(dir, Options{Timeout: 100 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)})
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second open: %v", err)
	}
}

func TestConcurrentAdds(t *testing.T) {
	s := openT(t, t.TempDir(), Options{})
	var wg sync.WaitGroup
	ids := make(chan string, 200)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 25 {
				id, err := s.Add(context.Background(), "1.004222", []byte(`{"g":1}`))
				if err != nil {
					t.Errorf("g%d i%d: %v", g, i, err)
					return
				}
				ids <- id
			}
		}()
	}
	wg.Wait()
	close(ids)
	seen := map[string]bool{}
	for id := range ids {
		if seen[id] {
			t.Fatalf("uuid reused %s", id)
		}
		seen[id] = true
	}
	list, _ := s.List(Filter{})
	if len(seen) != 200 || len(list) != 200 {
		t.Errorf("%d ids, %d records", len(seen), len(list))
	}
}

func TestUUID(t *testing.T) {
	seen := map[string]bool{}
	for range 10000 {
		u, err := NewUUID()
		if err != nil {
			t.Fatal(err)
		}
		if !ValidUUID(u) || u[14] != '4' || !strings.ContainsRune("89ab", rune(u[19])) {
			t.Fatalf("not a v4 uuid: %s", u)
		}
		if seen[u] {
			t.Fatalf("duplicate %s", u)
		}
		seen[u] = true
	}
	for _, bad := range []string{"", "not-a-uuid", "6F9619FF-8B86-4011-B42D-00C04FC964FF", "6f9619ff-8b86-4011-b42d-00c04fc964f"} {
		if ValidUUID(bad) {
			t.Errorf("ValidUUID(%q)", bad)
		}
	}
}

func TestRedact(t *testing.T) {
	cases := []struct{ in, want string }{
		{"", ""},
		{"HTTP 503", "HTTP 503"},
		{"id 001099012345 bad", "id 001******345 bad"},
		{"cmnd 123456789", "cmnd 123***789"},
		{"12345678", "12345678"},
		{"a001099012345b001099012346", "a001******345b001******346"},
	}
	for _, c := range cases {
		if got := Redact(c.in); got != c.want {
			t.Errorf("Redact(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if got := Redact(strings.Repeat("é", 300)); len(got) > 210 {
		t.Errorf("not truncated: %d", len(got))
	}
}

func TestDefaultDataDir(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("unix layout")
	}
	t.Setenv("MOTCUA_DATA", "/srv/motcua")
	if d, _ := DefaultDataDir(); d != "/srv/motcua" {
		t.Errorf("MOTCUA_DATA: %s", d)
	}
	t.Setenv("MOTCUA_DATA", "")
	t.Setenv("XDG_DATA_HOME", "/xdg")
	if d, _ := DefaultDataDir(); d != "/xdg/motcua" {
		t.Errorf("XDG: %s", d)
	}
	t.Setenv("XDG_DATA_HOME", "")
	t.Setenv("HOME", "/home/kiosk")
	if d, _ := DefaultDataDir(); d != "/home/kiosk/.local/share/motcua" {
		t.Errorf("HOME: %s", d)
	}
}

func FuzzRedact(f *testing.F) {
	f.Add("id 001099012345")
	f.Add("0123456789012345678901234567890")
	f.Fuzz(func(t *testing.T, s string) {
		out := Redact(s)
		run := 0
		for i := 0; i < len(out); i++ {
			if out[i] >= '0' && out[i] <= '9' {
				run++
				if run > 8 {
					t.Fatalf("digit run of %d survived in %q", run, out)
				}
			} else {
				run = 0
			}
		}
	})
}

// FuzzOpenSealed feeds arbitrary bytes to the payload decryption: it must
// return an error, never panic, and never accept a forgery.
func FuzzOpenSealed(f *testing.F) {
	kr, _, err := loadKeyring(filepath.Join(f.TempDir(), "k"), true)
	if err != nil {
		f.Fatal(err)
	}
	good, _ := kr.seal("u", []byte(`{"a":1}`))
	f.Add(good)
	f.Add([]byte{1, 0, 0, 0, 1})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		pt, err := kr.open("u", b)
		if err == nil && !bytes.Equal(b, good) {
			t.Fatalf("forged payload accepted: %q", pt)
		}
	})
}

// TestPurgeSlackBatches: with PurgeSlack, nothing is removed until the
// oldest expired payload is that far past its retention; then every
// expired payload goes in one purge (one rewrite of the live records).
func TestPurgeSlackBatches(t *testing.T) {
	clk := newClock()
	s := openT(t, t.TempDir(), Options{Now: clk.Now, Retention: time.Hour, PurgeSlack: time.Hour})
	ctx := context.Background()
	accept := func(code string) string {
		id, _ := s.Add(ctx, "1.004222", []byte(testPayload))
		if _, err := s.Claim(clk.Now()); err != nil {
			t.Fatal(err)
		}
		if err := s.MarkAccepted(id, code, 2); err != nil {
			t.Fatal(err)
		}
		return id
	}
	a := accept("H40-1")
	clk.Add(30 * time.Minute)
	b := accept("H40-2")
	live, _ := s.Add(ctx, "1.004222", []byte(`{"live":true}`))
	clk.Add(40 * time.Minute) // a expired 10 min ago: within the slack
	if n, err := s.Purge(); n != 0 || err != nil {
		t.Fatalf("purge within the slack removed %d (%v)", n, err)
	}
	if _, err := s.Payload(a); err != nil {
		t.Fatalf("payload gone within the slack: %v", err)
	}
	clk.Add(51 * time.Minute) // a 61 min past, b 31 min past
	if n, err := s.Purge(); n != 2 || err != nil {
		t.Fatalf("purge past the slack removed %d (%v), want both expired", n, err)
	}
	for _, id := range []string{a, b} {
		if _, err := s.Payload(id); !errors.Is(err, ErrPayloadPurged) {
			t.Errorf("%s after purge: %v", id, err)
		}
	}
	if p, err := s.Payload(live); err != nil || string(p) != `{"live":true}` {
		t.Errorf("pending payload: %q %v", p, err)
	}
}
