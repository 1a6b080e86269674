package hubtest

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"motcua/sync/outbox"
	"motcua/sync/worker"
)

// TestCrashTwoReplicasExactlyOnce: two replicas on one database, with drop,
// 5xx, reset and silent-accept faults on; four agents (real outbox, worker
// and connector) submit through both; replica 1 is SIGKILLed mid-run and
// restarted on the same address. Afterwards every acknowledged dossier is
// in the database exactly once, bound to its device, with its payload, and
// nothing else is; every outbox record is accepted with the database's
// dossier code.
func TestCrashTwoReplicasExactlyOnce(t *testing.T) {
	db := database(t)
	bin := build(t)
	const agents, perAgent = 4, 60
	type dev struct{ id, token string }
	devs := make([]dev, agents)
	for i := range devs {
		devs[i].id, devs[i].token = enrol(t, bin, "--db", db, fmt.Sprintf("Xã %d", i))
	}
	faults := []string{"--db", db, "--quiet", "--rate", "-1", "--fault-drop", "0.05", "--fault-5xx", "0.05",
		"--fault-reset", "0.05", "--fault-silent-accept", "0.1"}
	r1 := startReplica(t, bin, "127.0.0.1:0", append(faults, "--fault-seed", "11")...)
	r2 := startReplica(t, bin, "127.0.0.1:0", append(faults, "--fault-seed", "22")...)
	urls := []string{r1.url(), r2.url()}

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	tmp := t.TempDir()
	type acked struct{ id, payload string }
	var mu sync.Mutex
	ack := map[string][]acked{} // device -> acknowledged submissions
	stores := make([]*outbox.Store, agents)
	var producers, workers sync.WaitGroup
	wctx, stopWorkers := context.WithCancel(ctx)
	defer stopWorkers()
	for i, d := range devs {
		s, err := outbox.Open(filepath.Join(tmp, fmt.Sprint("agent", i)), outbox.Options{MaxAttempts: 100000, Device: d.id,
			Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		stores[i] = s
		w, err := worker.New(worker.Config{Store: s, Conn: newRoundRobin(t, urls, d.token, time.Second),
			BaseDelay: 5 * time.Millisecond, MaxDelay: 100 * time.Millisecond, InFlightDelay: 20 * time.Millisecond,
			Idle: 50 * time.Millisecond, Seed: uint64(i + 1), Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		workers.Add(1)
		go func() { defer workers.Done(); w.Run(wctx) }()
		producers.Add(1)
		go func() {
			defer producers.Done()
			for n := range perAgent {
				p := fmt.Sprintf(`{"agent":%d,"n":%d}`, i, n)
				id, err := s.Add(ctx, "1.004222", []byte(p))
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				ack[d.id] = append(ack[d.id], acked{id, p})
				mu.Unlock()
				w.Notify()
				time.Sleep(5 * time.Millisecond)
			}
		}()
	}
	// Mid-run (a third of the submissions acknowledged): SIGKILL replica 1,
	// restart it on the same address.
	ackedNow := func() int {
		mu.Lock()
		defer mu.Unlock()
		n := 0
		for _, a := range ack {
			n += len(a)
		}
		return n
	}
	for ackedNow() < agents*perAgent/3 && ctx.Err() == nil {
		time.Sleep(time.Millisecond)
	}
	atKill := ackedNow()
	r1.kill()
	time.Sleep(300 * time.Millisecond)
	r1.start()
	producers.Wait()
	if atKill >= agents*perAgent {
		t.Fatalf("the replica was killed after the run (%d acknowledged)", atKill)
	}

	// Drain: every outbox empties (pending/sending) within the deadline.
	for {
		left := 0
		for _, s := range stores {
			c, err := s.Counts()
			if err != nil {
				t.Fatal(err)
			}
			left += c[outbox.Pending] + c[outbox.Sending]
		}
		if left == 0 {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("%d records still undelivered at the deadline", left)
		}
		time.Sleep(50 * time.Millisecond)
	}
	stopWorkers()
	workers.Wait()

	pool, err := pgxpool.New(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	type row struct {
		device, code, payload string
		subs                  int
	}
	inDB := map[string]row{}
	rows, err := pool.Query(context.Background(), `SELECT idempotency_key::text, device_id, dossier_code, convert_from(payload, 'UTF8'), submissions FROM dossiers`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k string
		var r row
		if err := rows.Scan(&k, &r.device, &r.code, &r.payload, &r.subs); err != nil {
			t.Fatal(err)
		}
		if _, dup := inDB[k]; dup {
			t.Errorf("key %s twice", k)
		}
		inDB[k] = r
	}
	rows.Close()
	total, resent := 0, 0
	for i, d := range devs {
		for _, a := range ack[d.id] {
			total++
			r, ok := inDB[a.id]
			if !ok {
				t.Errorf("acknowledged %s of %s missing", a.id, d.id)
				continue
			}
			if r.device != d.id || r.payload != a.payload {
				t.Errorf("%s: device %s payload %s, want %s %s", a.id, r.device, r.payload, d.id, a.payload)
			}
			if r.subs > 1 {
				resent++
			}
			rec, err := stores[i].Get(a.id)
			if err != nil || rec.State != outbox.Accepted || rec.DossierCode != r.code {
				t.Errorf("outbox %s: %+v %v (db code %s)", a.id, rec, err, r.code)
			}
		}
	}
	if len(inDB) != total || total != agents*perAgent {
		t.Errorf("%d dossiers in the database, %d acknowledged, want %d", len(inDB), total, agents*perAgent)
	}
	codes := map[string]bool{}
	for _, r := range inDB {
		if codes[r.code] {
			t.Errorf("dossier code %s twice", r.code)
		}
		codes[r.code] = true
	}
	t.Logf("%d dossiers exactly once through 2 replicas (one SIGKILLed after %d acknowledged, restarted); %d were delivered more than once (faults) and deduplicated", total, atKill, resent)
}
