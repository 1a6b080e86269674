package outbox

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Purge removes the payloads of accepted records whose retention has
// passed (once the oldest is Options.PurgeSlack past it), keeping their
// metadata and audit records, and makes them unrecoverable
// (crypto-shredding):
//
//  1. a new master key is added to the key file (fsynced) and made current;
//  2. one commit deletes each expired record's sealed payload, sealed
//     detail and wrapped data key, and re-wraps every live record's data
//     key under the new master key;
//  3. migration backups that hold a purged record are deleted, and every
//     master key that no live record and no retained copy needs is removed
//     from the key file.
//
// What bbolt's free pages still hold of a purged record is then its payload
// sealed under a data key that exists only wrapped under a retired master
// key: nothing the key file can open. Purge also enforces the retention of
// backups and corrupt copies. It returns how many payloads it removed.
func (s *Store) Purge() (int, error) {
	if s.readOnly {
		return 0, ErrReadOnly
	}
	now := s.opts.Now().UTC()
	cutoff := now.Add(-s.opts.Retention)
	s.idx.mu.RLock()
	// Nothing is removed until the oldest expired payload is PurgeSlack
	// past its retention; then every expired one goes in the same purge.
	due := len(s.idx.purge.upTo(cutoff.Add(-max(s.opts.PurgeSlack, 0)).UnixNano(), 1)) > 0
	s.idx.mu.RUnlock()
	if !due {
		return 0, s.expireAside(now, time.Time{})
	}
	if err := s.addMasterKey(); err != nil {
		return 0, fmt.Errorf("purge: %w", err)
	}
	n := 0
	var oldest time.Time // earliest creation among the purged records
	var withFiles []string
	err := s.update(func(w *wtx) error {
		n, oldest, withFiles = 0, time.Time{}, nil
		s.idx.mu.RLock()
		keys := s.idx.purge.upTo(cutoff.UnixNano(), 0)
		s.idx.mu.RUnlock()
		for _, pk := range keys {
			st, err := w.load(pk.seq)
			if err != nil {
				return err
			}
			r := &st.rec
			id := r.UUID
			if err := w.tx.Bucket(bDetail).Delete(u64(r.seq)); err != nil {
				return err
			}
			if len(r.Attachments) > 0 {
				withFiles = append(withFiles, id)
			}
			// The payload, the data key and the owner tags go with the
			// one value rewritten without them.
			st.sealed, st.wrapped, st.owners = nil, nil, nil
			r.PurgedAt = now
			r.UpdatedAt = now
			if err := w.put(st); err != nil {
				return err
			}
			var a AuditRecord
			if v := w.tx.Bucket(bAudit).Get([]byte(id)); v != nil {
				if err := json.Unmarshal(v, &a); err != nil {
					return err
				}
			}
			a.PurgedAt = now
			if err := putJSON(w.tx.Bucket(bAudit), []byte(id), a); err != nil {
				return err
			}
			if oldest.IsZero() || r.CreatedAt.Before(oldest) {
				oldest = r.CreatedAt
			}
			n++
		}
		return rewrapTx(w, s.keyring())
	})
	if err != nil {
		return 0, fmt.Errorf("purge: %w", classifyIOError(err))
	}
	s.removeAttachments(withFiles)
	if n > 0 {
		s.log.Info("outbox: purged payloads of accepted submissions after retention; their data keys are destroyed", "count", n)
	}
	if err := s.expireAside(now, oldest); err != nil {
		return n, err
	}
	return n, s.retireKeys()
}

// RotateKey adds a new master key, re-wraps every record's data key under
// it, and removes the master keys nothing needs any more. It returns the
// new key's ID.
func (s *Store) RotateKey() (uint32, error) {
	if s.readOnly {
		return 0, ErrReadOnly
	}
	if err := s.addMasterKey(); err != nil {
		return 0, err
	}
	if err := s.update(func(w *wtx) error { return rewrapTx(w, s.keyring()) }); err != nil {
		return 0, fmt.Errorf("rotate key: %w", classifyIOError(err))
	}
	id := s.keyring().current
	s.log.Info("outbox: rotated encryption key", "key_id", id)
	return id, s.retireKeys()
}

// addMasterKey writes a new current master key to the key file (fsynced)
// before any record uses it.
func (s *Store) addMasterKey() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	nk := s.kr.clone()
	if err := nk.addKey(); err != nil {
		return err
	}
	if err := nk.write(false); err != nil {
		return err
	}
	s.kr = nk
	return nil
}

// rewrapTx re-wraps every data key not wrapped under the current master
// key. In format 4 the wrapped key is in the record's one value, so each
// such record's value is rewritten (its payload with it): a rotation, and
// a purge, write every live record once.
func rewrapTx(w *wtx, kr *Keyring) error {
	var seqs []uint64
	w.s.idx.mu.RLock()
	for seq, e := range w.s.idx.recs {
		if e.hasKey && e.keyID != kr.current {
			seqs = append(seqs, seq)
		}
	}
	w.s.idx.mu.RUnlock()
	slices.Sort(seqs)
	for _, seq := range seqs {
		st, err := w.load(seq)
		if err != nil {
			return err
		}
		if st.wrapped == nil {
			continue // purged in this transaction
		}
		if kid, ok := wrappedKeyID(st.wrapped); ok && kid == kr.current {
			continue
		}
		dk, err := kr.unwrap(st.rec.UUID, st.wrapped)
		if err != nil {
			// A data key no key opens protects nothing readable; leave it
			// (its record is parked when claimed).
			continue
		}
		nw, err := kr.wrap(st.rec.UUID, dk)
		clear(dk)
		if err != nil {
			return err
		}
		st.wrapped = nw
		if err := w.put(st); err != nil {
			return err
		}
	}
	return nil
}

// retireKeys removes from the key file every master key that is not
// current, wraps no live data key and is not needed by a retained backup or
// corrupt copy. It runs inside a write transaction (and under the store's
// write lock), so no Add, Claim or Settle (which unwrap and wrap inside
// theirs) runs meanwhile, and the index it reads matches the file.
func (s *Store) retireKeys() error {
	var retired []uint32
	err := s.update(func(w *wtx) error {
		kr := s.keyring()
		need := map[uint32]bool{kr.current: true}
		s.idx.mu.RLock()
		for id := range s.idx.keys {
			need[id] = true
		}
		s.idx.mu.RUnlock()
		asides, err := listAside(w.tx)
		if err != nil {
			return err
		}
		for _, a := range asides {
			for _, id := range a.Keys {
				need[id] = true
			}
		}
		drop := map[uint32]bool{}
		for _, id := range kr.KeyIDs() {
			if !need[id] {
				drop[id] = true
				retired = append(retired, id)
			}
		}
		if len(drop) == 0 {
			return nil
		}
		nk := kr.without(drop)
		if err := nk.write(false); err != nil {
			return err
		}
		s.mu.Lock()
		s.kr = nk
		s.mu.Unlock()
		return nil
	})
	if err != nil {
		return fmt.Errorf("retire master keys: %w", classifyIOError(err))
	}
	if len(retired) > 0 {
		s.log.Info("outbox: retired master keys no record needs any more", "key_ids", fmt.Sprint(retired))
	}
	return nil
}

// Audit returns the audit records of every accepted submission.
func (s *Store) Audit() ([]AuditRecord, error) {
	var out []AuditRecord
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bAudit).ForEach(func(k, v []byte) error {
			var a AuditRecord
			if err := json.Unmarshal(v, &a); err != nil {
				return err
			}
			out = append(out, a)
			return nil
		})
	})
	return out, classifyIOError(err)
}
