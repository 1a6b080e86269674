package outbox

import (
	"context"
	"encoding/binary"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// benchPayload is a ~1 KiB dossier document.
var benchPayload = []byte(`{"ChuHoSo":{"HoTen":"Nguyễn Văn Thử","SoDinhDanh":"001099012345","NgaySinh":"01/01/1990"},"pad":"` +
	strings.Repeat("x", 900) + `"}`)

func reportLatency(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	p := func(q float64) float64 { return float64(lat[int(q*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(p(0.50), "p50-ms")
	b.ReportMetric(p(0.99), "p99-ms")
	var total time.Duration
	for _, d := range lat {
		total += d
	}
	b.ReportMetric(float64(len(lat))/total.Seconds(), "ops/s")
}

// BenchmarkEnqueue compares a durable Add (seal under a fresh data key,
// wrap it, one fsynced bbolt commit with the index entries) with a bare
// bbolt loop that puts the same payload once per commit, on the same disk.
// The two alternate op by op, so a shared machine's changing load falls on
// both alike; it reports both rates, their ratio (add/bare: Add's rate over
// the bare rate; also of the medians, which outliers of a loaded machine
// move less) and Add's latency.
//
// A third loop, alternating with the two, is what format 3 had to write
// per dossier: the same bare bbolt loop putting into three buckets per
// commit (the record, its UUID index entry with the wrapped data key, the
// sealed payload), without encryption or the UUID check. Format 4 writes
// one value per dossier, so add-pages/commit should equal
// bare-pages/commit and add/bare3 exceed 1. bare3/bare is that layout's
// rate over the bare rate.
//
// The bare loops open their files with the store's own bbolt options
// (boltOptions: NoFreelistSync, the map freelist), so no option the
// baseline lacks counts for Add.
//
//	go test -run '^$' -bench 'Enqueue$' -benchtime 2000x ./sync/outbox
func BenchmarkEnqueue(b *testing.B) {
	s, err := Open(b.TempDir(), Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	// The baselines use the store's own bbolt options (boltOptions), so no
	// option the baseline lacks counts for Add.
	db, err := bolt.Open(filepath.Join(b.TempDir(), "bare.db"), 0o600, boltOptions(time.Second, false))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("b")); return err })
	db3, err := bolt.Open(filepath.Join(b.TempDir(), "bare3.db"), 0o600, boltOptions(time.Second, false))
	if err != nil {
		b.Fatal(err)
	}
	defer db3.Close()
	db3.Update(func(tx *bolt.Tx) error {
		for _, n := range []string{"record", "uuid", "data"} {
			if _, err := tx.CreateBucket([]byte(n)); err != nil {
				return err
			}
		}
		return nil
	})
	ctx := context.Background()
	var bare3 time.Duration
	lat := make([]time.Duration, 0, b.N)
	blat := make([]time.Duration, 0, b.N)
	var add, bare time.Duration
	var prep time.Duration
	s0, b0, t30 := s.db.Stats(), db.Stats(), db3.Stats()
	b.SetBytes(int64(len(benchPayload)))
	b.ResetTimer()
	for i := range b.N {
		t0 := time.Now()
		req, err := s.newAddReq(ctx, "1.004222", benchPayload) // Add, in its two steps
		if err != nil {
			b.Fatal(err)
		}
		prep += time.Since(t0)
		_, err = s.enqueue(req)
		clear(req.dk)
		if err != nil {
			b.Fatal(err)
		}
		d := time.Since(t0)
		add += d
		lat = append(lat, d)
		t1 := time.Now()
		err = db.Update(func(tx *bolt.Tx) error {
			var k [8]byte
			binary.BigEndian.PutUint64(k[:], uint64(i))
			return tx.Bucket([]byte("b")).Put(k[:], benchPayload)
		})
		if err != nil {
			b.Fatal(err)
		}
		bd := time.Since(t1)
		bare += bd
		blat = append(blat, bd)
		t3 := time.Now()
		err = db3.Update(func(tx *bolt.Tx) error {
			var k [8]byte
			binary.BigEndian.PutUint64(k[:], uint64(i))
			id, err := NewUUID()
			if err != nil {
				return err
			}
			if err := tx.Bucket([]byte("record")).Put(k[:], benchPayload[:320]); err != nil {
				return err
			}
			if err := tx.Bucket([]byte("uuid")).Put([]byte(id), benchPayload[:68]); err != nil {
				return err
			}
			return tx.Bucket([]byte("data")).Put(k[:], benchPayload)
		})
		if err != nil {
			b.Fatal(err)
		}
		bare3 += time.Since(t3)
	}
	b.StopTimer()
	reportLatency(b, lat)
	slices.Sort(blat)
	b.ReportMetric(float64(blat[len(blat)/2])/float64(lat[len(lat)/2]), "p50-add/bare")
	b.ReportMetric(float64(b.N)/bare.Seconds(), "bare-ops/s")
	b.ReportMetric(bare.Seconds()/add.Seconds(), "add/bare")
	b.ReportMetric(bare.Seconds()/bare3.Seconds(), "bare3/bare")
	b.ReportMetric(bare3.Seconds()/add.Seconds(), "add/bare3")
	// What Add costs before its commit (checks, UUID, data key, sealing),
	// and the pages each loop's commits write.
	b.ReportMetric(float64(prep.Microseconds())/float64(b.N), "add-prep-us")
	pages := func(after, before bolt.Stats) float64 {
		d := after.Sub(&before)
		return float64(d.TxStats.GetPageCount()) / float64(b.N)
	}
	b.ReportMetric(pages(s.db.Stats(), s0), "add-pages/commit")
	b.ReportMetric(pages(db.Stats(), b0), "bare-pages/commit")
	b.ReportMetric(pages(db3.Stats(), t30), "bare3-pages/commit")
}

// BenchmarkEnqueueConcurrent is Add from 8 goroutines at once: they share
// commits (group commit), each still returning only after its record is
// fsynced.
func BenchmarkEnqueueConcurrent(b *testing.B) {
	s, err := Open(b.TempDir(), Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	b.SetParallelism(4) // 4 x GOMAXPROCS goroutines
	b.SetBytes(int64(len(benchPayload)))
	b.ResetTimer()
	t0 := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.Add(context.Background(), "1.004222", benchPayload); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(t0).Seconds(), "ops/s")
}

// fillBulk writes n pending records exactly as Add does, but many per
// commit, so a large store can be built quickly for the start-up benchmark.
func fillBulk(tb testing.TB, s *Store, n int) {
	now := time.Now().UTC()
	for done := 0; done < n; {
		batch := min(5000, n-done)
		reqs := make([]*addReq, batch)
		for i := range reqs {
			id, _ := NewUUID()
			dk, _ := newDataKey()
			data, err := sealData(dk, id, purposePayload, benchPayload)
			if err != nil {
				tb.Fatal(err)
			}
			reqs[i] = &addReq{rec: Record{UUID: id, Service: "1.004222", State: Pending, CreatedAt: now, UpdatedAt: now,
				NextAttemptAt: now, PayloadSize: len(benchPayload)}, dk: dk, data: data, pt: benchPayload}
		}
		if err := s.commitAdds(reqs); err != nil {
			tb.Fatal(err)
		}
		done += batch
	}
}

// BenchmarkStartup100k measures Open (including the full-file check and,
// in format 4, the rebuild of the in-memory indexes) and a first List with 100,000 queued ~1 KiB submissions, and the heap held by
// the open store. It builds a ~250 MB file first, so it runs only when
// selected with -bench.
func BenchmarkStartup100k(b *testing.B) {
	const n = 100_000
	dir := b.TempDir()
	s, err := Open(dir, Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	fillBulk(b, s, n)
	s.Close()
	size, _ := filepathStat(filepath.Join(dir, DBFile))
	b.ResetTimer()
	var openTotal, listTotal time.Duration
	var heap uint64
	var rss int64
	for range b.N {
		runtime.GC()
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		rss0 := vmRSS()
		t0 := time.Now()
		s, err := Open(dir, Options{Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			b.Fatal(err)
		}
		openTotal += time.Since(t0)
		rss = vmRSS() - rss0
		t1 := time.Now()
		recs, err := s.List(Filter{States: []State{Pending}})
		if err != nil || len(recs) != n {
			b.Fatalf("list: %d %v", len(recs), err)
		}
		listTotal += time.Since(t1)
		if _, ok, _ := s.NextDue(); !ok {
			b.Fatal("nothing due")
		}
		recs = nil
		runtime.GC()
		runtime.ReadMemStats(&m1)
		heap = m1.HeapInuse - min(m0.HeapInuse, m1.HeapInuse)
		s.Close()
	}
	b.ReportMetric(float64(openTotal.Milliseconds())/float64(b.N), "open-ms")
	b.ReportMetric(float64(listTotal.Milliseconds())/float64(b.N), "list-ms")
	b.ReportMetric(float64(heap)/(1<<20), "heap-after-open-MB")
	b.ReportMetric(float64(rss)/(1<<20), "rss-delta-open-MB")
	b.ReportMetric(float64(size)/(1<<20), "file-MB")
}

func filepathStat(p string) (int64, error) {
	fi, err := os.Stat(p)
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}

// vmRSS returns the resident set size in bytes (Linux; 0 elsewhere).
func vmRSS() int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(data), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
			var kb int64
			fmt.Sscan(f[1], &kb)
			return kb << 10
		}
	}
	return 0
}

// BenchmarkRewrapLive measures what a purge that removes something (and a
// key rotation) costs on top of its own work in format 4: every live
// record's value is rewritten with its data key wrapped under the new
// master key. It reports the time per live record, against the bare cost
// of one commit, for 10,000 live ~1 KiB dossiers.
func BenchmarkRewrapLive(b *testing.B) {
	const n = 10_000
	s, err := Open(b.TempDir(), Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	fillBulk(b, s, n)
	b.ResetTimer()
	for range b.N {
		if _, err := s.RotateKey(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/n, "us/live-record")
}
