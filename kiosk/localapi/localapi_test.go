package localapi

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"motcua/hwtest/simcard"
	"motcua/internal/logx"
	"motcua/internal/metrics"
	"motcua/kiosk/catalog"
	"motcua/kiosk/dossier"
	"motcua/kiosk/engine"
	"motcua/reader"
	"motcua/reader/cccd"
	"motcua/reader/pa"
	"motcua/sync/outbox"
)

const (
	testOrigin = "http://localhost:8080"
	evilOrigin = "https://evil.example"
)

type env struct {
	t       testing.TB
	srv     *Server
	eng     *engine.Engine
	addr    string
	base    string
	sim     *simcard.Reader
	profile simcard.Profile
	pairs   *Pairings
	store   *outbox.Store
	plain   string // token: no grants
	full    string // token: photo, ethnicity, religion
	logs    *lockedBuffer
	stop    func() // stops the agent (as its process ending would)
}

// lockedBuffer collects the server's (redacted) JSON logs.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// checkLogs fails if the server logged anything personal of the reference
// citizen, and that it did log the reads (masked).
func (e *env) checkLogs(t *testing.T) {
	t.Helper()
	out := e.logs.String()
	id := e.profile.Identity
	for _, f := range []string{id.IDNumber, id.IDNumber[6:], id.FullName, id.PlaceOfResidence, id.PlaceOfOrigin,
		id.FatherName, id.MotherName, id.OldIDNumber, id.Ethnicity + "\"", "001093999999"} {
		if strings.Contains(out, f) {
			t.Errorf("server log contains %q:\n%s", f, out)
		}
	}
	if !strings.Contains(out, "001******064") {
		t.Errorf("server log lacks the masked ID:\n%s", out)
	}
}

func trustStore(t testing.TB) *pa.TrustStore {
	ts, err := simcard.DefaultTrust()
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

// newEnv starts the API on 127.0.0.1 with the simulated reader, a real
// pairing store and a real outbox in temporary directories.
func newEnv(t testing.TB) *env { return newEnvWith(t, envOptions{}) }

type envOptions struct {
	noReader bool     // start without a reader (Attach later)
	listen   string   // address to listen on (default 127.0.0.1:0)
	origins  []string // browser origins allowed (default testOrigin)
	// rawLogs logs without the redactor: what the server masks itself.
	rawLogs bool
	// restart is a stopped agent whose data directory, outbox, pairings,
	// simulated reader and address the new one takes over.
	restart *env
	// help is the engine's office link (issue 19, help_test.go).
	help engine.HelpLink
}

func newEnvWith(t testing.TB, o envOptions) *env {
	t.Helper()
	dir := t.TempDir()
	var store *outbox.Store
	if o.restart != nil {
		dir, store, o.listen = o.restart.pairs.Dir(), o.restart.store, o.restart.addr
	}
	pairs, err := OpenPairings(dir)
	if err != nil {
		t.Fatal(err)
	}
	if store == nil {
		if store, err = outbox.Open(filepath.Join(dir, "outbox"), outbox.Options{Device: "test-desk", Logger: slog.New(slog.DiscardHandler)}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { store.Close() })
	}
	e := &env{t: t, sim: simcard.NewReader("Simulated reader"), profile: simcard.ReferenceProfile(), pairs: pairs, store: store,
		logs: &lockedBuffer{}}
	scrub := logx.NewScrubber()
	var handler slog.Handler = slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})
	if !o.rawLogs {
		handler = logx.NewRedactor(handler, scrub)
	}
	logger := slog.New(handler)
	if o.restart != nil {
		e.plain, e.full, e.sim = o.restart.plain, o.restart.full, o.restart.sim
	} else {
		if e.plain, err = pairs.Pair("clinic-his", nil); err != nil {
			t.Fatal(err)
		}
		if e.full, err = pairs.Pair("notary-registry", []string{"photo", "ethnicity", "religion"}); err != nil {
			t.Fatal(err)
		}
	}
	if o.origins == nil {
		o.origins = []string{testOrigin}
	}
	health := metrics.NewHealth(time.Second)
	var term reader.Terminal = e.sim
	if o.noReader {
		term = nil
	}
	cat, err := catalog.Load("")
	if err != nil {
		t.Fatal(err)
	}
	// The API is an adapter over the engine, as `motcua serve` runs it:
	// headless (the card's data leaves with the card).
	eng, err := engine.New(engine.Config{Terminal: term, Headless: true, Catalog: cat, Outbox: store, Device: "test-desk",
		ReadOptions: reader.Options{Trust: trustStore(t)}, Log: logger, Help: o.help})
	if err != nil {
		t.Fatal(err)
	}
	e.eng = eng
	e.srv, err = New(Config{Engine: eng, Pairings: pairs, Origins: o.origins, Health: health, Logger: logger, Scrubber: scrub})
	if err != nil {
		t.Fatal(err)
	}
	health.Register("card loop", e.srv.ReadLoopHealthy)
	if o.listen == "" {
		o.listen = "127.0.0.1:0"
	}
	l, err := Listen(o.listen)
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: e.srv.Handler(), ReadHeaderTimeout: 5 * time.Second}
	ctx, cancel := context.WithCancel(context.Background())
	runDone, serveDone := make(chan struct{}), make(chan struct{})
	eng.Start(ctx)
	go func() { defer close(runDone); e.srv.Run(ctx) }()
	go func() { defer close(serveDone); hs.Serve(l) }()
	var once sync.Once
	e.stop = func() {
		once.Do(func() {
			cancel()
			hs.Close()
			<-runDone
			<-serveDone
			eng.Stop()
		})
	}
	t.Cleanup(e.stop)
	e.addr = l.Addr().String()
	e.base = "http://" + e.addr
	for i := 0; !o.noReader && e.srv.Status().ReaderState != ReaderReady; i++ {
		if i == 500 {
			t.Fatal("the simulated reader never became ready")
		}
		time.Sleep(10 * time.Millisecond)
	}
	return e
}

func (e *env) card() *simcard.Card {
	c, err := e.profile.Card(simcard.CardOptions{Extended: true})
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// do sends a request with an optional token and extra headers.
func (e *env) do(method, path, token string, body any, hdr ...string) (*http.Response, []byte) {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, e.base+path, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i] == "Host" {
			req.Host = hdr[i+1]
			continue
		}
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func (e *env) ws(token string) *wsClient {
	e.t.Helper()
	c, _, err := dialWS(e.addr, nil, Protocol, "bearer."+token)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(c.close)
	if h := c.event(e.t); h.Type != "hello" {
		e.t.Fatalf("first event %q", h.Type)
	}
	return c
}

func TestListenLoopbackOnly(t *testing.T) {
	for _, a := range []string{"0.0.0.0:0", "[::]:0", ":0", "192.0.2.1:7420", "example.com:7420"} {
		if l, err := Listen(a); err == nil {
			l.Close()
			t.Errorf("Listen(%q) accepted", a)
		}
	}
	for _, a := range []string{"127.0.0.1:0", "localhost:0"} {
		l, err := Listen(a)
		if err != nil {
			t.Fatalf("Listen(%q): %v", a, err)
		}
		if !l.Addr().(*net.TCPAddr).IP.IsLoopback() {
			t.Errorf("%q listens on %v", a, l.Addr())
		}
		l.Close()
	}
}

func TestRefusals(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		name, token string
		hdr         []string
		code        int
	}{
		{"no token", "", nil, 401},
		{"unknown token", "mcp_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", nil, 401},
		{"short token", "x", nil, 401},
		{"foreign Host (DNS rebinding)", e.plain, []string{"Host", "attacker.example:7420"}, 403},
		{"unconfigured Origin", e.plain, []string{"Origin", evilOrigin}, 403},
		{"loopback but unconfigured Origin", e.plain, []string{"Origin", "http://localhost:9999"}, 403},
		{"paired", e.plain, nil, 200},
		{"paired, configured Origin", e.plain, []string{"Origin", testOrigin}, 200},
		{"paired, Host localhost", e.plain, []string{"Host", "localhost:7420"}, 200},
	} {
		resp, body := e.do("GET", "/v1/status", tc.token, nil, tc.hdr...)
		if resp.StatusCode != tc.code {
			t.Errorf("%s: %d %s, want %d", tc.name, resp.StatusCode, body, tc.code)
		}
		acao := resp.Header.Get("Access-Control-Allow-Origin")
		if tc.name == "paired, configured Origin" && acao != testOrigin {
			t.Errorf("no CORS header for a configured origin: %q", acao)
		}
		if tc.name != "paired, configured Origin" && acao != "" {
			t.Errorf("%s: CORS header %q", tc.name, acao)
		}
	}
	// Preflight: configured origin gets the CORS answer without a token;
	// another origin gets nothing usable.
	resp, _ := e.do("OPTIONS", "/v1/card", "", nil, "Origin", testOrigin, "Access-Control-Request-Method", "GET",
		"Access-Control-Request-Headers", "authorization", "Access-Control-Request-Private-Network", "true")
	if resp.StatusCode != 204 || resp.Header.Get("Access-Control-Allow-Origin") != testOrigin ||
		!strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), "Authorization") ||
		resp.Header.Get("Access-Control-Allow-Private-Network") != "true" {
		t.Fatalf("preflight: %d %v", resp.StatusCode, resp.Header)
	}
	if resp, _ := e.do("OPTIONS", "/v1/card", "", nil, "Origin", evilOrigin); resp.StatusCode != 403 || resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("evil preflight: %d %v", resp.StatusCode, resp.Header)
	}
	// WebSocket: unpaired and foreign-origin upgrades are refused.
	if _, resp, err := dialWS(e.addr, nil, Protocol); err == nil || resp.StatusCode != 401 {
		t.Fatalf("unpaired websocket: %v", err)
	}
	if _, resp, err := dialWS(e.addr, http.Header{"Origin": {evilOrigin}}, Protocol, "bearer."+e.plain); err == nil || resp.StatusCode != 403 {
		t.Fatalf("foreign-origin websocket: %v", err)
	}
	// Unpairing takes effect on the running server.
	if err := e.pairs.Unpair("clinic-his"); err != nil {
		t.Fatal(err)
	}
	if resp, _ := e.do("GET", "/v1/status", e.plain, nil); resp.StatusCode != 401 {
		t.Fatalf("unpaired app still accepted: %d", resp.StatusCode)
	}
	// Health and metrics need no token (no personal data) but are loopback-guarded.
	if resp, body := e.do("GET", "/healthz", "", nil); resp.StatusCode != 200 || !strings.Contains(string(body), `"ok": true`) {
		t.Fatalf("healthz: %d %s", resp.StatusCode, body)
	}
	if resp, body := e.do("GET", "/metrics", "", nil, "Host", "evil.example"); resp.StatusCode != 403 {
		t.Fatalf("metrics with foreign Host: %d %s", resp.StatusCode, body)
	}
	resp, body := e.do("GET", "/metrics", "", nil)
	if resp.StatusCode != 200 || !strings.Contains(string(body), `motcua_api_requests_total{route="/v1/status",code="401"}`) {
		t.Fatalf("metrics: %d %s", resp.StatusCode, body)
	}
}

func TestCardFlowAndGrants(t *testing.T) {
	e := newEnv(t)
	plain, full := e.ws(e.plain), e.ws(e.full)

	if resp, _ := e.do("GET", "/v1/card", e.plain, nil); resp.StatusCode != 404 {
		t.Fatalf("card before insertion: %d", resp.StatusCode)
	}
	e.sim.Insert(e.card())
	for _, c := range []*wsClient{plain, full} {
		if ev := c.event(t); ev.Type != "card.inserted" || !ev.NeedsKey || ev.Reader != "Simulated reader" {
			t.Fatalf("insert event: %+v", ev)
		}
	}
	if resp, body := e.do("GET", "/v1/card", e.plain, nil); resp.StatusCode != 409 || !strings.Contains(string(body), "waiting_key") {
		t.Fatalf("card waiting for key: %d %s", resp.StatusCode, body)
	}
	// The citizen's QR is scanned: it is the key.
	resp, body := e.do("POST", "/v1/qr", e.plain, map[string]string{"payload": e.profile.QRPayload()})
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"id_number": "001093047064"`) {
		t.Fatalf("qr: %d %s", resp.StatusCode, body)
	}
	if ev := plain.event(t); ev.Type != "qr.scanned" || ev.QR == nil || ev.QR.IDNumber != "001093047064" {
		t.Fatalf("qr event: %+v", ev)
	}
	pv, fv := plain.until(t, "card.read").Card, full.until(t, "card.read").Card
	if pv == nil || fv == nil {
		t.Fatal("card.read without a card")
	}
	if pv.IDNumber != "001093047064" || pv.FullName != "Nguyễn Văn Thử" || pv.Ethnicity != "" || pv.Religion != "" ||
		pv.PhotoURL != "" || strings.Join(pv.Withheld, ",") != "ethnicity,religion,photo" {
		t.Fatalf("ungranted view: %+v", pv)
	}
	if fv.Ethnicity != "Kinh" || fv.Religion != "Không" || fv.PhotoURL != "/v1/card/photo" || len(fv.Withheld) != 0 {
		t.Fatalf("granted view: %+v", fv)
	}
	if pv.Verification == nil || pv.Verification.Passive != cccd.PassiveVerified {
		t.Fatalf("verification: %+v", pv.Verification)
	}

	// The same over plain HTTP: the read --json schema, filtered.
	resp, body = e.do("GET", "/v1/card", e.plain, nil)
	if resp.StatusCode != 200 || strings.Contains(string(body), "Kinh") || !strings.Contains(string(body), `"access": "pace"`) {
		t.Fatalf("GET /v1/card: %d %s", resp.StatusCode, body)
	}
	if r, err := cccd.ParseReadResult(body); err != nil || r.IDNumber != "001093047064" {
		t.Fatalf("not the read --json schema: %v", err)
	}
	resp, body = e.do("GET", "/v1/card/verification", e.plain, nil)
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"verified": true`) {
		t.Fatalf("verification: %d %s", resp.StatusCode, body)
	}
	if resp, _ := e.do("GET", "/v1/card/photo", e.plain, nil); resp.StatusCode != 403 {
		t.Fatalf("photo without grant: %d", resp.StatusCode)
	}
	resp, body = e.do("GET", "/v1/card/photo", e.full, nil)
	if resp.StatusCode != 200 || !bytes.Equal(body, simcard.SyntheticFace(e.profile.FaceSeed)) || resp.Header.Get("Content-Type") == "" {
		t.Fatalf("photo: %d %d bytes %q", resp.StatusCode, len(body), resp.Header.Get("Content-Type"))
	}

	// Removal wipes the card.
	e.sim.Remove()
	if ev := plain.until(t, "card.removed"); ev.Card != nil {
		t.Fatalf("removed event carries a card")
	}
	full.until(t, "card.removed")
	if resp, _ := e.do("GET", "/v1/card", e.full, nil); resp.StatusCode != 404 {
		t.Fatalf("card after removal: %d", resp.StatusCode)
	}
	var st Status
	_, body = e.do("GET", "/v1/status", e.plain, nil)
	json.Unmarshal(body, &st)
	if st.State != StateEmpty || st.CardPresent || st.KeyWaiting {
		t.Fatalf("status after removal: %+v", st)
	}
	e.checkLogs(t)
}

func TestWrongKeyThenTypedID(t *testing.T) {
	e := newEnv(t)
	c := e.ws(e.plain)
	e.sim.Insert(e.card())
	c.until(t, "card.inserted")
	if resp, body := e.do("POST", "/v1/key", e.plain, map[string]string{"id_number": "001093999999"}); resp.StatusCode != 202 {
		t.Fatalf("key: %d %s", resp.StatusCode, body)
	}
	ev := c.until(t, "card.error")
	if ev.Reason != "wrong_key" || !ev.NeedsKey || strings.Contains(ev.Error, "001093999999") {
		t.Fatalf("wrong key event: %+v", ev)
	}
	for _, bad := range []map[string]string{{"id_number": "12"}, {"can": "abc"}, {"id_number": "001093047064", "can": "047064"}, {}} {
		if resp, _ := e.do("POST", "/v1/key", e.plain, bad); resp.StatusCode != 422 {
			t.Fatalf("bad key %v: %d", bad, resp.StatusCode)
		}
	}
	e.do("POST", "/v1/key", e.plain, map[string]string{"can": "047064"})
	if ev := c.until(t, "card.read"); ev.Card.IDNumber != "001093047064" {
		t.Fatalf("read after typed CAN: %+v", ev)
	}
	e.checkLogs(t)
	if !strings.Contains(e.logs.String(), `"reason":"wrong_key"`) {
		t.Errorf("wrong key not logged:\n%s", e.logs.String())
	}
}

// guestForm is a complete form of service 1.003781 (notice of stay: a
// hospital admitting an inpatient), the card filling the guest.
func guestForm() map[string]string {
	return map[string]string{"dien_thoai": "0900000000", "ly_do": "Nhập viện điều trị",
		"tu_ngay": "2026-01-10", "den_ngay": "2026-01-12", "dia_chi_luu_tru": "Bệnh viện Thử, Hà Nội"}
}

func TestDossierIntoOutbox(t *testing.T) {
	e := newEnv(t)
	c := e.ws(e.plain)
	req := func(session string) map[string]any {
		return map[string]any{"service": "1.003781", "form": guestForm(), "include_card": true, "card_session": session, "consent_accepted": true}
	}
	if resp, body := e.do("POST", "/v1/dossiers", e.plain, req("0123456789abcdef01234567")); resp.StatusCode != 409 ||
		!strings.Contains(string(body), "card_changed") {
		t.Fatalf("dossier with no card: %d %s", resp.StatusCode, body)
	}
	e.srv.Keys().Put(mustKeys(t, "001093047064"), nil) // the operator typed the ID
	e.sim.Insert(e.card())
	ev := c.until(t, "card.read")
	if ev.CardSession == "" {
		t.Fatal("card.read without a card session")
	}
	resp, body := e.do("POST", "/v1/dossiers", e.plain, req(ev.CardSession))
	if resp.StatusCode != 201 {
		t.Fatalf("dossier: %d %s", resp.StatusCode, body)
	}
	var out DossierCreated
	json.Unmarshal(body, &out)
	rec, err := e.store.Get(out.UUID)
	if err != nil || rec.Service != "1.003781" || rec.State != outbox.Pending || out.Schema != dossier.SchemaV1 {
		t.Fatalf("outbox record: %+v %v (%s)", rec, err, body)
	}
	p, err := e.store.Payload(out.UUID)
	if err != nil {
		t.Fatal(err)
	}
	// The one versioned format, readable by kiosk/dossier.
	d, err := dossier.Parse(p)
	if err != nil {
		t.Fatalf("not a versioned dossier: %v\n%s", err, p)
	}
	if len(d.Parties) != 1 || d.Parties[0].Role != "guest" || d.Parties[0].Provenance != "chip_verified" ||
		d.Parties[0].Fields["so_dinh_danh"].Value != "001093047064" || d.Parties[0].Fields["so_dinh_danh"].Provenance != "chip_verified" ||
		d.Fields["dien_thoai"].Value != "0900000000" || d.Fields["dien_thoai"].Provenance != "typed" ||
		d.Consent.AcceptedAt.IsZero() || d.Device != "test-desk" || d.ServiceCode != "1.003781" {
		t.Fatalf("dossier: %s", p)
	}
	if strings.Contains(string(p), "Kinh") {
		t.Fatalf("an ungranted field reached the dossier: %s", p)
	}
	for name, bad := range map[string]map[string]any{
		"service not a code":     {"service": "abc", "form": guestForm(), "consent_accepted": true},
		"service not catalogued": {"service": "1.999999", "form": guestForm(), "consent_accepted": true},
		"no consent":             {"service": "1.003781", "form": guestForm(), "include_card": true, "card_session": ev.CardSession},
		"no card session":        {"service": "1.003781", "form": guestForm(), "include_card": true, "consent_accepted": true},
		"unknown form field":     {"service": "1.003781", "form": map[string]string{"nope": "x"}, "consent_accepted": true},
		"card field typed":       {"service": "1.003781", "form": map[string]string{"guest.ho_ten": "X"}, "include_card": true, "card_session": ev.CardSession, "consent_accepted": true},
		"incomplete form":        {"service": "1.003781", "form": map[string]string{"ly_do": "x"}, "include_card": true, "card_session": ev.CardSession, "consent_accepted": true},
		"bad phone":              {"service": "1.003781", "form": map[string]string{"dien_thoai": "12"}, "include_card": true, "card_session": ev.CardSession, "consent_accepted": true},
		"role without card":      {"service": "1.003781", "form": guestForm(), "role": "guest", "consent_accepted": true},
	} {
		if resp, body := e.do("POST", "/v1/dossiers", e.plain, bad); resp.StatusCode != 422 {
			t.Errorf("%s: %d %s", name, resp.StatusCode, body)
		} else if name == "incomplete form" && !strings.Contains(string(body), `"field": "dien_thoai"`) {
			t.Errorf("incomplete form: problems not listed: %s", body)
		}
	}
	if resp, _ := e.do("POST", "/v1/dossiers", e.plain, map[string]any{"service": "1.003781", "form": guestForm(), "extra": 1}); resp.StatusCode != 400 {
		t.Fatalf("unknown field: %d", resp.StatusCode)
	}
	// A form-encoded POST (what a cross-site <form> can send without a
	// preflight) is refused.
	hreq, _ := http.NewRequest("POST", e.base+"/v1/dossiers", strings.NewReader("service=1.003781"))
	hreq.Header.Set("Authorization", "Bearer "+e.plain)
	hreq.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if resp, err := http.DefaultClient.Do(hreq); err != nil || resp.StatusCode != 415 {
		t.Fatalf("form post: %v %v", resp, err)
	}
	if n, _ := e.store.List(outbox.Filter{}); len(n) != 1 {
		t.Fatalf("%d dossiers in the outbox, want 1", len(n))
	}
	e.checkLogs(t)
}

func mustKeys(t testing.TB, id string) []reader.Key {
	k, err := reader.KeyFromID(id)
	if err != nil {
		t.Fatal(err)
	}
	return []reader.Key{k}
}

func TestWebSocketProtocol(t *testing.T) {
	e := newEnv(t)
	c := e.ws(e.plain)
	if c.protocol != Protocol {
		t.Fatalf("subprotocol %q", c.protocol)
	}
	c.send(opPing, []byte("hi"))
	if op, p, err := c.next(5 * time.Second); err != nil || op != opPong || string(p) != "hi" {
		t.Fatalf("pong: %x %q %v", op, p, err)
	}
	c.send(opClose, []byte{0x03, 0xE8})
	if op, _, err := c.next(5 * time.Second); err != nil || op != opClose {
		t.Fatalf("close: %x %v", op, err)
	}
	// Header-token clients (no subprotocol) work too.
	c2, _, err := dialWS(e.addr, http.Header{"Authorization": {"Bearer " + e.full}})
	if err != nil {
		t.Fatal(err)
	}
	defer c2.close()
	if ev := c2.event(t); ev.Type != "hello" {
		t.Fatalf("hello: %+v", ev)
	}
	// A plain GET on the events endpoint is not an upgrade.
	if resp, _ := e.do("GET", "/v1/events", e.plain, nil); resp.StatusCode != 400 {
		t.Fatalf("plain GET events: %d", resp.StatusCode)
	}
}

func TestPairings(t *testing.T) {
	dir := t.TempDir()
	p, err := OpenPairings(dir)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := p.Pair("his", []string{"photo", "photo"})
	if err != nil || !strings.HasPrefix(tok, TokenPrefix) {
		t.Fatalf("pair: %q %v", tok, err)
	}
	b, _ := os.ReadFile(filepath.Join(dir, PairingsFile))
	if strings.Contains(string(b), tok) || strings.Contains(string(b), tok[len(TokenPrefix):]) {
		t.Fatal("token stored in clear")
	}
	if st, _ := os.Stat(filepath.Join(dir, PairingsFile)); st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", st.Mode())
	}
	// Another process (here: another store) sees the pairing.
	p2, _ := OpenPairings(dir)
	if app, ok := p2.Lookup(tok); !ok || app.Name != "his" || !app.Granted("photo") || app.Granted("religion") || len(app.Grants) != 1 {
		t.Fatalf("lookup: %+v %v", app, ok)
	}
	tok2, _ := p2.Pair("his", nil) // re-pair: old token dies
	if _, ok := p.Lookup(tok); ok {
		t.Fatal("old token still valid after re-pairing")
	}
	if _, ok := p.Lookup(tok2); !ok {
		t.Fatal("new token not seen by the first store")
	}
	for _, bad := range [][2]string{{"", ""}, {"has space", ""}, {"ok", "fingerprint"}} {
		var g []string
		if bad[1] != "" {
			g = []string{bad[1]}
		}
		if _, err := p.Pair(bad[0], g); err == nil {
			t.Errorf("Pair(%q, %v) accepted", bad[0], g)
		}
	}
	if err := p.Unpair("nobody"); err != ErrUnknownApp {
		t.Fatalf("unpair unknown: %v", err)
	}
	os.WriteFile(filepath.Join(dir, PairingsFile), []byte("{broken"), 0o600)
	if _, err := OpenPairings(dir); err == nil {
		t.Fatal("broken file accepted")
	}
}

func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	doc := string(OpenAPI)
	for _, p := range []string{"/v1/status", "/v1/card", "/v1/card/verification", "/v1/card/photo", "/v1/qr", "/v1/key",
		"/v1/dossiers", "/v1/events", "/v1/whoami", "/v1/services/{code}", "/healthz", "/metrics", "/v1/help", "/v1/help/answer"} {
		if !strings.Contains(doc, "\n  "+p+":") {
			t.Errorf("openapi.yaml lacks %s", p)
		}
	}
	if !strings.HasPrefix(doc, "openapi: 3.") {
		t.Error("not an OpenAPI 3 document")
	}
	// What integrators must know to call it from a browser and to retry.
	for _, s := range []string{"Local Network Access", "Access-Control-Allow-Private-Network", "LocalNetworkAccessAllowedForUrls",
		"Idempotency-Key", "card_session", "no_reader", "unreliable"} {
		if !strings.Contains(doc, s) {
			t.Errorf("openapi.yaml does not document %s", s)
		}
	}
}

func TestSlowSubscriberDropped(t *testing.T) {
	h := newHub(nil)
	slow, fast := h.subscribe(&App{Name: "slow"}), h.subscribe(&App{Name: "fast"})
	for i := range subscriberBuffer + 1 {
		h.publish(Event{Type: "qr.scanned"})
		if i < subscriberBuffer {
			<-fast.ch
		}
	}
	if h.count() != 1 {
		t.Fatalf("%d subscribers, want the slow one dropped", h.count())
	}
	if !slow.killed.Load() || slow.closeReason() != closeTooSlow || len(slow.ch) != subscriberBuffer {
		t.Fatalf("slow subscriber: killed %v (%q), %d queued", slow.killed.Load(), slow.closeReason(), len(slow.ch))
	}
	if e := <-fast.ch; e == nil {
		t.Fatal("fast subscriber lost the last event")
	}
}

func TestServiceFields(t *testing.T) {
	e := newEnv(t)
	resp, body := e.do("GET", "/v1/services/1.003781", e.plain, nil)
	var v ServiceView
	json.Unmarshal(body, &v)
	keys := map[string]FieldView{}
	for _, f := range v.Fields {
		keys[f.Key] = f
	}
	if resp.StatusCode != 200 || v.ConsentVI == "" || !keys["guest.ho_ten"].FromCard || keys["dien_thoai"].FromCard || !keys["ly_do"].Required {
		t.Fatalf("service: %d %s", resp.StatusCode, body)
	}
	if resp, _ := e.do("GET", "/v1/services/abc", e.plain, nil); resp.StatusCode != 404 {
		t.Fatalf("unknown service: %d", resp.StatusCode)
	}
	if resp, _ := e.do("GET", "/v1/services/1.003781", "", nil); resp.StatusCode != 401 {
		t.Fatalf("unpaired: %d", resp.StatusCode)
	}
}

// The server masks the ID itself before any logger: even a logger without
// the redactor never sees it.
func TestIDMaskedBeforeAnyLogger(t *testing.T) {
	e := newEnvWith(t, envOptions{rawLogs: true})
	c := e.ws(e.plain)
	e.sim.Insert(e.card())
	c.until(t, "card.inserted")
	if resp, body := e.do("POST", "/v1/qr", e.plain, map[string]string{"payload": e.profile.QRPayload()}); resp.StatusCode != 200 {
		t.Fatalf("qr: %d %s", resp.StatusCode, body)
	}
	sess := c.until(t, "card.read").CardSession
	if resp, body := e.do("POST", "/v1/dossiers", e.plain, map[string]any{"service": "1.003781", "form": guestForm(),
		"include_card": true, "card_session": sess, "consent_accepted": true}); resp.StatusCode != 201 {
		t.Fatalf("dossier: %d %s", resp.StatusCode, body)
	}
	e.sim.Remove()
	c.until(t, "card.removed")
	out := e.logs.String()
	if !strings.Contains(out, `"msg":"QR scanned"`) || !strings.Contains(out, "001******064") {
		t.Fatalf("QR scan not logged with the masked ID:\n%s", out)
	}
	if strings.Contains(out, e.profile.Identity.IDNumber) {
		t.Fatalf("the raw ID reached the logger:\n%s", out)
	}
}
