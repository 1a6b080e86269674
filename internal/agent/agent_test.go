package agent

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"motcua/internal/config"
	"motcua/sync/connector"
	"motcua/sync/intake"
	"motcua/sync/outbox"
	"motcua/sync/worker"
)

var quiet = slog.New(slog.DiscardHandler)

func TestSecondLockNamesTheRunningAgent(t *testing.T) {
	dir := t.TempDir()
	l, err := AcquireLock(dir, "motcua serve")
	if err != nil {
		t.Fatal(err)
	}
	_, err = AcquireLock(dir, "motcua-app")
	var re *RunningError
	if !errors.As(err, &re) {
		t.Fatalf("second lock: %v, want a RunningError", err)
	}
	if re.PID != os.Getpid() || re.Binary != "motcua serve" || re.Dir != dir {
		t.Fatalf("running agent %+v", re)
	}
	if msg := err.Error(); !strings.Contains(msg, "motcua serve (pid ") || !strings.Contains(msg, dir) {
		t.Fatalf("message %q", msg)
	}
	if h := Holder(dir); h == nil || h.PID != os.Getpid() || h.Binary != "motcua serve" {
		t.Fatalf("holder %+v", h)
	}
	l.Release()
	if h := Holder(dir); h != nil {
		t.Fatalf("holder after release: %+v", h)
	}
	l2, err := AcquireLock(dir, "motcua-app")
	if err != nil {
		t.Fatalf("lock after release: %v", err)
	}
	l2.Release()
}

func TestDemoOnlyWhenAsked(t *testing.T) {
	for _, c := range []struct {
		explicit, withoutConfig bool
		file                    string
		want                    bool
	}{
		{false, true, "", true},                         // the app with no configuration file: the README's first command
		{false, true, "/etc/motcua/motcua.toml", false}, // a configured kiosk with no reader waits for one
		{false, false, "", false},                       // serve never falls into the demo
		{true, false, "/etc/motcua/motcua.toml", true},
	} {
		if got := WantsDemo(c.explicit, c.withoutConfig, c.file); got != c.want {
			t.Errorf("WantsDemo(%v, %v, %q) = %v", c.explicit, c.withoutConfig, c.file, got)
		}
	}
}

func TestDemoNeverDeliversToTheConfiguredProvider(t *testing.T) {
	cfg := config.Defaults()
	cfg.Agent.DataDir = t.TempDir()
	cfg.Provider = config.Provider{Kind: "intake", Endpoint: "https://province.example.vn/intake", Token: "secret", Timeout: cfg.Provider.Timeout}
	a, err := Start(Options{Role: "motcua-app", Config: &cfg, ConfigFile: "/etc/motcua/motcua.toml", Demo: true, Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if a.DataDir != filepath.Join(cfg.Agent.DataDir, "demo") {
		t.Fatalf("demo data dir %s", a.DataDir)
	}
	d, err := a.Deliver(context.Background(), true)
	if err != nil || d.Conn != nil {
		t.Fatalf("queue-only demo delivers: %+v %v", d, err)
	}
	d, err = a.Deliver(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Stop()
	if strings.Contains(d.Describe, "province.example.vn") || !strings.Contains(d.Describe, "127.0.0.1") {
		t.Fatalf("demo delivers to %q", d.Describe)
	}
}

func TestStartRefusesASecondAgent(t *testing.T) {
	cfg := config.Defaults()
	cfg.Agent.DataDir = t.TempDir()
	cfg.Trust.CSCADir = ""
	a, err := Start(Options{Role: "motcua serve", Config: &cfg, ConfigFile: "x.toml", Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if a.Demo {
		t.Fatal("a configured agent started the demo")
	}
	_, err = Start(Options{Role: "motcua-app", Config: &cfg, ConfigFile: "x.toml", Log: quiet})
	var re *RunningError
	if !errors.As(err, &re) || re.Binary != "motcua serve" {
		t.Fatalf("second start: %v", err)
	}
}

// addRecords puts n dossiers into the outbox in dir and returns their UUIDs.
func addRecords(t *testing.T, dir string, n int, tag string) []string {
	t.Helper()
	s, err := outbox.Open(dir, outbox.Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var ids []string
	for i := range n {
		id, err := s.Add(context.Background(), "1.004222", []byte(`{"n":`+string(rune('0'+i))+`,"tag":"`+tag+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

func payloads(t *testing.T, dir string) map[string]string {
	t.Helper()
	s, err := outbox.Open(dir, outbox.Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	recs, err := s.List(outbox.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, r := range recs {
		p, err := s.Payload(r.UUID)
		if err != nil {
			t.Fatal(err)
		}
		out[r.UUID] = string(p)
	}
	return out
}

func TestMigrateMovesTheAppOutbox(t *testing.T) {
	data := t.TempDir()
	ids := addRecords(t, LegacyOutboxDir(data), 3, "app")
	// One was accepted by the province: it keeps its UUID and state.
	s, _ := outbox.Open(LegacyOutboxDir(data), outbox.Options{Logger: quiet})
	c, err := s.Claim(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.MarkAccepted(c.UUID, "H01.01-250101-0001", 2); err != nil {
		t.Fatal(err)
	}
	s.Close()
	before := payloads(t, LegacyOutboxDir(data))

	m, err := MigrateOutbox(data, outbox.Options{Logger: quiet}, quiet)
	if err != nil || !m.Moved {
		t.Fatalf("migrate: %+v %v", m, err)
	}
	after := payloads(t, OutboxDir(data))
	if len(after) != 3 {
		t.Fatalf("%d records after the move", len(after))
	}
	for _, id := range ids {
		if after[id] != before[id] || after[id] == "" {
			t.Fatalf("record %s: %q, was %q", id, after[id], before[id])
		}
	}
	if _, err := os.Stat(filepath.Join(LegacyOutboxDir(data), outbox.DBFile)); !os.IsNotExist(err) {
		t.Fatalf("legacy database still there: %v", err)
	}
	if m, err := MigrateOutbox(data, outbox.Options{Logger: quiet}, quiet); err != nil || m.Moved || m.Copied != 0 {
		t.Fatalf("second migration did something: %+v %v", m, err)
	}
}

// A crash between moving the key and moving the database is finished on
// the next start.
func TestMigrateFinishesAnInterruptedMove(t *testing.T) {
	data := t.TempDir()
	ids := addRecords(t, LegacyOutboxDir(data), 2, "app")
	if err := os.Rename(filepath.Join(LegacyOutboxDir(data), outbox.KeyFile), filepath.Join(data, outbox.KeyFile)); err != nil {
		t.Fatal(err)
	}
	if m, err := MigrateOutbox(data, outbox.Options{Logger: quiet}, quiet); err != nil || !m.Moved {
		t.Fatalf("migrate: %+v %v", m, err)
	}
	after := payloads(t, data)
	for _, id := range ids {
		if !strings.Contains(after[id], `"app"`) {
			t.Fatalf("record %s lost: %v", id, after)
		}
	}
}

func TestMigrateCopiesIntoAnExistingOutbox(t *testing.T) {
	data := t.TempDir()
	serveIDs := addRecords(t, data, 2, "serve")
	addRecords(t, LegacyOutboxDir(data), 3, "app")
	// One app dossier was sent once and the answer never came: it may be
	// at the receiver, so it must keep its UUID (stay in the legacy store).
	s, _ := outbox.Open(LegacyOutboxDir(data), outbox.Options{Logger: quiet})
	c, err := s.Claim(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.MarkRetry(c.UUID, outbox.Retry{Next: time.Now(), Err: "timeout"}); err != nil {
		t.Fatal(err)
	}
	s.Close()

	m, err := MigrateOutbox(data, outbox.Options{Logger: quiet}, quiet)
	if err != nil {
		t.Fatal(err)
	}
	if m.Moved || m.Copied != 2 || m.Kept != 1 || m.ArchivedTo == "" {
		t.Fatalf("migration %+v", m)
	}
	after := payloads(t, data)
	if len(after) != 4 {
		t.Fatalf("%d records in the one outbox, want 4: %v", len(after), after)
	}
	for _, id := range serveIDs {
		if !strings.Contains(after[id], "serve") {
			t.Fatalf("serve record %s changed", id)
		}
	}
	archived := payloads(t, m.ArchivedTo)
	if len(archived) != 3 || archived[c.UUID] == "" {
		t.Fatalf("archived store %v", archived)
	}
	if _, err := os.Stat(LegacyOutboxDir(data)); !os.IsNotExist(err) {
		t.Fatalf("legacy directory still there: %v", err)
	}
}

// An interrupted copy resumes from its journal instead of copying twice.
func TestMigrateCopyResumesFromItsJournal(t *testing.T) {
	data := t.TempDir()
	addRecords(t, data, 1, "serve")
	legacy := addRecords(t, LegacyOutboxDir(data), 2, "app")
	// The first legacy record was copied before a crash.
	s, _ := outbox.Open(data, outbox.Options{Logger: quiet})
	p := payloads(t, LegacyOutboxDir(data))[legacy[0]]
	if _, err := s.Add(context.Background(), "1.004222", []byte(p)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if err := os.WriteFile(filepath.Join(LegacyOutboxDir(data), journalFile), []byte(legacy[0]+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	m, err := MigrateOutbox(data, outbox.Options{Logger: quiet}, quiet)
	if err != nil || m.Copied != 2 {
		t.Fatalf("migration %+v %v", m, err)
	}
	seen := map[string]int{}
	for _, v := range payloads(t, data) {
		seen[v]++
	}
	for v, n := range seen {
		if n != 1 {
			t.Fatalf("payload %s is in the outbox %d times", v, n)
		}
	}
	if len(seen) != 3 {
		t.Fatalf("%d distinct payloads, want 3", len(seen))
	}
}

// A configured reader that is not attached (or no PC/SC service at all)
// is "no reader" with no card, never the simulated reader.
func TestReaderSlotWithoutTheReaderSaysNoReader(t *testing.T) {
	s := NewReaderSlot("Reader that is not attached 00", quiet)
	defer s.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if present := <-s.Watch(ctx); present {
		t.Fatal("a card is present in a reader that is not attached")
	}
	if s.Name() != NoReader || s.Attached() {
		t.Fatalf("slot %q attached=%v", s.Name(), s.Attached())
	}
	if _, err := s.Connect(); err == nil {
		t.Fatal("connected with no reader")
	}
}

// The simulated reader (serve --sim) delivers to a loopback intake only:
// its synthetic dossiers never reach a provider off the machine.
func TestSimulatedReaderNeverDeliversOffTheMachine(t *testing.T) {
	for _, c := range []struct {
		endpoint string
		ok       bool
	}{
		{"https://province.example.vn/intake", false},
		{"http://127.0.0.1:8080", true},
		{"http://localhost:8080", true},
	} {
		cfg := config.Defaults()
		cfg.Agent.DataDir = t.TempDir()
		cfg.Trust.CSCADir = ""
		cfg.Reader.Simulated = true
		cfg.Provider = config.Provider{Kind: "intake", Endpoint: c.endpoint, Token: "t", Timeout: cfg.Provider.Timeout}
		a, err := Start(Options{Role: "motcua serve", Config: &cfg, ConfigFile: "x.toml", Log: quiet})
		if err != nil {
			t.Fatal(err)
		}
		d, err := a.Deliver(context.Background(), false)
		a.Close()
		if (err == nil) != c.ok || (c.ok && d.Conn == nil) {
			t.Errorf("%s: delivery %+v, err %v", c.endpoint, d, err)
		}
	}
}

// The syncer delivers what is added while it runs, woken by Notify, and
// leaves the outbox closed between passes.
func TestSyncerDeliversWhatIsAdded(t *testing.T) {
	dir := t.TempDir()
	url, store := loopbackIntake(t)
	conn, err := connector.NewIntake(connector.IntakeConfig{Endpoint: url, Token: "tok"})
	if err != nil {
		t.Fatal(err)
	}
	s := &Syncer{
		Open:     func() (*outbox.Store, error) { return outbox.Open(dir, outbox.Options{Logger: quiet}) },
		Worker:   worker.Config{Conn: conn, Logger: quiet},
		Interval: time.Minute, // only Notify can make the next pass come soon
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	defer func() { cancel(); <-done }()
	time.Sleep(50 * time.Millisecond)
	ids := addRecords(t, dir, 1, "syncer") // opens the store: free between passes
	s.Notify()
	for i := 0; i < 200; i++ {
		if ds, _ := store.List(); len(ds) == 1 {
			if ds[0].IdempotencyKey != ids[0] {
				t.Fatalf("intake holds %s, want %s", ds[0].IdempotencyKey, ids[0])
			}
			return
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Fatal("the dossier did not reach the intake after Notify")
}

func loopbackIntake(t *testing.T) (string, *intake.Store) {
	t.Helper()
	store, err := intake.OpenStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	srv, err := intake.NewServer(store, "tok", intake.Faults{}, quiet)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 5 * time.Second}
	go hs.Serve(l)
	t.Cleanup(func() { hs.Close(); store.Close() })
	return "http://" + l.Addr().String(), store
}
