package intake

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
)

// Forwarding states of a dossier.
const (
	ForwardPending = "pending"
	ForwardDone    = "forwarded"
	ForwardFailed  = "failed"
)

// SetForwarding makes dossiers created from now on wait for forwarding to
// the provincial system (every replica of a forwarding hub sets it).
func (s *PGStore) SetForwarding(on bool) { s.forward = on }

// ClaimForward takes the oldest dossier due for forwarding and leases it
// until now+lease: replicas forwarding at once skip each other's leased rows
// (FOR UPDATE SKIP LOCKED), and a replica killed mid-forward leaves a lease
// that simply runs out. ok is false when nothing is due.
func (s *PGStore) ClaimForward(ctx context.Context, now time.Time, lease time.Duration) (d Dossier, ok bool, err error) {
	d, err = scanDossier(s.pool.QueryRow(ctx, `UPDATE dossiers SET forward_next_at = $2, forward_attempts = forward_attempts + 1
		WHERE idempotency_key = (SELECT idempotency_key FROM dossiers
			WHERE forward_state = 'pending' AND forward_next_at <= $1
			ORDER BY forward_next_at LIMIT 1 FOR UPDATE SKIP LOCKED)
		RETURNING `+dossierCols+`, payload`, now.UTC(), now.UTC().Add(lease)), true)
	if errors.Is(err, pgx.ErrNoRows) {
		return d, false, nil
	}
	return d, err == nil, err
}

// ForwardAttempts returns how many times a dossier was claimed for forwarding.
func (s *PGStore) ForwardAttempts(ctx context.Context, key string) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, `SELECT forward_attempts FROM dossiers WHERE idempotency_key = $1`, key).Scan(&n)
	return n, err
}

// MarkForwarded records the provincial code and status (0: unknown, the
// status is kept) of a forwarded dossier.
func (s *PGStore) MarkForwarded(ctx context.Context, key, code string, status int, now time.Time) error {
	_, err := s.pool.Exec(ctx, `UPDATE dossiers SET forward_state = 'forwarded', provincial_code = $2,
		status = CASE WHEN $3 BETWEEN 1 AND 10 THEN $3 ELSE status END, forwarded_at = $4, forward_error = NULL
		WHERE idempotency_key = $1 AND forward_state = 'pending'`, key, code, status, now.UTC())
	return err
}

// RetryForward puts a dossier back for another attempt at next, with an
// error code (never remote text).
func (s *PGStore) RetryForward(ctx context.Context, key string, next time.Time, code string) error {
	_, err := s.pool.Exec(ctx, `UPDATE dossiers SET forward_next_at = $2, forward_error = $3
		WHERE idempotency_key = $1 AND forward_state = 'pending'`, key, next.UTC(), code)
	return err
}

// FailForward parks a dossier the provincial system refused or answered
// unexpectedly, with an error code; an operator decides (RequeueForward).
func (s *PGStore) FailForward(ctx context.Context, key, code string) error {
	_, err := s.pool.Exec(ctx, `UPDATE dossiers SET forward_state = 'failed', forward_error = $2
		WHERE idempotency_key = $1 AND forward_state = 'pending'`, key, code)
	return err
}

// ForwardError returns a dossier's forwarding error code ("" if none).
func (s *PGStore) ForwardError(ctx context.Context, key string) (string, error) {
	var e *string
	err := s.pool.QueryRow(ctx, `SELECT forward_error FROM dossiers WHERE idempotency_key = $1`, key).Scan(&e)
	if e == nil {
		return "", err
	}
	return *e, err
}

// ClaimStatusPoll takes the forwarded dossier whose provincial status was
// checked longest ago (and not within every), whose status is not in final,
// and stamps it checked now; replicas skip each other's rows. ok is false
// when none is due.
func (s *PGStore) ClaimStatusPoll(ctx context.Context, now time.Time, every time.Duration, final []int) (d Dossier, ok bool, err error) {
	d, err = scanDossier(s.pool.QueryRow(ctx, `UPDATE dossiers SET status_checked_at = $1
		WHERE idempotency_key = (SELECT idempotency_key FROM dossiers
			WHERE forward_state = 'forwarded' AND NOT (status = ANY($3))
				AND (status_checked_at IS NULL OR status_checked_at <= $2)
			ORDER BY status_checked_at NULLS FIRST LIMIT 1 FOR UPDATE SKIP LOCKED)
		RETURNING `+dossierCols, now.UTC(), now.UTC().Add(-every), final), false)
	if errors.Is(err, pgx.ErrNoRows) {
		return d, false, nil
	}
	return d, err == nil, err
}

// RequeueForward puts a failed forward back to pending, due now (the
// operator fixed the cause). ErrNotFound when the key has no failed forward.
func (s *PGStore) RequeueForward(ctx context.Context, key string, now time.Time) error {
	if !validKey(key) {
		return ErrNotFound
	}
	tag, err := s.pool.Exec(ctx, `UPDATE dossiers SET forward_state = 'pending', forward_next_at = $2, forward_error = NULL
		WHERE idempotency_key = $1 AND forward_state = 'failed'`, key, now.UTC())
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return nil
}
