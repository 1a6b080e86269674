package outbox

import (
	"encoding/json"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
)

// LegacyRecord is one record of a format-1 or format-2 store written by
// writeLegacyStore: its metadata as the old agent kept it (reasons in
// clear) and its payload (nil: purged).
type LegacyRecord struct {
	Record
	Payload []byte
}

// writeLegacyStore writes dir/outbox.db exactly as a format-1 or format-2
// agent laid it out (payloads sealed directly under the master key of
// dir/outbox.key, created if missing; metadata with the key_id field; the
// format marker and counts only in format 2).
func writeLegacyStore(dir string, format int, recs []LegacyRecord) error {
	kr, _, err := loadKeyring(filepath.Join(dir, KeyFile), true)
	if err != nil {
		return err
	}
	db, err := bolt.Open(filepath.Join(dir, DBFile), 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		return err
	}
	defer db.Close()
	return db.Update(func(tx *bolt.Tx) error {
		bs := map[string]*bolt.Bucket{}
		for _, n := range []string{"meta", "uuid", "payload", "due", "sending", "purge", "audit"} {
			b, err := tx.CreateBucketIfNotExists([]byte(n))
			if err != nil {
				return err
			}
			bs[n] = b
		}
		counts := map[State]uint64{}
		for _, lr := range recs {
			r := lr.Record
			seq, _ := bs["meta"].NextSequence()
			old := struct {
				Record
				KeyID uint32 `json:"key_id"`
			}{r, kr.current}
			v, _ := json.Marshal(old)
			bs["meta"].Put(u64(seq), v)
			bs["uuid"].Put([]byte(r.UUID), u64(seq))
			if lr.Payload != nil {
				sealed, err := kr.seal(r.UUID, lr.Payload)
				if err != nil {
					return err
				}
				bs["payload"].Put([]byte(r.UUID), sealed)
			}
			switch r.State {
			case Pending:
				bs["due"].Put(timeKey(r.NextAttemptAt, seq), []byte(r.UUID))
			case Sending:
				bs["sending"].Put([]byte(r.UUID), u64(seq))
			case Accepted:
				if r.PurgedAt.IsZero() {
					bs["purge"].Put(timeKey(r.AcceptedAt, seq), []byte(r.UUID))
				}
				a := AuditRecord{UUID: r.UUID, Service: r.Service, Device: r.Device, CreatedAt: r.CreatedAt,
					AcceptedAt: r.AcceptedAt, PurgedAt: r.PurgedAt, DossierCode: r.DossierCode, Attempts: r.Attempts}
				if err := putJSON(bs["audit"], []byte(r.UUID), a); err != nil {
					return err
				}
			}
			counts[r.State]++
		}
		if format >= FormatV2 {
			b, _ := tx.CreateBucketIfNotExists(bCounts)
			for st, c := range counts {
				b.Put([]byte(st), u64(c))
			}
			f, _ := tx.CreateBucketIfNotExists(bFormat)
			f.Put(keyFormat, u64(uint64(format)))
		}
		return nil
	})
}
