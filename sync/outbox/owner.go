package outbox

// Owner tags: how a kiosk finds "my dossiers" from a card without keeping
// ID numbers in clear and without decrypting every payload.
//
// At Add, the ID numbers of the people a dossier is about (WithOwners) are
// turned into keyed tags, HMAC-SHA256 under an owner key of this outbox,
// and stored in the record's one value (format 4; format 3 kept them in a
// bucket of their own). The number itself is never stored. A look-up
// (Owned) computes the tag of the card's number and finds its records in
// the in-memory tag index (built at Open from the values): no payload is
// decrypted, nobody else's data is brought into memory, and the cost is
// one HMAC plus reading the matching records.
//
// Why keyed: a 12-digit ID number has 10^12 values, so a plain hash of it
// is reversed by enumeration in hours; without the owner key a tag says
// nothing. The owner key is a file of its own next to the outbox key
// (OwnerKeyFile, 0600), not in the database: a copy of the database alone
// (a backup set aside, a corrupt file moved aside, a file sent for
// support) cannot be matched against ID numbers. It is not one of the
// master keys, which rotate away at purge (crypto-shredding) and would
// orphan every tag. Who holds both files also holds the outbox key, which
// opens the payloads themselves: the tags give such a reader nothing more.
//
// Lifetime: tags are deleted with the payload at Purge (after retention);
// from then on the dossier is found by its receipt or official QR only.
//
// Compatibility: format 3 kept the tags in bucket owner (new within format
// 3, so an older format-3 agent's Purge may have left tags of purged
// records behind); the format 4 migration moves the tags of records not
// purged into their values and drops the bucket. Tags carry a version prefix (ownerTagV1) so the scheme can
// change without confusing old tags for new ones.

import (
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// OwnerKeyFile is the owner key's file name, in the key file's directory.
const OwnerKeyFile = "outbox.owner.key"

// ownerTagV1 starts a version-1 tag: 16 bytes of HMAC-SHA256, hex.
const ownerTagV1 = "o1:"

// maxOwners bounds the people one dossier is tagged for (a marriage has
// two cards, a birth a requester and parents).
const maxOwners = 8

type ownersKey struct{}

// WithOwners returns a context that makes Add tag the record with the ID
// numbers of the people the dossier is about, so each can find it later by
// card (Owned). The numbers are never stored: only keyed tags of them.
// Numbers that are not 12 digits are ignored.
func WithOwners(ctx context.Context, idNumbers ...string) context.Context {
	return context.WithValue(ctx, ownersKey{}, append([]string(nil), idNumbers...))
}

func ownersFrom(ctx context.Context) []string {
	v, _ := ctx.Value(ownersKey{}).([]string)
	return v
}

// validOwnerID reports a 12-digit ID number (the card's số định danh).
func validOwnerID(id string) bool {
	if len(id) != 12 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] < '0' || id[i] > '9' {
			return false
		}
	}
	return true
}

func (s *Store) ownerKeyPath() string {
	return filepath.Join(filepath.Dir(s.opts.KeyFile), OwnerKeyFile)
}

// ownerKey returns the owner key, creating it (0600, fsynced) when create
// is true and there is none. With create false and no file it returns nil.
func (s *Store) ownerKey(create bool) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ownKey != nil {
		return s.ownKey, nil
	}
	path := s.ownerKeyPath()
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) && create {
		key := make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, err
		}
		enc := []byte(base64.StdEncoding.EncodeToString(key) + "\n")
		err = writeFileExcl(path, enc)
		if errors.Is(err, fs.ErrExist) { // another opener made it first
			b, err = os.ReadFile(path)
		} else if err == nil {
			s.ownKey = key
			return key, nil
		}
	}
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("owner key: %w", err)
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(key) != 32 {
		return nil, fmt.Errorf("owner key %s is not 32 bytes of base64", path)
	}
	s.ownKey = key
	return key, nil
}

func writeFileExcl(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return syncDir(filepath.Dir(path))
}

// ownerTag is the version-1 tag of an ID number under key.
func ownerTag(key []byte, id string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("motcua-owner-v1:" + id))
	return ownerTagV1 + hex.EncodeToString(m.Sum(nil)[:16])
}

// ownerTags turns the context's ID numbers into tags (deduplicated,
// bounded); nil when there are none.
func (s *Store) ownerTags(ctx context.Context) ([]string, error) {
	ids := ownersFrom(ctx)
	if len(ids) == 0 {
		return nil, nil
	}
	var tags []string
	seen := map[string]bool{}
	var key []byte
	for _, id := range ids {
		if !validOwnerID(id) || seen[id] || len(tags) == maxOwners {
			continue
		}
		if key == nil {
			k, err := s.ownerKey(true)
			if err != nil {
				return nil, err
			}
			key = k
		}
		seen[id] = true
		tags = append(tags, ownerTag(key, id))
	}
	return tags, nil
}

// Owned lists the records tagged for the ID number idNumber (see
// WithOwners), oldest first, without decrypting anything: the tag's
// records come from the in-memory index (tag → records), then only those
// records are read. Purged records are left out (their tags went with the
// payload). An outbox with no owner key yet has no tagged records: the
// answer is empty.
func (s *Store) Owned(idNumber string) ([]Record, error) {
	if !validOwnerID(idNumber) {
		return nil, fmt.Errorf("%w: an ID number is 12 digits", ErrInvalidInput)
	}
	key, err := s.ownerKey(false)
	if err != nil || key == nil {
		return nil, err
	}
	tag := ownerTag(key, idNumber)
	s.idx.mu.RLock()
	seqs := slices.Clone(s.idx.owners[tag])
	s.idx.mu.RUnlock()
	if len(seqs) == 0 {
		return nil, nil
	}
	var out []Record
	err = s.db.View(func(tx *bolt.Tx) error {
		for _, seq := range seqs {
			st, err := loadStored(tx, s.format, seq)
			if errors.Is(err, ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			match := false
			for _, t := range st.owners { // the file is the truth
				match = match || hmac.Equal([]byte(t), []byte(tag))
			}
			if match && st.rec.PurgedAt.IsZero() {
				out = append(out, st.rec)
			}
		}
		return nil
	})
	if err != nil {
		return nil, classifyIOError(err)
	}
	sortBySeq(out)
	return out, nil
}

// FindOfficial returns the record whose provincial mã hồ sơ is code (a
// scanned official QR), or ErrNotFound.
func (s *Store) FindOfficial(code string) (Record, error) {
	if !ValidOfficialCode(code) {
		return Record{}, fmt.Errorf("%w: not an official dossier code", ErrInvalidInput)
	}
	recs, err := s.List(Filter{States: []State{Accepted}})
	if err != nil {
		return Record{}, err
	}
	for _, r := range recs {
		if r.OfficialCode == code {
			return r, nil
		}
	}
	return Record{}, fmt.Errorf("%w: official code %s", ErrNotFound, code)
}

func sortBySeq(rs []Record) {
	slices.SortFunc(rs, func(a, b Record) int { return cmp.Compare(a.seq, b.seq) })
}

// Untagged lists the records that hold a payload and no owner tags,
// oldest first: dossiers queued before tags existed (an older store,
// migrated) or without anyone's ID number. Their owners can be named
// afterwards with TagOwners. Nothing is decrypted.
func (s *Store) Untagged() ([]string, error) {
	var out []string
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bRec)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			_, _, owners, sealed, err := splitValue(v)
			if err != nil {
				return err
			}
			if len(owners) == 0 && len(sealed) > 0 {
				h, err := decodeHdr(v)
				if err != nil {
					return err
				}
				out = append(out, h.id)
			}
			return nil
		})
	})
	if err != nil {
		return nil, classifyIOError(err)
	}
	return out, nil
}

// TagOwners tags record id with the ID numbers ctx names (WithOwners),
// as Add would have: for a record that still holds its payload and has no
// tags yet (Untagged). It reports whether it tagged the record; a record
// tagged meanwhile, purged, or named by no valid ID number is left as it
// is.
func (s *Store) TagOwners(ctx context.Context, id string) (bool, error) {
	tags, err := s.ownerTags(ctx)
	if err != nil || len(tags) == 0 {
		return false, err
	}
	tagged := false
	err = s.update(func(w *wtx) error {
		st, err := w.byID(id)
		if err != nil {
			return err
		}
		if len(st.owners) > 0 || len(st.sealed) == 0 || !st.rec.PurgedAt.IsZero() {
			return nil
		}
		st.owners, tagged = tags, true
		return w.put(st)
	})
	if err != nil {
		return false, classifyIOError(err)
	}
	return tagged, nil
}
