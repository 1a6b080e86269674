package intake

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"motcua/sync/heartbeat/wire"
)

// PGStore is the PostgreSQL backend: any number of intake replicas share one
// database with no coordination between them; the primary key on the
// idempotency key keeps each key to one dossier forever.
type PGStore struct {
	pool *pgxpool.Pool
	// forward marks new dossiers for forwarding (SetForwarding).
	forward bool
}

// OpenPG connects to the database at url (postgres://... or a keyword/value
// string), applies the missing migrations and returns the store. maxConns
// bounds this replica's connections (0: pgx's default).
func OpenPG(ctx context.Context, url string, maxConns int32) (*PGStore, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("intake: --db: %w", err)
	}
	if maxConns > 0 {
		cfg.MaxConns = maxConns
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("intake: database: %w", err)
	}
	if _, err := Migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	return &PGStore{pool: pool}, nil
}

// Close closes the connection pool.
func (s *PGStore) Close() error { s.pool.Close(); return nil }

// Pool exposes the connection pool (tests and benchmarks).
func (s *PGStore) Pool() *pgxpool.Pool { return s.pool }

const dossierCols = `idempotency_key::text, dossier_code, service, status, submissions, first_at, last_at, body_sha256, device_id, channel,
	coalesce(provincial_code, ''), coalesce(forward_state, '')`

func scanDossier(row pgx.Row, withPayload bool) (Dossier, error) {
	var d Dossier
	var status int16
	dest := []any{&d.IdempotencyKey, &d.DossierCode, &d.Service, &status, &d.Submissions, &d.FirstAt, &d.LastAt,
		&d.BodySHA256, &d.Device, &d.Channel, &d.ProvincialCode, &d.ForwardState}
	var payload []byte
	if withPayload {
		dest = append(dest, &payload)
	}
	if err := row.Scan(dest...); err != nil {
		return d, err
	}
	d.Status = int(status)
	d.FirstAt, d.LastAt = d.FirstAt.UTC(), d.LastAt.UTC()
	if withPayload {
		d.Payload = json.RawMessage(payload)
	}
	return d, nil
}

// SubmitFrom implements Backend. A new key costs one autocommit INSERT ...
// ON CONFLICT DO NOTHING (the common case, one round trip). When the key
// exists (a replay, or another replica's concurrent insert, which the
// unique index makes this one wait for), the row is locked and compared in
// a transaction. A replay therefore consumes a number of dossier_seq:
// dossier codes are unique, not consecutive.
func (s *PGStore) SubmitFrom(ctx context.Context, device, key, service string, payload []byte, now time.Time) (d Dossier, created bool, err error) {
	sum := BodyHash(service, payload)
	now = now.UTC().Truncate(time.Microsecond)
	prefix := dossierCode(now, 0)
	prefix = prefix[:len(prefix)-6]
	channel := ChannelOf(payload)
	var fwd *string
	if s.forward {
		p := ForwardPending
		fwd = &p
	}
	var code string
	err = s.pool.QueryRow(ctx, `INSERT INTO dossiers (idempotency_key, dossier_code, service, status, submissions,
			first_at, last_at, body_sha256, device_id, channel, payload, forward_state, forward_next_at)
		VALUES ($1, $2 || lpad(nextval('dossier_seq')::text, 6, '0'), $3, 1, 1, $4, $4, $5, $6, $7, $8, $9, $4)
		ON CONFLICT (idempotency_key) DO NOTHING RETURNING dossier_code`,
		key, prefix, service, now, sum, device, channel, payload, fwd).Scan(&code)
	if err == nil {
		d = Dossier{IdempotencyKey: key, DossierCode: code, Service: service, Status: 1, Submissions: 1,
			FirstAt: now, LastAt: now, BodySHA256: sum, Device: device, Channel: channel,
			Payload: append(json.RawMessage(nil), payload...)}
		if fwd != nil {
			d.ForwardState = *fwd
		}
		return d, true, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return d, false, err
	}
	// The key exists (rows are never deleted): lock, compare, count.
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		d, err = pgReplay(ctx, tx, device, key, sum, now)
		return err
	})
	return d, false, err
}

// Lookup implements Backend.
func (s *PGStore) Lookup(ctx context.Context, key string) (Dossier, error) {
	if !validKey(key) {
		return Dossier{}, ErrNotFound
	}
	d, err := scanDossier(s.pool.QueryRow(ctx, `SELECT `+dossierCols+`, payload FROM dossiers WHERE idempotency_key = $1`, key), true)
	if errors.Is(err, pgx.ErrNoRows) {
		return d, ErrNotFound
	}
	if err != nil {
		return d, err
	}
	d.Attachments, err = pgAttachments(ctx, s.pool, key)
	return d, err
}

// UpdateStatus implements Backend.
func (s *PGStore) UpdateStatus(ctx context.Context, key string, status int) (Dossier, error) {
	if status < 1 || status > 10 {
		return Dossier{}, fmt.Errorf("intake: status %d is not a national dossier status (1..10)", status)
	}
	if !validKey(key) {
		return Dossier{}, ErrNotFound
	}
	d, err := scanDossier(s.pool.QueryRow(ctx, `UPDATE dossiers SET status = $2 WHERE idempotency_key = $1 RETURNING `+dossierCols+`, payload`, key, status), true)
	if errors.Is(err, pgx.ErrNoRows) {
		return d, ErrNotFound
	}
	return d, err
}

// Dossiers implements Backend.
func (s *PGStore) Dossiers(ctx context.Context, from, to time.Time, payloads bool) ([]Dossier, error) {
	q := `SELECT ` + dossierCols
	if payloads {
		q += `, payload`
	}
	q += ` FROM dossiers WHERE ($1::timestamptz IS NULL OR first_at >= $1) AND ($2::timestamptz IS NULL OR first_at < $2) ORDER BY idempotency_key`
	rows, err := s.pool.Query(ctx, q, nullTime(from), nullTime(to))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Dossier
	for rows.Next() {
		d, err := scanDossier(rows, payloads)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	return out, s.fillAttachments(ctx, out, from, to)
}

// fillAttachments adds the attachment lists of the dossiers first
// submitted in [from, to), in one query.
func (s *PGStore) fillAttachments(ctx context.Context, ds []Dossier, from, to time.Time) error {
	idx := map[string]int{}
	for i, d := range ds {
		idx[d.IdempotencyKey] = i
	}
	rows, err := s.pool.Query(ctx, `SELECT a.idempotency_key::text, a.name, a.media_type, a.pages, a.size, a.sha256, a.received_at, a.uploads
		FROM dossier_attachments a JOIN dossiers d USING (idempotency_key)
		WHERE ($1::timestamptz IS NULL OR d.first_at >= $1) AND ($2::timestamptz IS NULL OR d.first_at < $2)
		ORDER BY a.idempotency_key, a.idx`, nullTime(from), nullTime(to))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var key string
		var a AttachmentState
		var at *time.Time
		if err := rows.Scan(&key, &a.Name, &a.Type, &a.Pages, &a.Size, &a.SHA256, &at, &a.Uploads); err != nil {
			return err
		}
		if at != nil {
			a.Received, a.ReceivedAt = true, at.UTC()
		}
		if i, ok := idx[key]; ok {
			ds[i].Attachments = append(ds[i].Attachments, a)
		}
	}
	return rows.Err()
}

func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// AddDevice implements Backend.
func (s *PGStore) AddDevice(ctx context.Context, d Device) error {
	if err := d.check(); err != nil {
		return err
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO devices (id, name, enrolled_at) VALUES ($1, $2, $3)`, d.ID, d.Name, d.EnrolledAt); err != nil {
			return err
		}
		for _, c := range d.Credentials {
			if _, err := tx.Exec(ctx, `INSERT INTO credentials (hash, device_id) VALUES ($1, $2)`, c, d.ID); err != nil {
				return err
			}
		}
		return nil
	})
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" { // unique_violation
		return ErrDeviceExists
	}
	return err
}

const deviceCols = `d.id, d.name, d.enrolled_at, d.revoked_at, d.last_heartbeat, d.last_heartbeat_at,
	coalesce((SELECT array_agg(hash ORDER BY hash) FROM credentials c WHERE c.device_id = d.id), '{}')`

func scanDevice(row pgx.Row) (Device, error) {
	var d Device
	var revoked, hbAt *time.Time
	var hb []byte
	if err := row.Scan(&d.ID, &d.Name, &d.EnrolledAt, &revoked, &hb, &hbAt, &d.Credentials); err != nil {
		return d, err
	}
	d.EnrolledAt = d.EnrolledAt.UTC()
	if revoked != nil {
		d.RevokedAt = revoked.UTC()
	}
	if hbAt != nil {
		d.LastHeartbeatAt = hbAt.UTC()
	}
	if hb != nil {
		d.LastHeartbeat = new(wire.Report)
		if err := json.Unmarshal(hb, d.LastHeartbeat); err != nil {
			return d, err
		}
	}
	return d, nil
}

// Devices implements Backend.
func (s *PGStore) Devices(ctx context.Context) ([]Device, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+deviceCols+` FROM devices d ORDER BY d.id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Device
	for rows.Next() {
		d, err := scanDevice(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// RevokeDevice implements Backend.
func (s *PGStore) RevokeDevice(ctx context.Context, id string, at time.Time) error {
	tag, err := s.pool.Exec(ctx, `UPDATE devices SET revoked_at = coalesce(revoked_at, $2) WHERE id = $1`, id, at.UTC())
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return ErrNoDevice
	}
	return nil
}

// DeviceByCredential implements Backend.
func (s *PGStore) DeviceByCredential(ctx context.Context, cred string) (Device, error) {
	d, err := scanDevice(s.pool.QueryRow(ctx, `SELECT `+deviceCols+` FROM devices d JOIN credentials k ON k.device_id = d.id WHERE k.hash = $1`, cred))
	if errors.Is(err, pgx.ErrNoRows) {
		return d, ErrNoDevice
	}
	return d, err
}

// PutHeartbeat implements Backend.
func (s *PGStore) PutHeartbeat(ctx context.Context, device string, hb wire.Report, at time.Time) error {
	counts := hb.Counts
	hb.Counts = nil
	js, err := json.Marshal(hb)
	if err != nil {
		return err
	}
	month := at.In(Vietnam).Format("2006-01")
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if device == PilotDevice {
			p := pilotRecord(at)
			if _, err := tx.Exec(ctx, `INSERT INTO devices (id, name, enrolled_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, p.ID, p.Name, p.EnrolledAt); err != nil {
				return err
			}
		}
		tag, err := tx.Exec(ctx, `UPDATE devices SET last_heartbeat = $2, last_heartbeat_at = $3 WHERE id = $1`, device, js, at.UTC())
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return ErrNoDevice
		}
		b := &pgx.Batch{}
		for fam, m := range counts {
			for label, n := range m {
				b.Queue(`INSERT INTO heartbeat_counts (month, device_id, family, label, n) VALUES ($1, $2, $3, $4, $5)
					ON CONFLICT (month, device_id, family, label) DO UPDATE SET n = heartbeat_counts.n + EXCLUDED.n`,
					month, device, fam, label, n)
			}
		}
		if b.Len() == 0 {
			return nil
		}
		return tx.SendBatch(ctx, b).Close()
	})
}

// Counts implements Backend.
func (s *PGStore) Counts(ctx context.Context, month string) (map[string]wire.Counts, error) {
	rows, err := s.pool.Query(ctx, `SELECT device_id, family, label, n FROM heartbeat_counts WHERE month = $1`, month)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]wire.Counts{}
	for rows.Next() {
		var dev, fam, label string
		var n int64
		if err := rows.Scan(&dev, &fam, &label, &n); err != nil {
			return nil, err
		}
		if out[dev] == nil {
			out[dev] = wire.Counts{}
		}
		out[dev].Add(wire.Counts{fam: {label: int(n)}})
	}
	return out, rows.Err()
}

// Tally implements Backend (one GROUP BY over the first_at index).
func (s *PGStore) Tally(ctx context.Context, from, to time.Time) ([]Tally, error) {
	rows, err := s.pool.Query(ctx, `SELECT device_id, service, channel, count(*) FROM dossiers
		WHERE ($1::timestamptz IS NULL OR first_at >= $1) AND ($2::timestamptz IS NULL OR first_at < $2)
		GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`, nullTime(from), nullTime(to))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Tally
	for rows.Next() {
		var t Tally
		var n int64
		if err := rows.Scan(&t.Device, &t.Service, &t.Channel, &n); err != nil {
			return nil, err
		}
		t.N = int(n)
		out = append(out, t)
	}
	return out, rows.Err()
}

// pgReplay answers a repeated submission of a key that exists (rows are
// never deleted): it locks the row, refuses another device or another
// body, and counts the submission.
func pgReplay(ctx context.Context, tx pgx.Tx, device, key, sum string, now time.Time) (Dossier, error) {
	d, err := scanDossier(tx.QueryRow(ctx, `SELECT `+dossierCols+` FROM dossiers WHERE idempotency_key = $1 FOR UPDATE`, key), false)
	if err != nil {
		return Dossier{}, err
	}
	if d.Device != device {
		return Dossier{}, ErrOtherDevice
	}
	if d.BodySHA256 != sum {
		return d, ErrKeyReuse
	}
	d.Submissions++
	d.LastAt = now
	if _, err := tx.Exec(ctx, `UPDATE dossiers SET submissions = $2, last_at = $3 WHERE idempotency_key = $1`, key, d.Submissions, now); err != nil {
		return d, err
	}
	return d, nil
}
