package outbox

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// ValidService reports whether code looks like a national procedure code
// (mã TTHC, e.g. "1.004222"): 1 to 32 letters, digits, '.', '-' or '_'.
func ValidService(code string) bool {
	if len(code) == 0 || len(code) > 32 {
		return false
	}
	for i := 0; i < len(code); i++ {
		c := code[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '.' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// Add stores a new submission for service with the JSON document payload
// and returns its new client UUID. It returns only after the record is
// committed and fsynced, so the UUID can be shown on a receipt.
func (s *Store) Add(ctx context.Context, service string, payload []byte) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if s.readOnly {
		return "", fmt.Errorf("add: %w", ErrReadOnly)
	}
	if !ValidService(service) {
		return "", fmt.Errorf("%w: service code must be 1-32 of [0-9A-Za-z._-]", ErrInvalidInput)
	}
	if len(payload) == 0 {
		return "", fmt.Errorf("%w: empty payload", ErrInvalidInput)
	}
	if len(payload) > s.opts.MaxPayload {
		return "", fmt.Errorf("%w: payload is %d bytes, limit %d", ErrInvalidInput, len(payload), s.opts.MaxPayload)
	}
	if !json.Valid(payload) {
		return "", fmt.Errorf("%w: payload is not a valid JSON document", ErrInvalidInput)
	}
	kr := s.keyring()
	for range 3 {
		id, err := NewUUID()
		if err != nil {
			return "", err
		}
		sealed, err := kr.seal(id, payload)
		if err != nil {
			return "", err
		}
		now := s.opts.Now().UTC()
		rec := Record{
			UUID: id, Service: service, State: Pending, Device: s.opts.Device,
			CreatedAt: now, UpdatedAt: now, NextAttemptAt: now,
			KeyID: kr.current, PayloadSize: len(payload),
		}
		var dup bool
		err = s.db.Update(func(tx *bolt.Tx) error {
			if tx.Bucket(bUUID).Get([]byte(id)) != nil {
				dup = true
				return nil
			}
			seq, err := tx.Bucket(bMeta).NextSequence()
			if err != nil {
				return err
			}
			rec.seq = seq
			if err := putMeta(tx, &rec); err != nil {
				return err
			}
			if err := tx.Bucket(bUUID).Put([]byte(id), u64(seq)); err != nil {
				return err
			}
			if err := tx.Bucket(bPayload).Put([]byte(id), sealed); err != nil {
				return err
			}
			return tx.Bucket(bDue).Put(timeKey(rec.NextAttemptAt, seq), []byte(id))
		})
		if err != nil {
			return "", fmt.Errorf("add: %w", classifyIOError(err))
		}
		if !dup {
			return id, nil
		}
	}
	return "", errors.New("add: could not draw an unused UUID")
}

// Get returns the metadata of one submission.
func (s *Store) Get(id string) (Record, error) {
	var rec Record
	err := s.db.View(func(tx *bolt.Tx) error {
		r, err := getByUUID(tx, id)
		rec = r
		return err
	})
	if err != nil {
		return Record{}, classifyIOError(err)
	}
	return rec, nil
}

// Payload decrypts and returns the payload of one submission.
func (s *Store) Payload(id string) ([]byte, error) {
	var sealed []byte
	var purged bool
	err := s.db.View(func(tx *bolt.Tx) error {
		rec, err := getByUUID(tx, id)
		if err != nil {
			return err
		}
		v := tx.Bucket(bPayload).Get([]byte(id))
		if v == nil {
			purged = !rec.PurgedAt.IsZero()
			if !purged {
				return fmt.Errorf("payload of %s missing", id)
			}
			return nil
		}
		sealed = bytes.Clone(v)
		return nil
	})
	if err != nil {
		return nil, classifyIOError(err)
	}
	if purged {
		return nil, ErrPayloadPurged
	}
	pt, err := s.keyring().open(id, sealed)
	if err != nil {
		return nil, fmt.Errorf("payload of %s: %w", id, err)
	}
	return pt, nil
}

// Filter selects records for List. Zero fields select everything.
type Filter struct {
	// States keeps only records in one of these states.
	States []State
	// Limit caps the number of records returned (0: no cap).
	Limit int
}

// List returns records' metadata in the order they were added. It never
// decrypts anything.
func (s *Store) List(f Filter) ([]Record, error) {
	var out []Record
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bMeta).ForEach(func(k, v []byte) error {
			var r Record
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("record %x: %w", k, err)
			}
			r.seq = binary.BigEndian.Uint64(k)
			if len(f.States) > 0 {
				ok := false
				for _, st := range f.States {
					ok = ok || r.State == st
				}
				if !ok {
					return nil
				}
			}
			out = append(out, r)
			if f.Limit > 0 && len(out) >= f.Limit {
				return errStop
			}
			return nil
		})
	})
	if err != nil && err != errStop {
		return nil, classifyIOError(err)
	}
	return out, nil
}

var errStop = errors.New("stop")

// Counts returns how many records are in each state: O(1) from the
// counts kept since format 2, a scan on an unmigrated read-only store.
func (s *Store) Counts() (map[State]int, error) {
	m := map[State]int{}
	found := false
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bCounts)
		if b == nil {
			return nil
		}
		found = true
		return b.ForEach(func(k, v []byte) error {
			if len(v) == 8 && binary.BigEndian.Uint64(v) > 0 {
				m[State(k)] = int(binary.BigEndian.Uint64(v))
			}
			return nil
		})
	})
	if err != nil || found {
		return m, err
	}
	recs, err := s.List(Filter{})
	if err != nil {
		return nil, err
	}
	for _, r := range recs {
		m[r.State]++
	}
	return m, nil
}

// Claimed is a record handed to the worker for delivery, with its payload.
type Claimed struct {
	Record
	Payload []byte
}

// Claim takes the pending record that is due first (at or before now),
// marks it sending, counts the attempt, and returns it with its decrypted
// payload. It returns ErrNoneDue when nothing is due.
func (s *Store) Claim(now time.Time) (*Claimed, error) {
	if s.readOnly {
		return nil, ErrReadOnly
	}
	var rec Record
	var sealed []byte
	err := s.db.Update(func(tx *bolt.Tx) error {
		c := tx.Bucket(bDue).Cursor()
		k, v := c.First()
		if k == nil || int64(binary.BigEndian.Uint64(k[:8])) > now.UnixNano() {
			return ErrNoneDue
		}
		id := string(v)
		r, err := getByUUID(tx, id)
		if err != nil {
			return err
		}
		if err := c.Delete(); err != nil {
			return err
		}
		if r.State != Pending {
			return fmt.Errorf("%w: due index names %s record %s", ErrInvalidState, r.State, id)
		}
		r.State = Sending
		r.Attempts++
		r.UpdatedAt = s.opts.Now().UTC()
		if err := tx.Bucket(bSending).Put([]byte(id), u64(r.seq)); err != nil {
			return err
		}
		if err := putMeta(tx, &r); err != nil {
			return err
		}
		sealed = bytes.Clone(tx.Bucket(bPayload).Get([]byte(id)))
		rec = r
		return nil
	})
	if err != nil {
		return nil, classifyIOError(err)
	}
	pt, err := s.keyring().open(rec.UUID, sealed)
	if err != nil {
		// A payload that cannot be opened can never be delivered.
		if merr := s.MarkNeedsAttention(rec.UUID, "payload cannot be decrypted: "+err.Error()); merr != nil {
			return nil, errors.Join(err, merr)
		}
		return nil, fmt.Errorf("claim %s: %w: %w", rec.UUID, ErrUndecryptable, err)
	}
	return &Claimed{Record: rec, Payload: pt}, nil
}

// NextDue returns when the first pending record is due; ok is false when
// nothing is pending.
func (s *Store) NextDue() (t time.Time, ok bool, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		k, _ := tx.Bucket(bDue).Cursor().First()
		if k != nil {
			t, ok = time.Unix(0, int64(binary.BigEndian.Uint64(k[:8]))), true
		}
		return nil
	})
	return t, ok, classifyIOError(err)
}

// transition loads a record in one of the from states, lets fn change it,
// and stores it with its index entries updated.
func (s *Store) transition(id string, from []State, fn func(tx *bolt.Tx, r *Record) error) error {
	if s.readOnly {
		return ErrReadOnly
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		r, err := getByUUID(tx, id)
		if err != nil {
			return err
		}
		ok := false
		for _, st := range from {
			ok = ok || r.State == st
		}
		if !ok {
			return fmt.Errorf("%w: %s is %s", ErrInvalidState, id, r.State)
		}
		old := r.State
		if err := fn(tx, &r); err != nil {
			return err
		}
		r.UpdatedAt = s.opts.Now().UTC()
		if old == Sending && r.State != Sending {
			if err := tx.Bucket(bSending).Delete([]byte(id)); err != nil {
				return err
			}
		}
		if r.State == Pending && old != Pending {
			if err := tx.Bucket(bDue).Put(timeKey(r.NextAttemptAt, r.seq), []byte(id)); err != nil {
				return err
			}
		}
		return putMeta(tx, &r)
	})
	return classifyIOError(err)
}

// MarkAccepted records the provincial dossier code of a record being sent.
// Accepting an already accepted record with the same code is a no-op.
func (s *Store) MarkAccepted(id, dossierCode string, provincialStatus int) error {
	if dossierCode == "" {
		return fmt.Errorf("%w: empty dossier code", ErrInvalidInput)
	}
	if r, err := s.Get(id); err == nil && r.State == Accepted && r.DossierCode == dossierCode {
		return nil
	}
	return s.transition(id, []State{Sending}, func(tx *bolt.Tx, r *Record) error {
		now := s.opts.Now().UTC()
		r.State = Accepted
		r.DossierCode = dossierCode
		r.AcceptedAt = now
		r.ProvincialStatus = provincialStatus
		r.StatusCheckedAt = now
		r.NextAttemptAt = time.Time{}
		r.LastError = ""
		a := AuditRecord{UUID: r.UUID, Service: r.Service, Device: r.Device, CreatedAt: r.CreatedAt,
			AcceptedAt: now, DossierCode: dossierCode, Attempts: r.Attempts}
		if err := putJSON(tx.Bucket(bAudit), []byte(r.UUID), a); err != nil {
			return err
		}
		return tx.Bucket(bPurge).Put(timeKey(now, r.seq), []byte(r.UUID))
	})
}

// MarkRejected records a definite provincial refusal. The record is never
// retried. reason is redacted before it is stored.
func (s *Store) MarkRejected(id, reason string) error {
	return s.transition(id, []State{Sending}, func(tx *bolt.Tx, r *Record) error {
		r.State = Rejected
		r.Reason = Redact(reason)
		r.NextAttemptAt = time.Time{}
		return nil
	})
}

// MarkNeedsAttention parks a record being sent (or a pending one) until an
// operator requeues it. reason is redacted before it is stored.
func (s *Store) MarkNeedsAttention(id, reason string) error {
	return s.transition(id, []State{Sending, Pending}, func(tx *bolt.Tx, r *Record) error {
		if r.State == Pending {
			if err := tx.Bucket(bDue).Delete(timeKey(r.NextAttemptAt, r.seq)); err != nil {
				return err
			}
		}
		r.State = NeedsAttention
		r.Reason = Redact(reason)
		r.NextAttemptAt = time.Time{}
		return nil
	})
}

// Retry describes a delivery without a definite answer.
type Retry struct {
	// Next is when the record is due again.
	Next time.Time
	// Err is the transient error (redacted before it is stored).
	Err string
	// NoCount leaves the attempt uncounted: the request certainly never
	// reached the receiver (e.g. connection refused), or the receiver said
	// it is still processing this key (409).
	NoCount bool
}

// MarkRetry puts a record being sent back to pending, due at r.Next. When
// the counted attempts reach MaxAttempts it needs attention instead. It
// returns the state the record ends in.
func (s *Store) MarkRetry(id string, rt Retry) (State, error) {
	var end State
	err := s.transition(id, []State{Sending}, func(tx *bolt.Tx, r *Record) error {
		if rt.NoCount && r.Attempts > 0 {
			r.Attempts--
		}
		r.LastError = Redact(rt.Err)
		if r.Attempts >= s.opts.MaxAttempts {
			r.State = NeedsAttention
			r.Reason = Redact(fmt.Sprintf("retries exhausted after %d attempts; last error: %s", r.Attempts, rt.Err))
			r.NextAttemptAt = time.Time{}
		} else {
			r.State = Pending
			r.NextAttemptAt = rt.Next.UTC()
		}
		end = r.State
		return nil
	})
	return end, err
}

// Requeue sends a record that needs attention again, due now, with its
// attempts reset. Its UUID (the idempotency key) is unchanged, so the
// receiver cannot create a second dossier.
func (s *Store) Requeue(id string) error {
	return s.transition(id, []State{NeedsAttention}, func(tx *bolt.Tx, r *Record) error {
		r.State = Pending
		r.Attempts = 0
		r.Reason = ""
		r.NextAttemptAt = s.opts.Now().UTC()
		return nil
	})
}

// SetProvincialStatus records the national status code (1..10) last polled
// for an accepted record.
func (s *Store) SetProvincialStatus(id string, status int) error {
	if StatusName(status) == "" {
		return fmt.Errorf("%w: unknown dossier status code %d", ErrInvalidInput, status)
	}
	return s.transition(id, []State{Accepted}, func(tx *bolt.Tx, r *Record) error {
		r.ProvincialStatus = status
		r.StatusCheckedAt = s.opts.Now().UTC()
		return nil
	})
}

// Purge removes the payloads of accepted records whose retention has
// passed, keeping their metadata and audit records. It returns how many
// payloads it removed.
func (s *Store) Purge() (int, error) {
	if s.readOnly {
		return 0, ErrReadOnly
	}
	now := s.opts.Now().UTC()
	cutoff := now.Add(-s.opts.Retention)
	n := 0
	err := s.db.Update(func(tx *bolt.Tx) error {
		n = 0
		c := tx.Bucket(bPurge).Cursor()
		for k, v := c.First(); k != nil; k, v = c.First() {
			if int64(binary.BigEndian.Uint64(k[:8])) > cutoff.UnixNano() {
				break
			}
			id := string(v)
			if err := c.Delete(); err != nil {
				return err
			}
			r, err := getByUUID(tx, id)
			if err != nil {
				return err
			}
			if err := tx.Bucket(bPayload).Delete([]byte(id)); err != nil {
				return err
			}
			r.PurgedAt = now
			r.UpdatedAt = now
			if err := putMeta(tx, &r); err != nil {
				return err
			}
			var a AuditRecord
			if v := tx.Bucket(bAudit).Get([]byte(id)); v != nil {
				if err := json.Unmarshal(v, &a); err != nil {
					return err
				}
			}
			a.PurgedAt = now
			if err := putJSON(tx.Bucket(bAudit), []byte(id), a); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("purge: %w", classifyIOError(err))
	}
	if n > 0 {
		s.log.Info("outbox: purged payloads of accepted submissions after retention", "count", n)
	}
	return n, nil
}

// Audit returns the audit records of every accepted submission.
func (s *Store) Audit() ([]AuditRecord, error) {
	var out []AuditRecord
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bAudit).ForEach(func(k, v []byte) error {
			var a AuditRecord
			if err := json.Unmarshal(v, &a); err != nil {
				return err
			}
			out = append(out, a)
			return nil
		})
	})
	return out, classifyIOError(err)
}

// resetSending returns records a crash left in sending to pending, due now.
func (s *Store) resetSending() (int, error) {
	var ids []string
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bSending).ForEach(func(k, _ []byte) error {
			ids = append(ids, string(k))
			return nil
		})
	})
	if err != nil {
		return 0, classifyIOError(err)
	}
	for _, id := range ids {
		if _, err := s.MarkRetry(id, Retry{Next: s.opts.Now(), Err: "interrupted (process stopped while sending)"}); err != nil {
			return 0, fmt.Errorf("reset interrupted delivery: %w", err)
		}
	}
	return len(ids), nil
}

func getByUUID(tx *bolt.Tx, id string) (Record, error) {
	seq := tx.Bucket(bUUID).Get([]byte(id))
	if seq == nil {
		return Record{}, fmt.Errorf("%w: %q", ErrNotFound, id)
	}
	v := tx.Bucket(bMeta).Get(seq)
	if v == nil {
		return Record{}, fmt.Errorf("%w: metadata of %s", ErrNotFound, id)
	}
	var r Record
	if err := json.Unmarshal(v, &r); err != nil {
		return Record{}, fmt.Errorf("record %s: %w", id, err)
	}
	r.seq = binary.BigEndian.Uint64(seq)
	return r, nil
}

func putMeta(tx *bolt.Tx, r *Record) error {
	b := tx.Bucket(bMeta)
	var old State
	if v := b.Get(u64(r.seq)); v != nil {
		var prev Record
		if err := json.Unmarshal(v, &prev); err != nil {
			return fmt.Errorf("record %d: %w", r.seq, err)
		}
		old = prev.State
	}
	if err := countState(tx, old, r.State); err != nil {
		return err
	}
	return putJSON(b, u64(r.seq), r)
}

func putJSON(b *bolt.Bucket, k []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put(k, data)
}

func u64(v uint64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], v)
	return b[:]
}

func timeKey(t time.Time, seq uint64) []byte {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(t.UnixNano()))
	binary.BigEndian.PutUint64(b[8:], seq)
	return b[:]
}
