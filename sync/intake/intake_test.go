package intake

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

const key1 = "11111111-2222-4333-8444-555555555555"

func TestStoreDedupForeverAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	s, err := OpenStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	d1, created, err := s.Submit(key1, "1.004222", []byte(`{"a":1}`), now)
	if err != nil || !created || d1.DossierCode != "MC-261123-000001" || d1.Submissions != 1 || d1.Status != 1 {
		t.Fatalf("first: %+v %v %v", d1, created, err)
	}
	s.Close()
	s, err = OpenStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// A year later the key still maps to the same dossier.
	d2, created, err := s.Submit(key1, "1.004222", []byte(`{"a":1}`), now.AddDate(1, 0, 0))
	if err != nil || created || d2.DossierCode != d1.DossierCode || d2.Submissions != 2 {
		t.Fatalf("replay: %+v %v %v", d2, created, err)
	}
	if _, _, err := s.Submit(key1, "1.004222", []byte(`{"a":2}`), now); err != ErrKeyReuse {
		t.Errorf("reuse with other body: %v", err)
	}
	if _, _, err := s.Submit(key1, "1.000466", []byte(`{"a":1}`), now); err != ErrKeyReuse {
		t.Errorf("reuse with other service: %v", err)
	}
	if _, err := s.SetStatus(key1, 11); err == nil {
		t.Error("status 11 accepted")
	}
	if d, err := s.SetStatus(key1, 5); err != nil || d.Status != 5 {
		t.Errorf("SetStatus: %v", err)
	}
	list, _ := s.List()
	if len(list) != 1 || list[0].Submissions != 2 || list[0].Status != 5 {
		t.Errorf("list %+v", list)
	}
}

func newTestServer(t *testing.T, f Faults) (*Server, *httptest.Server) {
	t.Helper()
	st, err := OpenStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	srv, err := NewServer(st, "tok", f, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	return srv, hs
}

func post(t *testing.T, url, tok, key, body string) (int, string, error) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url+"/v1/dossiers", strings.NewReader(body))
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), nil
}

func TestHTTPContract(t *testing.T) {
	_, hs := newTestServer(t, Faults{})
	good := `{"service":"1.004222","payload":{"x":1}}`
	cases := []struct {
		name, tok, key, body string
		want                 int
		contains             string
	}{
		{"no token", "", key1, good, 401, "bearer"},
		{"wrong token", "bad", key1, good, 401, ""},
		{"no key", "tok", "", good, 400, "Idempotency-Key"},
		{"bad key", "tok", "abc", good, 400, ""},
		{"not json", "tok", key1, `{`, 400, ""},
		{"unknown field", "tok", key1, `{"service":"1.004222","payload":{},"x":1}`, 400, ""},
		{"bad service", "tok", key1, `{"service":"1 2","payload":{}}`, 422, "service"},
		{"payload not object", "tok", key1, `{"service":"1.004222","payload":[1]}`, 422, "object"},
		{"created", "tok", key1, good, 201, `"submissions":1`},
		{"replayed", "tok", key1, good, 200, `"replayed":true`},
		{"reused key", "tok", key1, `{"service":"1.004222","payload":{"x":2}}`, 422, "different body"},
	}
	for _, c := range cases {
		code, body, err := post(t, hs.URL, c.tok, c.key, c.body)
		if err != nil || code != c.want || !strings.Contains(body, c.contains) {
			t.Errorf("%s: %d %s %v", c.name, code, body, err)
		}
	}
	resp, _ := http.Get(hs.URL + "/v1/health")
	if resp.StatusCode != 200 {
		t.Errorf("health %d", resp.StatusCode)
	}
	resp.Body.Close()
	req, _ := http.NewRequest("GET", hs.URL+"/v1/dossiers/"+key1, nil)
	req.Header.Set("Authorization", "Bearer tok")
	resp, _ = http.DefaultClient.Do(req)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"dossier_code":"MC-`) {
		t.Errorf("status: %d %s", resp.StatusCode, b)
	}
}

func TestConcurrentSameKeyGets409(t *testing.T) {
	srv, hs := newTestServer(t, Faults{})
	srv.SetFaults(Faults{Delay: time.Second})
	body := `{"service":"1.004222","payload":{"x":1}}`
	first := make(chan int, 1)
	go func() {
		code, _, _ := post(t, hs.URL, "tok", key1, body)
		first <- code
	}()
	time.Sleep(300 * time.Millisecond)
	code, _, err := post(t, hs.URL, "tok", key1, body)
	if err != nil || code != 409 {
		t.Errorf("concurrent: %d %v", code, err)
	}
	if c := <-first; c != 201 {
		t.Errorf("first: %d", c)
	}
}

func TestFaultsHappenAtTheirRate(t *testing.T) {
	cases := []struct {
		f     Faults
		check func(code int, err error) bool
	}{
		{Faults{FiveXX: 1}, func(c int, err error) bool { return err == nil && c == 503 }},
		{Faults{Drop: 1}, func(c int, err error) bool { return err != nil }},
		{Faults{Reset: 1}, func(c int, err error) bool {
			return err != nil && (strings.Contains(err.Error(), "reset") || strings.Contains(err.Error(), "EOF"))
		}},
		{Faults{SilentAccept: 1}, func(c int, err error) bool { return err != nil }},
	}
	for i, c := range cases {
		srv, hs := newTestServer(t, Faults{})
		srv.SetFaults(c.f)
		for j := range 5 {
			key := fmt.Sprintf("11111111-2222-4333-8444-%012d", j)
			code, _, err := post(t, hs.URL, "tok", key, `{"service":"1.004222","payload":{}}`)
			if !c.check(code, err) {
				t.Errorf("case %d try %d: %d %v", i, j, code, err)
			}
		}
		n, _ := srv.store.Dossiers(context.Background(), time.Time{}, time.Time{}, false)
		if want := map[bool]int{true: 5, false: 0}[c.f.SilentAccept == 1]; len(n) != want {
			t.Errorf("case %d: %d dossiers stored, want %d", i, len(n), want)
		}
	}
	// Probability 0.3 over 400 draws lands near 120 (seeded, deterministic).
	d := newDice(42)
	hits := 0
	for range 400 {
		if d.hit(0.3) {
			hits++
		}
	}
	if hits < 90 || hits > 150 {
		t.Errorf("p=0.3: %d/400 hits", hits)
	}
	if err := (Faults{Drop: 1.5}).Validate(); err == nil {
		t.Error("probability 1.5 accepted")
	}
}

func TestPlainHTTPOnlyOnLoopback(t *testing.T) {
	err := ListenAndServe(context.Background(), Config{Addr: "0.0.0.0:0", DataDir: t.TempDir(), Token: "x"}, nil)
	if err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Errorf("plain HTTP on all interfaces: %v", err)
	}
}

// An idle or slow client is cut off: a connection that sends nothing is
// closed after the header timeout, an idle keep-alive after IdleTimeout, and
// a body over the limit is refused with 413.
func TestServerLimits(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	urlc := make(chan string, 1)
	errc := make(chan error, 1)
	go func() {
		errc <- ListenAndServe(ctx, Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), Token: "tok",
			Limits: Limits{ReadHeaderTimeout: 200 * time.Millisecond, IdleTimeout: 300 * time.Millisecond, MaxBody: 1024}},
			func(u string) { urlc <- u })
	}()
	var base string
	select {
	case base = <-urlc:
	case err := <-errc:
		t.Fatal(err)
	}
	addr := strings.TrimPrefix(base, "http://")
	// Silent client: the server hangs up by itself.
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Read(make([]byte, 1)); err == nil || isTimeout(err) {
		t.Errorf("silent connection not closed by the server: %v", err)
	}
	c.Close()
	// Idle keep-alive: one request, then nothing; closed after IdleTimeout.
	c, err = net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(c, "GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf, err := io.ReadAll(c) // returns at EOF, i.e. when the server closes
	if err != nil || !strings.Contains(string(buf), "200 OK") {
		t.Errorf("idle keep-alive not closed: %q %v", buf, err)
	}
	c.Close()
	code, body, err := post(t, base, "tok", key1, `{"service":"1.004222","payload":{"x":"`+strings.Repeat("a", 2000)+`"}}`)
	if err != nil || code != 413 {
		t.Errorf("body over limit: %d %s %v", code, body, err)
	}
	// Oversized headers are refused before any handler runs.
	req, _ := http.NewRequest("GET", base+"/v1/health", nil)
	req.Header.Set("X-Big", strings.Repeat("b", 64<<10))
	if resp, err := http.DefaultClient.Do(req); err == nil {
		if resp.StatusCode != 431 {
			t.Errorf("64 KiB header: %d", resp.StatusCode)
		}
		resp.Body.Close()
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
