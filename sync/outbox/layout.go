package outbox

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// bRec is format 4's one bucket of dossiers: seq (8 bytes BE) → value
// (value.go).
var bRec = []byte("rec")

// loadStored reads record seq in the store's layout (format 4, or an
// older one opened read-only and not migrated). Its slices alias the
// transaction's pages.
func loadStored(tx *bolt.Tx, format int, seq uint64) (*stored, error) {
	if format >= FormatV4 {
		v := tx.Bucket(bRec).Get(u64(seq))
		if v == nil {
			return nil, fmt.Errorf("%w: record %d", ErrNotFound, seq)
		}
		return decodeValue(seq, v)
	}
	v := tx.Bucket(bMeta).Get(u64(seq))
	if v == nil {
		return nil, fmt.Errorf("%w: record %d", ErrNotFound, seq)
	}
	return legacyStored(tx, format, u64(seq), v)
}

// scanStored calls fn for every record in sequence order, in the store's
// layout.
func scanStored(tx *bolt.Tx, format int, fn func(*stored) error) error {
	if format >= FormatV4 {
		b := tx.Bucket(bRec)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			if len(k) != 8 {
				return fmt.Errorf("record key %x: %w", k, errBadValue)
			}
			st, err := decodeValue(binary.BigEndian.Uint64(k), v)
			if err != nil {
				return err
			}
			return fn(st)
		})
	}
	meta := tx.Bucket(bMeta)
	if meta == nil {
		return nil
	}
	return meta.ForEach(func(k, v []byte) error {
		if len(k) != 8 {
			return nil
		}
		st, err := legacyStored(tx, format, k, v)
		if err != nil {
			return err
		}
		return fn(st)
	})
}

// legacyStored assembles a record of the format 1-3 layouts (meta, uuid,
// payload or data, owner) into what format 4 keeps in one value.
func legacyStored(tx *bolt.Tx, format int, k, v []byte) (*stored, error) {
	st := &stored{}
	if err := json.Unmarshal(v, &st.rec); err != nil {
		return nil, fmt.Errorf("record %x: %w", k, err)
	}
	st.rec.seq = binary.BigEndian.Uint64(k)
	id := []byte(st.rec.UUID)
	if format < FormatV3 {
		if b := tx.Bucket(bPayload); b != nil {
			st.sealed = b.Get(id)
		}
		return st, nil
	}
	if b := tx.Bucket(bData); b != nil {
		st.sealed = b.Get(k)
	}
	st.wrapped = getDEK(tx, st.rec.UUID)
	// An older agent's Purge left the tags of purged records behind;
	// they match nothing.
	if b := tx.Bucket(bOwner); b != nil && st.rec.PurgedAt.IsZero() {
		if t := b.Get(id); len(t) > 0 {
			st.owners = strings.Split(string(t), "\n")
		}
	}
	return st, nil
}

// buildIndex scans every record once (format 4: the fixed header only,
// read in place; nothing is decrypted, no payload copied).
func buildIndex(tx *bolt.Tx, format int) (*index, error) {
	ix := newIndex()
	if format >= FormatV4 {
		b := tx.Bucket(bRec)
		if b == nil {
			return ix, nil
		}
		err := b.ForEach(func(k, v []byte) error {
			if len(k) != 8 {
				return fmt.Errorf("record key %x: %w", k, errBadValue)
			}
			h, err := decodeHdr(v)
			if err != nil {
				return fmt.Errorf("record %x: %w", k, err)
			}
			ix.set(binary.BigEndian.Uint64(k), h)
			return nil
		})
		return ix, err
	}
	err := scanStored(tx, format, func(st *stored) error {
		ix.set(st.rec.seq, hdrOf(st))
		return nil
	})
	return ix, err
}

// wtx is a write transaction of format 4: the records it changed (read
// back from here within it) and, once it commits, the index changes.
type wtx struct {
	tx      *bolt.Tx
	recs    *bolt.Bucket
	s       *Store
	changed map[uint64]*stored
	order   []uint64
	newIDs  map[string]uint64
}

// update runs fn in one fsynced write transaction and, only once it has
// committed, applies the records it changed to the in-memory index. wmu is
// held from before the transaction until the index is updated, so the
// index follows commits in commit order and a write transaction always
// reads an index that matches its snapshot.
func (s *Store) update(fn func(w *wtx) error) error {
	if s.readOnly {
		return ErrReadOnly
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	var w *wtx
	var hs []hdr
	err := s.db.Update(func(tx *bolt.Tx) error {
		w = &wtx{tx: tx, recs: tx.Bucket(bRec), s: s, changed: map[uint64]*stored{}, newIDs: map[string]uint64{}}
		if w.recs == nil {
			return fmt.Errorf("%w: bucket rec missing", errCorrupt)
		}
		if err := fn(w); err != nil {
			return err
		}
		// The headers are taken inside the transaction: its values may
		// alias pages that are unmapped once it ends.
		hs = make([]hdr, len(w.order))
		for i, seq := range w.order {
			hs[i] = hdrOf(w.changed[seq])
		}
		return nil
	})
	if err != nil {
		return err
	}
	if afterCommit != nil {
		afterCommit()
	}
	if len(hs) == 0 {
		return nil
	}
	s.idx.mu.Lock()
	for i, seq := range w.order {
		s.idx.set(seq, hs[i])
	}
	s.idx.mu.Unlock()
	return nil
}

// afterCommit, when set (tests), runs after a commit and before the index
// learns of it: a crash test kills the process there.
var afterCommit func()

// seqOf finds record id: added in this transaction, or in the index.
func (w *wtx) seqOf(id string) (uint64, bool) {
	if seq, ok := w.newIDs[id]; ok {
		return seq, true
	}
	return w.s.idx.seqOf(id)
}

// load returns record seq as this transaction sees it.
func (w *wtx) load(seq uint64) (*stored, error) {
	if st, ok := w.changed[seq]; ok {
		cp := *st
		return &cp, nil
	}
	v := w.recs.Get(u64(seq))
	if v == nil {
		return nil, fmt.Errorf("%w: record %d", ErrNotFound, seq)
	}
	return decodeValue(seq, v)
}

// byID returns record id as this transaction sees it.
func (w *wtx) byID(id string) (*stored, error) {
	seq, ok := w.seqOf(id)
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrNotFound, id)
	}
	return w.load(seq)
}

// put writes st (one Put of its one value) and notes it for the index.
func (w *wtx) put(st *stored) error {
	v, err := st.encode()
	if err != nil {
		return err
	}
	if err := w.recs.Put(u64(st.rec.seq), v); err != nil {
		return err
	}
	if _, ok := w.changed[st.rec.seq]; !ok {
		w.order = append(w.order, st.rec.seq)
	}
	cp := *st
	w.changed[st.rec.seq] = &cp
	return nil
}

// add gives st the next sequence number and writes it.
func (w *wtx) add(st *stored) error {
	seq, err := w.recs.NextSequence()
	if err != nil {
		return err
	}
	st.rec.seq = seq
	if err := w.put(st); err != nil {
		return err
	}
	w.newIDs[st.rec.UUID] = seq
	return nil
}
