package metrics

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"motcua/reader"
	"motcua/reader/cccd"
	"motcua/reader/iso7816"
)

var (
	reHelp   = regexp.MustCompile(`^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*$`)
	reType   = regexp.MustCompile(`^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge)$`)
	reSample = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\.)*",?)*\})? (\S+)$`)
)

// parse checks the text format line by line and returns name{labels} -> value.
func parse(t *testing.T, text string) map[string]string {
	t.Helper()
	out := map[string]string{}
	typed := map[string]bool{}
	for i, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		switch {
		case strings.HasPrefix(line, "# HELP"):
			if !reHelp.MatchString(line) {
				t.Fatalf("line %d: bad HELP %q", i+1, line)
			}
		case strings.HasPrefix(line, "# TYPE"):
			m := reType.FindStringSubmatch(line)
			if m == nil || typed[m[1]] {
				t.Fatalf("line %d: bad or repeated TYPE %q", i+1, line)
			}
			typed[m[1]] = true
		default:
			m := reSample.FindStringSubmatch(line)
			if m == nil || !typed[m[1]] {
				t.Fatalf("line %d: bad sample (or no TYPE before it) %q", i+1, line)
			}
			out[line[:strings.LastIndexByte(line, ' ')]] = m[5]
		}
	}
	return out
}

func scrape(t *testing.T, r *Registry) map[string]string {
	var b bytes.Buffer
	if _, err := r.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	return parse(t, b.String())
}

func TestExposition(t *testing.T) {
	r := NewRegistry()
	c := r.NewCounter("x_total", "A counter\nwith a \\ newline.")
	v := r.NewCounterVec("y_total", "Labelled.", "reason", "kind")
	g := r.NewGauge("z", "A gauge.")
	r.NewGaugeFunc("f", "Func.", func() float64 { return 2.5 })
	c.Inc()
	c.Add(2)
	c.Add(-5) // ignored
	v.Counter(`quo"te`, "new\nline").Inc()
	v.Counter("a", "b").Add(3)
	g.Set(-1)
	m := scrape(t, r)
	want := map[string]string{
		"x_total": "3", `y_total{reason="quo\"te",kind="new\nline"}`: "1", `y_total{reason="a",kind="b"}`: "3",
		"z": "-1", "f": "2.5",
	}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("%s = %q, want %q (all: %v)", k, m[k], v, m)
		}
	}
	for _, bad := range []func(){
		func() { r.NewGauge("z", "dup") },
		func() { r.NewGauge("1bad", "") },
		func() { v.Counter("only-one") },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("no panic on a programming error")
				}
			}()
			bad()
		}()
	}
}

func TestAgentMetrics(t *testing.T) {
	a := NewAgent()
	now := time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)
	a.now = func() time.Time { return now }
	a.ObserveRead(&cccd.ReadResult{Verification: &cccd.Verification{Passive: cccd.PassiveVerified, ChipAuth: cccd.ChipAuthPassed}}, nil)
	a.ObserveRead(&cccd.ReadResult{}, nil)
	a.ObserveRead(nil, fmt.Errorf("read: %w", reader.ErrWrongKey))
	a.ObserveRead(nil, fmt.Errorf("DG2: %w", iso7816.ErrCardRemoved))
	a.ObserveRead(nil, context.DeadlineExceeded)
	a.ObserveRead(nil, errors.New("weird"))
	a.SyncFailed("unreachable")
	a.Synced(now.Add(-time.Minute))
	a.CardPresent(true)
	a.APIRequest("/v1/card", 200)

	m := scrape(t, a.Registry)
	if m["motcua_outbox_up"] != "0" {
		t.Fatalf("outbox up without an outbox: %v", m)
	}
	calls := 0
	a.SetOutbox(func() (OutboxSnapshot, error) {
		calls++
		return OutboxSnapshot{Depth: map[string]int{"pending": 4, "accepted": 9}, OldestPending: now.Add(-90 * time.Second),
			LastSync: now.Add(-10 * time.Second), Failing: 2}, nil
	})
	m = scrape(t, a.Registry)
	for k, v := range map[string]string{
		"motcua_reads_total":                                                       "2",
		`motcua_read_failures_total{reason="wrong_key"}`:                           "1",
		`motcua_read_failures_total{reason="card_removed"}`:                        "1",
		`motcua_read_failures_total{reason="timeout"}`:                             "1",
		`motcua_read_failures_total{reason="other"}`:                               "1",
		`motcua_read_failures_total{reason="malformed"}`:                           "0",
		`motcua_verification_total{passive="verified",chip_auth="passed"}`:         "1",
		`motcua_verification_total{passive="not_checked",chip_auth="not_checked"}`: "1",
		`motcua_sync_errors_total{kind="unreachable"}`:                             "1",
		`motcua_outbox_depth{state="pending"}`:                                     "4",
		`motcua_outbox_depth{state="needs_attention"}`:                             "0",
		"motcua_outbox_oldest_pending_age_seconds":                                 "90",
		"motcua_outbox_failing":                                                    "2",
		"motcua_outbox_up":                                                         "1",
		"motcua_last_sync_timestamp_seconds":                                       fmt.Sprint(now.Add(-10 * time.Second).Unix()),
		"motcua_card_present":                                                      "1",
		`motcua_api_requests_total{route="/v1/card",code="200"}`:                   "1",
	} {
		if m[k] != v {
			t.Errorf("%s = %q, want %q", k, m[k], v)
		}
	}
	if calls != 1 {
		t.Errorf("outbox read %d times in one scrape, want 1 (cached)", calls)
	}
	// The handler serves the same text with the right content type.
	rec := httptest.NewRecorder()
	a.Registry.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 || rec.Header().Get("Content-Type") != ContentType || !strings.Contains(rec.Body.String(), "motcua_reads_total 2") {
		t.Fatalf("handler: %d %q", rec.Code, rec.Header())
	}
	rec = httptest.NewRecorder()
	a.Registry.Handler().ServeHTTP(rec, httptest.NewRequest("POST", "/metrics", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Fatalf("POST: %d", rec.Code)
	}
}

func TestHealth(t *testing.T) {
	h := NewHealth(50 * time.Millisecond)
	if h.Check(context.Background()).OK {
		t.Fatal("healthy with no checks")
	}
	hb := NewHeartbeat("reader loop", time.Second)
	now := time.Unix(1000, 0)
	hb.now = func() time.Time { return now }
	h.Register("reader", hb.Check)
	outboxErr := error(nil)
	h.Register("outbox", func(context.Context) error { return outboxErr })
	if rep := h.Check(context.Background()); rep.OK || !strings.Contains(rep.Checks["reader"], "not started") {
		t.Fatalf("before first beat: %+v", rep)
	}
	hb.Beat()
	if rep := h.Check(context.Background()); !rep.OK {
		t.Fatalf("after beat: %+v", rep)
	}
	now = now.Add(2 * time.Second)
	if rep := h.Check(context.Background()); rep.OK || !strings.Contains(rep.Checks["reader"], "stalled") {
		t.Fatalf("stalled: %+v", rep)
	}
	hb.Beat()
	outboxErr = errors.New("outbox: database locked")
	srv := httptest.NewServer(h.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 503 || !strings.Contains(string(body), "database locked") {
		t.Fatalf("unhealthy: %d %s", resp.StatusCode, body)
	}
	outboxErr = nil
	h.Register("slow", func(ctx context.Context) error { <-ctx.Done(); time.Sleep(time.Millisecond); return nil })
	h.Register("panics", func(context.Context) error { panic("boom") })
	rep := h.Check(context.Background())
	if rep.OK || !strings.Contains(rep.Checks["slow"], "timed out") || !strings.Contains(rep.Checks["panics"], "panicked") {
		t.Fatalf("slow/panic: %+v", rep)
	}
}
