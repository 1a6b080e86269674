package worker

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"motcua/sync/connector"
	"motcua/sync/intake"
	"motcua/sync/outbox"
)

// Synthetic citizen data; none of it may appear in logs or errors.
const (
	fakeID   = "001099012345"
	fakeName = "Trần Thị Mẫu"
)

var testPayload = []byte(`{"ChuHoSo":{"SoDinhDanh":"` + fakeID + `","HoTen":"` + fakeName + `"},"LyDo":"thay đổi nơi thường trú"}`)

const token = "test-token-7f3a"

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// syncedBuffer collects log output from several goroutines.
type syncedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncedBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncedBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// rig is an outbox, a real intake receiver on loopback, and a worker with
// a fake clock, all logging into one buffer.
type rig struct {
	t      *testing.T
	clk    *clock
	logs   *syncedBuffer
	store  *outbox.Store
	istore *intake.Store
	srv    *intake.Server
	hs     *httptest.Server
	w      *Worker
}

func newRig(t *testing.T, maxAttempts int) *rig {
	t.Helper()
	r := &rig{t: t, clk: &clock{t: time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)}, logs: &syncedBuffer{}}
	lg := slog.New(slog.NewTextHandler(r.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var err error
	r.store, err = outbox.Open(t.TempDir(), outbox.Options{Now: r.clk.Now, MaxAttempts: maxAttempts, Logger: lg, Device: "kiosk-t"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.store.Close() })
	r.istore, err = intake.OpenStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.istore.Close() })
	r.srv, err = intake.NewServer(r.istore, token, intake.Faults{Seed: 1}, lg)
	if err != nil {
		t.Fatal(err)
	}
	r.hs = httptest.NewServer(r.srv.Handler())
	t.Cleanup(r.hs.Close)
	r.w = r.worker(r.hs.URL, token, 2*time.Second)
	return r
}

func (r *rig) worker(endpoint, tok string, timeout time.Duration) *Worker {
	r.t.Helper()
	conn, err := connector.NewIntake(connector.IntakeConfig{Endpoint: endpoint, Token: tok, Timeout: timeout})
	if err != nil {
		r.t.Fatal(err)
	}
	w, err := New(Config{Store: r.store, Conn: conn, BaseDelay: time.Second, MaxDelay: time.Minute,
		InFlightDelay: 5 * time.Second, PollInterval: time.Minute, Seed: 7, Now: r.clk.Now,
		Logger: slog.New(slog.NewTextHandler(r.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		r.t.Fatal(err)
	}
	return w
}

func (r *rig) add(payload []byte) string {
	r.t.Helper()
	id, err := r.store.Add(context.Background(), "1.004222", payload)
	if err != nil {
		r.t.Fatal(err)
	}
	return id
}

func (r *rig) drain() Stats {
	r.t.Helper()
	st, err := r.w.Drain(context.Background())
	if err != nil {
		r.t.Fatalf("Drain: %v", err)
	}
	return st
}

func (r *rig) get(id string) outbox.Record {
	r.t.Helper()
	rec, err := r.store.Get(id)
	if err != nil {
		r.t.Fatal(err)
	}
	return rec
}

func (r *rig) faults(f intake.Faults) {
	r.t.Helper()
	f.Seed = 1
	if err := r.srv.SetFaults(f); err != nil {
		r.t.Fatal(err)
	}
}

// heal switches faults off, lets the backoff pass and drains: the record
// must end accepted exactly once at the intake.
func (r *rig) healAndCheck(id string, wantSubmissions int) {
	r.t.Helper()
	r.faults(intake.Faults{})
	r.clk.Add(time.Hour)
	st := r.drain()
	// A slow request the client gave up on may still be finishing at the
	// intake (stored, not yet answered): its 409 is retried later, as in
	// real life. Bounded: 100 tries, 20 ms apart.
	for i := 0; st.InFlight > 0 && i < 100; i++ {
		time.Sleep(20 * time.Millisecond)
		r.clk.Add(time.Hour)
		st = r.drain()
	}
	rec := r.get(id)
	if rec.State != outbox.Accepted || st.Accepted != 1 {
		r.t.Fatalf("after heal: %+v stats %+v", rec, st)
	}
	d, err := r.istore.Get(id)
	if err != nil {
		r.t.Fatalf("intake does not hold %s: %v", id, err)
	}
	if d.DossierCode != rec.DossierCode {
		r.t.Errorf("dossier code: outbox %s, intake %s", rec.DossierCode, d.DossierCode)
	}
	if wantSubmissions > 0 && d.Submissions != wantSubmissions {
		r.t.Errorf("intake saw %d submissions, want %d", d.Submissions, wantSubmissions)
	}
	all, _ := r.istore.List()
	if len(all) != 1 {
		r.t.Errorf("intake holds %d dossiers, want 1", len(all))
	}
}

func TestAcceptedFirstTime(t *testing.T) {
	r := newRig(t, 5)
	id := r.add(testPayload)
	st := r.drain()
	rec := r.get(id)
	if st.Accepted != 1 || rec.State != outbox.Accepted || rec.Attempts != 1 || !strings.HasPrefix(rec.DossierCode, "MC-") || rec.ProvincialStatus != 1 {
		t.Fatalf("stats %+v record %+v", st, rec)
	}
	d, _ := r.istore.Get(id)
	if !bytes.Equal(d.Payload, testPayload) || d.Service != "1.004222" {
		t.Errorf("intake got %s", d.Payload)
	}
	checkNoLeak(t, r)
}

// TestRetryPaths covers every answer without a definite result: each is
// retried with the same idempotency key and ends accepted exactly once.
func TestRetryPaths(t *testing.T) {
	cases := []struct {
		name            string
		faults          intake.Faults
		wantSubmissions int // at the intake, after healing
	}{
		{"5xx", intake.Faults{FiveXX: 1}, 1},
		{"dropped connection", intake.Faults{Drop: 1}, 1},
		{"reset connection", intake.Faults{Reset: 1}, 1},
		{"silent accept (answer lost)", intake.Faults{SilentAccept: 1}, 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := newRig(t, 10)
			id := r.add(testPayload)
			r.faults(c.faults)
			for i := 1; i <= 3; i++ {
				st := r.drain()
				rec := r.get(id)
				if st.Retried != 1 || rec.State != outbox.Pending || rec.Attempts != i || rec.LastError == "" {
					t.Fatalf("try %d: stats %+v record %+v", i, st, rec)
				}
				if want := r.clk.Now().Add(time.Second << (i - 1)); rec.NextAttemptAt.After(want) ||
					rec.NextAttemptAt.Before(r.clk.Now().Add(time.Second<<(i-1)/2)) {
					t.Errorf("try %d: next attempt %v not within jittered backoff of %v", i, rec.NextAttemptAt, want)
				}
				if st := r.drain(); st.Retried != 0 {
					t.Fatalf("retried before the backoff elapsed")
				}
				r.clk.Add(time.Minute)
			}
			if c.wantSubmissions == 2 {
				c.wantSubmissions = 4 // three silent accepts, then the answered replay
			}
			r.healAndCheck(id, c.wantSubmissions)
			checkNoLeak(t, r)
		})
	}
}

// TestTimeoutThenInFlight: the receiver is slower than the client's
// timeout; the retry finds the first request still in flight (409), which
// is retried later without counting an attempt.
func TestTimeoutThenInFlight(t *testing.T) {
	r := newRig(t, 10)
	r.w = r.worker(r.hs.URL, token, 150*time.Millisecond)
	r.faults(intake.Faults{Delay: 1500 * time.Millisecond})
	id := r.add(testPayload)
	st := r.drain()
	if st.Retried != 1 || r.get(id).Attempts != 1 {
		t.Fatalf("timeout: %+v %+v", st, r.get(id))
	}
	r.clk.Add(time.Minute)
	st = r.drain()
	rec := r.get(id)
	if st.InFlight != 1 || rec.State != outbox.Pending || rec.Attempts != 1 {
		t.Fatalf("409: stats %+v record %+v", st, rec)
	}
	if d := rec.NextAttemptAt.Sub(r.clk.Now()); d < 2500*time.Millisecond || d > 5*time.Second {
		t.Errorf("409 retry in %v, want jittered 5s", d)
	}
	// Let the slow first request finish storing the dossier.
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, err := r.istore.Get(id); err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	r.healAndCheck(id, 2)
}

func TestRejectedIsFinal(t *testing.T) {
	r := newRig(t, 5)
	id := r.add([]byte(`["not","an","object","` + fakeID + `"]`))
	st := r.drain()
	rec := r.get(id)
	if st.Rejected != 1 || rec.State != outbox.Rejected || rec.Reason != "rejected_http_422" {
		t.Fatalf("stats %+v record %+v", st, rec)
	}
	if d, err := r.store.Detail(id); err != nil || !strings.Contains(d.Reason, "payload must be a JSON object") {
		t.Fatalf("detail %+v %v", d, err)
	}
	r.clk.Add(24 * time.Hour)
	if st := r.drain(); st != (Stats{}) {
		t.Errorf("rejected record was retried: %+v", st)
	}
	if all, _ := r.istore.List(); len(all) != 0 {
		t.Errorf("intake stored a rejected dossier")
	}
}

func TestRetriesExhaustedNeedsAttention(t *testing.T) {
	r := newRig(t, 3)
	id := r.add(testPayload)
	r.faults(intake.Faults{FiveXX: 1})
	for range 3 {
		r.drain()
		r.clk.Add(time.Hour)
	}
	rec := r.get(id)
	if rec.State != outbox.NeedsAttention || rec.Reason != outbox.CodeRetriesExhausted || rec.LastError != "no_answer_http_503" {
		t.Fatalf("record %+v", rec)
	}
	if st := r.drain(); st != (Stats{}) {
		t.Errorf("needs_attention was retried: %+v", st)
	}
	if err := r.store.Requeue(id); err != nil {
		t.Fatal(err)
	}
	r.healAndCheck(id, 1)
}

func TestUnexpectedAnswerNeedsAttention(t *testing.T) {
	cases := map[string]http.HandlerFunc{
		"200 not json": func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(200); fmt.Fprint(w, "<html>ok</html>") },
		"201 without code": func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(201)
			fmt.Fprint(w, `{"status":1}`)
		},
		"404": func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(404) },
		"302": func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/elsewhere", http.StatusFound) },
	}
	for name, h := range cases {
		t.Run(name, func(t *testing.T) {
			r := newRig(t, 5)
			odd := httptest.NewServer(h)
			defer odd.Close()
			r.w = r.worker(odd.URL, token, time.Second)
			id := r.add(testPayload)
			st := r.drain()
			rec := r.get(id)
			if st.NeedsAttention != 1 || rec.State != outbox.NeedsAttention || rec.Reason == "" {
				t.Fatalf("stats %+v record %+v", st, rec)
			}
			checkNoLeak(t, r)
		})
	}
}

func TestUnreachableDoesNotCountAttempts(t *testing.T) {
	r := newRig(t, 2)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String()
	ln.Close() // nothing listens there now
	r.w = r.worker(dead, token, time.Second)
	a, b := r.add(testPayload), r.add(testPayload)
	for i := range 5 {
		st := r.drain()
		if !st.Offline {
			t.Fatalf("pass %d: not offline: %+v", i, st)
		}
		r.clk.Add(time.Hour)
	}
	for _, id := range []string{a, b} {
		if rec := r.get(id); rec.State != outbox.Pending || rec.Attempts != 0 {
			t.Errorf("offline for hours must not exhaust retries: %+v", rec)
		}
	}
	r.w = r.worker(r.hs.URL, token, time.Second)
	if st := r.drain(); st.Accepted != 2 {
		t.Errorf("back online: %+v", st)
	}
}

func TestWrongTokenStopsWithoutCounting(t *testing.T) {
	r := newRig(t, 2)
	r.w = r.worker(r.hs.URL, "wrong-token", time.Second)
	id := r.add(testPayload)
	for range 3 {
		_, err := r.w.Drain(context.Background())
		if !errors.Is(err, connector.ErrUnauthorized) {
			t.Fatalf("Drain: %v", err)
		}
	}
	if rec := r.get(id); rec.State != outbox.Pending || rec.Attempts != 0 {
		t.Errorf("record %+v", rec)
	}
}

func TestStatusPolling(t *testing.T) {
	r := newRig(t, 5)
	id := r.add(testPayload)
	r.drain()
	setStatus := func(code int) {
		req, _ := http.NewRequest(http.MethodPut, r.hs.URL+"/v1/dossiers/"+id+"/status", strings.NewReader(fmt.Sprintf(`{"status":%d}`, code)))
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("set status: %v %v", err, resp)
		}
		resp.Body.Close()
	}
	setStatus(4)
	if n, _ := r.w.PollStatuses(context.Background()); n != 0 {
		t.Errorf("polled before the interval")
	}
	r.clk.Add(2 * time.Minute)
	if n, err := r.w.PollStatuses(context.Background()); n != 1 || err != nil {
		t.Fatalf("poll: %d %v", n, err)
	}
	if rec := r.get(id); rec.ProvincialStatus != 4 {
		t.Errorf("status %d", rec.ProvincialStatus)
	}
	setStatus(10)
	r.clk.Add(2 * time.Minute)
	r.w.PollStatuses(context.Background())
	setStatus(9)
	r.clk.Add(2 * time.Minute)
	if n, _ := r.w.PollStatuses(context.Background()); n != 0 || r.get(id).ProvincialStatus != 10 {
		t.Errorf("final status 10 should stop polling: %d", r.get(id).ProvincialStatus)
	}
	if !strings.Contains(r.logs.String(), "đã trả kết quả") {
		t.Errorf("status change not shown in log")
	}
}

func TestRunDeliversAndStops(t *testing.T) {
	r := newRig(t, 5)
	w, _ := New(Config{Store: r.store, Conn: mustIntake(t, r.hs.URL), BaseDelay: 10 * time.Millisecond, Idle: 50 * time.Millisecond, Seed: 3, Now: r.clk.Now})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	id := r.add(testPayload)
	w.Notify()
	deadline := time.Now().Add(5 * time.Second)
	for r.get(id).State != outbox.Accepted && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Run returned %v", err)
	}
	if r.get(id).State != outbox.Accepted {
		t.Fatal("Run did not deliver")
	}
}

func mustIntake(t *testing.T, url string) *connector.Intake {
	c, err := connector.NewIntake(connector.IntakeConfig{Endpoint: url, Token: token, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestBackoffGrowsAndIsCapped(t *testing.T) {
	w, _ := New(Config{Store: &outbox.Store{}, Conn: &connector.Intake{}, BaseDelay: time.Second, MaxDelay: 10 * time.Second, Seed: 1})
	for attempts, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 4: 8 * time.Second, 5: 10 * time.Second, 60: 10 * time.Second} {
		seen := map[time.Duration]bool{}
		for range 50 {
			d := w.Backoff(attempts)
			if d < want/2 || d > want {
				t.Fatalf("Backoff(%d) = %v, want in [%v, %v]", attempts, d, want/2, want)
			}
			seen[d] = true
		}
		if len(seen) < 10 {
			t.Errorf("Backoff(%d): no jitter (%d distinct values)", attempts, len(seen))
		}
	}
}

// checkNoLeak asserts that neither the logs nor any stored metadata hold
// the payload's personal data.
func checkNoLeak(t *testing.T, r *rig) {
	t.Helper()
	recs, _ := r.store.List(outbox.Filter{})
	meta, _ := json.Marshal(recs)
	for _, where := range map[string]string{"logs": r.logs.String(), "metadata": string(meta)} {
		for _, secret := range []string{fakeID, fakeName, "Trần", "thường trú", "SoDinhDanh"} {
			if strings.Contains(where, secret) {
				t.Errorf("%q leaked:\n%s", secret, where)
			}
		}
	}
}

// TestRunReportsEachPass: Run tells OnDrain each pass's outcome, so a
// status bar can show the network state and the last sync.
func TestRunReportsEachPass(t *testing.T) {
	r := newRig(t, 5)
	id := r.add([]byte(`{"synthetic":true}`))
	passes := make(chan Stats, 16)
	w := r.worker(r.hs.URL, token, 2*time.Second)
	w.cfg.OnDrain = func(st Stats, err error) {
		if err == nil {
			select {
			case passes <- st:
			default:
			}
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	defer func() { cancel(); <-done }()
	select {
	case st := <-passes:
		if st.Accepted != 1 || st.Offline {
			t.Fatalf("first pass: %+v", st)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no pass reported")
	}
	if got := r.get(id); got.State != outbox.Accepted {
		t.Fatalf("state %s", got.State)
	}
}
