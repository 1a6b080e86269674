package outbox

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Purge removes the payloads of accepted records whose retention has
// passed, keeping their metadata and audit records, and makes them
// unrecoverable (crypto-shredding):
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
	due := false
	err := s.db.View(func(tx *bolt.Tx) error {
		k, _ := tx.Bucket(bPurge).Cursor().First()
		due = k != nil && int64(binary.BigEndian.Uint64(k[:8])) <= cutoff.UnixNano()
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("purge: %w", classifyIOError(err))
	}
	if !due {
		return 0, s.expireAside(now, time.Time{})
	}
	if err := s.addMasterKey(); err != nil {
		return 0, fmt.Errorf("purge: %w", err)
	}
	n := 0
	var oldest time.Time // earliest creation among the purged records
	var withFiles []string
	err = s.db.Update(func(tx *bolt.Tx) error {
		n, oldest, withFiles = 0, time.Time{}, nil
		c := tx.Bucket(bPurge).Cursor()
		var keys [][]byte
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			if int64(binary.BigEndian.Uint64(k[:8])) > cutoff.UnixNano() {
				break
			}
			keys = append(keys, slices.Clone(k))
		}
		for _, pk := range keys {
			id := string(tx.Bucket(bPurge).Get(pk))
			if err := tx.Bucket(bPurge).Delete(pk); err != nil {
				return err
			}
			r, err := getByUUID(tx, id)
			if err != nil {
				return err
			}
			k := u64(r.seq)
			for _, b := range [][]byte{bData, bDetail} {
				if err := tx.Bucket(b).Delete(k); err != nil {
					return err
				}
			}
			if err := delDEK(tx, id, r.seq); err != nil {
				return err
			}
			if err := delOwners(tx, id); err != nil {
				return err
			}
			if len(r.Attachments) > 0 {
				withFiles = append(withFiles, id)
			}
			r.PurgedAt = now
			r.UpdatedAt = now
			if err := putMeta(tx, &r, r.State); err != nil {
				return err
			}
			var a AuditRecord
			if v := tx.Bucket(bAudit).Get([]byte(id)); v != nil {
				if err := json.Unmarshal(v, &a); err != nil {
					return err
				}
			}
			a.PurgedAt = now
			if err := putJSON(tx.Bucket(bAudit), []byte(id), a); err != nil {
				return err
			}
			if oldest.IsZero() || r.CreatedAt.Before(oldest) {
				oldest = r.CreatedAt
			}
			n++
		}
		return rewrapTx(tx, s.keyring())
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
	if err := s.db.Update(func(tx *bolt.Tx) error { return rewrapTx(tx, s.keyring()) }); err != nil {
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
// key.
func rewrapTx(tx *bolt.Tx, kr *Keyring) error {
	return forEachDEK(tx, func(id string, seq uint64, w []byte) error {
		if kid, ok := wrappedKeyID(w); ok && kid == kr.current {
			return nil
		}
		dk, err := kr.unwrap(id, w)
		if err != nil {
			// A data key no key opens protects nothing readable; leave it
			// (its record is parked when claimed).
			return nil
		}
		nw, err := kr.wrap(id, dk)
		clear(dk)
		if err != nil {
			return err
		}
		return putDEK(tx, id, seq, nw)
	})
}

// retireKeys removes from the key file every master key that is not
// current, wraps no live data key and is not needed by a retained backup or
// corrupt copy. It runs inside a write transaction, so no Add, Claim or
// Settle (which unwrap and wrap inside theirs) runs meanwhile.
func (s *Store) retireKeys() error {
	var retired []uint32
	err := s.db.Update(func(tx *bolt.Tx) error {
		kr := s.keyring()
		need := map[uint32]bool{kr.current: true}
		if err := forEachDEK(tx, func(_ string, _ uint64, w []byte) error {
			if id, ok := wrappedKeyID(w); ok {
				need[id] = true
			}
			return nil
		}); err != nil {
			return err
		}
		asides, err := listAside(tx)
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
