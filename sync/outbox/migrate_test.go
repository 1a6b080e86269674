package outbox_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"motcua/sync/connector"
	"motcua/sync/intake"
	"motcua/sync/outbox"
	"motcua/sync/worker"
)

// downgradeToV1 rewrites a store into the first format: format 2 only
// added the format marker and the per-state counts, so removing them
// leaves exactly what a format-1 agent wrote.
func downgradeToV1(t *testing.T, dir string) {
	t.Helper()
	db, err := bolt.Open(filepath.Join(dir, outbox.DBFile), 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range []string{"format", "counts"} {
			if err := tx.DeleteBucket([]byte(b)); err != nil {
				return fmt.Errorf("%s: %w", b, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

type fixture struct {
	ids      map[outbox.State][]string
	payloads map[string][]byte
	records  map[string]outbox.Record
}

// v1Store writes a format-1 store holding records in every state (and an
// accepted one whose payload retention already purged).
func v1Store(t *testing.T, dir string, now *time.Time) fixture {
	t.Helper()
	clk := func() time.Time { return *now }
	s, err := outbox.Open(dir, outbox.Options{Now: clk, Retention: time.Hour, MaxAttempts: 5, Device: "kiosk-v1", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	f := fixture{ids: map[outbox.State][]string{}, payloads: map[string][]byte{}, records: map[string]outbox.Record{}}
	add := func(i int) string {
		p := []byte(fmt.Sprintf(`{"synthetic":true,"n":%d,"SoDinhDanh":"0010990%05d"}`, i, i))
		id, err := s.Add(context.Background(), "1.004222", p)
		if err != nil {
			t.Fatal(err)
		}
		f.payloads[id] = p
		return id
	}
	claim := func() string {
		c, err := s.Claim(clk())
		if err != nil {
			t.Fatal(err)
		}
		return c.UUID
	}
	for i := range 12 {
		add(i)
	}
	// accepted (payload kept), accepted then purged, rejected, needs
	// attention, pending after a failed try, and untouched pending ones.
	must(t, s.MarkAccepted(claim(), "H01.01-261123-0001", 2))
	purged := claim()
	must(t, s.MarkAccepted(purged, "H01.01-261123-0002", 10))
	rej := claim()
	must(t, s.MarkRejected(rej, "thiếu giấy tờ"))
	na := claim()
	must(t, s.MarkNeedsAttention(na, "unexpected answer 418"))
	retried := claim()
	if _, err := s.MarkRetry(retried, outbox.Retry{Next: now.Add(time.Minute), Err: "connection reset"}); err != nil {
		t.Fatal(err)
	}
	claim() // a crash mid-delivery: sending, back to pending when reopened
	s.Close()

	// Retention passes for the second acceptance only.
	*now = now.Add(2 * time.Hour)
	s, err = outbox.Open(dir, outbox.Options{Now: clk, Retention: time.Hour, MaxAttempts: 5, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	recs, err := s.List(outbox.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		f.ids[r.State] = append(f.ids[r.State], r.UUID)
		f.records[r.UUID] = r
	}
	s.Close()
	downgradeToV1(t, dir)
	return f
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestMigrateV1KeepsEveryDossier(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	f := v1Store(t, dir, &now)
	for _, st := range []outbox.State{outbox.Pending, outbox.Accepted, outbox.Rejected, outbox.NeedsAttention} {
		if len(f.ids[st]) == 0 {
			t.Fatalf("fixture has no %s record", st)
		}
	}
	clk := func() time.Time { return now }
	s, err := outbox.Open(dir, outbox.Options{Now: clk, Retention: time.Hour, MaxAttempts: 5, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, err := s.Format(); err != nil || v != outbox.CurrentFormat {
		t.Fatalf("format after migration %d, %v", v, err)
	}
	if _, err := os.Stat(filepath.Join(dir, outbox.DBFile+".v1.bak")); err != nil {
		t.Fatalf("no backup of the format-1 store: %v", err)
	}

	// Every record is there, in the same state, with the same attempts,
	// and its payload decrypts to the same bytes (unless purged before).
	recs, err := s.List(outbox.Filter{})
	if err != nil || len(recs) != len(f.records) {
		t.Fatalf("records after migration: %d (want %d), %v", len(recs), len(f.records), err)
	}
	scan := map[outbox.State]int{}
	for _, r := range recs {
		was := f.records[r.UUID]
		if r.State != was.State || r.Attempts != was.Attempts || r.DossierCode != was.DossierCode || !r.CreatedAt.Equal(was.CreatedAt) {
			t.Errorf("%s changed: %+v -> %+v", r.UUID, was, r)
		}
		scan[r.State]++
		p, err := s.Payload(r.UUID)
		switch {
		case !was.PurgedAt.IsZero():
			if !errors.Is(err, outbox.ErrPayloadPurged) {
				t.Errorf("%s: purged payload came back: %v", r.UUID, err)
			}
		case err != nil || string(p) != string(f.payloads[r.UUID]):
			t.Errorf("%s: payload %q, %v", r.UUID, p, err)
		}
	}
	counts, err := s.Counts()
	if err != nil {
		t.Fatal(err)
	}
	for st, n := range scan {
		if counts[st] != n {
			t.Errorf("count of %s: %d, records %d", st, counts[st], n)
		}
	}

	// The worker still delivers what was queued, exactly once.
	is, err := intake.OpenStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer is.Close()
	srv, err := intake.NewServer(is, "tok", intake.Faults{Seed: 1}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	conn, err := connector.NewIntake(connector.IntakeConfig{Endpoint: hs.URL, Token: "tok"})
	if err != nil {
		t.Fatal(err)
	}
	w, err := worker.New(worker.Config{Store: s, Conn: conn, Now: clk, Seed: 1, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	now = now.Add(time.Hour) // every backoff has passed
	st, err := w.Drain(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.Accepted != len(f.ids[outbox.Pending]) {
		t.Fatalf("delivered %d of %d queued dossiers: %+v", st.Accepted, len(f.ids[outbox.Pending]), st)
	}
	got, err := is.List()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range got {
		if string(d.Payload) != string(f.payloads[d.IdempotencyKey]) {
			t.Errorf("intake holds a different dossier for %s", d.IdempotencyKey)
		}
	}
	counts, _ = s.Counts()
	if counts[outbox.Pending] != 0 || counts[outbox.Accepted] != len(f.ids[outbox.Accepted])+len(f.ids[outbox.Pending]) {
		t.Errorf("counts after delivery: %v", counts)
	}
	s.Close()

	// Opening the migrated store again changes nothing.
	s2, err := outbox.Open(dir, outbox.Options{Now: clk, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	again, _ := s2.Counts()
	if fmt.Sprint(again) != fmt.Sprint(counts) {
		t.Errorf("reopen changed counts: %v -> %v", counts, again)
	}
}

func TestNewerFormatRefused(t *testing.T) {
	dir := t.TempDir()
	s, err := outbox.Open(dir, outbox.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Add(context.Background(), "1.004222", []byte(`{"synthetic":true}`)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	path := filepath.Join(dir, outbox.DBFile)
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	must(t, db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("format")).Put([]byte("version"), []byte{0, 0, 0, 0, 0, 0, 0, 99})
	}))
	db.Close()
	before, _ := os.ReadFile(path)
	if _, err := outbox.Open(dir, outbox.Options{Logger: slog.New(slog.DiscardHandler)}); !errors.Is(err, outbox.ErrNewerFormat) {
		t.Fatalf("a newer store opened: %v", err)
	}
	after, _ := os.ReadFile(path)
	if string(before) != string(after) {
		t.Fatal("refusing a newer store still changed its file")
	}
}
