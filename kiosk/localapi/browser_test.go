package localapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"motcua/sync/outbox"
)

// The example clinic page, driven in headless Chromium through the Chrome
// DevTools Protocol (a small client over the test WebSocket client),
// against the local API with the simulated reader, all on loopback.

// chromiumPath finds Debian's chromium.
func chromiumPath() string {
	for _, n := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	return ""
}

// browser is one headless Chromium and a DevTools session on its page.
type browser struct {
	t    *testing.T
	ws   *wsClient
	id   int
	logs *bytes.Buffer
}

// startChromium runs Chromium with a fresh profile, debugging on a
// loopback port it picks itself, and attaches to its page. The process
// group is killed by pid at cleanup.
func startChromium(t *testing.T) *browser {
	bin := chromiumPath()
	if bin == "" {
		t.Skip("chromium is not installed (Debian package chromium, listed in scripts/packages.txt): the example page is not tried in a browser")
	}
	profile := t.TempDir()
	cmd := exec.Command(bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--no-first-run", "--no-default-browser-check",
		"--user-data-dir="+profile, "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", "about:blank")
	logs := &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("chromium: %v", err)
	}
	pid := cmd.Process.Pid
	t.Cleanup(func() {
		syscall.Kill(-pid, syscall.SIGTERM) // the group: browser, zygote, renderers
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			syscall.Kill(-pid, syscall.SIGKILL)
			<-done
		}
	})
	// Chromium writes the port it chose into the profile.
	var port string
	for i := 0; port == ""; i++ {
		if i == 300 {
			t.Fatalf("chromium did not open its debugging port:\n%s", logs)
		}
		if b, err := os.ReadFile(filepath.Join(profile, "DevToolsActivePort")); err == nil {
			if l := strings.SplitN(string(b), "\n", 2); len(l) == 2 && l[0] != "" {
				port = l[0]
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	addr := "127.0.0.1:" + port
	var targets []struct {
		Type string `json:"type"`
		WS   string `json:"webSocketDebuggerUrl"`
	}
	resp, err := http.Get("http://" + addr + "/json/list")
	if err != nil {
		t.Fatal(err)
	}
	json.NewDecoder(resp.Body).Decode(&targets)
	resp.Body.Close()
	path := ""
	for _, tg := range targets {
		if tg.Type == "page" {
			path = strings.TrimPrefix(tg.WS, "ws://"+addr)
			break
		}
	}
	if path == "" {
		t.Fatalf("no page target: %+v", targets)
	}
	ws, _, err := dialWSPath(addr, path, nil)
	if err != nil {
		t.Fatalf("devtools: %v", err)
	}
	t.Cleanup(ws.close)
	return &browser{t: t, ws: ws, logs: logs}
}

// call sends a DevTools command and returns its result (events between
// are skipped).
func (b *browser) call(method string, params any) json.RawMessage {
	b.t.Helper()
	b.id++
	msg, _ := json.Marshal(map[string]any{"id": b.id, "method": method, "params": params})
	if err := b.ws.send(opText, msg); err != nil {
		b.t.Fatal(err)
	}
	for {
		op, p, err := b.ws.next(30 * time.Second)
		if err != nil {
			b.t.Fatalf("devtools %s: %v", method, err)
		}
		if op != opText {
			continue
		}
		var r struct {
			ID     int             `json:"id"`
			Result json.RawMessage `json:"result"`
			Error  *struct {
				Message string `json:"message"`
			} `json:"error"`
		}
		if json.Unmarshal(p, &r) != nil || r.ID != b.id {
			continue
		}
		if r.Error != nil {
			b.t.Fatalf("devtools %s: %s", method, r.Error.Message)
		}
		return r.Result
	}
}

// eval runs JavaScript in the page and returns its value as JSON.
func (b *browser) eval(js string) json.RawMessage {
	b.t.Helper()
	var r struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		Exception *struct {
			Text      string `json:"text"`
			Exception struct {
				Description string `json:"description"`
			} `json:"exception"`
		} `json:"exceptionDetails"`
	}
	json.Unmarshal(b.call("Runtime.evaluate", map[string]any{"expression": js, "awaitPromise": true, "returnByValue": true}), &r)
	if r.Exception != nil {
		b.t.Fatalf("page script %q: %s %s", js, r.Exception.Text, r.Exception.Exception.Description)
	}
	return r.Result.Value
}

// state is the page's status line: its code and text.
func (b *browser) state() (code, text string) {
	var s struct{ Code, Text string }
	json.Unmarshal(b.eval(`({code: document.getElementById("state").dataset.code, text: document.getElementById("state").textContent})`), &s)
	return s.Code, s.Text
}

// waitFor polls a JavaScript condition (bounded: 40 s, enough for the
// reconnect backoff).
func (b *browser) waitFor(what, cond string) {
	b.t.Helper()
	deadline := time.Now().Add(40 * time.Second)
	for time.Now().Before(deadline) {
		if string(b.eval("!!("+cond+")")) == "true" {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	code, text := b.state()
	b.t.Fatalf("%s: never true (%s); page says %s: %q", what, cond, code, text)
}

func (b *browser) open(url string) {
	b.t.Helper()
	b.call("Page.navigate", map[string]any{"url": url})
	b.waitFor("page loaded", `document.readyState === "complete" && document.getElementById("connect") !== null`)
}

// servePage serves the example directory on a loopback port and returns
// its origin.
func servePage(t *testing.T) string {
	l, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: http.FileServer(http.Dir("example")), ReadHeaderTimeout: 5 * time.Second}
	done := make(chan struct{})
	go func() { defer close(done); hs.Serve(l) }()
	t.Cleanup(func() { hs.Close(); <-done })
	return "http://" + l.Addr().String()
}

const codeIs = `document.getElementById("state").dataset.code === `

func field(name string) string {
	return fmt.Sprintf(`document.getElementById("form").elements[%q].value`, name)
}

func TestExamplePageInChromium(t *testing.T) {
	b := startChromium(t)
	origin := servePage(t)
	e := newEnvWith(t, envOptions{origins: []string{origin}})
	b.open(origin + "/index.html")
	connect := func(agent, token string) {
		b.eval(fmt.Sprintf(`document.getElementById("agent").value = %q; document.getElementById("token").value = %q;
			document.getElementById("connect").click(); true`, agent, token))
	}
	connect(e.base, e.plain)
	b.waitFor("connected", codeIs+`"connected"`)

	// A patient: the key waits (the desk typed the ID), the card is read.
	e.srv.Keys().Put(mustKeys(t, "001093047064"), nil)
	e.sim.Insert(e.card())
	b.waitFor("card shown", field("full_name")+` === "Nguyễn Văn Thử"`)
	// Visit data typed, then a double click on "save".
	b.eval(`const f = document.getElementById("form").elements;
		f.phone.value = "0900000000"; f.reason.value = "Sốt cao"; f.to.value = "2026-12-02"; f.consent.checked = true;
		document.getElementById("submit").click(); document.getElementById("submit").click(); true`)
	b.waitFor("dossier saved", codeIs+`"saved"`)
	if recs, _ := e.store.List(outbox.Filter{}); len(recs) != 1 {
		t.Fatalf("%d dossiers after a double click, want 1", len(recs))
	}
	// The card leaves: the patient's data and what was typed go with it.
	e.sim.Remove()
	b.waitFor("patient cleared", codeIs+`"card_removed" && `+field("phone")+` === "" && `+field("reason")+` === "" && `+field("full_name")+` === ""`)

	// Distinct failures: a wrong key, a code that is not a card QR.
	e.sim.Insert(e.card())
	b.waitFor("card waits for its key", codeIs+`"needs_key"`)
	b.eval(`document.getElementById("idnum").value = "001093999999"; document.getElementById("sendid").click(); true`)
	b.waitFor("wrong key said", codeIs+`"read_failed" && document.getElementById("state").textContent.includes("Sai khoá")`)
	b.eval(`const q = document.getElementById("qr"); q.value = "https://example.com/x"; q.dispatchEvent(new Event("change")); true`)
	b.waitFor("bad QR said", codeIs+`"qr_invalid"`)
	e.sim.Remove()
	b.waitFor("removed", codeIs+`"card_removed"`)

	// The agent restarts, with no reader at first: the page reconnects
	// with backoff, says there is no reader, then that it is ready.
	e.stop()
	b.waitFor("reconnecting", codeIs+`"reconnecting"`)
	e2 := newEnvWith(t, envOptions{restart: e, origins: []string{origin}, noReader: true})
	b.waitFor("no reader said after the restart", codeIs+`"no_reader"`)
	if err := e2.srv.Attach(e2.sim); err != nil {
		t.Fatal(err)
	}
	b.waitFor("reader ready", codeIs+`"connected"`)

	// The application is unpaired while connected.
	if err := e2.pairs.Unpair("clinic-his"); err != nil {
		t.Fatal(err)
	}
	b.waitFor("unpaired said", codeIs+`"unpaired"`)
	connect(e2.base, e2.plain)
	b.waitFor("unpaired token said", codeIs+`"unpaired"`)
	connect(e2.base, e2.full)
	b.waitFor("connected with the other token", codeIs+`"connected"`)

	// Nothing listens: the agent is not running.
	closed, _ := Listen("127.0.0.1:0")
	dead := "http://" + closed.Addr().String()
	closed.Close()
	connect(dead, e2.full)
	b.waitFor("agent down said", codeIs+`"reconnecting" && document.getElementById("state").textContent.includes("agent chưa chạy")`)

	// The page from an origin the agent does not list.
	other := servePage(t)
	b.open(other + "/index.html")
	connect(e2.base, e2.full)
	b.waitFor("origin refused said", codeIs+`"origin_refused"`)

	if out := e2.logs.String(); !strings.Contains(out, `"reason":"origin_not_allowed"`) || !strings.Contains(out, other) {
		t.Errorf("the refused origin was not logged:\n%s", out)
	}
	e.checkLogs(t)
}
