package intake

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/jackc/pgx/v5"
)

// pgChunk is the size of one stored chunk of an attachment.
const pgChunk = 256 << 10

// SubmitWithAttachments implements AttachmentBackend: the dossier and its
// attachment list are inserted in one transaction; a known key is compared
// (list included) as SubmitFrom does.
func (s *PGStore) SubmitWithAttachments(ctx context.Context, device, key, service string, payload []byte, atts []AttachmentSpec, now time.Time) (d Dossier, created bool, err error) {
	if len(atts) == 0 {
		return s.SubmitFrom(ctx, device, key, service, payload, now)
	}
	sum := bodyHashWith(service, payload, atts)
	now = now.UTC().Truncate(time.Microsecond)
	prefix := dossierCode(now, 0)
	prefix = prefix[:len(prefix)-6]
	channel := ChannelOf(payload)
	var fwd *string
	if s.forward {
		p := ForwardPending
		fwd = &p
	}
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var code string
		err := tx.QueryRow(ctx, `INSERT INTO dossiers (idempotency_key, dossier_code, service, status, submissions,
				first_at, last_at, body_sha256, device_id, channel, payload, forward_state, forward_next_at)
			VALUES ($1, $2 || lpad(nextval('dossier_seq')::text, 6, '0'), $3, 1, 1, $4, $4, $5, $6, $7, $8, $9, $4)
			ON CONFLICT (idempotency_key) DO NOTHING RETURNING dossier_code`,
			key, prefix, service, now, sum, device, channel, payload, fwd).Scan(&code)
		if err == nil {
			created = true
			d = Dossier{IdempotencyKey: key, DossierCode: code, Service: service, Status: 1, Submissions: 1,
				FirstAt: now, LastAt: now, BodySHA256: sum, Device: device, Channel: channel,
				Payload: append([]byte(nil), payload...)}
			if fwd != nil {
				d.ForwardState = *fwd
			}
			for i, a := range atts {
				if _, err := tx.Exec(ctx, `INSERT INTO dossier_attachments (idempotency_key, idx, name, media_type, pages, size, sha256)
					VALUES ($1, $2, $3, $4, $5, $6, $7)`, key, i, a.Name, a.Type, a.Pages, a.Size, a.SHA256); err != nil {
					return err
				}
				d.Attachments = append(d.Attachments, AttachmentState{AttachmentSpec: a})
			}
			return nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		if d, err = pgReplay(ctx, tx, device, key, sum, now); err != nil {
			return err
		}
		d.Attachments, err = pgAttachments(ctx, tx, key)
		return err
	})
	if err != nil {
		return Dossier{}, false, err
	}
	return d, created, nil
}

// pgQuerier is what pool and transaction share.
type pgQuerier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

func pgAttachments(ctx context.Context, q pgQuerier, key string) ([]AttachmentState, error) {
	rows, err := q.Query(ctx, `SELECT name, media_type, pages, size, sha256, received_at, uploads
		FROM dossier_attachments WHERE idempotency_key = $1 ORDER BY idx`, key)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []AttachmentState
	for rows.Next() {
		var a AttachmentState
		var at *time.Time
		if err := rows.Scan(&a.Name, &a.Type, &a.Pages, &a.Size, &a.SHA256, &at, &a.Uploads); err != nil {
			return nil, err
		}
		if at != nil {
			a.Received, a.ReceivedAt = true, at.UTC()
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// PutAttachment implements AttachmentBackend. One transaction locks the
// attachment's row (a concurrent upload of the same name waits, then sees
// it received), streams the body into chunks while hashing it, and marks it
// received only when size and SHA-256 match; otherwise it rolls back and
// nothing is stored.
func (s *PGStore) PutAttachment(ctx context.Context, device, key, name string, body io.Reader, now time.Time) (AttachmentState, bool, error) {
	var (
		a        AttachmentState
		replayed bool
	)
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var owner string
		if err := tx.QueryRow(ctx, `SELECT device_id FROM dossiers WHERE idempotency_key = $1`, key).Scan(&owner); errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		} else if err != nil {
			return err
		}
		if owner != device {
			return ErrOtherDevice
		}
		var at *time.Time
		err := tx.QueryRow(ctx, `SELECT name, media_type, pages, size, sha256, received_at, uploads
			FROM dossier_attachments WHERE idempotency_key = $1 AND name = $2 FOR UPDATE`, key, name).
			Scan(&a.Name, &a.Type, &a.Pages, &a.Size, &a.SHA256, &at, &a.Uploads)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNoAttachment
		}
		if err != nil {
			return err
		}
		a.Uploads++
		if at != nil {
			replayed = true
			a.Received, a.ReceivedAt = true, at.UTC()
			_, err := tx.Exec(ctx, `UPDATE dossier_attachments SET uploads = $3 WHERE idempotency_key = $1 AND name = $2`, key, name, a.Uploads)
			return err
		}
		h := sha256.New()
		buf := make([]byte, pgChunk)
		lr := io.LimitReader(body, a.Size+1)
		var total int64
		for n := 0; ; n++ {
			k, rerr := io.ReadFull(lr, buf)
			if k > 0 {
				total += int64(k)
				if total > a.Size {
					return ErrAttachmentMismatch
				}
				h.Write(buf[:k])
				if _, err := tx.Exec(ctx, `INSERT INTO attachment_chunks (idempotency_key, name, n, data) VALUES ($1, $2, $3, $4)`,
					key, name, n, buf[:k]); err != nil {
					return err
				}
			}
			if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
				break
			}
			if rerr != nil {
				return fmt.Errorf("intake: receive attachment: %w", rerr)
			}
		}
		if total != a.Size || hex.EncodeToString(h.Sum(nil)) != a.SHA256 {
			return ErrAttachmentMismatch
		}
		a.Received, a.ReceivedAt = true, now.UTC().Truncate(time.Microsecond)
		_, err = tx.Exec(ctx, `UPDATE dossier_attachments SET received_at = $3, uploads = $4 WHERE idempotency_key = $1 AND name = $2`,
			key, name, a.ReceivedAt, a.Uploads)
		return err
	})
	if err != nil {
		return AttachmentState{}, false, err
	}
	return a, replayed, nil
}

// OpenAttachment implements AttachmentBackend: the chunks are read one at
// a time as the reader is read.
func (s *PGStore) OpenAttachment(ctx context.Context, key, name string) (io.ReadCloser, AttachmentState, error) {
	atts, err := pgAttachments(ctx, s.pool, key)
	if err != nil {
		return nil, AttachmentState{}, err
	}
	var a AttachmentState
	for _, x := range atts {
		if x.Name == name {
			a = x
		}
	}
	if !a.Received {
		return nil, AttachmentState{}, ErrNoAttachment
	}
	pr, pw := io.Pipe()
	go func() {
		for n := 0; ; n++ {
			var data []byte
			err := s.pool.QueryRow(ctx, `SELECT data FROM attachment_chunks WHERE idempotency_key = $1 AND name = $2 AND n = $3`,
				key, name, n).Scan(&data)
			if errors.Is(err, pgx.ErrNoRows) {
				pw.Close()
				return
			}
			if err != nil {
				pw.CloseWithError(err)
				return
			}
			if _, err := pw.Write(data); err != nil {
				return
			}
		}
	}()
	return pr, a, nil
}
