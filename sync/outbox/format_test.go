package outbox

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// TestInterruptedMigrationLeavesV1 fails a migration after its writes:
// the transaction rolls back, the format-1 store is untouched, and the
// next start migrates it.
func TestInterruptedMigrationLeavesV1(t *testing.T) {
	dir := t.TempDir()
	id, _ := NewUUID()
	now := time.Now().UTC()
	err := writeLegacyStore(dir, FormatV1, []LegacyRecord{{Record: Record{UUID: id, Service: "1.004222", State: Pending,
		CreatedAt: now, UpdatedAt: now, NextAttemptAt: now}, Payload: []byte(testPayload)}})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, DBFile)
	before, _ := os.ReadFile(path)

	boom := errors.New("power cut")
	migrateFault = func(int) error { return boom }
	_, err = Open(dir, Options{Logger: slog.New(slog.NewTextHandler(testWriter{t}, nil))})
	migrateFault = nil
	if !errors.Is(err, boom) {
		t.Fatalf("interrupted migration: %v", err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	db.View(func(tx *bolt.Tx) error {
		if v := storeFormat(tx); v != FormatV1 || tx.Bucket(bCounts) != nil || tx.Bucket(bData) != nil ||
			tx.Bucket(bPayload).Get([]byte(id)) == nil {
			t.Errorf("after a failed migration: format %d, counts bucket %v", v, tx.Bucket(bCounts) != nil)
		}
		return nil
	})
	db.Close()
	if _, err := os.Stat(path + ".v1.bak"); err != nil {
		t.Errorf("no backup: %v", err)
	}
	_ = before

	s := openT(t, dir, Options{})
	if v, _ := s.Format(); v != CurrentFormat {
		t.Fatalf("format %d after the retry", v)
	}
	if p, err := s.Payload(id); err != nil || string(p) != testPayload {
		t.Fatalf("payload after the retried migration: %q, %v", p, err)
	}
	if c, _ := s.Counts(); c[Pending] != 1 {
		t.Fatalf("counts %v", c)
	}
}

// TestCountsFollowEveryWrite drives records through random transitions
// and checks the kept counts against a scan after each step.
func TestCountsFollowEveryWrite(t *testing.T) {
	clk := newClock()
	s := openT(t, t.TempDir(), Options{Now: clk.Now, MaxAttempts: 3, Retention: time.Minute})
	rng := rand.New(rand.NewPCG(1, 2))
	for step := range 300 {
		switch rng.IntN(6) {
		case 0, 1:
			if _, err := s.Add(context.Background(), "1.004222", []byte(testPayload)); err != nil {
				t.Fatal(err)
			}
		default:
			c, err := s.Claim(clk.Now())
			if errors.Is(err, ErrNoneDue) {
				clk.Add(time.Hour)
				if _, err := s.Purge(); err != nil {
					t.Fatal(err)
				}
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			switch rng.IntN(4) {
			case 0:
				err = s.MarkAccepted(c.UUID, "H-1", 2)
			case 1:
				err = s.MarkRejected(c.UUID, "rejected_http_422", "no")
			case 2:
				_, err = s.MarkRetry(c.UUID, Retry{Next: clk.Now().Add(time.Second), Code: "no_answer", Detail: "reset"})
			case 3:
				if err = s.MarkNeedsAttention(c.UUID, "unexpected_answer", "odd"); err == nil && rng.IntN(2) == 0 {
					err = s.Requeue(c.UUID)
				}
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		kept, err := s.Counts()
		if err != nil {
			t.Fatal(err)
		}
		recs, _ := s.List(Filter{})
		scan := map[State]int{}
		for _, r := range recs {
			scan[r.State]++
		}
		for _, st := range []State{Pending, Sending, Accepted, Rejected, NeedsAttention} {
			if kept[st] != scan[st] {
				t.Fatalf("step %d: %s counted %d, stored %d", step, st, kept[st], scan[st])
			}
		}
	}
}

// BenchmarkCounts is the outbox depth the status bar and the metrics read:
// the counts kept since format 2 against a scan of every record (what
// format 1 had to do), with 10,000 records.
//
//	go test -run '^$' -bench Counts ./sync/outbox/
func BenchmarkCounts(b *testing.B) {
	dir := b.TempDir()
	s, err := Open(dir, Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	fillBulk(b, s, 10000)
	b.Run("kept", func(b *testing.B) {
		for range b.N {
			if c, err := s.Counts(); err != nil || c[Pending] != 10000 {
				b.Fatal(c, err)
			}
		}
	})
	b.Run("scan", func(b *testing.B) {
		for range b.N {
			recs, err := s.List(Filter{})
			if err != nil || len(recs) != 10000 {
				b.Fatal(err)
			}
		}
	})
}

// TestInterruptedMigrationLeavesV3 fails the format 3→4 step after it has
// written every record's value: the file is byte for byte the format-3
// store, and the next start migrates it with every record, owner tag and
// payload.
func TestInterruptedMigrationLeavesV3(t *testing.T) {
	dir := t.TempDir()
	now := time.Now().UTC()
	var recs []LegacyRecord
	for i := range 5 {
		id, _ := NewUUID()
		recs = append(recs, LegacyRecord{Record: Record{UUID: id, Service: "1.004222", State: Pending, CreatedAt: now,
			UpdatedAt: now, NextAttemptAt: now.Add(time.Duration(i) * time.Second)}, Payload: []byte(testPayload),
			Owners: []string{"001099000555"}})
	}
	if err := writeLegacyStore(dir, FormatV3, recs); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, DBFile)
	before, _ := os.ReadFile(path)
	boom := errors.New("power cut")
	migrateFault = func(from int) error {
		if from == FormatV3 {
			return boom
		}
		return nil
	}
	_, err := Open(dir, Options{Logger: slog.New(slog.DiscardHandler)})
	migrateFault = nil
	if !errors.Is(err, boom) {
		t.Fatalf("interrupted migration: %v", err)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Fatal("a failed migration changed the format-3 file")
	}
	s := openT(t, dir, Options{})
	if v, _ := s.Format(); v != FormatV4 {
		t.Fatalf("format %d after the retry", v)
	}
	if c, _ := s.Counts(); c[Pending] != 5 {
		t.Fatalf("counts %v", c)
	}
	if o, err := s.Owned("001099000555"); err != nil || len(o) != 5 {
		t.Fatalf("owned %d %v", len(o), err)
	}
	for _, r := range recs {
		if p, err := s.Payload(r.UUID); err != nil || string(p) != testPayload {
			t.Fatalf("payload %q %v", p, err)
		}
	}
	checkIndex(t, s, "after the retried migration")
}
