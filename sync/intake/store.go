// Package intake is the province hub behind the motcua intake API
// (openapi.yaml in this directory): a store that deduplicates submissions by
// idempotency key forever (bbolt for one process, PostgreSQL for any number
// of replicas), per-device identity (token or client certificate, stored
// hashed) with every dossier bound to the device that first submitted it,
// heartbeats, the fleet page, Prometheus metrics, the monthly report, an
// HTTP server with TLS, timeouts and limits, and fault injection for tests
// and pilots. cmd/motcua-intake runs it; sync/hub/README.md describes it.
package intake

import (
	"context"
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
	bDevices  = []byte("devices")  // device ID -> Device JSON
	bCreds    = []byte("creds")    // credential hash -> device ID
	bNames    = []byte("names")    // device name -> device ID
	bCounts   = []byte("counts")   // "YYYY-MM/device" -> heartbeat.Counts JSON
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
	IdempotencyKey string    `json:"idempotency_key"`
	DossierCode    string    `json:"dossier_code"`
	Service        string    `json:"service"`
	Status         int       `json:"status"`
	Submissions    int       `json:"submissions"`
	FirstAt        time.Time `json:"first_submitted_at"`
	LastAt         time.Time `json:"last_submitted_at"`
	BodySHA256     string    `json:"body_sha256"`
	// Device is the device that first submitted the key (empty in stores
	// from before devices: the pilot device).
	Device string `json:"device,omitempty"`
	// Channel is how the applicant was identified, from the payload
	// (chip_verified, chip_unverified, qr, typed, unknown).
	Channel string `json:"channel,omitempty"`
	// ProvincialCode is the provincial system's dossier code (mã hồ sơ)
	// once forwarded; ForwardState is "", ForwardPending, ForwardDone or
	// ForwardFailed (PostgreSQL only).
	ProvincialCode string          `json:"provincial_code,omitempty"`
	ForwardState   string          `json:"forward_state,omitempty"`
	Payload        json.RawMessage `json:"payload,omitempty"`
	// Attachments (1.2) lists the attachments the submission announced and
	// whether each file arrived (see Complete).
	Attachments []AttachmentState `json:"attachments,omitempty"`
}

// Store is the intake's persistent store. Keys are never expired: a key
// seen once maps to its dossier forever.
type Store struct {
	db  *bolt.DB
	dir string
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
		for _, b := range [][]byte{bDossiers, bCodes, bDevices, bCreds, bNames, bCounts} {
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
	return &Store{db: db, dir: dir}, nil
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

// Submit records a submission of the pilot device (see SubmitFrom).
func (s *Store) Submit(key, service string, payload []byte, now time.Time) (d Dossier, created bool, err error) {
	return s.SubmitFrom(context.Background(), PilotDevice, key, service, payload, now)
}

// SubmitFrom implements Backend. The commit is fsynced before it returns.
func (s *Store) SubmitFrom(_ context.Context, device, key, service string, payload []byte, now time.Time) (d Dossier, created bool, err error) {
	return s.submit(device, key, service, payload, nil, now)
}

func (s *Store) submit(device, key, service string, payload []byte, atts []AttachmentSpec, now time.Time) (d Dossier, created bool, err error) {
	sum := bodyHashWith(service, payload, atts)
	err = s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bDossiers)
		if v := b.Get([]byte(key)); v != nil {
			if err := json.Unmarshal(v, &d); err != nil {
				return err
			}
			if ownerOf(d.Device) != device {
				d = Dossier{}
				return ErrOtherDevice
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
			DossierCode:    dossierCode(now, int64(seq)),
			Service:        service, Status: 1, Submissions: 1,
			FirstAt: now.UTC(), LastAt: now.UTC(), BodySHA256: sum,
			Device: device, Channel: ChannelOf(payload),
			Payload: append(json.RawMessage(nil), payload...),
		}
		for _, a := range atts {
			d.Attachments = append(d.Attachments, AttachmentState{AttachmentSpec: a})
		}
		created = true
		if err := tx.Bucket(bCodes).Put([]byte(d.DossierCode), []byte(key)); err != nil {
			return err
		}
		return putJSON(b, key, d)
	})
	return d, created, err
}

// dossierCode is the mã hồ sơ of the seq-th dossier, dated in Vietnam time.
func dossierCode(now time.Time, seq int64) string {
	return fmt.Sprintf("MC-%s-%06d", now.In(Vietnam).Format("060102"), seq)
}

// Get returns the dossier of an idempotency key.
func (s *Store) Get(key string) (Dossier, error) { return s.Lookup(context.Background(), key) }

// Lookup implements Backend.
func (s *Store) Lookup(_ context.Context, key string) (Dossier, error) {
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
	return s.UpdateStatus(context.Background(), key, status)
}

// UpdateStatus implements Backend.
func (s *Store) UpdateStatus(_ context.Context, key string, status int) (Dossier, error) {
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

// List returns every dossier with its payload, ordered by idempotency key.
func (s *Store) List() ([]Dossier, error) {
	return s.Dossiers(context.Background(), time.Time{}, time.Time{}, true)
}

// Dossiers implements Backend.
func (s *Store) Dossiers(_ context.Context, from, to time.Time, payloads bool) ([]Dossier, error) {
	var out []Dossier
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bDossiers).ForEach(func(k, v []byte) error {
			var d Dossier
			if err := json.Unmarshal(v, &d); err != nil {
				return err
			}
			if !from.IsZero() && d.FirstAt.Before(from) || !to.IsZero() && !d.FirstAt.Before(to) {
				return nil
			}
			if !payloads {
				d.Payload = nil
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
