package localapi

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"
)

// IdempotencyFile is the file, next to the pairing store, that remembers
// the answers to POST /v1/dossiers by Idempotency-Key.
const IdempotencyFile = "api-idempotency.json"

// Bounds of the idempotency store: a key is remembered for a day (a client
// retries within minutes), and at most this many keys are kept.
const (
	IdempotencyRetention  = 24 * time.Hour
	IdempotencyMaxEntries = 2000
)

// Errors of an Idempotency-Key request; each becomes a 409 (400 for a bad
// key) with its own code.
var (
	// ErrIdempotencyMismatch: the key was used with another request body.
	ErrIdempotencyMismatch = errors.New("this Idempotency-Key was used with a different request")
	// ErrIdempotencyInFlight: the first request with the key is still running.
	ErrIdempotencyInFlight = errors.New("a request with this Idempotency-Key is still being processed")
	// ErrIdempotencyInterrupted: the agent stopped while the first request
	// with the key was storing its dossier; whether it was stored is not
	// known here, so the request is not run again (it could duplicate).
	ErrIdempotencyInterrupted = errors.New("a request with this Idempotency-Key was interrupted by an agent restart; check the outbox (motcua outbox list) before retrying with a new key")
	// ErrBadIdempotencyKey: the key is not 1-255 printable ASCII characters.
	ErrBadIdempotencyKey = errors.New("the Idempotency-Key header must be 1 to 255 printable ASCII characters")
)

// Idempotency is the persistent store of answers by (application,
// Idempotency-Key). The key itself is stored hashed with the application
// name, and the request as a hash: the file holds no personal data.
type Idempotency struct {
	path string
	now  func() time.Time
	max  int // entries kept (IdempotencyMaxEntries)

	mu       sync.Mutex
	entries  map[string]*idemEntry
	inflight map[string]bool
}

type idemEntry struct {
	Request  string          `json:"request_sha256"`
	Done     bool            `json:"done"`
	Status   int             `json:"status,omitempty"`
	Response json.RawMessage `json:"response,omitempty"`
	At       time.Time       `json:"at"`
}

// Replay is a stored answer to send again.
type Replay struct {
	Status   int
	Response json.RawMessage
}

// OpenIdempotency opens (creating on first use) the store in dir.
func OpenIdempotency(dir string) (*Idempotency, error) {
	s := &Idempotency{path: filepath.Join(dir, IdempotencyFile), now: time.Now, max: IdempotencyMaxEntries,
		entries: map[string]*idemEntry{}, inflight: map[string]bool{}}
	b, err := os.ReadFile(s.path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return s, nil
	case err != nil:
		return nil, fmt.Errorf("idempotency store: %w", err)
	}
	if err := json.Unmarshal(b, &s.entries); err != nil {
		return nil, fmt.Errorf("idempotency store: %s is not valid: %w", s.path, err)
	}
	if s.entries == nil {
		s.entries = map[string]*idemEntry{}
	}
	return s, nil
}

// validIdempotencyKey: 1 to 255 printable ASCII characters.
func validIdempotencyKey(k string) bool {
	if len(k) == 0 || len(k) > 255 {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x20 || k[i] > 0x7E {
			return false
		}
	}
	return true
}

func idemID(app, key string) string {
	h := sha256.Sum256([]byte(app + "\x00" + key))
	return hex.EncodeToString(h[:])
}

// Begin starts a request with key for app. It returns the stored answer
// when the same request was answered before (send it again, do nothing
// else), an error when the key cannot be used for this request, or
// (nil, nil): the key is reserved (durably) and the caller must end with
// Finish or Abort.
func (s *Idempotency) Begin(app, key, requestHash string) (*Replay, error) {
	if !validIdempotencyKey(key) {
		return nil, ErrBadIdempotencyKey
	}
	id := idemID(app, key)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pruneLocked()
	if e, ok := s.entries[id]; ok {
		switch {
		case e.Request != requestHash:
			return nil, ErrIdempotencyMismatch
		case e.Done:
			return &Replay{Status: e.Status, Response: e.Response}, nil
		case s.inflight[id]:
			return nil, ErrIdempotencyInFlight
		default:
			return nil, ErrIdempotencyInterrupted
		}
	}
	s.entries[id] = &idemEntry{Request: requestHash, At: s.now().UTC()}
	if err := s.saveLocked(); err != nil {
		delete(s.entries, id)
		return nil, err
	}
	s.inflight[id] = true
	return nil, nil
}

// Finish stores the answer to a request begun with Begin.
func (s *Idempotency) Finish(app, key string, status int, response any) error {
	b, err := json.Marshal(response)
	if err != nil {
		return err
	}
	id := idemID(app, key)
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.inflight, id)
	e, ok := s.entries[id]
	if !ok {
		return nil
	}
	e.Done, e.Status, e.Response = true, status, b
	return s.saveLocked()
}

// Abort forgets a request begun with Begin that stored nothing (it was
// refused or failed): a retry with the key runs it again.
func (s *Idempotency) Abort(app, key string) error {
	id := idemID(app, key)
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.inflight, id)
	if e, ok := s.entries[id]; !ok || e.Done {
		return nil
	}
	delete(s.entries, id)
	return s.saveLocked()
}

// pruneLocked drops entries past retention, then the oldest beyond the
// cap (never one in flight).
func (s *Idempotency) pruneLocked() {
	cut := s.now().Add(-IdempotencyRetention)
	for id, e := range s.entries {
		if e.At.Before(cut) && !s.inflight[id] {
			delete(s.entries, id)
		}
	}
	if len(s.entries) < s.max {
		return
	}
	ids := make([]string, 0, len(s.entries))
	for id := range s.entries {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return s.entries[ids[i]].At.Before(s.entries[ids[j]].At) })
	for _, id := range ids[:len(ids)-s.max+1] {
		if !s.inflight[id] {
			delete(s.entries, id)
		}
	}
}

// saveLocked writes the store atomically and durably (temporary file,
// fsync, rename, directory fsync): a reserved key survives a crash.
func (s *Idempotency) saveLocked() error {
	b, err := json.Marshal(s.entries)
	if err != nil {
		return err
	}
	dir := filepath.Dir(s.path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("idempotency store: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".idempotency-*")
	if err != nil {
		return fmt.Errorf("idempotency store: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("idempotency store: %w", err)
	}
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("idempotency store: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("idempotency store: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("idempotency store: %w", err)
	}
	if err := os.Rename(tmp.Name(), s.path); err != nil {
		return fmt.Errorf("idempotency store: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}
