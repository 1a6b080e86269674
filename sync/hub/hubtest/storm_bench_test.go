package hubtest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"motcua/sync/connector"
	"motcua/sync/intake"
)

// Storm size: STORM_DEVICES simulated devices (default 500) reconnect at the
// same instant, each with a backlog of STORM_BACKLOG dossiers (default 10),
// which each sends one at a time as the agent's worker does.
func stormSize() (devices, backlog int) {
	devices, backlog = 500, 10
	if n, err := strconv.Atoi(os.Getenv("STORM_DEVICES")); err == nil && n > 0 {
		devices = n
	}
	if n, err := strconv.Atoi(os.Getenv("STORM_BACKLOG")); err == nil && n > 0 {
		backlog = n
	}
	return devices, backlog
}

// stormPayload is a realistic dossier document (~1 KiB, synthetic data).
var stormPayload = json.RawMessage(`{"schema":"motcua.dossier/v1","service_code":"1.004222","service_name":"Chứng thực bản sao từ bản chính",` +
	`"created_at":"2026-11-20T09:00:00+07:00","device":"bench","parties":[{"role":"applicant","index":0,"provenance":"chip_verified",` +
	`"fields":{"ho_ten":{"value":"Phạm Thị Kiểm","provenance":"chip_verified"},"so_dinh_danh":{"value":"001099012345","provenance":"chip_verified"},` +
	`"ngay_sinh":{"value":"01/01/1990","provenance":"chip_verified"},"noi_thuong_tru":{"value":"Số 1, đường Thử Nghiệm, phường Mẫu, thành phố Giả Định","provenance":"chip_verified"}}}],` +
	`"fields":{"so_ban_sao":{"value":"3","provenance":"typed"},"ghi_chu":{"value":"` + string(make([]byte, 0)) + `bản sao giấy khai sinh, bản sao bằng tốt nghiệp, bản sao hợp đồng","provenance":"typed"}},` +
	`"consent":{"text":"Tôi đồng ý cho cơ quan tiếp nhận xử lý dữ liệu cá nhân của tôi để giải quyết thủ tục này.","accepted_at":"2026-11-20T09:00:00+07:00"}}`)

// latencies collects per-request durations.
type latencies struct {
	mu sync.Mutex
	d  []time.Duration
}

func (l *latencies) add(d time.Duration) { l.mu.Lock(); l.d = append(l.d, d); l.mu.Unlock() }

func (l *latencies) p99() time.Duration {
	sort.Slice(l.d, func(i, j int) bool { return l.d[i] < l.d[j] })
	if len(l.d) == 0 {
		return 0
	}
	return l.d[(len(l.d)*99+99)/100-1]
}

// BenchmarkReconnectStorm: STORM_DEVICES devices with backlogs reconnect at
// once to 1 and to 2 motcua-intake replicas (real processes) on one
// PostgreSQL; the baselines are a bare INSERT loop (one autocommit INSERT per
// row, the same payload) and the same INSERTs from 16 connections, on the
// same cluster in the same run. Reported:
// dossiers/s and p99 per request (ms). Every run checks that all dossiers
// arrived exactly once.
//
//	go test -run '^$' -bench ReconnectStorm -benchtime 1x ./sync/hub/hubtest/
func BenchmarkReconnectStorm(b *testing.B) {
	devices, backlog := stormSize()
	bin := build(b)
	b.Run("bare-insert-loop", func(b *testing.B) {
		db := database(b)
		conn, err := pgx.Connect(context.Background(), db)
		if err != nil {
			b.Fatal(err)
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(context.Background(), `CREATE TABLE bare (k uuid PRIMARY KEY, device text, service text, payload bytea, at timestamptz)`); err != nil {
			b.Fatal(err)
		}
		var lat latencies
		b.ResetTimer()
		start := time.Now()
		n := 0
		for it := range b.N {
			for i := range devices * backlog {
				t0 := time.Now()
				if _, err := conn.Exec(context.Background(), `INSERT INTO bare VALUES ($1, $2, $3, $4, now())`,
					fmt.Sprintf("%08d-0000-4000-8000-%012d", it, i), "dev", "1.004222", []byte(stormPayload)); err != nil {
					b.Fatal(err)
				}
				lat.add(time.Since(t0))
				n++
			}
		}
		el := time.Since(start)
		b.ReportMetric(float64(n)/el.Seconds(), "dossiers/s")
		b.ReportMetric(float64(lat.p99().Microseconds())/1000, "p99_ms")
	})
	// The same rows from 16 concurrent connections (as many as a replica's
	// pool): what the database itself takes with commits grouped.
	b.Run("bare-insert-16-conns", func(b *testing.B) {
		db := database(b)
		pool, err := pgxpool.New(context.Background(), db+"&pool_max_conns=16")
		if err != nil {
			b.Fatal(err)
		}
		defer pool.Close()
		if _, err := pool.Exec(context.Background(), `CREATE TABLE bare (k uuid PRIMARY KEY, device text, service text, payload bytea, at timestamptz)`); err != nil {
			b.Fatal(err)
		}
		var lat latencies
		b.ResetTimer()
		start := time.Now()
		total := b.N * devices * backlog
		jobs := make(chan int)
		var wg sync.WaitGroup
		for range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range jobs {
					t0 := time.Now()
					if _, err := pool.Exec(context.Background(), `INSERT INTO bare VALUES ($1, $2, $3, $4, now())`,
						fmt.Sprintf("00000000-0000-4000-8000-%012d", i), "dev", "1.004222", []byte(stormPayload)); err != nil {
						b.Error(err)
					}
					lat.add(time.Since(t0))
				}
			}()
		}
		for i := range total {
			jobs <- i
		}
		close(jobs)
		wg.Wait()
		el := time.Since(start)
		b.ReportMetric(float64(total)/el.Seconds(), "dossiers/s")
		b.ReportMetric(float64(lat.p99().Microseconds())/1000, "p99_ms")
	})
	for _, replicas := range []int{1, 2} {
		b.Run(fmt.Sprintf("replicas-%d", replicas), func(b *testing.B) {
			db := database(b)
			st, err := intake.OpenPG(context.Background(), db, 4)
			if err != nil {
				b.Fatal(err)
			}
			tokens := make([]string, devices)
			for i := range tokens {
				tokens[i] = intake.NewDeviceToken()
				d := intake.NewDevice(fmt.Sprintf("Thiết bị %04d", i), []string{intake.CredentialHash(intake.CredToken, []byte(tokens[i]))}, time.Now())
				if err := st.AddDevice(context.Background(), d); err != nil {
					b.Fatal(err)
				}
			}
			var urls []string
			for range replicas {
				r := startReplica(b, bin, "127.0.0.1:0", "--db", db, "--quiet", "--db-max-conns", "16")
				urls = append(urls, r.url())
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			var lat latencies
			var retries sync.Map
			b.ResetTimer()
			start := time.Now()
			for it := range b.N {
				var wg, ready sync.WaitGroup
				gate := make(chan struct{})
				for dv := range devices {
					wg.Add(1)
					ready.Add(1)
					go func() {
						defer wg.Done()
						c, err := connector.NewIntake(connector.IntakeConfig{Endpoint: urls[dv%len(urls)], Token: tokens[dv], Timeout: time.Minute})
						if err != nil {
							b.Error(err)
							ready.Done()
							return
						}
						ready.Done()
						<-gate
						for i := range backlog {
							key := fmt.Sprintf("%08d-%04d-4000-8000-%012d", it, dv%10000, i)
							for try := 0; ; try++ {
								t0 := time.Now()
								_, err := c.Submit(ctx, connector.Submission{UUID: key, Service: "1.004222", Payload: stormPayload})
								lat.add(time.Since(t0))
								if err == nil {
									break
								}
								if ctx.Err() != nil || try > 50 {
									b.Errorf("device %d: %v", dv, err)
									return
								}
								retries.Store(key, true)
								time.Sleep(100 * time.Millisecond) // 409/429/5xx: back off as the worker does
							}
						}
					}()
				}
				ready.Wait()
				close(gate) // every device reconnects at the same instant
				wg.Wait()
			}
			el := time.Since(start)
			b.StopTimer()
			n := b.N * devices * backlog
			var inDB int
			st.Pool().QueryRow(context.Background(), "SELECT count(*) FROM dossiers").Scan(&inDB)
			if inDB != n {
				b.Fatalf("%d dossiers in the database, want %d", inDB, n)
			}
			nr := 0
			retries.Range(func(any, any) bool { nr++; return true })
			b.ReportMetric(float64(n)/el.Seconds(), "dossiers/s")
			b.ReportMetric(float64(lat.p99().Microseconds())/1000, "p99_ms")
			b.ReportMetric(float64(nr), "retried")
			st.Close()
		})
	}
}
