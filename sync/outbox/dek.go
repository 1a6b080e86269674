package outbox

import (
	"bytes"

	bolt "go.etcd.io/bbolt"
)

// A record's wrapped data key lives in its UUID index entry (uuid -> seq,
// then the wrapped key): the entry is written by Add anyway, so the key
// costs no page of its own in the commit, and a rotation rewrites only
// these short entries.

// getDEK returns the wrapped data key of record id (nil: none), valid for
// the transaction's life.
func getDEK(tx *bolt.Tx, id string) []byte {
	v := tx.Bucket(bUUID).Get([]byte(id))
	if len(v) <= 8 {
		return nil
	}
	return v[8:]
}

// putDEK stores the wrapped data key of record id (sequence number seq).
func putDEK(tx *bolt.Tx, id string, seq uint64, wrapped []byte) error {
	v := make([]byte, 0, 8+len(wrapped))
	v = append(append(v, u64(seq)...), wrapped...)
	return tx.Bucket(bUUID).Put([]byte(id), v)
}

// delDEK destroys the wrapped data key of record id, keeping its index.
func delDEK(tx *bolt.Tx, id string, seq uint64) error {
	return tx.Bucket(bUUID).Put([]byte(id), u64(seq))
}

// forEachDEK calls fn for every record that has a wrapped data key.
func forEachDEK(tx *bolt.Tx, fn func(id string, seq uint64, wrapped []byte) error) error {
	type e struct {
		id  string
		seq uint64
		w   []byte
	}
	var all []e
	b := tx.Bucket(bUUID)
	if b == nil {
		return nil
	}
	err := b.ForEach(func(k, v []byte) error {
		if len(v) > 8 {
			all = append(all, e{string(k), beUint64(v[:8]), bytes.Clone(v[8:])})
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, x := range all {
		if err := fn(x.id, x.seq, x.w); err != nil {
			return err
		}
	}
	return nil
}

func beUint64(b []byte) uint64 {
	var v uint64
	for _, c := range b[:8] {
		v = v<<8 | uint64(c)
	}
	return v
}
