package outbox

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// rawRecovery is what an attacker holding the database file and the key
// file can decrypt: it tries every master key in the key file on every
// place in the raw file that could be a wrapped data key of a known record
// (the UUIDs are in the clear metadata), then every data key found, and
// every master key directly (the format-1/2 layout), on every place that
// could be a sealed payload of the known length.
func rawRecovery(t *testing.T, dir string, recs []Record) map[string][]byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, DBFile))
	if err != nil {
		t.Fatal(err)
	}
	kr, _, err := loadKeyring(filepath.Join(dir, KeyFile), false)
	if err != nil {
		t.Fatal(err)
	}
	found := map[string][]byte{}
	for _, r := range recs {
		var dks [][]byte
		for i := 0; i+wrapLen <= len(raw); i++ {
			if raw[i] != wrapVersion {
				continue
			}
			if dk, err := kr.unwrap(r.UUID, raw[i:i+wrapLen]); err == nil {
				dks = append(dks, dk)
			}
		}
		n := 1 + 12 + r.PayloadSize + 16
		m := 5 + 12 + r.PayloadSize + 16
		for i := 0; i < len(raw); i++ {
			switch {
			case raw[i] == dataSealVersion && i+n <= len(raw):
				for _, dk := range dks {
					if pt, err := openData(dk, r.UUID, purposePayload, raw[i:i+n]); err == nil {
						found[r.UUID] = pt
					}
				}
			case raw[i] == sealVersion && i+m <= len(raw):
				if pt, err := kr.open(r.UUID, raw[i:i+m]); err == nil {
					found[r.UUID] = pt
				}
			}
		}
	}
	return found
}

// TestPurgedIsUnrecoverableFromRawFile reads the raw database file after a
// purge, with the key file, as an attacker would: nothing of the purged
// payloads decrypts (the same search finds them before the purge, and
// finds the record that is kept, so the search itself works).
func TestPurgedIsUnrecoverableFromRawFile(t *testing.T) {
	clk := newClock()
	dir := t.TempDir()
	s := openT(t, dir, Options{Now: clk.Now, Retention: time.Hour})
	ctx := context.Background()
	var gone []string
	for i := range 3 {
		id, err := s.Add(ctx, "1.004222", []byte(testPayload))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Claim(clk.Now()); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			// A reason sealed with the record must go with it too.
			if _, err := s.MarkRetry(id, Retry{Next: clk.Now(), Code: "no_answer", Detail: "reset"}); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Claim(clk.Now()); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.MarkAccepted(id, "H40-"+string(rune('1'+i)), 2); err != nil {
			t.Fatal(err)
		}
		gone = append(gone, id)
	}
	keep, err := s.Add(ctx, "1.004222", []byte(`{"keep":"`+strings.Repeat("k", 40)+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	recs, _ := s.List(Filter{})
	s.Close()
	if got := rawRecovery(t, dir, recs); len(got) != 4 || string(got[gone[0]]) != testPayload {
		t.Fatalf("the search does not find the payloads before the purge: %d found", len(got))
	}

	s = openT(t, dir, Options{Now: clk.Now, Retention: time.Hour})
	clk.Add(2 * time.Hour)
	if n, err := s.Purge(); n != 3 || err != nil {
		t.Fatalf("purge %d %v", n, err)
	}
	if _, err := s.Payload(gone[0]); !errors.Is(err, ErrPayloadPurged) {
		t.Errorf("payload after purge: %v", err)
	}
	if p, err := s.Payload(keep); err != nil || !strings.Contains(string(p), "keep") {
		t.Fatalf("kept payload: %q %v", p, err)
	}
	ids := s.keyring().KeyIDs()
	s.Close()
	if len(ids) != 1 {
		t.Errorf("master keys after purge %v: old keys not retired", ids)
	}
	got := rawRecovery(t, dir, recs)
	for _, id := range gone {
		if p, ok := got[id]; ok {
			t.Errorf("purged payload of %s recovered from the raw file: %q", id, p)
		}
	}
	if _, ok := got[keep]; !ok {
		t.Error("the search no longer finds the kept record: it proves nothing")
	}
	// Reopening (and purging again) keeps it so.
	s = openT(t, dir, Options{Now: clk.Now, Retention: time.Hour})
	if p, err := s.Payload(keep); err != nil || !strings.Contains(string(p), "keep") {
		t.Fatalf("kept payload after reopen: %q %v", p, err)
	}
}

// TestRemoteReasonNeverInClear: whatever a caller passes as the code, a
// receiver's text (a name, an address) is never in the clear metadata nor
// anywhere in the raw file; the operator reads it with the key.
func TestRemoteReasonNeverInClear(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir, Options{})
	const hostile = "Họ tên Nguyễn Văn Thử, thường trú Xóm Đông, Hà Giang không khớp"
	a, _ := s.Add(context.Background(), "1.004222", []byte(`{"x":1}`))
	b, _ := s.Add(context.Background(), "1.004222", []byte(`{"x":2}`))
	for range 2 {
		if _, err := s.Claim(time.Now().Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.MarkRejected(a, "rejected_http_422", hostile); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkNeedsAttention(b, hostile, ""); err != nil { // text passed as a code
		t.Fatal(err)
	}
	for id, code := range map[string]string{a: "rejected_http_422", b: CodeUnspecified} {
		r, _ := s.Get(id)
		if r.Reason != code {
			t.Errorf("%s: clear reason %q, want %q", id, r.Reason, code)
		}
		if d, err := s.Detail(id); err != nil || d.Reason != hostile {
			t.Errorf("%s: detail %+v %v", id, d, err)
		}
	}
	s.Close()
	raw, _ := os.ReadFile(filepath.Join(dir, DBFile))
	for _, w := range []string{"Nguyễn", "Xóm Đông", "Hà Giang"} {
		if bytes.Contains(raw, []byte(w)) {
			t.Errorf("raw file holds %q", w)
		}
	}
}

// TestDemoFlagIsStored: a record added with WithDemo is marked in its clear
// metadata (and survives a reopen); others are not.
func TestDemoFlagIsStored(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir, Options{})
	demo, _ := s.Add(WithDemo(context.Background()), "1.004222", []byte(`{"demo":true}`))
	real, _ := s.Add(context.Background(), "1.004222", []byte(`{"demo":false}`))
	s.Close()
	s = openT(t, dir, Options{})
	if r, _ := s.Get(demo); !r.Demo {
		t.Error("demo record not marked")
	}
	if r, _ := s.Get(real); r.Demo {
		t.Error("real record marked demo")
	}
	c, err := s.Claim(time.Now().Add(time.Minute))
	if err != nil || c.UUID != demo || !c.Demo {
		t.Fatalf("claimed %+v %v", c, err)
	}
}

// TestCopiesFollowTheirRetention: a migration backup goes once a record it
// holds is purged (or at the latest after BackupRetention), a corrupt copy
// after CorruptRetention, a copy found unregistered after a full retention
// from when it was found; the master keys they pinned are retired with
// them.
func TestCopiesFollowTheirRetention(t *testing.T) {
	clk := newClock()
	dir := t.TempDir()
	now := clk.Now()
	id, _ := NewUUID()
	if err := writeLegacyStore(dir, FormatV2, []LegacyRecord{{Record: Record{UUID: id, Service: "1.004222", State: Pending,
		CreatedAt: now, UpdatedAt: now, NextAttemptAt: now}, Payload: []byte(testPayload)}}); err != nil {
		t.Fatal(err)
	}
	found := filepath.Join(dir, DBFile+".corrupt-20250101T000000Z")
	if err := os.WriteFile(found, []byte("an old agent's corrupt copy"), 0o600); err != nil {
		t.Fatal(err)
	}
	opts := Options{Now: clk.Now, Retention: time.Hour, BackupRetention: 48 * time.Hour, CorruptRetention: 72 * time.Hour}
	s := openT(t, dir, opts)
	backup := filepath.Join(dir, DBFile+".v2.bak")
	as, _ := s.Asides()
	if len(as) != 2 {
		t.Fatalf("asides %+v", as)
	}
	if ids := s.keyring().KeyIDs(); len(ids) != 2 {
		t.Fatalf("keys %v: the backup's key must be kept while the backup is", ids)
	}
	// The record the backup holds is delivered and purged: the backup goes.
	clk.Add(time.Minute)
	if _, err := s.Claim(clk.Now()); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkAccepted(id, "H1", 2); err != nil {
		t.Fatal(err)
	}
	clk.Add(2 * time.Hour)
	if n, err := s.Purge(); n != 1 || err != nil {
		t.Fatalf("purge %d %v", n, err)
	}
	if _, err := os.Stat(backup); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("backup holding a purged record kept: %v", err)
	}
	if _, err := os.Stat(found); err != nil {
		t.Errorf("corrupt copy deleted before its retention: %v", err)
	}
	// The found copy pinned the keys present when it was found.
	clk.Add(69 * time.Hour)
	if _, err := s.Purge(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(found); err != nil {
		t.Errorf("corrupt copy deleted before its retention: %v", err)
	}
	clk.Add(2 * time.Hour)
	s.Close()
	s = openT(t, dir, opts) // Open enforces the retention too
	if _, err := os.Stat(found); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("corrupt copy kept past its retention: %v", err)
	}
	if as, _ := s.Asides(); len(as) != 0 {
		t.Errorf("asides left %+v", as)
	}
	if ids := s.keyring().KeyIDs(); len(ids) != 1 {
		t.Errorf("keys %v after every copy went", ids)
	}
}

// TestBackupExpiresWithoutPurge: a backup whose records are never purged
// still goes after BackupRetention.
func TestBackupExpiresWithoutPurge(t *testing.T) {
	clk := newClock()
	dir := t.TempDir()
	now := clk.Now()
	id, _ := NewUUID()
	if err := writeLegacyStore(dir, FormatV1, []LegacyRecord{{Record: Record{UUID: id, Service: "1.004222", State: Pending,
		CreatedAt: now, UpdatedAt: now, NextAttemptAt: now}, Payload: []byte(testPayload)}}); err != nil {
		t.Fatal(err)
	}
	opts := Options{Now: clk.Now, BackupRetention: 24 * time.Hour, Logger: slog.New(slog.DiscardHandler)}
	s := openT(t, dir, opts)
	s.Close()
	backup := filepath.Join(dir, DBFile+".v1.bak")
	if _, err := os.Stat(backup); err != nil {
		t.Fatal(err)
	}
	clk.Add(25 * time.Hour)
	s = openT(t, dir, opts)
	if _, err := os.Stat(backup); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("backup kept past its retention: %v", err)
	}
	if p, err := s.Payload(id); err != nil || string(p) != testPayload {
		t.Errorf("payload %q %v", p, err)
	}
}

// TestNewRecordsAndTheDueIndex: new records are claimed without a due
// index entry, in order with retried ones; a new record parked before its
// first claim and requeued is claimed once, and NextDue sees both kinds.
func TestNewRecordsAndTheDueIndex(t *testing.T) {
	clk := newClock()
	s := openT(t, t.TempDir(), Options{Now: clk.Now})
	ctx := context.Background()
	a, _ := s.Add(ctx, "1.004222", []byte(`{"a":1}`))
	clk.Add(time.Second)
	b, _ := s.Add(ctx, "1.004222", []byte(`{"b":1}`))
	clk.Add(time.Second)
	c, _ := s.Add(ctx, "1.004222", []byte(`{"c":1}`))
	if next, ok, _ := s.NextDue(); !ok || !next.Equal(clk.Now().Add(-2*time.Second)) {
		t.Fatalf("NextDue %v %v", next, ok)
	}
	if err := s.MarkNeedsAttention(a, "operator_hold", ""); err != nil {
		t.Fatal(err)
	}
	got, _, err := s.ClaimBatch(clk.Now(), 1)
	if err != nil || len(got) != 1 || got[0].UUID != b {
		t.Fatalf("first claim %v %v", got, err)
	}
	// b fails and is due again before c's turn comes; a is requeued.
	if _, err := s.MarkRetry(b, Retry{Next: clk.Now().Add(-time.Second), Code: "no_answer"}); err != nil {
		t.Fatal(err)
	}
	clk.Add(time.Second)
	if err := s.Requeue(a); err != nil {
		t.Fatal(err)
	}
	got, _, err = s.ClaimBatch(clk.Now(), 10)
	if err != nil || len(got) != 3 {
		t.Fatalf("second claim %d %v", len(got), err)
	}
	order := []string{got[0].UUID, got[1].UUID, got[2].UUID}
	if order[0] != b || order[1] != c || order[2] != a {
		t.Errorf("claim order %v, want b (due first), c, a", order)
	}
	if more, _, err := s.ClaimBatch(clk.Now().Add(time.Hour), 10); err != nil || len(more) != 0 {
		t.Fatalf("claimed again: %d %v", len(more), err)
	}
	if _, ok, _ := s.NextDue(); ok {
		t.Error("NextDue with nothing pending")
	}
}

// FuzzOpenDataKeyed feeds arbitrary bytes to the data-key layer (a wrapped
// data key, then a sealed payload): errors only, no panic, no forgery
// accepted.
func FuzzOpenDataKeyed(f *testing.F) {
	kr, _, err := loadKeyring(filepath.Join(f.TempDir(), "k"), true)
	if err != nil {
		f.Fatal(err)
	}
	dk, _ := newDataKey()
	w, _ := kr.wrap("u", dk)
	good, _ := sealData(dk, "u", purposePayload, []byte(`{"a":1}`))
	f.Add(w, good)
	f.Add([]byte{wrapVersion, 0, 0, 0, 1}, []byte{dataSealVersion})
	f.Add([]byte{}, []byte{})
	f.Fuzz(func(t *testing.T, wrapped, sealed []byte) {
		k, err := kr.unwrap("u", wrapped)
		if err != nil {
			return
		}
		if !bytes.Equal(wrapped, w) {
			t.Fatalf("forged wrapped key accepted")
		}
		if pt, err := openData(k, "u", purposePayload, sealed); err == nil && !bytes.Equal(sealed, good) {
			t.Fatalf("forged payload accepted: %q", pt)
		}
		if _, err := openData(k, "u", purposeDetail, good); err == nil {
			t.Fatal("a payload opened as a detail")
		}
	})
}
