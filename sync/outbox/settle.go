package outbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// OutcomeKind is what a delivery ended in.
type OutcomeKind int

// The outcomes Settle records.
const (
	// Accept: a definite acceptance with a dossier code.
	Accept OutcomeKind = iota + 1
	// Reject: a definite refusal; never retried.
	Reject
	// RetryLater: no definite answer (or not sent); pending again at Next,
	// or needs_attention once the counted attempts reach MaxAttempts.
	RetryLater
	// Park: needs an operator (unexpected answer, undeliverable).
	Park
)

// Outcome is the result of one delivery, for Settle.
type Outcome struct {
	UUID string
	Kind OutcomeKind
	// DossierCode, OfficialCode and Status are the receipt of an Accept
	// (OfficialCode "" while the provincial mã hồ sơ is not known).
	DossierCode  string
	OfficialCode string
	Status       int
	// Code is a short code for the clear metadata (Reason for Reject and
	// Park, LastError for RetryLater); Detail is the text behind it,
	// sealed with the record's data key.
	Code, Detail string
	// Next and NoCount are for RetryLater (see Retry).
	Next    time.Time
	NoCount bool
}

// Result is what Settle did with one outcome.
type Result struct {
	// State is the state the record ends in.
	State State
	// Err is why this outcome was not recorded (ErrInvalidState,
	// ErrNotFound, ErrInvalidInput); the others are recorded regardless.
	Err error
}

// Settle records the outcomes of several deliveries in one fsynced commit
// (the worker's group commit). Each outcome is checked on its own: one that
// does not fit its record's state is refused in its Result and the others
// are recorded. The error is for the commit as a whole (disk full, closed).
func (s *Store) Settle(outs []Outcome) ([]Result, error) {
	if s.readOnly {
		return nil, ErrReadOnly
	}
	var res []Result
	err := s.update(func(w *wtx) error {
		res = make([]Result, len(outs))
		kr := s.keyring()
		for i, o := range outs {
			st, err := s.settleTx(w, kr, o)
			if err != nil && !isRecordError(err) {
				return err
			}
			res[i] = Result{State: st, Err: err}
		}
		return nil
	})
	if err != nil {
		return nil, classifyIOError(err)
	}
	return res, nil
}

func isRecordError(err error) bool {
	return errors.Is(err, ErrInvalidState) || errors.Is(err, ErrNotFound) || errors.Is(err, ErrInvalidInput)
}

func (s *Store) settleTx(w *wtx, kr *Keyring, o Outcome) (State, error) {
	var end State
	setDetail := func(st *stored, reason bool) error {
		if o.Detail == "" && (o.Code == "" || ValidCode(o.Code)) {
			return nil
		}
		text := o.Detail
		if text == "" {
			text = o.Code // an invalid code is free text: seal it
		}
		err := updateDetail(w, kr, st, func(d *Detail) {
			if reason {
				d.Reason = text
			} else {
				d.LastError = text
			}
		})
		if errors.Is(err, errDetailCrypto) {
			// The code is recorded; the text cannot be sealed for a
			// record whose data key is unusable (the payload is parked
			// as undecryptable anyway).
			return nil
		}
		return err
	}
	switch o.Kind {
	case Accept:
		if o.DossierCode == "" {
			return "", fmt.Errorf("%w: empty dossier code", ErrInvalidInput)
		}
		if o.OfficialCode != "" && !ValidOfficialCode(o.OfficialCode) {
			// The acceptance stands (refusing it would resend the dossier);
			// text never becomes a code: the next status poll asks again.
			o.OfficialCode = ""
		}
		if o.Status != 0 && StatusName(o.Status) == "" {
			o.Status = 0 // an unknown status code is not stored; the next poll asks again
		}
		if st, err := w.byID(o.UUID); err == nil && st.rec.State == Accepted && st.rec.DossierCode == o.DossierCode {
			return Accepted, nil
		}
		err := s.transitionTx(w, o.UUID, []State{Sending}, func(w *wtx, st *stored) error {
			r := &st.rec
			now := s.opts.Now().UTC()
			r.State = Accepted
			r.DossierCode = o.DossierCode
			r.OfficialCode = o.OfficialCode
			r.AcceptedAt = now
			r.ProvincialStatus = o.Status
			r.StatusCheckedAt = now
			r.NextAttemptAt = time.Time{}
			r.LastError = ""
			a := AuditRecord{UUID: r.UUID, Service: r.Service, Device: r.Device, CreatedAt: r.CreatedAt,
				AcceptedAt: now, DossierCode: o.DossierCode, OfficialCode: o.OfficialCode, Attempts: r.Attempts}
			return putJSON(w.tx.Bucket(bAudit), []byte(r.UUID), a)
		})
		return Accepted, err
	case Reject:
		err := s.transitionTx(w, o.UUID, []State{Sending}, func(w *wtx, st *stored) error {
			r := &st.rec
			r.State = Rejected
			r.Reason = clearCode(o.Code)
			r.NextAttemptAt = time.Time{}
			return setDetail(st, true)
		})
		return Rejected, err
	case Park:
		err := s.transitionTx(w, o.UUID, []State{Sending, Pending}, func(w *wtx, st *stored) error {
			r := &st.rec
			r.State = NeedsAttention
			r.Reason = clearCode(o.Code)
			r.NextAttemptAt = time.Time{}
			return setDetail(st, true)
		})
		return NeedsAttention, err
	case RetryLater:
		err := s.transitionTx(w, o.UUID, []State{Sending}, func(w *wtx, st *stored) error {
			r := &st.rec
			if o.NoCount && r.Attempts > 0 {
				r.Attempts--
			}
			r.LastError = clearCode(o.Code)
			if r.Attempts >= s.opts.MaxAttempts {
				r.State = NeedsAttention
				r.Reason = CodeRetriesExhausted
				r.NextAttemptAt = time.Time{}
			} else {
				r.State = Pending
				r.NextAttemptAt = o.Next.UTC()
			}
			end = r.State
			return setDetail(st, false)
		})
		return end, err
	}
	return "", fmt.Errorf("%w: outcome kind %d", ErrInvalidInput, o.Kind)
}

// errDetailCrypto marks a detail that cannot be opened with the record's
// data key.
var errDetailCrypto = errors.New("detail cannot be opened")

// updateDetail decrypts a record's detail (if any), lets fn change it and
// seals it again under the record's data key; a record without a data key
// (its payload purged) gets a fresh one, in st (the caller puts st).
func updateDetail(w *wtx, kr *Keyring, st *stored, fn func(*Detail)) error {
	r := &st.rec
	k := u64(r.seq)
	var dk []byte
	if st.wrapped != nil {
		var err error
		if dk, err = kr.unwrap(r.UUID, st.wrapped); err != nil {
			return fmt.Errorf("%w: %s: %v", errDetailCrypto, r.UUID, err)
		}
	} else {
		var err error
		if dk, err = newDataKey(); err != nil {
			return err
		}
		wr, err := kr.wrap(r.UUID, dk)
		if err != nil {
			return err
		}
		st.wrapped = wr
	}
	defer clear(dk)
	var d Detail
	if v := w.tx.Bucket(bDetail).Get(k); v != nil {
		pt, err := openData(dk, r.UUID, purposeDetail, v)
		if err != nil {
			return fmt.Errorf("%w: %s: %v", errDetailCrypto, r.UUID, err)
		}
		if err := json.Unmarshal(pt, &d); err != nil {
			return fmt.Errorf("detail of %s: %w", r.UUID, err)
		}
	}
	fn(&d)
	pt, err := json.Marshal(d)
	if err != nil {
		return err
	}
	sealed, err := sealData(dk, r.UUID, purposeDetail, pt)
	if err != nil {
		return err
	}
	return w.tx.Bucket(bDetail).Put(k, sealed)
}
