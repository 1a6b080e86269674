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

type demoKey struct{}

// WithDemo returns a context that makes Add mark the record as a demo
// dossier (Record.Demo). A demo record is never sent to a provider by a
// worker that is not configured as a demo sink. The mark rides on the
// context so every caller of Add (behind its own small interface) can set
// it without a new method.
func WithDemo(ctx context.Context) context.Context { return context.WithValue(ctx, demoKey{}, true) }

// IsDemo reports whether ctx carries the WithDemo mark.
func IsDemo(ctx context.Context) bool { v, _ := ctx.Value(demoKey{}).(bool); return v }

// addReq is one Add waiting for its group commit.
type addReq struct {
	rec  Record
	dk   []byte
	data []byte // payload sealed under dk for rec.UUID
	pt   []byte // the plaintext, to reseal if the UUID must be redrawn
	// owners are the record's owner tags (owner.go), stored with it.
	owners []string
	// fixedID: the UUID names files already written (attachments) and
	// cannot be redrawn.
	fixedID bool
	err     error
	done    chan struct{}
}

// Add stores a new submission for service with the JSON document payload
// and returns its new client UUID. It returns only after the record is
// committed and fsynced, so the UUID can be shown on a receipt. A context
// made by WithDemo marks it as a demo dossier.
//
// Concurrent Adds share commits (group commit): each caller waits for at
// most its own commit, and a lone caller commits alone, at once.
func (s *Store) Add(ctx context.Context, service string, payload []byte) (string, error) {
	req, err := s.newAddReq(ctx, service, payload)
	if err != nil {
		return "", err
	}
	defer clear(req.dk)
	return s.enqueue(req)
}

// newAddReq checks a submission and seals its payload under a fresh data
// key for a fresh UUID.
func (s *Store) newAddReq(ctx context.Context, service string, payload []byte) (*addReq, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if s.readOnly {
		return nil, fmt.Errorf("add: %w", ErrReadOnly)
	}
	if !ValidService(service) {
		return nil, fmt.Errorf("%w: service code must be 1-32 of [0-9A-Za-z._-]", ErrInvalidInput)
	}
	if len(payload) == 0 {
		return nil, fmt.Errorf("%w: empty payload", ErrInvalidInput)
	}
	if len(payload) > s.opts.MaxPayload {
		return nil, fmt.Errorf("%w: payload is %d bytes, limit %d", ErrInvalidInput, len(payload), s.opts.MaxPayload)
	}
	if !json.Valid(payload) {
		return nil, fmt.Errorf("%w: payload is not a valid JSON document", ErrInvalidInput)
	}
	id, err := NewUUID()
	if err != nil {
		return nil, err
	}
	dk, err := newDataKey()
	if err != nil {
		return nil, err
	}
	data, err := sealData(dk, id, purposePayload, payload)
	if err != nil {
		return nil, err
	}
	owners, err := s.ownerTags(ctx)
	if err != nil {
		return nil, err
	}
	now := s.opts.Now().UTC()
	return &addReq{owners: owners,
		rec: Record{UUID: id, Service: service, State: Pending, Device: s.opts.Device, Demo: IsDemo(ctx),
			CreatedAt: now, UpdatedAt: now, NextAttemptAt: now, PayloadSize: len(payload)},
		dk: dk, data: data, pt: payload, done: make(chan struct{}),
	}, nil
}

// enqueue commits req in a group commit and returns its UUID once fsynced.
func (s *Store) enqueue(req *addReq) (string, error) {
	s.addMu.Lock()
	s.addQ = append(s.addQ, req)
	s.addMu.Unlock()

	// Whoever holds commitMu commits everything queued so far, its own
	// request included unless an earlier holder already did.
	s.commitMu.Lock()
	s.addMu.Lock()
	batch := s.addQ
	s.addQ = nil
	s.addMu.Unlock()
	if len(batch) > 0 {
		err := s.commitAdds(batch)
		for _, r := range batch {
			if err != nil {
				r.err = err
			}
			r.pt = nil
			close(r.done)
		}
	}
	s.commitMu.Unlock()
	<-req.done
	if req.err != nil {
		return "", fmt.Errorf("add: %w", classifyIOError(req.err))
	}
	return req.rec.UUID, nil
}

// commitAdds writes a batch of new records in one fsynced commit: one Put
// of one value per record. Data keys are wrapped inside the transaction,
// so a concurrent key rotation either re-wraps them or sees them wrapped
// under its new key. The UUID check reads the in-memory index (which
// matches the transaction's snapshot, see update) and the records added
// earlier in the same commit: a UUID already used is drawn again, or, for
// a fixed one, that request fails alone and the others commit.
func (s *Store) commitAdds(batch []*addReq) error {
	return s.update(func(w *wtx) error {
		kr := s.keyring()
		for _, r := range batch {
			r.err = nil
			for try := 0; ; try++ {
				if _, used := w.seqOf(r.rec.UUID); !used {
					break
				}
				if try == 3 || r.fixedID {
					r.err = fmt.Errorf("%w: UUID %s is already stored", ErrInvalidInput, r.rec.UUID)
					break
				}
				id, err := NewUUID()
				if err != nil {
					return err
				}
				data, err := sealData(r.dk, id, purposePayload, r.pt)
				if err != nil {
					return err
				}
				r.rec.UUID, r.data = id, data
			}
			if r.err != nil {
				continue
			}
			wrapped, err := kr.wrap(r.rec.UUID, r.dk)
			if err != nil {
				return err
			}
			if err := w.add(&stored{rec: r.rec, wrapped: wrapped, owners: r.owners, sealed: r.data}); err != nil {
				return err
			}
			r.rec.seq = w.newIDs[r.rec.UUID]
		}
		return nil
	})
}

// Get returns the metadata of one submission.
func (s *Store) Get(id string) (Record, error) {
	var rec Record
	err := s.view(id, func(_ *bolt.Tx, st *stored) error { rec = st.rec; return nil })
	if err != nil {
		return Record{}, classifyIOError(err)
	}
	return rec, nil
}

// view finds record id in the index and lets fn read it inside a read
// transaction (its slices valid only there).
func (s *Store) view(id string, fn func(tx *bolt.Tx, st *stored) error) error {
	seq, ok := s.idx.seqOf(id)
	if !ok {
		return fmt.Errorf("%w: %q", ErrNotFound, id)
	}
	return s.db.View(func(tx *bolt.Tx) error {
		st, err := loadStored(tx, s.format, seq)
		if err != nil {
			return err
		}
		return fn(tx, st)
	})
}

// sealedRecord is what a read transaction copies out for decryption.
type sealedRecord struct {
	rec     Record
	data    []byte // sealed payload (nil: purged or none)
	wrapped []byte // wrapped data key (nil: none)
	detail  []byte // sealed detail (nil: none)
	legacy  bool   // format 1/2 layout (read-only, not migrated)
}

func (s *Store) readSealed(id string) (sealedRecord, error) {
	var sr sealedRecord
	err := s.view(id, func(tx *bolt.Tx, st *stored) error {
		sr = sealedRecord{rec: st.rec, data: bytes.Clone(st.sealed), wrapped: bytes.Clone(st.wrapped),
			legacy: s.format < FormatV3}
		if b := tx.Bucket(bDetail); b != nil && !sr.legacy {
			sr.detail = bytes.Clone(b.Get(u64(st.rec.seq)))
		}
		return nil
	})
	return sr, classifyIOError(err)
}

// Payload decrypts and returns the payload of one submission.
func (s *Store) Payload(id string) ([]byte, error) {
	var pt []byte
	err := s.withSealed(id, func(sr sealedRecord, kr *Keyring) error {
		if sr.data == nil {
			if !sr.rec.PurgedAt.IsZero() {
				return ErrPayloadPurged
			}
			return fmt.Errorf("payload of %s missing", id)
		}
		p, err := openPayload(kr, sr)
		pt = p
		return err
	})
	if err != nil && !errors.Is(err, ErrPayloadPurged) {
		return nil, fmt.Errorf("payload of %s: %w", id, err)
	}
	return pt, err
}

// Detail decrypts and returns the texts behind a record's codes. A record
// without any has an empty Detail; a purged record's detail is gone.
func (s *Store) Detail(id string) (Detail, error) {
	var d Detail
	err := s.withSealed(id, func(sr sealedRecord, kr *Keyring) error {
		if sr.legacy { // an unmigrated store still holds the texts in clear
			d = Detail{Reason: sr.rec.Reason, LastError: sr.rec.LastError}
			return nil
		}
		if sr.detail == nil {
			return nil
		}
		if sr.wrapped == nil {
			return errors.New("detail without a data key")
		}
		dk, err := kr.unwrap(id, sr.wrapped)
		if err != nil {
			return err
		}
		defer clear(dk)
		pt, err := openData(dk, id, purposeDetail, sr.detail)
		if err != nil {
			return err
		}
		return json.Unmarshal(pt, &d)
	})
	if err != nil {
		return Detail{}, fmt.Errorf("detail of %s: %w", id, err)
	}
	return d, nil
}

// withSealed reads a record's sealed parts and lets fn decrypt them. A key
// retired between the read and the decryption (a rotation re-wrapped the
// data key meanwhile) is answered by reading once more.
func (s *Store) withSealed(id string, fn func(sealedRecord, *Keyring) error) error {
	for try := 0; ; try++ {
		sr, err := s.readSealed(id)
		if err != nil {
			return err
		}
		err = fn(sr, s.keyring())
		if try == 0 && errors.Is(err, ErrKeyMissing) {
			continue
		}
		return err
	}
}

// openPayload decrypts a payload in any layout: under its data key
// (format 3), or directly under a master key (formats 1-2, and a payload
// the format-3 migration could not decrypt and kept as it was).
func openPayload(kr *Keyring, sr sealedRecord) ([]byte, error) {
	if len(sr.data) > 0 && sr.data[0] == sealVersion {
		return kr.open(sr.rec.UUID, sr.data)
	}
	if sr.wrapped == nil {
		return nil, errors.New("payload without a data key")
	}
	dk, err := kr.unwrap(sr.rec.UUID, sr.wrapped)
	if err != nil {
		return nil, err
	}
	defer clear(dk)
	return openData(dk, sr.rec.UUID, purposePayload, sr.data)
}

// Filter selects records for List. Zero fields select everything.
type Filter struct {
	// States keeps only records in one of these states.
	States []State
	// Limit caps the number of records returned (0: no cap).
	Limit int
}

// List returns records' metadata in the order they were added. It never
// decrypts anything; records of other states are skipped by their header,
// without decoding them.
func (s *Store) List(f Filter) ([]Record, error) {
	var out []Record
	want := map[State]bool{}
	for _, st := range f.States {
		want[st] = true
	}
	err := s.db.View(func(tx *bolt.Tx) error {
		if s.format >= FormatV4 {
			return tx.Bucket(bRec).ForEach(func(k, v []byte) error {
				if len(want) > 0 && (len(v) < 2 || int(v[1]) >= len(codeStates) || !want[codeStates[v[1]]]) {
					return nil
				}
				st, err := decodeValue(binary.BigEndian.Uint64(k), v)
				if err != nil {
					return err
				}
				out = append(out, st.rec)
				if f.Limit > 0 && len(out) >= f.Limit {
					return errStop
				}
				return nil
			})
		}
		return scanStored(tx, s.format, func(st *stored) error {
			if len(want) > 0 && !want[st.rec.State] {
				return nil
			}
			out = append(out, st.rec)
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

// Counts returns how many records are in each state, from the in-memory
// index: O(1), no read of the file.
func (s *Store) Counts() (map[State]int, error) {
	s.idx.mu.RLock()
	defer s.idx.mu.RUnlock()
	m := make(map[State]int, len(s.idx.counts))
	for st, n := range s.idx.counts {
		if n > 0 {
			m[st] = n
		}
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
// payload. It returns ErrNoneDue when nothing is due, and ErrUndecryptable
// (having parked the record as needs_attention) for a payload that cannot
// be decrypted.
func (s *Store) Claim(now time.Time) (*Claimed, error) {
	cs, parked, err := s.ClaimBatch(now, 1)
	switch {
	case err != nil:
		return nil, err
	case parked > 0:
		return nil, fmt.Errorf("claim: %w", ErrUndecryptable)
	case len(cs) == 0:
		return nil, ErrNoneDue
	}
	return cs[0], nil
}

// ClaimBatch takes up to max due pending records, oldest due first, in one
// commit: each is marked sending with its attempt counted, exactly as Claim
// does. Payloads that cannot be decrypted are parked as needs_attention in
// the same commit and counted in parked. No record due gives an empty
// slice and no error.
func (s *Store) ClaimBatch(now time.Time, max int) (claimed []*Claimed, parked int, err error) {
	if s.readOnly {
		return nil, 0, ErrReadOnly
	}
	if max <= 0 {
		max = 1
	}
	err = s.update(func(w *wtx) error {
		claimed, parked = nil, 0
		kr := s.keyring()
		s.idx.mu.RLock()
		picks := s.idx.due.upTo(now.UnixNano(), max)
		s.idx.mu.RUnlock()
		for _, p := range picks {
			st, err := w.load(p.seq)
			if err != nil {
				return err
			}
			r := &st.rec
			if r.State != Pending {
				return fmt.Errorf("%w: due index names %s record %s", ErrInvalidState, r.State, r.UUID)
			}
			pt, derr := openPayload(kr, sealedRecord{rec: *r, data: st.sealed, wrapped: st.wrapped})
			r.UpdatedAt = s.opts.Now().UTC()
			if derr != nil {
				// A payload that cannot be opened can never be delivered.
				r.State, r.Reason, r.NextAttemptAt = NeedsAttention, CodeUndecryptable, time.Time{}
				if err := w.put(st); err != nil {
					return err
				}
				parked++
				continue
			}
			r.State = Sending
			r.Attempts++
			if err := w.put(st); err != nil {
				clear(pt)
				return err
			}
			claimed = append(claimed, &Claimed{Record: *r, Payload: pt})
		}
		return nil
	})
	if err != nil {
		for _, c := range claimed {
			clear(c.Payload)
		}
		return nil, 0, classifyIOError(err)
	}
	return claimed, parked, nil
}

// NextDue returns when the first pending record is due; ok is false when
// nothing is pending.
func (s *Store) NextDue() (t time.Time, ok bool, err error) {
	s.idx.mu.RLock()
	defer s.idx.mu.RUnlock()
	if len(s.idx.due.ks) == 0 {
		return time.Time{}, false, nil
	}
	return time.Unix(0, s.idx.due.ks[0].t).UTC(), true, nil
}

// MarkAccepted records the provincial dossier code of a record being sent.
// Accepting an already accepted record with the same code is a no-op.
func (s *Store) MarkAccepted(id, dossierCode string, provincialStatus int) error {
	return s.settleOne(Outcome{UUID: id, Kind: Accept, DossierCode: dossierCode, Status: provincialStatus})
}

// MarkRejected records a definite provincial refusal; the record is never
// retried. code goes into the clear metadata (a code that is not a valid
// code is replaced by CodeUnspecified); detail, the receiver's own words,
// is sealed with the record's data key.
func (s *Store) MarkRejected(id, code, detail string) error {
	return s.settleOne(Outcome{UUID: id, Kind: Reject, Code: code, Detail: detail})
}

// MarkNeedsAttention parks a record being sent (or a pending one) until an
// operator requeues it. code and detail are kept as MarkRejected keeps them.
func (s *Store) MarkNeedsAttention(id, code, detail string) error {
	return s.settleOne(Outcome{UUID: id, Kind: Park, Code: code, Detail: detail})
}

// Retry describes a delivery without a definite answer.
type Retry struct {
	// Next is when the record is due again.
	Next time.Time
	// Code is a short code for the error (clear metadata).
	Code string
	// Detail is the error text (sealed with the record's data key).
	Detail string
	// NoCount leaves the attempt uncounted: the request certainly never
	// reached the receiver (e.g. connection refused), or the receiver said
	// it is still processing this key (409), or it was never sent.
	NoCount bool
}

// MarkRetry puts a record being sent back to pending, due at r.Next. When
// the counted attempts reach MaxAttempts it needs attention instead. It
// returns the state the record ends in.
func (s *Store) MarkRetry(id string, rt Retry) (State, error) {
	res, err := s.Settle([]Outcome{{UUID: id, Kind: RetryLater, Next: rt.Next, Code: rt.Code, Detail: rt.Detail, NoCount: rt.NoCount}})
	if err != nil {
		return "", err
	}
	return res[0].State, res[0].Err
}

func (s *Store) settleOne(o Outcome) error {
	res, err := s.Settle([]Outcome{o})
	if err != nil {
		return err
	}
	return res[0].Err
}

// Requeue sends a record that needs attention again, due now, with its
// attempts reset. Its UUID (the idempotency key) is unchanged, so the
// receiver cannot create a second dossier.
func (s *Store) Requeue(id string) error {
	return s.transition(id, []State{NeedsAttention}, func(w *wtx, st *stored) error {
		r := &st.rec
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
	return s.SetProgress(id, status, "")
}

// SetProgress records what a status poll learnt of an accepted record: the
// national status code (1..10; 0 keeps the last one and only records the
// check) and the provincial mã hồ sơ (official; "" keeps the one stored).
// A known official code is never replaced by another: that answer is
// refused with ErrConflictingCode and the record is left as it was.
func (s *Store) SetProgress(id string, status int, official string) error {
	if status != 0 && StatusName(status) == "" {
		return fmt.Errorf("%w: unknown dossier status code %d", ErrInvalidInput, status)
	}
	if official != "" && !ValidOfficialCode(official) {
		return fmt.Errorf("%w: official dossier code is not a code", ErrInvalidInput)
	}
	return s.transition(id, []State{Accepted}, func(w *wtx, st *stored) error {
		r := &st.rec
		if official != "" && r.OfficialCode != "" && r.OfficialCode != official {
			return fmt.Errorf("%w: %s", ErrConflictingCode, id)
		}
		if status != 0 {
			r.ProvincialStatus = status
		}
		if official != "" {
			r.OfficialCode = official
		}
		r.StatusCheckedAt = s.opts.Now().UTC()
		return nil
	})
}

// transition loads a record in one of the from states, lets fn change it,
// and stores it, in its own commit.
func (s *Store) transition(id string, from []State, fn func(w *wtx, st *stored) error) error {
	if s.readOnly {
		return ErrReadOnly
	}
	err := s.update(func(w *wtx) error {
		return s.transitionTx(w, id, from, fn)
	})
	return classifyIOError(err)
}

// transitionTx is transition inside an open write transaction: one Put of
// the record's value. It checks everything before it writes anything, so
// an error leaves the transaction unchanged. The indexes follow from the
// value once the transaction commits.
func (s *Store) transitionTx(w *wtx, id string, from []State, fn func(w *wtx, st *stored) error) error {
	st, err := w.byID(id)
	if err != nil {
		return err
	}
	ok := false
	for _, f := range from {
		ok = ok || st.rec.State == f
	}
	if !ok {
		return fmt.Errorf("%w: %s is %s", ErrInvalidState, id, st.rec.State)
	}
	if err := fn(w, st); err != nil {
		return err
	}
	st.rec.UpdatedAt = s.opts.Now().UTC()
	return w.put(st)
}

// resetSending returns records a crash left in sending to pending, due now.
func (s *Store) resetSending() (int, error) {
	var outs []Outcome
	s.idx.mu.RLock()
	for seq := range s.idx.sending {
		outs = append(outs, Outcome{UUID: s.idx.recs[seq].id, Kind: RetryLater, Next: s.opts.Now(), Code: CodeInterrupted,
			Detail: "interrupted (process stopped while sending)"})
	}
	s.idx.mu.RUnlock()
	if len(outs) == 0 {
		return 0, nil
	}
	res, err := s.Settle(outs)
	if err != nil {
		return 0, fmt.Errorf("reset interrupted deliveries: %w", err)
	}
	for _, r := range res {
		if r.Err != nil {
			return 0, fmt.Errorf("reset interrupted delivery: %w", r.Err)
		}
	}
	return len(outs), nil
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
