package outbox

import bolt "go.etcd.io/bbolt"

// The layouts of formats 1-3, read by the migrations and by a read-only
// open of a store that is not migrated yet. Format 4 writes none of these
// buckets; its migration removes them.
var (
	bMeta    = []byte("meta")    // seq (8 bytes BE) -> Record JSON
	bUUID    = []byte("uuid")    // uuid -> seq, then (format 3) the data key wrapped under a master key
	bPayload = []byte("payload") // formats 1-2: uuid -> payload sealed under a master key
	bData    = []byte("data")    // format 3: seq -> payload sealed under the record's data key
	bDue     = []byte("due")     // due unix nanos (8) + seq (8) -> uuid, pending only
	bSending = []byte("sending") // uuid -> seq, sending only
	bPurge   = []byte("purge")   // accepted unix nanos (8) + seq (8) -> uuid, unpurged accepted only
	bCounts  = []byte("counts")  // formats 2-3: state -> uint64 BE
	bOwner   = []byte("owner")   // format 3: uuid -> "tag\ntag"
	// legacyBuckets are removed by the format 4 migration.
	legacyBuckets = [][]byte{bMeta, bUUID, bPayload, bData, bDue, bSending, bPurge, bCounts, bOwner}
)

// keyCursor (format 3, in the format bucket): records after this sequence
// number were found for a claim without a due-index entry.
var keyCursor = []byte("claim-cursor")

func setClaimCursor(tx *bolt.Tx, seq uint64) error {
	b, err := tx.CreateBucketIfNotExists(bFormat)
	if err != nil {
		return err
	}
	return b.Put(keyCursor, u64(seq))
}

// getDEK returns the wrapped data key of record id in the format 3 layout
// (nil: none), valid for the transaction's life.
func getDEK(tx *bolt.Tx, id string) []byte {
	b := tx.Bucket(bUUID)
	if b == nil {
		return nil
	}
	v := b.Get([]byte(id))
	if len(v) <= 8 {
		return nil
	}
	return v[8:]
}

// putDEK stores the wrapped data key of record id (sequence number seq) in
// the format 3 layout.
func putDEK(tx *bolt.Tx, id string, seq uint64, wrapped []byte) error {
	v := make([]byte, 0, 8+len(wrapped))
	v = append(append(v, u64(seq)...), wrapped...)
	return tx.Bucket(bUUID).Put([]byte(id), v)
}

// countLegacyKeys counts the wrapped data keys of the format 3 layout.
func countLegacyKeys(tx *bolt.Tx) int {
	n := 0
	if b := tx.Bucket(bUUID); b != nil {
		b.ForEach(func(_, v []byte) error {
			if len(v) > 8 {
				n++
			}
			return nil
		})
	}
	return n
}
