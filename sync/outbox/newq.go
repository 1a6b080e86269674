package outbox

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// New records are not written to the due index: Add would pay two more
// pages per commit for it. Every record added after the claim cursor (a
// sequence number kept in the format bucket) and never claimed is due at
// its NextAttemptAt; ClaimBatch takes them in sequence order, merged with
// the due index by due time, and moves the cursor past them. A record that
// comes back to pending (retry, requeue, crash reset) goes into the due
// index as before.

var keyCursor = []byte("claim-cursor")

func claimCursor(tx *bolt.Tx) uint64 {
	if b := tx.Bucket(bFormat); b != nil {
		if v := b.Get(keyCursor); len(v) == 8 {
			return binary.BigEndian.Uint64(v)
		}
	}
	return 0
}

func setClaimCursor(tx *bolt.Tx, seq uint64) error {
	b, err := tx.CreateBucketIfNotExists(bFormat)
	if err != nil {
		return err
	}
	return b.Put(keyCursor, u64(seq))
}

// pick is a record chosen for a claim: from the due index (dueKey set) or
// from the records after the claim cursor.
type pick struct {
	dueKey []byte
	id     string
	at     time.Time
	seq    uint64
}

func before(a, b pick) bool {
	if !a.at.Equal(b.at) {
		return a.at.Before(b.at)
	}
	return a.seq < b.seq
}

// newRecords lists the records after the claim cursor in sequence order:
// take is false for one that is not a new pending record (parked, or
// requeued into the due index), which the cursor may simply pass.
type newRec struct {
	pick
	take bool
}

func scanNew(tx *bolt.Tx, now time.Time, max int) ([]newRec, error) {
	var out []newRec
	takeable := 0
	c := tx.Bucket(bMeta).Cursor()
	due := tx.Bucket(bDue)
	for k, v := c.Seek(u64(claimCursor(tx) + 1)); k != nil && takeable < max; k, v = c.Next() {
		if len(k) != 8 {
			continue
		}
		var r Record
		if err := json.Unmarshal(v, &r); err != nil {
			return nil, fmt.Errorf("record %x: %w", k, err)
		}
		seq := binary.BigEndian.Uint64(k)
		p := pick{id: r.UUID, at: r.NextAttemptAt, seq: seq}
		take := r.State == Pending && due.Get(timeKey(r.NextAttemptAt, seq)) == nil
		if take && r.NextAttemptAt.After(now) {
			break
		}
		out = append(out, newRec{p, take})
		if take {
			takeable++
		}
	}
	return out, nil
}

// choose picks up to max due records, oldest due first, from the due index
// and the new records, and returns the claim cursor to store afterwards.
func choose(tx *bolt.Tx, now time.Time, max int) ([]pick, uint64, error) {
	var dues []pick
	c := tx.Bucket(bDue).Cursor()
	for k, v := c.First(); k != nil && len(dues) < max; k, v = c.Next() {
		if int64(binary.BigEndian.Uint64(k[:8])) > now.UnixNano() {
			break
		}
		dues = append(dues, pick{dueKey: bytes.Clone(k), id: string(v),
			at: time.Unix(0, int64(binary.BigEndian.Uint64(k[:8]))), seq: binary.BigEndian.Uint64(k[8:16])})
	}
	news, err := scanNew(tx, now, max)
	if err != nil {
		return nil, 0, err
	}
	cursor := claimCursor(tx)
	var out []pick
	i, j := 0, 0
	for len(out) < max {
		for j < len(news) && !news[j].take { // passed over
			cursor = news[j].seq
			j++
		}
		switch {
		case j < len(news) && (i >= len(dues) || before(news[j].pick, dues[i])):
			out = append(out, news[j].pick)
			cursor = news[j].seq
			j++
		case i < len(dues):
			out = append(out, dues[i])
			i++
		default:
			return out, cursor, nil
		}
	}
	for j < len(news) && !news[j].take {
		cursor = news[j].seq
		j++
	}
	return out, cursor, nil
}

// firstDue returns when the first pending record is due.
func firstDue(tx *bolt.Tx) (time.Time, bool, error) {
	var t time.Time
	ok := false
	if k, _ := tx.Bucket(bDue).Cursor().First(); k != nil {
		t, ok = time.Unix(0, int64(binary.BigEndian.Uint64(k[:8]))), true
	}
	news, err := scanNew(tx, time.Unix(1<<40, 0), 1)
	if err != nil {
		return t, ok, err
	}
	for _, n := range news {
		if n.take && (!ok || n.at.Before(t)) {
			t, ok = n.at, true
		}
	}
	return t, ok, nil
}
