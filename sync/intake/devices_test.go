package intake

import (
	"crypto/tls"
	"crypto/x509"
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

	"motcua/sync/heartbeat/wire"
	"motcua/sync/internal/testpki"
)

// hub is a server over one backend with two enrolled token devices.
type hub struct {
	srv        *Server
	url        string
	tokA, tokB string
	idA, idB   string
	backend    Backend
	adminToken string
	clock      time.Time
}

func newHub(t *testing.T, b Backend) *hub {
	t.Helper()
	h := &hub{backend: b, tokA: NewDeviceToken(), tokB: NewDeviceToken(), adminToken: "adm-" + NewDeviceToken()}
	now := time.Date(2026, 11, 20, 3, 0, 0, 0, time.UTC)
	h.clock = now
	a, bb := NewDevice("Xã A", []string{CredentialHash(CredToken, []byte(h.tokA))}, now), NewDevice("Xã B", []string{CredentialHash(CredToken, []byte(h.tokB))}, now)
	for _, d := range []Device{a, bb} {
		if err := b.AddDevice(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	h.idA, h.idB = a.ID, bb.ID
	srv, err := NewServer(b, "pilot-token", Faults{}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	srv.SetAdminToken(h.adminToken)
	srv.now = func() time.Time { return h.clock }
	h.srv = srv
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	h.url = hs.URL
	return h
}

func (h *hub) do(t *testing.T, method, path, tok, key, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, h.url+path, strings.NewReader(body))
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// A device reads and updates only its own dossiers; another device's UUID
// is refused (as unknown for reads, 409 for a submission so the genuine
// dossier is never made "rejected" at its kiosk); revocation takes effect on
// the next request; the operator sees everything.
func TestDeviceIsolationAndRevocation(t *testing.T) {
	backends(t, func(t *testing.T, b Backend) {
		h := newHub(t, b)
		body := `{"service":"1.004222","payload":{"x":1}}`
		if code, out := h.do(t, "POST", "/v1/dossiers", h.tokA, key1, body); code != 201 {
			t.Fatalf("A submit: %d %s", code, out)
		}
		// B learnt A's UUID (from a receipt): every use is refused.
		if code, out := h.do(t, "GET", "/v1/dossiers/"+key1, h.tokB, "", ""); code != 404 || strings.Contains(out, "MC-") {
			t.Errorf("B reads A's dossier: %d %s", code, out)
		}
		if code, out := h.do(t, "PUT", "/v1/dossiers/"+key1+"/status", h.tokB, "", `{"status":3}`); code != 404 {
			t.Errorf("B updates A's dossier: %d %s", code, out)
		}
		for _, bbody := range []string{body, `{"service":"1.004222","payload":{"x":2}}`} {
			if code, out := h.do(t, "POST", "/v1/dossiers", h.tokB, key1, bbody); code != 409 || strings.Contains(out, "MC-") {
				t.Errorf("B submits under A's key: %d %s", code, out)
			}
		}
		// The shared pilot token is one more device, not a master key.
		if code, _ := h.do(t, "GET", "/v1/dossiers/"+key1, "pilot-token", "", ""); code != 404 {
			t.Errorf("pilot reads A's dossier: %d", code)
		}
		d, _ := b.Lookup(ctx, key1)
		if d.Submissions != 1 || d.Status != 1 || d.Device != h.idA {
			t.Errorf("A's dossier touched: %+v", d)
		}
		if code, out := h.do(t, "GET", "/v1/dossiers/"+key1, h.tokA, "", ""); code != 200 || !strings.Contains(out, d.DossierCode) {
			t.Errorf("A reads own: %d %s", code, out)
		}
		if code, _ := h.do(t, "PUT", "/v1/dossiers/"+key1+"/status", h.tokA, "", `{"status":4}`); code != 200 {
			t.Errorf("A updates own: %d", code)
		}
		// Operator: any dossier, and the admin routes; devices: not the admin routes.
		if code, _ := h.do(t, "PUT", "/v1/dossiers/"+key1+"/status", h.adminToken, "", `{"status":9}`); code != 200 {
			t.Errorf("operator update: %d", code)
		}
		if code, _ := h.do(t, "POST", "/v1/dossiers", h.adminToken, keyN(7), body); code != 403 {
			t.Errorf("operator submits: %d", code)
		}
		if code, _ := h.do(t, "GET", "/v1/admin/dossiers", h.tokA, "", ""); code != 401 {
			t.Errorf("device on admin route: %d", code)
		}
		if code, out := h.do(t, "GET", "/v1/admin/devices", h.adminToken, "", ""); code != 200 || strings.Contains(out, "token:") {
			t.Errorf("admin devices: %d %s", code, out)
		}
		// Revocation: the very next request is refused.
		if err := b.RevokeDevice(ctx, h.idA, h.clock); err != nil {
			t.Fatal(err)
		}
		if code, out := h.do(t, "GET", "/v1/dossiers/"+key1, h.tokA, "", ""); code != 401 || !strings.Contains(out, "revoked") {
			t.Errorf("revoked device: %d %s", code, out)
		}
		if code, _ := h.do(t, "POST", "/v1/dossiers", h.tokA, keyN(5), body); code != 401 {
			t.Errorf("revoked device submits: %d", code)
		}
		if code, _ := h.do(t, "POST", "/v1/dossiers", "mcd_forged", keyN(5), body); code != 401 {
			t.Errorf("unknown token: %d", code)
		}
		if code, _ := h.do(t, "POST", "/v1/dossiers", h.tokB, keyN(5), body); code != 201 {
			t.Errorf("B unaffected: %d", code)
		}
	})
}

func TestRateLimitPerDevice(t *testing.T) {
	st, _ := OpenStore(t.TempDir())
	defer st.Close()
	h := newHub(t, st)
	h.srv.SetRateLimit(1, 2)
	var codes []int
	for range 3 {
		c, _ := h.do(t, "GET", "/v1/dossiers/"+key1, h.tokA, "", "")
		codes = append(codes, c)
	}
	if codes[0] != 404 || codes[1] != 404 || codes[2] != 429 {
		t.Errorf("device A: %v", codes)
	}
	if c, _ := h.do(t, "GET", "/v1/dossiers/"+key1, h.tokB, "", ""); c != 404 {
		t.Errorf("device B limited by A's traffic: %d", c)
	}
	h.clock = h.clock.Add(2 * time.Second)
	if c, _ := h.do(t, "GET", "/v1/dossiers/"+key1, h.tokA, "", ""); c != 404 {
		t.Errorf("after refill: %d", c)
	}
}

func TestHeartbeatEndpoint(t *testing.T) {
	backends(t, func(t *testing.T, b Backend) {
		h := newHub(t, b)
		h.srv.SetHeartbeat(time.Minute, 10*time.Minute)
		good := `{"version":"0.9.1","reader":"ok","outbox":{"pending":2,"sending":0,"needs_attention":1,"rejected":0,"oldest_pending_seconds":120},
			"since":"2026-11-20T02:00:00Z","counts":{"bhyt":{"found":3,"error":1},"verdicts":{"chip_verified":2}}}`
		if code, out := h.do(t, "POST", "/v1/heartbeat", h.tokA, "", good); code != 200 || !strings.Contains(out, `"min_interval_seconds":60`) {
			t.Fatalf("heartbeat: %d %s", code, out)
		}
		if code, _ := h.do(t, "POST", "/v1/heartbeat", h.tokA, "", good); code != 429 {
			t.Errorf("second heartbeat within a minute: %d", code)
		}
		bad := map[string]string{
			"ID number as label": strings.Replace(good, `"found":3`, `"001099012345":3`, 1),
			"name as label":      strings.Replace(good, `"found":3`, `"Nguyễn Văn A":3`, 1),
			"unknown family":     strings.Replace(good, `"bhyt"`, `"names"`, 1),
			"unknown reader":     strings.Replace(good, `"reader":"ok"`, `"reader":"Nguyen"`, 1),
		}
		h.clock = h.clock.Add(2 * time.Minute)
		for name, body := range bad {
			if code, _ := h.do(t, "POST", "/v1/heartbeat", h.tokB, "", body); code != 422 {
				t.Errorf("%s: %d", name, code)
			}
		}
		if code, _ := h.do(t, "POST", "/v1/heartbeat", h.tokB, "", `{"version":"1","reader":"ok","extra":1}`); code != 400 {
			t.Errorf("unknown field: %d", code)
		}
		if code, _ := h.do(t, "POST", "/v1/heartbeat", "", "", good); code != 401 {
			t.Errorf("anonymous heartbeat: %d", code)
		}
		if code, _ := h.do(t, "POST", "/v1/heartbeat", "pilot-token", "", good); code != 200 {
			t.Errorf("pilot heartbeat: %d", code)
		}
		if code, _ := h.do(t, "POST", "/v1/heartbeat", "pilot-token", "", good); code != 429 {
			t.Errorf("pilot second heartbeat: %d", code)
		}
		devs, _ := b.Devices(ctx)
		var a Device
		for _, d := range devs {
			if d.ID == h.idA {
				a = d
			}
		}
		if a.LastHeartbeat == nil || a.LastHeartbeat.Outbox.NeedsAttention != 1 || a.LastHeartbeat.Version != "0.9.1" {
			t.Errorf("stored heartbeat: %+v", a)
		}
		c, _ := b.Counts(ctx, "2026-11")
		if c[h.idA][wire.BHYT]["found"] != 3 || c[PilotDevice][wire.Verdicts]["chip_verified"] != 2 {
			t.Errorf("counts: %v", c)
		}
		// Fleet and metrics: B (never heard from) first, then the rest.
		h.clock = h.clock.Add(20 * time.Minute) // A and pilot now offline too
		code, page := h.do(t, "GET", "/fleet", h.adminToken, "", "")
		if code != 200 || strings.Index(page, "Xã B") > strings.Index(page, "Xã A") || strings.Contains(page, "<script") || strings.Contains(page, "http://") || strings.Contains(page, "https://") || strings.Contains(page, "src=") {
			t.Errorf("fleet: %d\n%s", code, page)
		}
		code, m := h.do(t, "GET", "/metrics", h.adminToken, "", "")
		if code != 200 || !strings.Contains(m, `motcua_device_outbox_pending{device="`+h.idA+`",name="Xã A"} 2`) ||
			!strings.Contains(m, `motcua_device_online{device="`+h.idA+`",name="Xã A"} 0`) {
			t.Errorf("metrics: %d\n%s", code, m)
		}
		if code, _ := h.do(t, "GET", "/metrics", h.tokA, "", ""); code != 401 {
			t.Errorf("device reads metrics: %d", code)
		}
	})
}

// Mutual TLS identities: an enrolled certificate (pinned by fingerprint,
// even self-signed) is the device; an unknown certificate is nobody; a
// certificate of one device with the token of another is refused; a
// revoked certificate is refused on the next request.
func TestDeviceCertificates(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "a"), 0o700)
	os.MkdirAll(filepath.Join(dir, "b"), 0o700)
	pkiA, err := testpki.Generate(filepath.Join(dir, "a"))
	if err != nil {
		t.Fatal(err)
	}
	pkiB, err := testpki.Generate(filepath.Join(dir, "b"))
	if err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "intake")
	st, err := OpenStore(data)
	if err != nil {
		t.Fatal(err)
	}
	pemA, _ := os.ReadFile(pkiA.ClientCert)
	fpA, err := CertFingerprint(pemA)
	if err != nil {
		t.Fatal(err)
	}
	tokB := NewDeviceToken()
	devA := NewDevice("Xã A", []string{fpA}, time.Now())
	devB := NewDevice("Xã B", []string{CredentialHash(CredToken, []byte(tokB))}, time.Now())
	st.AddDevice(ctx, devA)
	st.AddDevice(ctx, devB)
	st.Close()

	urlc := make(chan string, 1)
	stop := make(chan struct{})
	go func() {
		c, cancel := contextWithCancel()
		go func() { <-stop; cancel() }()
		ListenAndServe(c, Config{Addr: "127.0.0.1:0", DataDir: data, TLSCert: pkiA.ServerCert, TLSKey: pkiA.ServerKey}, func(u string) { urlc <- u })
	}()
	defer close(stop)
	base := <-urlc
	caPEM, _ := os.ReadFile(pkiA.CA)
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	client := func(certFile, keyFile string) *http.Client {
		cfg := &tls.Config{RootCAs: pool}
		if certFile != "" {
			c, err := tls.LoadX509KeyPair(certFile, keyFile)
			if err != nil {
				t.Fatal(err)
			}
			cfg.Certificates = []tls.Certificate{c}
		}
		return &http.Client{Transport: &http.Transport{TLSClientConfig: cfg}, Timeout: 10 * time.Second}
	}
	submit := func(c *http.Client, tok, key string) int {
		req, _ := http.NewRequest("POST", base+"/v1/dossiers", strings.NewReader(`{"service":"1.004222","payload":{}}`))
		req.Header.Set("Idempotency-Key", key)
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	certA, certB, none := client(pkiA.ClientCert, pkiA.ClientKey), client(pkiB.ClientCert, pkiB.ClientKey), client("", "")
	if c := submit(certA, "", keyN(1)); c != 201 {
		t.Errorf("enrolled certificate: %d", c)
	}
	if c := submit(certB, "", keyN(2)); c != 401 {
		t.Errorf("unknown certificate: %d", c)
	}
	if c := submit(none, "", keyN(2)); c != 401 {
		t.Errorf("no credential: %d", c)
	}
	if c := submit(certA, tokB, keyN(2)); c != 401 {
		t.Errorf("A's certificate with B's token: %d", c)
	}
	if c := submit(certB, tokB, keyN(3)); c != 201 {
		t.Errorf("unknown certificate with B's token: %d", c)
	}
	// Revoke A through the running server's admin socket.
	ac := NewSocketAdminClient(data)
	if err := ac.RevokeDevice(ctx, devA.ID); err != nil {
		t.Fatal(err)
	}
	if c := submit(certA, "", keyN(4)); c != 401 {
		t.Errorf("revoked certificate: %d", c)
	}
	ds, err := ac.Dossiers(ctx, time.Time{}, time.Time{}, false)
	if err != nil || len(ds) != 2 {
		t.Fatalf("dossiers over the admin socket: %v %v", ds, err)
	}
	byKey := map[string]string{}
	for _, d := range ds {
		byKey[d.IdempotencyKey] = d.Device
	}
	if byKey[keyN(1)] != devA.ID || byKey[keyN(3)] != devB.ID {
		t.Errorf("bindings: %v", byKey)
	}
	js, _ := json.Marshal(ds)
	if strings.Contains(string(js), "cert:") {
		t.Error("credential hashes leak through the admin API")
	}
}

// A device name is operator input: it is escaped in the page, never markup.
func TestFleetEscapesNames(t *testing.T) {
	var b strings.Builder
	devs := []Device{{ID: `dev-"x"`, Name: `<script>alert(1)</script> & "quầy"`}}
	if err := RenderFleet(&b, devs, time.Now(), time.Minute); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	if strings.Contains(page, "<script>") || !strings.Contains(page, "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;quầy&#34;") || !strings.Contains(page, `data-device="dev-&#34;x&#34;"`) {
		t.Errorf("page:\n%s", page)
	}
}

func TestCredentialHashes(t *testing.T) {
	dir := t.TempDir()
	pki, err := testpki.Generate(dir)
	if err != nil {
		t.Fatal(err)
	}
	pemData, _ := os.ReadFile(pki.ClientCert)
	fp, err := CertFingerprint(pemData)
	if err != nil || !strings.HasPrefix(fp, "cert:") || len(fp) != 5+64 {
		t.Fatalf("fingerprint %q %v", fp, err)
	}
	// The same fingerprint typed as openssl prints it (upper case, colons).
	hexfp := strings.ToUpper(strings.TrimPrefix(fp, "cert:"))
	var colons []string
	for i := 0; i < len(hexfp); i += 2 {
		colons = append(colons, hexfp[i:i+2])
	}
	if got, err := ParseFingerprint(strings.Join(colons, ":")); err != nil || got != fp {
		t.Errorf("ParseFingerprint: %q %v, want %q", got, err, fp)
	}
	for _, bad := range []string{"abc", strings.Repeat("g", 64), strings.Repeat("a", 62)} {
		if _, err := ParseFingerprint(bad); err == nil {
			t.Errorf("fingerprint %q accepted", bad)
		}
	}
	if _, err := CertFingerprint([]byte("not pem")); err == nil {
		t.Error("non-PEM accepted")
	}
	keyPEM, _ := os.ReadFile(pki.ClientKey)
	if _, err := CertFingerprint(keyPEM); err == nil {
		t.Error("a key file accepted as a certificate")
	}
	if a, b := NewDeviceToken(), NewDeviceToken(); a == b || len(a) < 40 || CredentialHash(CredToken, []byte(a)) == CredentialHash(CredToken, []byte(b)) {
		t.Error("tokens not random")
	}
}
