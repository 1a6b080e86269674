package outbox

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"

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
const (
	FormatV1      = 1
	FormatV2      = 2
	CurrentFormat = FormatV2
)

var (
	bFormat   = []byte("format") // "version" -> uint64 BE
	bCounts   = []byte("counts") // state -> uint64 BE
	keyFormat = []byte("version")
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
// stamped, an older store is copied aside (path + ".v<N>.bak") and then
// migrated in one transaction, all or nothing.
func (s *Store) upgrade(db *bolt.DB, path string) error {
	var from int
	if err := db.View(func(tx *bolt.Tx) error { from = storeFormat(tx); return nil }); err != nil {
		return err
	}
	switch {
	case from > CurrentFormat:
		return fmt.Errorf("%w (store format %d, this agent knows up to %d)", ErrNewerFormat, from, CurrentFormat)
	case from == CurrentFormat:
		return nil
	case s.readOnly:
		if from == 0 {
			return nil
		}
		s.log.Warn("outbox: store has an older format and is read-only; not migrated", "format", from, "current", CurrentFormat)
		return nil
	case from == 0:
		return db.Update(func(tx *bolt.Tx) error { return stampFormat(tx) })
	}
	backup := fmt.Sprintf("%s.v%d.bak", path, from)
	if err := db.View(func(tx *bolt.Tx) error { return tx.CopyFile(backup, 0o600) }); err != nil {
		return fmt.Errorf("outbox: back up the format %d store before migrating: %w", from, classifyIOError(err))
	}
	if f, err := os.Open(backup); err == nil {
		err = f.Sync()
		f.Close()
		if err != nil {
			return fmt.Errorf("outbox: back up the format %d store: %w", from, classifyIOError(err))
		}
	}
	records := 0
	err := db.Update(func(tx *bolt.Tx) error {
		for v := from; v < CurrentFormat; v++ {
			n, err := migrations[v](tx)
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
		return stampFormat(tx)
	})
	if err != nil {
		return fmt.Errorf("outbox: migrate the store (unchanged; backup %s): %w", backup, classifyIOError(err))
	}
	s.log.Info("outbox: store format migrated", "from", from, "to", CurrentFormat, "records", records, "backup", backup)
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
var migrations = map[int]func(tx *bolt.Tx) (int, error){
	FormatV1: migrateV1toV2,
}

// migrateV1toV2 counts the records per state into the counts bucket.
func migrateV1toV2(tx *bolt.Tx) (int, error) {
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

// countState moves one record between state counts (from "" for a new
// record). Stores that are not yet migrated (read-only) have no counts.
func countState(tx *bolt.Tx, from, to State) error {
	b := tx.Bucket(bCounts)
	if b == nil || from == to {
		return nil
	}
	add := func(st State, d int64) error {
		var c uint64
		if v := b.Get([]byte(st)); len(v) == 8 {
			c = binary.BigEndian.Uint64(v)
		}
		if d < 0 && c == 0 {
			return fmt.Errorf("%w: count of %s below zero", ErrInvalidState, st)
		}
		return b.Put([]byte(st), u64(uint64(int64(c)+d)))
	}
	if from != "" {
		if err := add(from, -1); err != nil {
			return err
		}
	}
	return add(to, 1)
}

// Format returns the store's format version.
func (s *Store) Format() (int, error) {
	var v int
	err := s.db.View(func(tx *bolt.Tx) error { v = storeFormat(tx); return nil })
	return v, err
}
