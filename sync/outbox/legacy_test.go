package outbox

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// LegacyRecord is one record of a format-1 or format-2 store written by
// writeLegacyStore: its metadata as the old agent kept it (reasons in
// clear) and its payload (nil: purged).
type LegacyRecord struct {
	Record
	Payload []byte
	// Owners (format 3) are ID numbers the record is tagged for, and Files
	// its attachments, sealed under its data key.
	Owners []string
	Files  []AttachmentSource
}

// writeLegacyStore writes dir/outbox.db exactly as a format-1 or format-2
// agent laid it out (payloads sealed directly under the master key of
// dir/outbox.key, created if missing; metadata with the key_id field; the
// format marker and counts only in format 2).
func writeLegacyStore(dir string, format int, recs []LegacyRecord) error {
	if format == FormatV3 {
		return writeV3Store(dir, recs)
	}
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
			if err := putLegacyIndexes(bs, r, seq); err != nil {
				return err
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

// writeV3Store writes dir/outbox.db as a format-3 agent laid it out:
// metadata JSON in meta, uuid -> seq + wrapped data key, payloads sealed
// under their data keys in data, reasons and error texts sealed in detail
// (the metadata keeping CodeMigrated), owner tags in owner, the due,
// sending and purge indexes, counts, the claim cursor after every record,
// and attachments sealed under the data keys.
// putLegacyIndexes writes what formats 1-3 kept beside a record: the due,
// sending and purge indexes by state, and the audit record of an accepted
// one.
func putLegacyIndexes(bs map[string]*bolt.Bucket, r Record, seq uint64) error {
	switch r.State {
	case Pending:
		return bs["due"].Put(timeKey(r.NextAttemptAt, seq), []byte(r.UUID))
	case Sending:
		return bs["sending"].Put([]byte(r.UUID), u64(seq))
	case Accepted:
		if r.PurgedAt.IsZero() {
			if err := bs["purge"].Put(timeKey(r.AcceptedAt, seq), []byte(r.UUID)); err != nil {
				return err
			}
		}
		a := AuditRecord{UUID: r.UUID, Service: r.Service, Device: r.Device, CreatedAt: r.CreatedAt,
			AcceptedAt: r.AcceptedAt, PurgedAt: r.PurgedAt, DossierCode: r.DossierCode, Attempts: r.Attempts}
		return putJSON(bs["audit"], []byte(r.UUID), a)
	}
	return nil
}

func writeV3Store(dir string, recs []LegacyRecord) error {
	kr, _, err := loadKeyring(filepath.Join(dir, KeyFile), true)
	if err != nil {
		return err
	}
	tmp := &Store{dir: dir, opts: Options{KeyFile: filepath.Join(dir, KeyFile), MaxAttachment: DefaultMaxAttachment}}
	db, err := bolt.Open(filepath.Join(dir, DBFile), 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		return err
	}
	defer db.Close()
	return db.Update(func(tx *bolt.Tx) error {
		bs := map[string]*bolt.Bucket{}
		for _, n := range []string{"meta", "uuid", "data", "detail", "due", "sending", "purge", "audit", "counts", "format", "aside", "owner"} {
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
			k := u64(seq)
			dk, err := newDataKey()
			if err != nil {
				return err
			}
			if lr.Payload != nil {
				sealed, err := sealData(dk, r.UUID, purposePayload, lr.Payload)
				if err != nil {
					return err
				}
				bs["data"].Put(k, sealed)
			}
			if r.Reason != "" || r.LastError != "" {
				pt, _ := json.Marshal(Detail{Reason: r.Reason, LastError: r.LastError})
				sealed, err := sealData(dk, r.UUID, purposeDetail, pt)
				if err != nil {
					return err
				}
				bs["detail"].Put(k, sealed)
				if r.Reason != "" {
					r.Reason = CodeMigrated
				}
				if r.LastError != "" {
					r.LastError = CodeMigrated
				}
			}
			for i, f := range lr.Files {
				if err := os.MkdirAll(filepath.Join(dir, AttachDir, r.UUID), 0o700); err != nil {
					return err
				}
				st, err := tmp.writeSealedFile(tmp.attachPath(r.UUID, i), dk, r.UUID, i, f, 1<<40)
				if err != nil {
					return err
				}
				r.Attachments = append(r.Attachments, Attachment{Name: f.Name, Type: f.Type, Pages: f.Pages,
					Size: st.size, SHA256: st.sha256, SealedSize: st.sealed})
			}
			if r.PurgedAt.IsZero() {
				w, err := kr.wrap(r.UUID, dk)
				if err != nil {
					return err
				}
				bs["uuid"].Put([]byte(r.UUID), append(k, w...))
			} else {
				bs["uuid"].Put([]byte(r.UUID), k)
			}
			if len(lr.Owners) > 0 {
				var tags []string
				for _, id := range lr.Owners {
					key, err := tmp.ownerKey(true)
					if err != nil {
						return err
					}
					tags = append(tags, ownerTag(key, id))
				}
				bs["owner"].Put([]byte(r.UUID), []byte(strings.Join(tags, "\n")))
			}
			v, _ := json.Marshal(r)
			bs["meta"].Put(k, v)
			if err := putLegacyIndexes(bs, r, seq); err != nil {
				return err
			}
			counts[r.State]++
		}
		for st, c := range counts {
			bs["counts"].Put([]byte(st), u64(c))
		}
		bs["format"].Put(keyFormat, u64(FormatV3))
		return bs["format"].Put(keyCursor, u64(bs["meta"].Sequence()))
	})
}
