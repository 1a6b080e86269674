package outbox_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"motcua/sync/connector"
	"motcua/sync/intake"
	"motcua/sync/outbox"
	"motcua/sync/worker"
)

type fixture struct {
	ids      map[outbox.State][]string
	payloads map[string][]byte
	records  map[string]outbox.Record
	reasons  map[string]string // uuid -> the text an old agent kept in clear
	owners   map[string]string // ID number -> uuid (format 3 only)
	files    map[string]string // uuid -> its one attachment's content (format 3 only)
}

// legacyStore writes a format-1 or format-2 store as an old agent left it:
// records in every state (a pending one after a failed try, one a crash
// left sending, an accepted one, one accepted and purged, a rejected one
// with the province's reason in clear, one that needs attention).
func legacyStore(t *testing.T, dir string, format int, now time.Time) fixture {
	t.Helper()
	f := fixture{ids: map[outbox.State][]string{}, payloads: map[string][]byte{}, records: map[string]outbox.Record{},
		reasons: map[string]string{}, owners: map[string]string{}, files: map[string]string{}}
	var recs []outbox.LegacyRecord
	add := func(i int, r outbox.Record, reason string) {
		if format >= outbox.FormatV3 && r.PurgedAt.IsZero() && i%4 == 0 {
			// tagged for a card, and an attachment
			r.UUID, _ = outbox.NewUUID()
			id := fmt.Sprintf("0010990%05d", 70000+i)
			f.owners[id] = r.UUID
			f.files[r.UUID] = fmt.Sprintf("%%PDF-1.4 synthetic scan %d", i)
		}
		if r.UUID == "" {
			r.UUID, _ = outbox.NewUUID()
		}
		r.Service, r.Device, r.CreatedAt, r.UpdatedAt = "1.004222", "kiosk-v1", now.Add(time.Duration(i)*time.Second), now
		p := []byte(fmt.Sprintf(`{"synthetic":true,"n":%d,"SoDinhDanh":"0010990%05d"}`, i, i))
		lr := outbox.LegacyRecord{Record: r, Payload: p}
		for id, u := range f.owners {
			if u == r.UUID {
				lr.Owners = []string{id}
				lr.Files = []outbox.AttachmentSource{{Name: "don.pdf", Type: "application/pdf", Pages: 1,
					R: strings.NewReader(f.files[u])}}
			}
		}
		if !r.PurgedAt.IsZero() {
			lr.Payload = nil
		} else {
			f.payloads[r.UUID] = p
		}
		if reason != "" {
			f.reasons[r.UUID] = reason
		}
		recs = append(recs, lr)
		want := r
		if want.State == outbox.Sending {
			want.State = outbox.Pending // the next Open puts it back
		}
		f.records[r.UUID] = want
		f.ids[want.State] = append(f.ids[want.State], r.UUID)
	}
	for i := range 6 {
		add(i, outbox.Record{State: outbox.Pending, NextAttemptAt: now}, "")
	}
	add(6, outbox.Record{State: outbox.Pending, Attempts: 1, NextAttemptAt: now.Add(time.Minute), LastError: "connection reset"}, "")
	add(7, outbox.Record{State: outbox.Sending, Attempts: 1}, "")
	add(8, outbox.Record{State: outbox.Accepted, Attempts: 1, AcceptedAt: now, DossierCode: "H01.01-261123-0001", ProvincialStatus: 2}, "")
	add(9, outbox.Record{State: outbox.Accepted, Attempts: 1, AcceptedAt: now.Add(-3 * time.Hour), PurgedAt: now.Add(-time.Hour),
		DossierCode: "H01.01-261123-0002", ProvincialStatus: 10}, "")
	add(10, outbox.Record{State: outbox.Rejected, Attempts: 1, Reason: "Họ tên Nguyễn Văn Thử, thường trú Xóm Đông không khớp"},
		"Họ tên Nguyễn Văn Thử, thường trú Xóm Đông không khớp")
	add(11, outbox.Record{State: outbox.NeedsAttention, Attempts: 1, Reason: "unexpected answer 418"}, "unexpected answer 418")
	must(t, outbox.WriteLegacyStore(dir, format, recs))
	return f
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestMigrateV1KeepsEveryDossier(t *testing.T) { testMigrate(t, outbox.FormatV1) }
func TestMigrateV2KeepsEveryDossier(t *testing.T) { testMigrate(t, outbox.FormatV2) }
func TestMigrateV3KeepsEveryDossier(t *testing.T) { testMigrate(t, outbox.FormatV3) }

// testMigrate opens a legacy store with the current agent: every record
// keeps its state, attempts and byte-identical payload; reasons leave the
// clear metadata for the sealed detail; no text that was in clear is left
// anywhere in the file; the worker then delivers the queued ones exactly
// once.
func testMigrate(t *testing.T, format int) {
	dir := t.TempDir()
	now := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	f := legacyStore(t, dir, format, now)
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
	backup := filepath.Join(dir, fmt.Sprintf("%s.v%d.bak", outbox.DBFile, format))
	if _, err := os.Stat(backup); err != nil {
		t.Fatalf("no backup of the format-%d store: %v", format, err)
	}
	if as, err := s.Asides(); err != nil || len(as) != 1 || as[0].Path != backup || as[0].Kind != outbox.AsideBackup {
		t.Fatalf("backup not registered for its retention: %+v %v", as, err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, outbox.DBFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"Nguyễn Văn Thử", "Xóm Đông", "connection reset", "unexpected answer 418"} {
		if strings.Contains(string(raw), text) {
			t.Errorf("migrated file still holds %q in clear (free pages not compacted?)", text)
		}
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
		if r.State != was.State || r.Attempts != was.Attempts || r.DossierCode != was.DossierCode || !r.CreatedAt.Equal(was.CreatedAt) ||
			!r.AcceptedAt.Equal(was.AcceptedAt) || !r.PurgedAt.Equal(was.PurgedAt) ||
			(!was.NextAttemptAt.IsZero() && !r.NextAttemptAt.Equal(was.NextAttemptAt)) {
			t.Errorf("%s changed: %+v -> %+v", r.UUID, was, r)
		}
		if (r.Reason != "" && !outbox.ValidCode(r.Reason)) || (r.LastError != "" && !outbox.ValidCode(r.LastError)) {
			t.Errorf("%s: clear metadata holds text: %q %q", r.UUID, r.Reason, r.LastError)
		}
		if want := f.reasons[r.UUID]; want != "" {
			d, err := s.Detail(r.UUID)
			if err != nil || d.Reason != want || r.Reason != outbox.CodeMigrated {
				t.Errorf("%s: reason %q / detail %+v, %v; want code %q and detail %q", r.UUID, r.Reason, d, err, outbox.CodeMigrated, want)
			}
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
	for id, u := range f.owners {
		got, err := s.Owned(id)
		if err != nil || len(got) != 1 || got[0].UUID != u {
			t.Errorf("owner tag of %s lost: %v, %v", u, got, err)
		}
		rc, att, err := s.OpenAttachment(u, 0)
		if err != nil {
			t.Errorf("attachment of %s: %v", u, err)
			continue
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || string(b) != f.files[u] || att.Name != "don.pdf" {
			t.Errorf("attachment of %s: %q %+v, %v", u, b, att, err)
		}
	}
	if format >= outbox.FormatV3 && len(f.owners) == 0 {
		t.Fatal("fixture has no tagged record")
	}
	if due, ok, err := s.NextDue(); err != nil || !ok || !due.Equal(now) {
		t.Errorf("next due %v %v %v, want %v", due, ok, err, now)
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
