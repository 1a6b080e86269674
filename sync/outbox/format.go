package outbox

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	bolt "go.etcd.io/bbolt"
)

// Store formats. A newer agent migrates an older store when it opens it;
// an older agent refuses a newer store (ErrNewerFormat) and leaves it be.
//
//	1  the first layout: records, UUID index, payloads, due/sending/purge
//	   indexes, audit records; no format marker.
//	2  adds per-state record counts kept in step with every write, so the
//	   outbox depth (status bar, metrics, health) is O(1) instead of a scan
//	   of every record.
//	3  per-record data keys (crypto-shredding): each payload is sealed under
//	   its own data key (bucket data, by sequence number), the data key is
//	   wrapped under a master key (bucket dek); reasons and error texts are
//	   sealed under the data key too (bucket detail) and the metadata holds
//	   codes only; copies of the database are registered (bucket aside).
//	4  one value per dossier (bucket rec: seq -> header + sealed payload;
//	   the header holds the Record, its wrapped data key and its owner
//	   tags), so Add is one Put per dossier; every index (UUID, due order,
//	   sending, purge order, counts, master keys in use, owner tags) is
//	   derived: kept in memory, rebuilt at Open from the values, changed
//	   only after a commit. detail, audit, aside and format keep their
//	   buckets (not on the Add path); meta, uuid, data, due, sending,
//	   purge, counts and owner are gone.
const (
	FormatV1      = 1
	FormatV2      = 2
	FormatV3      = 3
	FormatV4      = 4
	CurrentFormat = FormatV4
)

var (
	bFormat   = []byte("format") // "version" -> uint64 BE
	keyFormat = []byte("version")
	// keyCompact in the format bucket marks a store whose free pages may
	// still hold what the last migration replaced: it is compacted into a
	// fresh file before use.
	keyCompact = []byte("compact-pending")
)

// ErrNewerFormat is returned by Open for a store written by a newer agent.
var ErrNewerFormat = errors.New("outbox: the store was written by a newer motcua; upgrade this agent")

// migrateFault, when set (tests), fails a migration part-way through, after
// the new data is written inside the transaction.
var migrateFault func(from int) error

// storeFormat reads a store's format version: 0 for an empty file.
func storeFormat(tx *bolt.Tx) int {
	if b := tx.Bucket(bFormat); b != nil {
		if v := b.Get(keyFormat); len(v) == 8 {
			return int(binary.BigEndian.Uint64(v))
		}
	}
	if tx.Bucket(bMeta) != nil {
		return FormatV1 // the first layout had no marker
	}
	return 0
}

// upgrade brings the open database to CurrentFormat: a new file is
// stamped; an older store is copied aside (path + ".v<N>.bak", registered
// with the master keys it needs), a new master key is made current, and the
// store is migrated in one transaction, all or nothing; then it is
// compacted into a fresh file, so the free pages do not keep what the
// migration replaced (texts that were in clear, payloads sealed under the
// old keys).
func (s *Store) upgrade(path string) error {
	var from int
	if err := s.db.View(func(tx *bolt.Tx) error { from = storeFormat(tx); return nil }); err != nil {
		return err
	}
	switch {
	case from > CurrentFormat:
		return fmt.Errorf("%w (store format %d, this agent knows up to %d)", ErrNewerFormat, from, CurrentFormat)
	case from == CurrentFormat:
		if s.readOnly {
			return nil
		}
		return s.compactIfPending(path)
	case s.readOnly:
		if from == 0 {
			return nil
		}
		s.log.Warn("outbox: store has an older format and is read-only; not migrated", "format", from, "current", CurrentFormat)
		return nil
	case from == 0:
		return s.db.Update(func(tx *bolt.Tx) error { return stampFormat(tx) })
	}
	backup := fmt.Sprintf("%s.v%d.bak", path, from)
	if err := s.db.View(func(tx *bolt.Tx) error { return tx.CopyFile(backup, 0o600) }); err != nil {
		return fmt.Errorf("outbox: back up the format %d store before migrating: %w", from, classifyIOError(err))
	}
	if f, err := os.Open(backup); err == nil {
		err = f.Sync()
		f.Close()
		if err != nil {
			return fmt.Errorf("outbox: back up the format %d store: %w", from, classifyIOError(err))
		}
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		return err
	}
	pinned := s.keyring().KeyIDs()
	if err := s.addMasterKey(); err != nil {
		return fmt.Errorf("outbox: migrate: %w", err)
	}
	kr := s.keyring()
	records := 0
	err := s.db.Update(func(tx *bolt.Tx) error {
		for v := from; v < CurrentFormat; v++ {
			n, err := migrations[v](tx, kr)
			if err != nil {
				return fmt.Errorf("format %d to %d: %w", v, v+1, err)
			}
			records = n
			if migrateFault != nil {
				if err := migrateFault(v); err != nil {
					return err
				}
			}
		}
		if err := putAside(tx, asideFile{Name: filepath.Base(backup), Kind: AsideBackup,
			Created: s.opts.Now().UTC(), Keys: pinned}); err != nil {
			return err
		}
		if err := stampFormat(tx); err != nil {
			return err
		}
		return tx.Bucket(bFormat).Put(keyCompact, []byte{1})
	})
	if err != nil {
		return fmt.Errorf("outbox: migrate the store (unchanged; backup %s): %w", backup, classifyIOError(err))
	}
	s.log.Info("outbox: store format migrated", "from", from, "to", CurrentFormat, "records", records, "backup", backup)
	return s.compactIfPending(path)
}

// compactIfPending rewrites the database into a fresh file (no free pages)
// when the format bucket asks for it, and swaps it in atomically: a crash
// leaves either the old file (still marked, compacted again next time) or
// the new one.
func (s *Store) compactIfPending(path string) error {
	pending := false
	if err := s.db.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bFormat); b != nil {
			pending = b.Get(keyCompact) != nil
		}
		return nil
	}); err != nil || !pending {
		return err
	}
	tmp := path + ".compact"
	os.Remove(tmp)
	dst, err := bolt.Open(tmp, 0o600, &bolt.Options{Timeout: s.opts.Timeout})
	if err != nil {
		return fmt.Errorf("outbox: compact: %w", classifyIOError(err))
	}
	err = bolt.Compact(dst, s.db, 64<<20)
	if err == nil {
		err = dst.Update(func(tx *bolt.Tx) error { return tx.Bucket(bFormat).Delete(keyCompact) })
	}
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("outbox: compact: %w", classifyIOError(err))
	}
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("outbox: compact: %w", err)
	}
	rerr := os.Rename(tmp, path)
	if rerr == nil {
		rerr = syncDir(filepath.Dir(path))
	}
	db, err := s.openBolt(path)
	if err != nil {
		return err
	}
	s.db = db
	if rerr != nil {
		return fmt.Errorf("outbox: compact: %w", classifyIOError(rerr))
	}
	s.log.Info("outbox: store compacted; free pages no longer hold replaced data")
	return nil
}

func stampFormat(tx *bolt.Tx) error {
	b, err := tx.CreateBucketIfNotExists(bFormat)
	if err != nil {
		return err
	}
	return b.Put(keyFormat, u64(CurrentFormat))
}

// migrations[v] turns format v into v+1 inside tx and returns how many
// records it saw.
var migrations = map[int]func(tx *bolt.Tx, kr *Keyring) (int, error){
	FormatV1: migrateV1toV2,
	FormatV2: migrateV2toV3,
	FormatV3: migrateV3toV4,
}

// migrateV3toV4 writes every record of the format 3 layout as its one
// value (metadata, wrapped data key, owner tags, sealed payload, byte for
// byte: nothing is decrypted) under the same sequence number, and drops
// the buckets format 4 derives in memory instead. Tags of purged records
// (left by an older agent's Purge) are not carried over.
func migrateV3toV4(tx *bolt.Tx, _ *Keyring) (int, error) {
	recs, err := tx.CreateBucketIfNotExists(bRec)
	if err != nil {
		return 0, err
	}
	n := 0
	var last uint64
	if meta := tx.Bucket(bMeta); meta != nil {
		last = meta.Sequence()
	}
	err = scanStored(tx, FormatV3, func(st *stored) error {
		v, err := st.encode()
		if err != nil {
			return fmt.Errorf("record %s: %w", st.rec.UUID, err)
		}
		n++
		last = max(last, st.rec.seq)
		return recs.Put(u64(st.rec.seq), v)
	})
	if err != nil {
		return 0, err
	}
	if err := recs.SetSequence(last); err != nil {
		return 0, err
	}
	for _, b := range legacyBuckets {
		if tx.Bucket(b) != nil {
			if err := tx.DeleteBucket(b); err != nil {
				return 0, err
			}
		}
	}
	for _, b := range [][]byte{bDetail, bAudit, bAside} {
		if _, err := tx.CreateBucketIfNotExists(b); err != nil {
			return 0, err
		}
	}
	if f := tx.Bucket(bFormat); f != nil {
		return n, f.Delete(keyCursor)
	}
	return n, nil
}

// migrateV1toV2 counts the records per state into the counts bucket.
func migrateV1toV2(tx *bolt.Tx, _ *Keyring) (int, error) {
	counts, err := tx.CreateBucketIfNotExists(bCounts)
	if err != nil {
		return 0, err
	}
	m := map[State]uint64{}
	n := 0
	err = tx.Bucket(bMeta).ForEach(func(k, v []byte) error {
		var r Record
		if err := json.Unmarshal(v, &r); err != nil {
			return fmt.Errorf("record %x: %w", k, err)
		}
		m[r.State]++
		n++
		return nil
	})
	if err != nil {
		return 0, err
	}
	for st, c := range m {
		if err := counts.Put([]byte(st), u64(c)); err != nil {
			return 0, err
		}
	}
	return n, nil
}

// migrateV2toV3 gives every record a data key: its payload (sealed under
// a master key until now) is sealed again under the data key, which is
// wrapped under the current master key; reasons and error texts move from
// the clear metadata into the sealed detail, leaving CodeMigrated. A
// payload that cannot be decrypted is kept byte for byte (still readable
// should its key come back) and its record is left as it is.
func migrateV2toV3(tx *bolt.Tx, kr *Keyring) (int, error) {
	old := tx.Bucket(bPayload)
	var err error
	var data, detail *bolt.Bucket
	if data, err = tx.CreateBucketIfNotExists(bData); err != nil {
		return 0, err
	}
	if detail, err = tx.CreateBucketIfNotExists(bDetail); err != nil {
		return 0, err
	}
	meta := tx.Bucket(bMeta)
	type item struct {
		k []byte
		r Record
	}
	var items []item
	if err := meta.ForEach(func(k, v []byte) error {
		var r Record
		if err := json.Unmarshal(v, &r); err != nil {
			return fmt.Errorf("record %x: %w", k, err)
		}
		r.seq = binary.BigEndian.Uint64(k)
		items = append(items, item{bytes.Clone(k), r})
		return nil
	}); err != nil {
		return 0, err
	}
	for _, it := range items {
		r := it.r
		var sealed []byte
		if old != nil {
			sealed = old.Get([]byte(r.UUID))
		}
		var dk []byte
		if sealed != nil {
			pt, oerr := kr.open(r.UUID, sealed)
			if oerr != nil {
				if err := data.Put(it.k, bytes.Clone(sealed)); err != nil {
					return 0, err
				}
			} else {
				if dk, err = newDataKey(); err != nil {
					return 0, err
				}
				ds, err := sealData(dk, r.UUID, purposePayload, pt)
				clear(pt)
				if err != nil {
					return 0, err
				}
				if err := data.Put(it.k, ds); err != nil {
					return 0, err
				}
			}
		}
		if r.Reason != "" || r.LastError != "" {
			if dk == nil {
				if dk, err = newDataKey(); err != nil {
					return 0, err
				}
			}
			pt, _ := json.Marshal(Detail{Reason: r.Reason, LastError: r.LastError})
			ds, err := sealData(dk, r.UUID, purposeDetail, pt)
			if err != nil {
				return 0, err
			}
			if err := detail.Put(it.k, ds); err != nil {
				return 0, err
			}
			if r.Reason != "" {
				r.Reason = CodeMigrated
			}
			if r.LastError != "" {
				r.LastError = CodeMigrated
			}
		}
		if dk != nil {
			w, err := kr.wrap(r.UUID, dk)
			clear(dk)
			if err != nil {
				return 0, err
			}
			if err := putDEK(tx, r.UUID, r.seq, w); err != nil {
				return 0, err
			}
		}
		// Re-encoding also drops the format-2 key_id field.
		if err := putJSON(meta, it.k, r); err != nil {
			return 0, err
		}
	}
	if old != nil {
		if err := tx.DeleteBucket(bPayload); err != nil {
			return 0, err
		}
	}
	// Every pending record of the old layout is in the due index: new
	// records start after them.
	if err := setClaimCursor(tx, meta.Sequence()); err != nil {
		return 0, err
	}
	return len(items), nil
}

// Format returns the store's format version.
func (s *Store) Format() (int, error) {
	var v int
	err := s.db.View(func(tx *bolt.Tx) error { v = storeFormat(tx); return nil })
	return v, err
}
