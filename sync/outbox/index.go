package outbox

import (
	"cmp"
	"maps"
	"slices"
	"sync"
)

// The indexes of format 4 live in memory only: UUID → sequence number,
// the due order of pending records, the records being sent, the purge
// order of accepted ones, per-state counts, the master keys data keys are
// wrapped under, and owner tags → records. The file is the truth: Open
// builds them by one scan of bucket rec (headers only, read in place), and
// a write changes them only after its commit succeeded (Store.update),
// under a lock held from before the transaction begins until the change is
// applied, so memory follows commits in commit order. A crash (between the
// commit and the change, or mid-commit) loses nothing the file does not
// rebuild at the next Open; a failed commit leaves them as they were.

// okey orders records by a time, then by sequence number.
type okey struct {
	t   int64
	seq uint64
}

func (a okey) cmp(b okey) int {
	if c := cmp.Compare(a.t, b.t); c != 0 {
		return c
	}
	return cmp.Compare(a.seq, b.seq)
}

// ordSet is a sorted set of okeys. New pending records are due now, so
// they go at or near the end; claims take from the front.
type ordSet struct{ ks []okey }

func (o *ordSet) find(k okey) (int, bool) {
	return slices.BinarySearchFunc(o.ks, k, okey.cmp)
}

func (o *ordSet) insert(k okey) {
	if n := len(o.ks); n == 0 || o.ks[n-1].cmp(k) < 0 {
		o.ks = append(o.ks, k)
		return
	}
	if i, ok := o.find(k); !ok {
		o.ks = slices.Insert(o.ks, i, k)
	}
}

func (o *ordSet) remove(k okey) {
	i, ok := o.find(k)
	switch {
	case !ok:
	case i == 0: // claims and purges take from the front: no copying
		o.ks = o.ks[1:] // the dropped head's memory goes at the next growth
	default:
		o.ks = slices.Delete(o.ks, i, i+1)
	}
}

// upTo returns up to max keys with t <= limit, in order (max <= 0: all).
func (o *ordSet) upTo(limit int64, max int) []okey {
	var out []okey
	for _, k := range o.ks {
		if k.t > limit || (max > 0 && len(out) == max) {
			break
		}
		out = append(out, k)
	}
	return out
}

// entry is what memory keeps of one record.
type entry struct {
	hdr
	seq uint64
}

// index is the in-memory view of the records; see above.
type index struct {
	mu      sync.RWMutex
	recs    map[uint64]*entry
	ids     map[string]uint64
	due     ordSet // pending, by due time
	purge   ordSet // accepted and not purged, by acceptance time
	sending map[uint64]bool
	counts  map[State]int
	keys    map[uint32]int      // master key ID → data keys wrapped under it
	owners  map[string][]uint64 // owner tag → records, in sequence order
}

func newIndex() *index {
	return &index{recs: map[uint64]*entry{}, ids: map[string]uint64{}, sending: map[uint64]bool{},
		counts: map[State]int{}, keys: map[uint32]int{}, owners: map[string][]uint64{}}
}

// set replaces what the index holds of record seq by h.
func (ix *index) set(seq uint64, h hdr) {
	if old := ix.recs[seq]; old != nil {
		ix.drop(old)
	}
	e := &entry{hdr: h, seq: seq}
	ix.recs[seq] = e
	ix.ids[h.id] = seq
	switch h.state {
	case Pending:
		ix.due.insert(okey{h.due, seq})
	case Sending:
		ix.sending[seq] = true
	case Accepted:
		if !h.purged {
			ix.purge.insert(okey{h.accepted, seq})
		}
	}
	ix.counts[h.state]++
	if h.hasKey {
		ix.keys[h.keyID]++
	}
	for _, t := range h.owners {
		l := ix.owners[t]
		if n := len(l); n == 0 || l[n-1] < seq {
			ix.owners[t] = append(l, seq)
		} else if i, ok := slices.BinarySearch(l, seq); !ok {
			ix.owners[t] = slices.Insert(l, i, seq)
		}
	}
}

// drop removes e from every index but recs and ids (a record's UUID and
// sequence number never change).
func (ix *index) drop(e *entry) {
	switch e.state {
	case Pending:
		ix.due.remove(okey{e.due, e.seq})
	case Sending:
		delete(ix.sending, e.seq)
	case Accepted:
		if !e.purged {
			ix.purge.remove(okey{e.accepted, e.seq})
		}
	}
	if ix.counts[e.state]--; ix.counts[e.state] == 0 {
		delete(ix.counts, e.state)
	}
	if e.hasKey {
		if ix.keys[e.keyID]--; ix.keys[e.keyID] == 0 {
			delete(ix.keys, e.keyID)
		}
	}
	for _, t := range e.owners {
		l := ix.owners[t]
		if i, ok := slices.BinarySearch(l, e.seq); ok {
			l = slices.Delete(l, i, i+1)
		}
		if len(l) == 0 {
			delete(ix.owners, t)
		} else {
			ix.owners[t] = l
		}
	}
}

// seqOf returns the sequence number of record id.
func (ix *index) seqOf(id string) (uint64, bool) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	seq, ok := ix.ids[id]
	return seq, ok
}

// equal reports whether two indexes hold the same (tests, and the check
// that a rebuild agrees with what memory kept).
func (ix *index) equal(o *index) bool {
	if len(ix.recs) != len(o.recs) || !maps.Equal(ix.ids, o.ids) || !slices.Equal(ix.due.ks, o.due.ks) ||
		!slices.Equal(ix.purge.ks, o.purge.ks) || !maps.Equal(ix.sending, o.sending) ||
		!maps.Equal(ix.counts, o.counts) || !maps.Equal(ix.keys, o.keys) ||
		!maps.EqualFunc(ix.owners, o.owners, slices.Equal) {
		return false
	}
	for seq, e := range ix.recs {
		f := o.recs[seq]
		if f == nil || e.id != f.id || e.state != f.state || e.purged != f.purged || e.due != f.due ||
			e.accepted != f.accepted || e.hasKey != f.hasKey || e.keyID != f.keyID || !slices.Equal(e.owners, f.owners) {
			return false
		}
	}
	return true
}
