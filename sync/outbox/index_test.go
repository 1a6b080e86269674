package outbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// rebuilt builds the index afresh from the file, as Open does.
func rebuilt(t testing.TB, s *Store) *index {
	t.Helper()
	var ix *index
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		ix, err = buildIndex(tx, s.format)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return ix
}

// checkIndex fails unless the index memory kept equals one rebuilt from
// the file, and agrees with a plain scan of the records (counts, due
// order, sending, purge order, owner tags).
func checkIndex(t testing.TB, s *Store, when string) {
	t.Helper()
	s.idx.mu.RLock()
	defer s.idx.mu.RUnlock()
	if fresh := rebuilt(t, s); !s.idx.equal(fresh) {
		t.Fatalf("%s: the index in memory differs from a rebuild from the file:\nmemory  %+v\nrebuild %+v", when, dumpIndex(s.idx), dumpIndex(fresh))
	}
	counts := map[State]int{}
	var due, purge []okey
	sending := map[uint64]bool{}
	tags := map[string][]uint64{}
	err := s.db.View(func(tx *bolt.Tx) error {
		return scanStored(tx, s.format, func(st *stored) error {
			r := st.rec
			counts[r.State]++
			switch {
			case r.State == Pending:
				due = append(due, okey{r.NextAttemptAt.UnixNano(), r.seq})
			case r.State == Sending:
				sending[r.seq] = true
			case r.State == Accepted && r.PurgedAt.IsZero():
				purge = append(purge, okey{r.AcceptedAt.UnixNano(), r.seq})
			}
			for _, o := range st.owners {
				tags[o] = append(tags[o], r.seq)
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(due, okey.cmp)
	slices.SortFunc(purge, okey.cmp)
	if fmt.Sprint(counts) != fmt.Sprint(s.idx.counts) || !slices.Equal(due, s.idx.due.ks) ||
		!slices.Equal(purge, s.idx.purge.ks) || fmt.Sprint(sending) != fmt.Sprint(s.idx.sending) ||
		fmt.Sprint(tags) != fmt.Sprint(s.idx.owners) {
		t.Fatalf("%s: the index disagrees with a scan: counts %v / %v, due %v / %v, purge %v / %v, sending %v / %v",
			when, s.idx.counts, counts, s.idx.due.ks, due, s.idx.purge.ks, purge, s.idx.sending, sending)
	}
}

func dumpIndex(ix *index) string {
	return fmt.Sprintf("recs %d ids %d due %v purge %v sending %v counts %v keys %v owners %d",
		len(ix.recs), len(ix.ids), ix.due.ks, ix.purge.ks, ix.sending, ix.counts, ix.keys, len(ix.owners))
}

// TestIndexFollowsEveryCommit drives records through random operations
// (adds with and without owner tags, claims, every outcome, requeues,
// progress, purges, key rotations) and, after each, compares the index
// kept in memory with one rebuilt from the file. Every few steps a write
// transaction changes records and then fails: the index must not move.
func TestIndexFollowsEveryCommit(t *testing.T) {
	clk := newClock()
	s := openT(t, t.TempDir(), Options{Now: clk.Now, MaxAttempts: 3, Retention: time.Minute})
	rng := rand.New(rand.NewPCG(7, 11))
	ctx := context.Background()
	var ids []string
	boom := errors.New("commit fails")
	for step := range 400 {
		switch op := rng.IntN(10); op {
		case 0, 1:
			c := ctx
			if rng.IntN(2) == 0 {
				c = WithOwners(ctx, fmt.Sprintf("0010990%05d", rng.IntN(5)), fmt.Sprintf("0010990%05d", rng.IntN(5)))
			}
			id, err := s.Add(c, "1.004222", []byte(testPayload))
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		case 2:
			if _, _, err := s.ClaimBatch(clk.Now(), 1+rng.IntN(4)); err != nil {
				t.Fatal(err)
			}
		case 3:
			var outs []Outcome
			for _, r := range listState(t, s, Sending) {
				switch rng.IntN(4) {
				case 0:
					outs = append(outs, Outcome{UUID: r.UUID, Kind: Accept, DossierCode: "H01-" + r.UUID[:8]})
				case 1:
					outs = append(outs, Outcome{UUID: r.UUID, Kind: Reject, Code: "rejected_http_422", Detail: "Nguyễn Văn Thử"})
				case 2:
					outs = append(outs, Outcome{UUID: r.UUID, Kind: RetryLater, Next: clk.Now().Add(time.Duration(rng.IntN(90)) * time.Second), Code: "unreachable"})
				case 3:
					outs = append(outs, Outcome{UUID: r.UUID, Kind: Park, Code: "unexpected"})
				}
			}
			if _, err := s.Settle(outs); err != nil {
				t.Fatal(err)
			}
		case 4:
			for _, r := range listState(t, s, NeedsAttention) {
				if err := s.Requeue(r.UUID); err != nil {
					t.Fatal(err)
				}
				break
			}
		case 5:
			clk.Add(time.Duration(rng.IntN(40)) * time.Second)
			if _, err := s.Purge(); err != nil {
				t.Fatal(err)
			}
		case 6:
			if rng.IntN(4) == 0 {
				if _, err := s.RotateKey(); err != nil {
					t.Fatal(err)
				}
			}
		case 7:
			for _, r := range listState(t, s, Accepted) {
				if err := s.SetProgress(r.UUID, 1+rng.IntN(10), ""); err != nil {
					t.Fatal(err)
				}
				break
			}
		default:
			// A transaction that rewrites records and adds one, then fails.
			err := s.update(func(w *wtx) error {
				for _, id := range ids {
					st, err := w.byID(id)
					if err != nil {
						return err
					}
					st.rec.State, st.rec.PurgedAt, st.owners = Rejected, clk.Now(), nil
					if err := w.put(st); err != nil {
						return err
					}
				}
				nid, _ := NewUUID()
				now := clk.Now()
				if err := w.add(&stored{rec: Record{UUID: nid, Service: "1.004222", State: Pending, CreatedAt: now,
					UpdatedAt: now, NextAttemptAt: now}, owners: []string{"o1:x"}}); err != nil {
					return err
				}
				return boom
			})
			if !errors.Is(err, boom) {
				t.Fatalf("failed transaction: %v", err)
			}
		}
		checkIndex(t, s, fmt.Sprintf("step %d", step))
	}
	for _, st := range []State{Pending, Sending, Accepted, Rejected, NeedsAttention} {
		if len(listState(t, s, st)) == 0 {
			t.Errorf("the walk never reached %s", st)
		}
	}
}

func listState(t testing.TB, s *Store, st State) []Record {
	t.Helper()
	rs, err := s.List(Filter{States: []State{st}})
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// TestDuplicateFixedIDInOneGroupCommit puts two adds with the same fixed
// UUID (an attachment's, which names files already written) into one
// group commit: one record is stored, the other request fails alone, and
// a third request in the same commit is stored.
func TestDuplicateFixedIDInOneGroupCommit(t *testing.T) {
	s := openT(t, t.TempDir(), Options{})
	ctx := context.Background()
	a, err := s.newAddReq(ctx, "1.004222", []byte(testPayload))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := s.newAddReq(ctx, "1.004222", []byte(`{"second":true}`))
	c, _ := s.newAddReq(ctx, "1.004222", []byte(`{"third":true}`))
	b.rec.UUID, b.data = a.rec.UUID, a.data
	a.fixedID, b.fixedID = true, true
	if err := s.commitAdds([]*addReq{a, b, c}); err != nil {
		t.Fatal(err)
	}
	if a.err != nil || b.err == nil || c.err != nil {
		t.Fatalf("errors: first %v, duplicate %v, third %v", a.err, b.err, c.err)
	}
	recs, _ := s.List(Filter{})
	if len(recs) != 2 || recs[0].UUID != a.rec.UUID || recs[1].UUID != c.rec.UUID {
		t.Fatalf("records %+v", recs)
	}
	if p, err := s.Payload(a.rec.UUID); err != nil || string(p) != testPayload {
		t.Fatalf("the first add's payload %q, %v", p, err)
	}
	// A UUID already stored: a fixed one fails, a drawn one is drawn again.
	d, _ := s.newAddReq(ctx, "1.004222", []byte(testPayload))
	d.rec.UUID, d.fixedID = a.rec.UUID, true
	e, _ := s.newAddReq(ctx, "1.004222", []byte(`{"e":1}`))
	e.rec.UUID = a.rec.UUID
	if err := s.commitAdds([]*addReq{d, e}); err != nil {
		t.Fatal(err)
	}
	if d.err == nil || e.err != nil || e.rec.UUID == a.rec.UUID {
		t.Fatalf("fixed duplicate %v; drawn again %v as %s", d.err, e.err, e.rec.UUID)
	}
	if p, err := s.Payload(e.rec.UUID); err != nil || string(p) != `{"e":1}` {
		t.Fatalf("redrawn record's payload %q, %v", p, err)
	}
	checkIndex(t, s, "after duplicates")
}

// TestReadOnlyOpenSeesTheFile opens a store read-only after a writer left
// records in every state: Get, List, Counts, NextDue and Owned answer as
// the writer's did. While a read-only store is open, bbolt's shared lock
// keeps a writer out (ErrLocked), so the index built at its Open cannot
// go stale; a second read-only open works alongside.
func TestReadOnlyOpenSeesTheFile(t *testing.T) {
	clk := newClock()
	dir := t.TempDir()
	s := openT(t, dir, Options{Now: clk.Now})
	ctx := context.Background()
	owner := "001099000777"
	for i := range 6 {
		c := ctx
		if i%2 == 0 {
			c = WithOwners(ctx, owner)
		}
		if _, err := s.Add(c, "1.004222", []byte(testPayload)); err != nil {
			t.Fatal(err)
		}
	}
	cs, _, err := s.ClaimBatch(clk.Now(), 4)
	if err != nil || len(cs) != 4 {
		t.Fatal(cs, err)
	}
	res, err := s.Settle([]Outcome{{UUID: cs[0].UUID, Kind: Accept, DossierCode: "H01-1"},
		{UUID: cs[1].UUID, Kind: Reject, Code: "rejected_http_422"},
		{UUID: cs[2].UUID, Kind: RetryLater, Next: clk.Now().Add(time.Hour), Code: "unreachable"}})
	if err != nil || res[0].Err != nil {
		t.Fatal(res, err)
	}
	wantCounts, _ := s.Counts()
	wantList, _ := s.List(Filter{})
	wantDue, _, _ := s.NextDue()
	wantOwned, _ := s.Owned(owner)
	s.Close()

	opts := Options{ReadOnly: true, Now: clk.Now, Logger: slog.New(slog.DiscardHandler)}
	ro, err := Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	ro2, err := Open(dir, opts)
	if err != nil {
		t.Fatalf("a second read-only open: %v", err)
	}
	defer ro2.Close()
	for _, r := range []*Store{ro, ro2} {
		c, _ := r.Counts()
		l, _ := r.List(Filter{})
		d, _, _ := r.NextDue()
		o, _ := r.Owned(owner)
		if fmt.Sprint(c) != fmt.Sprint(wantCounts) || fmt.Sprint(l) != fmt.Sprint(wantList) || !d.Equal(wantDue) ||
			fmt.Sprint(o) != fmt.Sprint(wantOwned) || len(o) != 3 {
			t.Fatalf("read-only view differs: counts %v / %v, next due %v / %v, owned %d / %d", c, wantCounts, d, wantDue, len(o), len(wantOwned))
		}
		if g, err := r.Get(cs[0].UUID); err != nil || g.State != Accepted {
			t.Fatalf("get: %+v %v", g, err)
		}
		if p, err := r.Payload(cs[3].UUID); err != nil || string(p) != testPayload {
			t.Fatalf("payload read-only: %q %v", p, err)
		}
		checkIndex(t, r, "read-only")
	}
	if _, err := Open(dir, Options{Timeout: 100 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)}); !errors.Is(err, ErrLocked) {
		t.Fatalf("a writer opened while a reader holds the store: %v", err)
	}
}

// TestValueRoundTrip encodes records with every field set and decodes
// them back, header and whole.
func TestValueRoundTrip(t *testing.T) {
	now := time.Date(2026, 11, 23, 8, 0, 0, 123456789, time.UTC)
	id, _ := NewUUID()
	for _, st := range []State{Pending, Sending, Accepted, Rejected, NeedsAttention} {
		in := &stored{rec: Record{UUID: id, Service: "1.004222", State: st, Attempts: 3, Device: "quầy-1", Demo: true,
			CreatedAt: now, UpdatedAt: now.Add(time.Second), NextAttemptAt: now.Add(time.Minute), AcceptedAt: now.Add(time.Hour),
			DossierCode: "H01.01-1", OfficialCode: "000.00.01.H01-261123-0001", ProvincialStatus: 4,
			StatusCheckedAt: now.Add(2 * time.Hour), Reason: "rejected_http_422", LastError: "unreachable", PayloadSize: 1030,
			Attachments: []Attachment{{Name: "don.pdf", Type: "application/pdf", Pages: 2, Size: 10, SHA256: "ab", SealedSize: 40}}},
			wrapped: bytes.Repeat([]byte{9}, wrapLen), owners: []string{"o1:aa", "o1:bb"}, sealed: []byte("sealed")}
		in.rec.seq = 42
		in.wrapped[0] = wrapVersion
		v, err := in.encode()
		if err != nil {
			t.Fatal(err)
		}
		out, err := decodeValue(42, v)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(out.rec) != fmt.Sprint(in.rec) || !bytes.Equal(out.wrapped, in.wrapped) ||
			!slices.Equal(out.owners, in.owners) || !bytes.Equal(out.sealed, in.sealed) {
			t.Fatalf("%s: round trip\n%+v\n%+v", st, in.rec, out.rec)
		}
		h, err := decodeHdr(v)
		if err != nil || fmt.Sprint(h) != fmt.Sprint(hdrOf(in)) {
			t.Fatalf("%s: header %+v / %+v, %v", st, h, hdrOf(in), err)
		}
	}
}

// FuzzDecodeValue feeds arbitrary bytes to the value decoders: they
// return an error or a record that encodes back to a value decoding the
// same, and never panic.
func FuzzDecodeValue(f *testing.F) {
	id, _ := NewUUID()
	st := &stored{rec: Record{UUID: id, Service: "1.004222", State: Pending, CreatedAt: time.Unix(1, 0).UTC(), PayloadSize: 3},
		owners: []string{"o1:aa"}, sealed: []byte("xyz")}
	v, _ := st.encode()
	f.Add(v)
	f.Add(v[:valueFixed+3])
	f.Fuzz(func(t *testing.T, v []byte) {
		_, _ = decodeHdr(v)
		st, err := decodeValue(1, v)
		if err != nil {
			return
		}
		again, err := st.encode()
		if err != nil {
			return // e.g. a UUID field that is not 36 bytes of text
		}
		st2, err := decodeValue(1, again)
		if err != nil || fmt.Sprint(st2.rec) != fmt.Sprint(st.rec) {
			t.Fatalf("re-encoded value decodes differently: %v", err)
		}
	})
}

// TestReadOnlyOlderFormat opens stores of formats 1-3 read-only: they are
// not migrated (the file is not touched), and the index built from the old
// layout answers Get, List, Counts, NextDue, Owned and Payload.
func TestReadOnlyOlderFormat(t *testing.T) {
	for _, format := range []int{FormatV1, FormatV2, FormatV3} {
		t.Run(fmt.Sprint(format), func(t *testing.T) {
			dir := t.TempDir()
			now := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
			var recs []LegacyRecord
			for i, st := range []State{Pending, Pending, Sending, Accepted, Rejected} {
				id, _ := NewUUID()
				r := Record{UUID: id, Service: "1.004222", State: st, CreatedAt: now, UpdatedAt: now}
				if st == Pending {
					r.NextAttemptAt = now.Add(time.Duration(i) * time.Minute)
				}
				if st == Accepted {
					r.AcceptedAt, r.DossierCode = now, "H01-9"
				}
				lr := LegacyRecord{Record: r, Payload: []byte(fmt.Sprintf(`{"n":%d}`, i))}
				if i == 0 {
					lr.Owners = []string{"001099000321"}
				}
				recs = append(recs, lr)
			}
			if err := writeLegacyStore(dir, format, recs); err != nil {
				t.Fatal(err)
			}
			path := dir + "/" + DBFile
			before, _ := os.ReadFile(path)
			s, err := Open(dir, Options{ReadOnly: true, Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			c, _ := s.Counts()
			if c[Pending] != 2 || c[Sending] != 1 || c[Accepted] != 1 || c[Rejected] != 1 {
				t.Fatalf("counts %v", c)
			}
			if l, _ := s.List(Filter{States: []State{Pending}}); len(l) != 2 || l[0].UUID != recs[0].UUID {
				t.Fatalf("list %+v", l)
			}
			if d, ok, _ := s.NextDue(); !ok || !d.Equal(now) {
				t.Fatalf("next due %v %v", d, ok)
			}
			if g, err := s.Get(recs[3].UUID); err != nil || g.DossierCode != "H01-9" {
				t.Fatalf("get %+v %v", g, err)
			}
			if p, err := s.Payload(recs[1].UUID); err != nil || string(p) != `{"n":1}` {
				t.Fatalf("payload %q %v", p, err)
			}
			o, err := s.Owned("001099000321")
			if format == FormatV3 && (err != nil || len(o) != 1 || o[0].UUID != recs[0].UUID) {
				t.Fatalf("owned %+v %v", o, err)
			}
			checkIndex(t, s, "read-only legacy")
			s.Close()
			if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
				t.Fatal("a read-only open changed the file")
			}
		})
	}
}
