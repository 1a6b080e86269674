package localapi

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"motcua/hwtest/simcard"
	"motcua/reader"
)

// wsHello opens an events socket and returns it with its hello event.
func (e *env) wsHello(token string) (*wsClient, Event) {
	e.t.Helper()
	c, _, err := dialWS(e.addr, nil, Protocol, "bearer."+token)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(c.close)
	h := c.event(e.t)
	if h.Type != "hello" {
		e.t.Fatalf("first event %q", h.Type)
	}
	return c, h
}

// expectClose reads the next frame and wants a close with code 1008 and
// the reason: no event may come before it.
func expectClose(t *testing.T, c *wsClient, reason string) {
	t.Helper()
	op, p, err := c.next(5 * time.Second)
	if err != nil {
		t.Fatalf("socket not closed: %v", err)
	}
	if op != opClose {
		t.Fatalf("got a frame %#x (%q) instead of the close", op, p)
	}
	if len(p) < 2 || binary.BigEndian.Uint16(p) != 1008 || string(p[2:]) != reason {
		t.Fatalf("close frame %q, want 1008 %q", p, reason)
	}
}

// Hostile case first: an application unpaired while its socket is open
// must not receive the next citizen's identity.
func TestUnpairClosesOpenSocket(t *testing.T) {
	e := newEnv(t)
	full, _ := e.wsHello(e.full)
	plain, _ := e.wsHello(e.plain)
	if err := e.pairs.Unpair("notary-registry"); err != nil {
		t.Fatal(err)
	}
	expectClose(t, full, closeUnpaired)
	// The other application keeps its socket and its events.
	e.srv.Keys().Put(mustKeys(t, "001093047064"), nil)
	e.sim.Insert(e.card())
	if ev := plain.until(t, "card.read"); ev.Card == nil {
		t.Fatal("the paired application lost its events")
	}
	// Unpaired by another process (`motcua serve unpair` edits the file):
	// closed within the store's refresh period.
	other, err := OpenPairings(e.pairs.Dir())
	if err != nil {
		t.Fatal(err)
	}
	if err := other.Unpair("clinic-his"); err != nil {
		t.Fatal(err)
	}
	expectClose(t, plain, closeUnpaired)
	if e.srv.Status().Subscribers != 0 {
		t.Fatalf("%d subscribers left", e.srv.Status().Subscribers)
	}
}

// Re-pairing issues a new token: sockets opened with the old one close.
func TestRepairClosesOldTokenSocket(t *testing.T) {
	e := newEnv(t)
	c, _ := e.wsHello(e.full)
	if _, err := e.pairs.Pair("notary-registry", nil); err != nil {
		t.Fatal(err)
	}
	expectClose(t, c, closeUnpaired)
}

// Grants withdrawn (the file edited, same token) while the socket is open:
// the next identity comes without ethnicity, religion and the photo link.
func TestGrantsWithdrawnFilterNextEvent(t *testing.T) {
	e := newEnv(t)
	c, _ := e.wsHello(e.full)
	path := filepath.Join(e.pairs.Dir(), PairingsFile)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var apps []App
	if err := json.Unmarshal(b, &apps); err != nil {
		t.Fatal(err)
	}
	for i := range apps {
		if apps[i].Name == "notary-registry" {
			apps[i].Grants = []string{}
		}
	}
	b, _ = json.MarshalIndent(apps, "", "  ")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	e.srv.Keys().Put(mustKeys(t, "001093047064"), nil)
	e.sim.Insert(e.card())
	v := c.until(t, "card.read").Card
	if v == nil || v.Ethnicity != "" || v.Religion != "" || v.PhotoURL != "" || strings.Join(v.Withheld, ",") != "ethnicity,religion,photo" {
		t.Fatalf("withdrawn grants still applied: %+v", v)
	}
	if resp, _ := e.do("GET", "/v1/card/photo", e.full, nil); resp.StatusCode != 403 {
		t.Fatalf("photo after the grant was withdrawn: %d", resp.StatusCode)
	}
}

// The port answers at once with no reader; the reader attached later is
// announced; status, healthz and the hello say "no reader" meanwhile.
func TestNoReaderServesAtOnce(t *testing.T) {
	e := newEnvWith(t, envOptions{noReader: true})
	// The card loop beats while it waits for a reader: the watchdog stays
	// fed (no restart loop on a kiosk whose reader is unplugged).
	for i := 0; e.srv.ReadLoopHealthy(context.Background()) != nil; i++ {
		if i == 200 {
			t.Fatal("the card loop does not beat while waiting for a reader")
		}
		time.Sleep(10 * time.Millisecond)
	}
	resp, body := e.do("GET", "/healthz", "", nil)
	var h HealthReport
	json.Unmarshal(body, &h)
	if resp.StatusCode != 503 || h.OK || h.ReaderState != ReaderNone || !strings.Contains(h.Checks["reader"], "no reader") ||
		h.Checks["card loop"] != "ok" {
		t.Fatalf("healthz without a reader: %d %s", resp.StatusCode, body)
	}
	var st Status
	_, body = e.do("GET", "/v1/status", e.plain, nil)
	json.Unmarshal(body, &st)
	if st.State != StateNoReader || st.ReaderState != ReaderNone || st.Reader != "" || st.CardPresent {
		t.Fatalf("status without a reader: %s", body)
	}
	if resp, body := e.do("GET", "/v1/card", e.plain, nil); resp.StatusCode != 404 || !strings.Contains(string(body), `"no_reader"`) {
		t.Fatalf("card without a reader: %d %s", resp.StatusCode, body)
	}
	c, hello := e.wsHello(e.plain)
	if hello.Status == nil || hello.Status.ReaderState != ReaderNone || hello.Status.State != StateNoReader {
		t.Fatalf("hello without a reader: %+v", hello)
	}
	if err := e.srv.Attach(e.sim); err != nil {
		t.Fatal(err)
	}
	if ev := c.until(t, "reader.ready"); ev.Reader != "Simulated reader" {
		t.Fatalf("reader.ready: %+v", ev)
	}
	if err := e.srv.Attach(e.sim); err != ErrReaderAttached {
		t.Fatalf("second Attach: %v", err)
	}
	if resp, body := e.do("GET", "/healthz", "", nil); resp.StatusCode != 200 || !strings.Contains(string(body), `"reader_state": "ready"`) {
		t.Fatalf("healthz with the reader: %d %s", resp.StatusCode, body)
	}
	e.sim.Insert(e.card())
	if ev := c.until(t, "card.inserted"); !ev.NeedsKey || ev.CardSession == "" {
		t.Fatalf("insert after attach: %+v", ev)
	}
}

// unpluggable is a reader that can be pulled out: its watch ends, and a new
// watch stays silent until it is plugged back (as PC/SC behaves).
type unpluggable struct {
	*simcard.Reader
	mu      sync.Mutex
	gone    chan struct{} // closed on unplug
	plugged chan struct{} // closed on plug
}

func newUnpluggable(r *simcard.Reader) *unpluggable {
	p := &unpluggable{Reader: r, gone: make(chan struct{}), plugged: make(chan struct{})}
	close(p.plugged)
	return p
}

func (u *unpluggable) unplug() {
	u.mu.Lock()
	close(u.gone)
	u.plugged = make(chan struct{})
	u.mu.Unlock()
}

func (u *unpluggable) plug() {
	u.mu.Lock()
	u.gone = make(chan struct{})
	close(u.plugged)
	u.mu.Unlock()
}

func (u *unpluggable) Watch(ctx context.Context) <-chan bool {
	u.mu.Lock()
	gone, plugged := u.gone, u.plugged
	u.mu.Unlock()
	out := make(chan bool)
	go func() {
		defer close(out)
		select {
		case <-plugged:
		case <-ctx.Done():
			return
		}
		wctx, cancel := context.WithCancel(ctx)
		defer cancel()
		in := u.Reader.Watch(wctx)
		for {
			select {
			case v := <-in:
				select {
				case out <- v:
				case <-gone:
					return
				case <-ctx.Done():
					return
				}
			case <-gone:
				return
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}

var _ reader.Terminal = (*unpluggable)(nil)

func TestReaderGoneInEventStream(t *testing.T) {
	e := newEnvWith(t, envOptions{noReader: true})
	u := newUnpluggable(e.sim)
	c, _ := e.wsHello(e.plain)
	if err := e.srv.Attach(u); err != nil {
		t.Fatal(err)
	}
	c.until(t, "reader.ready")
	u.unplug()
	if ev := c.until(t, "reader.gone"); ev.Error == "" {
		t.Fatalf("reader.gone says nothing: %+v", ev)
	}
	if st := e.srv.Status(); st.State != StateNoReader || st.ReaderState != ReaderGone {
		t.Fatalf("status with the reader gone: %+v", st)
	}
	if resp, _ := e.do("GET", "/healthz", "", nil); resp.StatusCode != 503 {
		t.Fatalf("healthz with the reader gone: %d", resp.StatusCode)
	}
	u.plug()
	c.until(t, "reader.ready")
	if st := e.srv.Status(); st.State != StateEmpty {
		t.Fatalf("status after the reader came back: %+v", st)
	}
}

// The first event says a card is in and waits for its key.
func TestHelloSaysCardWaitsForKey(t *testing.T) {
	e := newEnv(t)
	first, _ := e.wsHello(e.plain)
	e.sim.Insert(e.card())
	ins := first.until(t, "card.inserted")
	_, hello := e.wsHello(e.plain)
	if hello.Status == nil || !hello.Status.CardPresent || hello.Status.State != StateWaitingKey || !hello.NeedsKey ||
		hello.CardSession == "" || hello.CardSession != ins.CardSession || hello.Card != nil {
		t.Fatalf("hello with a card waiting for its key: %+v %+v", hello, hello.Status)
	}
}

// include_card takes only the card the caller saw: a card swapped in
// between (even the same citizen's, a new session) is refused with 409.
func TestIncludeCardBoundToSession(t *testing.T) {
	e := newEnv(t)
	c, _ := e.wsHello(e.plain)
	e.srv.Keys().Sticky = true
	e.srv.Keys().Put(mustKeys(t, "001093047064"), nil)
	e.sim.Insert(e.card())
	seen := c.until(t, "card.read").CardSession
	e.sim.Remove()
	c.until(t, "card.removed")
	e.sim.Insert(e.card())
	now := c.until(t, "card.read").CardSession
	if now == seen || now == "" {
		t.Fatalf("card sessions %q then %q", seen, now)
	}
	body := map[string]any{"service": "1.003781", "form": guestForm(), "include_card": true, "card_session": seen, "consent_accepted": true}
	resp, b := e.do("POST", "/v1/dossiers", e.plain, body)
	if resp.StatusCode != 409 || !strings.Contains(string(b), `"card_changed"`) {
		t.Fatalf("stale card session: %d %s", resp.StatusCode, b)
	}
	body["card_session"] = now
	if resp, b := e.do("POST", "/v1/dossiers", e.plain, body); resp.StatusCode != 201 {
		t.Fatalf("current card session: %d %s", resp.StatusCode, b)
	}
}

func TestBodyTooLarge(t *testing.T) {
	e := newEnv(t)
	big := `{"service":"1.003781","form":{"ly_do":"` + strings.Repeat("a", 2<<20) + `"}}`
	for _, chunked := range []bool{false, true} {
		req, _ := http.NewRequest("POST", e.base+"/v1/dossiers", strings.NewReader(big))
		if chunked {
			req.ContentLength = -1 // no Content-Length: the limit is met while reading
			req.Body = readerOnly{strings.NewReader(big)}
		}
		req.Header.Set("Authorization", "Bearer "+e.plain)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 413 {
			t.Errorf("2 MB body (chunked %v): %d, want 413", chunked, resp.StatusCode)
		}
	}
}

type readerOnly struct{ r *strings.Reader }

func (r readerOnly) Read(p []byte) (int, error) { return r.r.Read(p) }
func (r readerOnly) Close() error               { return nil }

// Refused origins and hosts are logged (value, method, route), with no
// token; the log is rate-limited.
func TestRefusalsLogged(t *testing.T) {
	e := newEnv(t)
	e.do("GET", "/v1/card", e.plain, nil, "Origin", evilOrigin)
	e.do("GET", "/v1/status", e.plain, nil, "Host", "attacker.example:7420")
	out := e.logs.String()
	for _, want := range []string{`"reason":"origin_not_allowed"`, `"origin":"https://evil.example"`, `"route":"/v1/card"`,
		`"reason":"bad_host"`, `"host":"attacker.example:7420"`} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %s:\n%s", want, out)
		}
	}
	if strings.Contains(out, e.plain) || strings.Contains(out, e.plain[len(TokenPrefix):]) {
		t.Error("a token reached the log")
	}
	for range refusalBurst * 2 {
		e.do("GET", "/v1/card", "", nil, "Origin", evilOrigin)
	}
	if n := strings.Count(e.logs.String(), `"reason":"origin_not_allowed"`); n != refusalBurst {
		t.Errorf("%d refusal lines, want the burst of %d", n, refusalBurst)
	}
}

// Chromium's private/local network preflight is answered for configured
// origins only.
func TestPrivateNetworkPreflight(t *testing.T) {
	e := newEnv(t)
	pre := func(origin string, pna bool) *http.Response {
		h := []string{"Origin", origin, "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "authorization, content-type, idempotency-key"}
		if pna {
			h = append(h, "Access-Control-Request-Private-Network", "true")
		}
		resp, _ := e.do("OPTIONS", "/v1/dossiers", "", nil, h...)
		return resp
	}
	if r := pre(testOrigin, true); r.StatusCode != 204 || r.Header.Get("Access-Control-Allow-Private-Network") != "true" ||
		!strings.Contains(r.Header.Get("Access-Control-Allow-Headers"), "Idempotency-Key") {
		t.Fatalf("configured origin: %d %v", r.StatusCode, r.Header)
	}
	if r := pre(testOrigin, false); r.Header.Get("Access-Control-Allow-Private-Network") != "" {
		t.Fatalf("private network allowed unasked: %v", r.Header)
	}
	for _, o := range []string{evilOrigin, "http://localhost:9999", "null"} {
		if r := pre(o, true); r.StatusCode != 403 || r.Header.Get("Access-Control-Allow-Private-Network") != "" ||
			r.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Fatalf("origin %s: %d %v", o, r.StatusCode, r.Header)
		}
	}
}

// A QR whose Vietnamese letters the wedge scanner mangled still opens the
// chip; the name comes from the chip; the log has the ID masked.
func TestMangledQROpensChip(t *testing.T) {
	e := newEnv(t)
	c, _ := e.wsHello(e.plain)
	e.sim.Insert(e.card())
	c.until(t, "card.inserted")
	mangled := strings.Map(func(r rune) rune {
		if r > 0x7F {
			return '?'
		}
		return r
	}, e.profile.QRPayload())
	resp, body := e.do("POST", "/v1/qr", e.plain, map[string]string{"payload": mangled})
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"unreliable"`) {
		t.Fatalf("mangled QR: %d %s", resp.StatusCode, body)
	}
	if v := c.until(t, "card.read").Card; v == nil || v.FullName != "Nguyễn Văn Thử" {
		t.Fatalf("the chip did not supply the name: %+v", v)
	}
	if !bytes.Contains([]byte(e.logs.String()), []byte(`"msg":"QR scanned"`)) {
		t.Fatal("QR scan not logged")
	}
	e.checkLogs(t)
}
