// Package intake is the reference receiver of the motcua intake API
// (openapi.yaml in this directory): a persistent store that deduplicates
// submissions by idempotency key forever, an HTTP server with bearer-token
// auth and TLS (optionally requiring client certificates), and fault
// injection for tests and pilots. cmd/motcua-intake runs it.
package intake

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// DBFile is the intake database inside its data directory.
const DBFile = "intake.db"

var (
	bDossiers = []byte("dossiers") // idempotency key -> Dossier JSON
	bCodes    = []byte("codes")    // dossier code -> idempotency key
)

var (
	// ErrKeyReuse is returned when an idempotency key comes back with a
	// different body.
	ErrKeyReuse = errors.New("intake: idempotency key reused with a different body")
	// ErrNotFound is returned for an unknown idempotency key.
	ErrNotFound = errors.New("intake: no dossier with this idempotency key")
)

// Dossier is one accepted submission as the intake keeps it.
type Dossier struct {
	IdempotencyKey string          `json:"idempotency_key"`
	DossierCode    string          `json:"dossier_code"`
	Service        string          `json:"service"`
	Status         int             `json:"status"`
	Submissions    int             `json:"submissions"`
	FirstAt        time.Time       `json:"first_submitted_at"`
	LastAt         time.Time       `json:"last_submitted_at"`
	BodySHA256     string          `json:"body_sha256"`
	Payload        json.RawMessage `json:"payload,omitempty"`
}

// Store is the intake's persistent store. Keys are never expired: a key
// seen once maps to its dossier forever.
type Store struct {
	db *bolt.DB
}

// OpenStore opens (creating) the store in dir.
func OpenStore(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("intake: data directory: %w", err)
	}
	db, err := bolt.Open(filepath.Join(dir, DBFile), 0o600, &bolt.Options{Timeout: 2 * time.Second})
	if err != nil {
		if errors.Is(err, berrors.ErrTimeout) {
			return nil, fmt.Errorf("intake: store %s is in use by another process (is motcua-intake serve running on it?)", dir)
		}
		return nil, fmt.Errorf("intake: open store: %w", err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bDossiers, bCodes} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("intake: initialise store: %w", err)
	}
	return &Store{db: db}, nil
}

// Close closes the store.
func (s *Store) Close() error { return s.db.Close() }

// BodyHash returns the hash by which a repeated key's body is compared.
func BodyHash(service string, payload []byte) string {
	h := sha256.New()
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(service)))
	h.Write(n[:])
	h.Write([]byte(service))
	h.Write(payload)
	return hex.EncodeToString(h.Sum(nil))
}

// Submit records a submission. A new key gets a new dossier (created is
// true); a known key with the same body returns its dossier with the
// submission count raised; a known key with another body is ErrKeyReuse.
// The commit is fsynced before Submit returns.
func (s *Store) Submit(key, service string, payload []byte, now time.Time) (d Dossier, created bool, err error) {
	sum := BodyHash(service, payload)
	err = s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bDossiers)
		if v := b.Get([]byte(key)); v != nil {
			if err := json.Unmarshal(v, &d); err != nil {
				return err
			}
			if d.BodySHA256 != sum {
				return ErrKeyReuse
			}
			d.Submissions++
			d.LastAt = now.UTC()
			created = false
			return putJSON(b, key, d)
		}
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		d = Dossier{
			IdempotencyKey: key,
			DossierCode:    fmt.Sprintf("MC-%s-%06d", now.UTC().Format("060102"), seq),
			Service:        service, Status: 1, Submissions: 1,
			FirstAt: now.UTC(), LastAt: now.UTC(), BodySHA256: sum,
			Payload: append(json.RawMessage(nil), payload...),
		}
		created = true
		if err := tx.Bucket(bCodes).Put([]byte(d.DossierCode), []byte(key)); err != nil {
			return err
		}
		return putJSON(b, key, d)
	})
	return d, created, err
}

// Get returns the dossier of an idempotency key.
func (s *Store) Get(key string) (Dossier, error) {
	var d Dossier
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bDossiers).Get([]byte(key))
		if v == nil {
			return ErrNotFound
		}
		return json.Unmarshal(v, &d)
	})
	return d, err
}

// SetStatus changes the national status code (1..10) of a dossier.
func (s *Store) SetStatus(key string, status int) (Dossier, error) {
	if status < 1 || status > 10 {
		return Dossier{}, fmt.Errorf("intake: status %d is not a national dossier status (1..10)", status)
	}
	var d Dossier
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bDossiers)
		v := b.Get([]byte(key))
		if v == nil {
			return ErrNotFound
		}
		if err := json.Unmarshal(v, &d); err != nil {
			return err
		}
		d.Status = status
		return putJSON(b, key, d)
	})
	return d, err
}

// List returns every dossier, ordered by idempotency key.
func (s *Store) List() ([]Dossier, error) {
	var out []Dossier
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bDossiers).ForEach(func(k, v []byte) error {
			var d Dossier
			if err := json.Unmarshal(v, &d); err != nil {
				return err
			}
			out = append(out, d)
			return nil
		})
	})
	return out, err
}

func putJSON(b *bolt.Bucket, k string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put([]byte(k), data)
}
