package worker

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"motcua/internal/logx"
	"motcua/sync/connector"
	"motcua/sync/intake"
	"motcua/sync/outbox"
)

// hostileReason is what a provincial system may answer: the citizen's name
// and address quoted back, with no ID number for a digit mask to catch.
const hostileReason = "Họ tên Nguyễn Văn Thử, thường trú Xóm Đông, xã Yên Bình, Hà Giang không khớp"

var hostileWords = []string{"Nguyễn", "Thử", "Xóm Đông", "Yên Bình", "Hà Giang", "không khớp"}

// hostileReceiver speaks the intake contract but answers with personal
// text: a 422 refusal quoting the citizen for payloads marked "refuse", an
// acceptance otherwise, and a 400 with the same text to every status poll.
func hostileReceiver(t *testing.T) *httptest.Server {
	t.Helper()
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+token {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		refuse := func(code int) {
			w.WriteHeader(code)
			json.NewEncoder(w).Encode(connector.ErrorResponse{Error: hostileReason})
		}
		switch {
		case r.Method == http.MethodPost && r.URL.Path == "/v1/dossiers":
			body, _ := io.ReadAll(r.Body)
			if strings.Contains(string(body), "refuse") {
				refuse(http.StatusUnprocessableEntity)
				return
			}
			w.WriteHeader(http.StatusCreated)
			json.NewEncoder(w).Encode(connector.DossierResponse{IdempotencyKey: r.Header.Get("Idempotency-Key"),
				DossierCode: "H40.22-261123-0009", Status: 2})
		case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/v1/dossiers/"):
			refuse(http.StatusBadRequest)
		case r.Method == http.MethodPost:
			refuse(http.StatusBadRequest)
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	t.Cleanup(hs.Close)
	return hs
}

// TestRemoteReasonNeverLoggedNorInClear sends a refused and an accepted
// dossier to a receiver that quotes the citizen in its refusal and in its
// status answers. With a plain log handler (no redactor at all) and with
// the agent's redacting logger, no word of it reaches a log line, the
// record's clear metadata, or the raw outbox file; the operator reads it
// with the key through Detail.
func TestRemoteReasonNeverLoggedNorInClear(t *testing.T) {
	for _, redacting := range []bool{false, true} {
		name := map[bool]string{false: "plain-handler", true: "logx"}[redacting]
		t.Run(name, func(t *testing.T) {
			logs := &syncedBuffer{}
			var lg *slog.Logger
			if redacting {
				lg = slog.New(logx.NewRedactor(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}), nil))
			} else {
				lg = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			}
			clk := &clock{t: time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)}
			dir := t.TempDir()
			s, err := outbox.Open(dir, outbox.Options{Now: clk.Now, Logger: lg})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			refused, _ := s.Add(context.Background(), "1.004222", []byte(`{"refuse":true}`))
			accepted, _ := s.Add(context.Background(), "1.004222", []byte(`{"ok":true}`))
			hs := hostileReceiver(t)
			conn, err := connector.NewIntake(connector.IntakeConfig{Endpoint: hs.URL, Token: token})
			if err != nil {
				t.Fatal(err)
			}
			w, err := New(Config{Store: s, Conn: conn, Now: clk.Now, PollInterval: time.Minute, Seed: 3, Logger: lg})
			if err != nil {
				t.Fatal(err)
			}
			st, err := w.Drain(context.Background())
			if err != nil || st.Rejected != 1 || st.Accepted != 1 {
				t.Fatalf("drain %+v %v", st, err)
			}
			clk.Add(time.Hour)
			if _, err := w.PollStatuses(context.Background()); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(logs.String(), "rejected_http_422") || !strings.Contains(logs.String(), "rejected_http_400") {
				t.Errorf("log lines lack the codes:\n%s", logs.String())
			}
			r, _ := s.Get(refused)
			if r.State != outbox.Rejected || r.Reason != "rejected_http_422" {
				t.Errorf("refused record %+v", r)
			}
			if d, err := s.Detail(refused); err != nil || d.Reason != hostileReason {
				t.Errorf("the operator cannot read the reason: %+v %v", d, err)
			}
			if r, _ := s.Get(accepted); r.State != outbox.Accepted {
				t.Errorf("accepted record %+v", r)
			}
			recs, _ := s.List(outbox.Filter{})
			meta, _ := json.Marshal(recs)
			s.Close()
			raw, _ := os.ReadFile(filepath.Join(dir, outbox.DBFile))
			for _, word := range hostileWords {
				if strings.Contains(logs.String(), word) {
					t.Errorf("log output holds %q:\n%s", word, logs.String())
				}
				if strings.Contains(string(meta), word) {
					t.Errorf("clear metadata holds %q", word)
				}
				if strings.Contains(string(raw), word) {
					t.Errorf("raw outbox file holds %q", word)
				}
			}
		})
	}
}

// TestDemoRecordNeverSentToProvider: a demo record meets a worker that is
// not a demo sink: it is never sent (the receiver sees nothing) and needs
// attention with a code; a real record beside it is delivered. A worker
// configured as the demo sink delivers the demo record.
func TestDemoRecordNeverSentToProvider(t *testing.T) {
	r := newRig(t, 5)
	demo, err := r.store.Add(outbox.WithDemo(context.Background()), "1.004222", testPayload)
	if err != nil {
		t.Fatal(err)
	}
	real := r.add(testPayload)
	st := r.drain()
	if st.Accepted != 1 || st.NeedsAttention != 1 {
		t.Fatalf("stats %+v", st)
	}
	rec := r.get(demo)
	if rec.State != outbox.NeedsAttention || rec.Reason != CodeDemoRecord || rec.Attempts != 1 {
		t.Fatalf("demo record %+v", rec)
	}
	if _, err := r.istore.Get(demo); err == nil {
		t.Fatal("the provider received a demo dossier")
	}
	if rec := r.get(real); rec.State != outbox.Accepted {
		t.Fatalf("real record %+v", rec)
	}
	if !strings.Contains(r.logs.String(), CodeDemoRecord) {
		t.Error("no log line with the code")
	}
	// An operator requeue does not get it past the guard either.
	if err := r.store.Requeue(demo); err != nil {
		t.Fatal(err)
	}
	r.drain()
	if rec := r.get(demo); rec.State != outbox.NeedsAttention {
		t.Fatalf("requeued demo record %+v", rec)
	}
	if all, _ := r.istore.List(); len(all) != 1 {
		t.Fatalf("provider holds %d dossiers, want only the real one", len(all))
	}

	// The in-process demo intake is configured as the demo sink.
	if err := r.store.Requeue(demo); err != nil {
		t.Fatal(err)
	}
	conn, _ := connector.NewIntake(connector.IntakeConfig{Endpoint: r.hs.URL, Token: token})
	sink, err := New(Config{Store: r.store, Conn: conn, DemoSink: true, Now: r.clk.Now, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	if st, err := sink.Drain(context.Background()); err != nil || st.Accepted != 1 {
		t.Fatalf("demo sink drain %+v %v", st, err)
	}
	if _, err := r.istore.Get(demo); err != nil {
		t.Fatalf("demo sink did not receive the demo dossier: %v", err)
	}
}

// TestBatchedDrainExactlyOnceUnderFaults drains 90 records in batches of 8
// with 3 deliveries in flight against an intake that drops, resets, fails
// and silently accepts: pass after pass until nothing is pending, every
// record ends accepted, and the intake holds each one exactly once under
// the dossier code the outbox recorded.
func TestBatchedDrainExactlyOnceUnderFaults(t *testing.T) {
	r := newRig(t, 1000)
	ids := map[string]bool{}
	for i := range 90 {
		ids[r.add([]byte(`{"n":`+strings.Repeat("1", 1+i%5)+`}`))] = true
	}
	r.faults(intakeFaults(0.1, 0.1, 0.1, 0.15))
	conn, _ := connector.NewIntake(connector.IntakeConfig{Endpoint: r.hs.URL, Token: token, Timeout: 2 * time.Second})
	w, err := New(Config{Store: r.store, Conn: conn, Batch: 8, Concurrency: 3, BaseDelay: time.Second, MaxDelay: time.Minute,
		InFlightDelay: time.Second, Seed: 9, Now: r.clk.Now, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	// Bounded in passes and in time (500 passes; at most 20 ms of real
	// time each, spent only while a request the client gave up on is still
	// in flight at the intake: its 409 is retried later, as in real life).
	for pass := 0; pass < 500; pass++ {
		st, err := w.Drain(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		c, _ := r.store.Counts()
		if c[outbox.Pending]+c[outbox.Sending] == 0 {
			break
		}
		if st.InFlight > 0 || st.Retried > 0 {
			time.Sleep(20 * time.Millisecond)
		}
		r.clk.Add(2 * time.Minute)
	}
	all, _ := r.istore.List()
	if len(all) != len(ids) {
		c, _ := r.store.Counts()
		t.Fatalf("intake holds %d dossiers for %d records (outbox by state: %v)", len(all), len(ids), c)
	}
	resent := 0
	for _, d := range all {
		rec := r.get(d.IdempotencyKey)
		if !ids[d.IdempotencyKey] || rec.State != outbox.Accepted || rec.DossierCode != d.DossierCode {
			t.Errorf("%s: outbox %+v, intake code %s", d.IdempotencyKey, rec, d.DossierCode)
		}
		if d.Submissions > 1 {
			resent++
		}
	}
	if resent == 0 {
		t.Error("no record was sent twice: the faults did not bite")
	}
}

func intakeFaults(drop, fivexx, reset, silent float64) intake.Faults {
	return intake.Faults{Drop: drop, FiveXX: fivexx, Reset: reset, SilentAccept: silent}
}
