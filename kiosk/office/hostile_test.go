package office

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// recorder is a receiver that keeps what it was given.
type recorder struct {
	mu      sync.Mutex
	helps   []Help
	answers []Answer
}

func (r *recorder) ReceiveHelp(h Help) { r.mu.Lock(); r.helps = append(r.helps, h); r.mu.Unlock() }
func (r *recorder) ReceiveAnswer(a Answer) {
	r.mu.Lock()
	r.answers = append(r.answers, a)
	r.mu.Unlock()
}
func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.helps) + len(r.answers)
}

// clock is a settable clock shared by the test's links.
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

var testKey = Key{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32}

// served is a link listening on 127.0.0.1 (stopped with the test).
type served struct {
	link *Link
	addr string
	recv *recorder
}

func serveLink(t testing.TB, cfg Config) *served {
	t.Helper()
	if cfg.Key == (Key{}) {
		cfg.Key = testKey
	}
	if cfg.Name == "" {
		cfg.Name = "quay-1"
	}
	l, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	l.Attach(rec)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); l.Serve(ctx, ln) }()
	t.Cleanup(func() { cancel(); <-done })
	return &served{link: l, addr: ln.Addr().String(), recv: rec}
}

func goodHelp(at time.Time) Help {
	return Help{V: 1, ID: "0123456789abcdef", From: "kiosk-01", Office: "UBND xã Thử", Step: "identity",
		VisitStep: 2, VisitSteps: 5, At: at}
}

// rawPost sends body to path signed with key at ts, after mangle may
// change the request; it returns the status.
func rawPost(t *testing.T, addr, path string, key Key, ts time.Time, body []byte, mangle func(*http.Request)) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, "http://"+addr+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if err := sign(&key, req, body, ts); err != nil {
		t.Fatal(err)
	}
	if mangle != nil {
		mangle(req)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func mustJSON(t *testing.T, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestHostileMessagesRefused: every forged, stale, replayed, oversized
// or unknown message is refused with its status, and nothing reaches the
// receiver; the genuine message, signed the same way, is taken.
func TestHostileMessagesRefused(t *testing.T) {
	clk := &clock{t: time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)}
	s := serveLink(t, Config{Now: clk.Now, Burst: 100, Rate: 100})
	now := clk.Now()
	good := mustJSON(t, goodHelp(now))
	wrongKey := testKey
	wrongKey[0] ^= 1

	cases := []struct {
		name   string
		path   string
		key    Key
		ts     time.Time
		body   []byte
		mangle func(*http.Request)
		status int
	}{
		{"wrong key", "/office/v1/help", wrongKey, now, good, nil, 401},
		{"no signature", "/office/v1/help", testKey, now, good, func(r *http.Request) { r.Header.Del(HeaderSignature) }, 401},
		{"tampered body", "/office/v1/help", testKey, now, good, func(r *http.Request) {
			b := bytes.Replace(good, []byte("kiosk-01"), []byte("kiosk-02"), 1)
			r.Body, r.ContentLength = nopCloser{bytes.NewReader(b)}, int64(len(b))
		}, 401},
		{"tampered path", "/office/v1/help", testKey, now, good, func(r *http.Request) { r.URL.Path = "/office/v1/help.answered" }, 401},
		{"tampered time", "/office/v1/help", testKey, now, good, func(r *http.Request) {
			r.Header.Set(HeaderTime, strconv.FormatInt(now.Unix()+1, 10))
		}, 401},
		{"stale", "/office/v1/help", testKey, now.Add(-2 * time.Minute), good, nil, 401},
		{"from the future", "/office/v1/help", testKey, now.Add(2 * time.Minute), good, nil, 401},
		{"oversized", "/office/v1/help", testKey, now, bytes.Repeat([]byte(" "), MaxBody+1), nil, 413},
		{"unknown type", "/office/v1/shutdown", testKey, now, good, nil, 404},
		{"other version", "/office/v2/help", testKey, now, good, nil, 404},
		{"unknown field", "/office/v1/help", testKey, now, []byte(`{"v":1,"id":"0123456789abcdef","from":"k","step":"identity","visit_step":1,"visit_steps":5,"at":"2026-11-30T09:00:00Z","name":"Nguyễn Văn A"}`), nil, 400},
		{"not JSON", "/office/v1/help", testKey, now, []byte("hello"), nil, 400},
		{"bad call id", "/office/v1/help", testKey, now, mustJSON(t, func() Help { h := goodHelp(now); h.ID = "x"; return h }()), nil, 400},
		{"control characters", "/office/v1/help", testKey, now, mustJSON(t, func() Help { h := goodHelp(now); h.From = "k\x1b[2J"; return h }()), nil, 400},
		{"bad answer", "/office/v1/help.answered", testKey, now, mustJSON(t, Answer{V: 1, ID: "0123456789abcdef", From: "quay-2", Answer: "later", At: now}), nil, 400},
		{"GET", "/office/v1/help", testKey, now, good, func(r *http.Request) { r.Method = http.MethodGet }, 405},
	}
	for _, c := range cases {
		if got := rawPost(t, s.addr, c.path, c.key, c.ts, c.body, c.mangle); got != c.status {
			t.Errorf("%s: status %d, want %d", c.name, got, c.status)
		}
	}
	if n := s.recv.count(); n != 0 {
		t.Fatalf("%d hostile messages reached the receiver", n)
	}
	// The genuine message goes through; the same bytes again are a replay.
	var replay *http.Request
	if got := rawPost(t, s.addr, "/office/v1/help", testKey, now, good, func(r *http.Request) { replay = r.Clone(context.Background()) }); got != 204 {
		t.Fatalf("genuine message: %d", got)
	}
	replay.Body, replay.ContentLength = nopCloser{bytes.NewReader(good)}, int64(len(good))
	replay.RequestURI = ""
	resp, err := http.DefaultClient.Do(replay)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 409 {
		t.Fatalf("replayed message: %d, want 409", resp.StatusCode)
	}
	if n := s.recv.count(); n != 1 {
		t.Fatalf("receiver got %d messages, want the genuine one", n)
	}
}

type nopCloser struct{ *bytes.Reader }

func (nopCloser) Close() error { return nil }

// TestFloodRateLimited: a peer sending more than its burst is refused
// (429) until its bucket refills, signed or not; another peer's messages
// are not affected by the table but by their own bucket.
func TestFloodRateLimited(t *testing.T) {
	clk := &clock{t: time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)}
	s := serveLink(t, Config{Now: clk.Now, Burst: 5, Rate: 1})
	codes := map[int]int{}
	for i := range 20 {
		h := goodHelp(clk.Now())
		h.ID = fmt.Sprintf("%016x", i+1)
		codes[rawPost(t, s.addr, "/office/v1/help", testKey, clk.Now(), mustJSON(t, h), nil)]++
	}
	if codes[204] != 5 || codes[429] != 15 {
		t.Fatalf("flood: %v, want 5 taken and 15 refused", codes)
	}
	if n := s.recv.count(); n != 5 {
		t.Fatalf("receiver got %d", n)
	}
	clk.Add(3 * time.Second) // three tokens back
	h := goodHelp(clk.Now())
	h.ID = "fedcba9876543210"
	if got := rawPost(t, s.addr, "/office/v1/help", testKey, clk.Now(), mustJSON(t, h), nil); got != 204 {
		t.Fatalf("after the refill: %d", got)
	}
}

// TestNonceCacheBounded: a full cache of live nonces refuses new messages
// (fail safe) and forgets nonces once they are outside the skew window.
func TestNonceCacheBounded(t *testing.T) {
	n := newNonces(2)
	now := time.Unix(1000, 0)
	forget := now.Add(time.Minute)
	if n.add("a", now, forget) != nil || n.add("b", now, forget) != nil {
		t.Fatal("fresh nonces refused")
	}
	if err := n.add("a", now, forget); !errors.Is(err, ErrReplayed) {
		t.Fatalf("replay: %v", err)
	}
	if err := n.add("c", now, forget); !errors.Is(err, ErrBusy) {
		t.Fatalf("full cache: %v", err)
	}
	if err := n.add("c", forget, forget.Add(time.Minute)); err != nil {
		t.Fatalf("after the window: %v", err)
	}
}

// TestKeyFile: a written key loads; a key file others may read, a short
// or non-hex file is refused; an existing file is never overwritten.
func TestKeyFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "office.key")
	if err := WriteKeyFile(p); err != nil {
		t.Fatal(err)
	}
	k, err := LoadKeyFile(p)
	if err != nil || k == (Key{}) {
		t.Fatalf("load: %v", err)
	}
	if err := WriteKeyFile(p); err == nil {
		t.Fatal("an existing key was overwritten")
	}
	if err := os.Chmod(p, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadKeyFile(p); !errors.Is(err, ErrKeyFile) || !strings.Contains(err.Error(), "readable by others") {
		t.Fatalf("world-readable key: %v", err)
	}
	for name, body := range map[string]string{"short": "abcd\n", "not hex": strings.Repeat("zz", 32)} {
		q := filepath.Join(dir, name)
		os.WriteFile(q, []byte(body), 0o600)
		if _, err := LoadKeyFile(q); !errors.Is(err, ErrKeyFile) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestSendAndAnswer: a call reaches every reachable peer; an unreachable
// one is counted as failed; the answer reaches the caller.
func TestSendAndAnswer(t *testing.T) {
	desk1, desk2 := serveLink(t, Config{Name: "quay-1"}), serveLink(t, Config{Name: "quay-2"})
	dead, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadAddr := dead.Addr().String()
	dead.Close() // nothing listens there now
	kiosk := serveLink(t, Config{Name: "kiosk-01", Peers: []string{desk1.addr, desk2.addr, deadAddr}})
	d, err := kiosk.link.SendHelp(context.Background(), goodHelp(time.Now()))
	if err != nil || d.Peers != 3 || d.Taken != 2 || len(d.Failed) != 1 {
		t.Fatalf("delivery %+v, %v", d, err)
	}
	if desk1.recv.count() != 1 || desk2.recv.count() != 1 || desk1.recv.helps[0].From != "kiosk-01" {
		t.Fatalf("desks got %d and %d", desk1.recv.count(), desk2.recv.count())
	}
	// A desk whose key differs is not reached: refused, counted as failed.
	other := testKey
	other[5] ^= 0xff
	stranger := serveLink(t, Config{Name: "quay-x", Key: other})
	k2, err := New(Config{Name: "kiosk-01", Key: testKey, Peers: []string{stranger.addr}})
	if err != nil {
		t.Fatal(err)
	}
	d, _ = k2.SendHelp(context.Background(), goodHelp(time.Now()))
	var pe *PeerError
	if d.Taken != 0 || len(d.Failed) != 1 || !errors.As(d.Failed[0], &pe) || pe.Peer != stranger.addr || stranger.recv.count() != 0 {
		t.Fatalf("other office: %+v", d)
	}
	// The answer travels back.
	answerer, err := New(Config{Name: "quay-1", Key: testKey, Peers: []string{kiosk.addr}})
	if err != nil {
		t.Fatal(err)
	}
	d, err = answerer.SendAnswer(context.Background(), Answer{V: 1, ID: "0123456789abcdef", From: "quay-1", Answer: AnswerComing, At: time.Now()})
	if err != nil || d.Taken != 1 || len(kiosk.recv.answers) != 1 || kiosk.recv.answers[0].From != "quay-1" {
		t.Fatalf("answer %+v, %v", d, err)
	}
}
