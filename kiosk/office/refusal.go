package office

import (
	"fmt"
	"net/http"
)

// Refusal is why a message was refused: its Reason is logged (never the
// message's content) and its Status answered.
type Refusal struct {
	Reason string
	Status int
}

func (r *Refusal) Error() string { return "office link: refused: " + r.Reason }

// Is lets errors.Is match a wrapped refusal against the sentinels below
// by reason.
func (r *Refusal) Is(target error) bool {
	t, ok := target.(*Refusal)
	return ok && t.Reason == r.Reason
}

// The refusals, in the order a receiver checks them.
var (
	ErrRateLimited  = &Refusal{"rate_limited", http.StatusTooManyRequests}
	ErrTooLarge     = &Refusal{"too_large", http.StatusRequestEntityTooLarge}
	ErrMethod       = &Refusal{"method", http.StatusMethodNotAllowed}
	ErrBadSignature = &Refusal{"bad_signature", http.StatusUnauthorized}
	ErrStale        = &Refusal{"stale", http.StatusUnauthorized}
	ErrReplayed     = &Refusal{"replayed", http.StatusConflict}
	ErrBusy         = &Refusal{"busy", http.StatusServiceUnavailable}
	ErrUnknownType  = &Refusal{"unknown_type", http.StatusNotFound}
	ErrMalformed    = &Refusal{"malformed", http.StatusBadRequest}
	ErrNotReady     = &Refusal{"not_ready", http.StatusServiceUnavailable}
)

// refusalFor maps a status a peer answered to the refusal it stands for
// (nil for a status no receiver sends).
func refusalFor(status int) *Refusal {
	for _, r := range []*Refusal{ErrRateLimited, ErrTooLarge, ErrMethod, ErrReplayed, ErrUnknownType, ErrMalformed} {
		if r.Status == status {
			return r
		}
	}
	switch status {
	case http.StatusUnauthorized:
		return &Refusal{"unauthorized", status} // bad signature or stale: the receiver alone knows which
	case http.StatusServiceUnavailable:
		return &Refusal{"unavailable", status}
	}
	return nil
}

// PeerError is a peer that did not take a message: unreachable, or
// refusing it (Err is then a *Refusal).
type PeerError struct {
	Peer string
	Err  error
}

func (e *PeerError) Error() string { return fmt.Sprintf("office link: peer %s: %v", e.Peer, e.Err) }
func (e *PeerError) Unwrap() error { return e.Err }
