package hubtest

import (
	"context"
	"io"
	"os"
	"strconv"
	"testing"
	"time"

	"motcua/sync/intake"
)

// BenchmarkMonthlyReport: the monthly report over a month of REPORT_ROWS
// generated dossiers (default 1,000,000: 2,000 devices, 25 procedures, every
// channel) in PostgreSQL, against a bare count(*) over the same month in the
// same run; then the XLSX of that report.
//
//	go test -run '^$' -bench MonthlyReport -benchtime 3x -timeout 30m ./sync/hub/hubtest/
func BenchmarkMonthlyReport(b *testing.B) {
	rows := 1_000_000
	if n, err := strconv.Atoi(os.Getenv("REPORT_ROWS")); err == nil && n > 0 {
		rows = n
	}
	db := database(b)
	ctx := context.Background()
	st, err := intake.OpenPG(ctx, db, 4)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	// Generated in SQL: 2,000 devices, then the month's dossiers spread
	// over November (Vietnam time), 25 procedures, five channels.
	t0 := time.Now()
	for _, q := range []string{
		`INSERT INTO devices (id, name, enrolled_at) SELECT 'dev-' || g, 'UBND xã ' || g, now() FROM generate_series(1, 2000) g`,
		`INSERT INTO heartbeat_counts (month, device_id, family, label, n)
			SELECT '2026-11', 'dev-' || g, 'bhyt', l, (g % 17) + 1 FROM generate_series(1, 2000) g, unnest(ARRAY['found','not_found','error']) l`,
		`INSERT INTO dossiers (idempotency_key, dossier_code, service, status, submissions, first_at, last_at, body_sha256, device_id, channel, payload)
			SELECT md5(g::text)::uuid, 'MC-261101-' || lpad(g::text, 7, '0'), '1.00' || (4000 + g % 25), 1, 1,
				timestamptz '2026-10-31 17:00:00+00' + (g % 2592000) * interval '1 second',
				timestamptz '2026-10-31 17:00:00+00' + (g % 2592000) * interval '1 second',
				'x', 'dev-' || (g % 2000 + 1),
				(ARRAY['chip_verified','chip_verified','chip_unverified','qr','typed'])[g % 5 + 1], '\x7b7d'::bytea
			FROM generate_series(1, ` + strconv.Itoa(rows) + `) g`,
		`ANALYZE dossiers`,
	} {
		if _, err := st.Pool().Exec(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("generated %d dossiers in %v", rows, time.Since(t0).Round(time.Millisecond))
	now := time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)
	var rep *intake.Report
	b.Run("report", func(b *testing.B) {
		for b.Loop() {
			if rep, err = intake.BuildReport(ctx, st, "2026-11", now); err != nil {
				b.Fatal(err)
			}
		}
		if rep.Total.Dossiers != rows || len(rep.ByDevice) != 2000 || len(rep.ByProcedure) != 25 {
			b.Fatalf("report: %d dossiers, %d devices, %d procedures", rep.Total.Dossiers, len(rep.ByDevice), len(rep.ByProcedure))
		}
	})
	b.Run("xlsx", func(b *testing.B) {
		for b.Loop() {
			if err := rep.WriteXLSX(io.Discard); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("baseline-count", func(b *testing.B) {
		from, to, _ := intake.MonthRange("2026-11")
		for b.Loop() {
			var n int
			if err := st.Pool().QueryRow(ctx, `SELECT count(*) FROM dossiers WHERE first_at >= $1 AND first_at < $2`, from, to).Scan(&n); err != nil || n != rows {
				b.Fatalf("count %d %v", n, err)
			}
		}
	})
}
