package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"motcua/kiosk/office"
)

// kioskEnd is a kiosk's end of the office link, in the test process: it
// calls for help and hears the answers.
type kioskEnd struct{ answers chan office.Answer }

func (k kioskEnd) ReceiveHelp(office.Help)       {}
func (k kioskEnd) ReceiveAnswer(a office.Answer) { k.answers <- a }

// TestServeTakesKioskHelpCalls: the packaged headless desk (`motcua serve`
// with [office], its key written by `motcua office key`) takes a kiosk's
// call over the office link, lists it to desk software on the local API
// (GET /v1/help), sends the application's answer back to the kiosk (POST
// /v1/help/answer), and refuses a call signed with another office's key.
func TestServeTakesKioskHelpCalls(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := motcuaBinary(t)
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "office.key")
	if code, _, stderr := runBin(t, bin, "office", "key", keyFile); code != 0 {
		t.Fatalf("office key: exit %d: %s", code, stderr)
	}
	key, err := office.LoadKeyFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	// The kiosk listens first, so the desk can name it as its peer.
	kln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deskOffice := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	kiosk, err := office.New(office.Config{Name: "kiosk-01", Office: "UBND phường Thử", Key: key, Peers: []string{deskOffice}})
	if err != nil {
		t.Fatal(err)
	}
	heard := kioskEnd{answers: make(chan office.Answer, 4)}
	kiosk.Attach(heard)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	go kiosk.Serve(ctx, kln)

	apiPort := freePort(t)
	cfgPath := filepath.Join(dir, "motcua.toml")
	cfg := fmt.Sprintf(`[agent]
data_dir = %q
device = "quay-3"
[trust]
csca_dir = ""
[api]
listen = "127.0.0.1:%d"
[office]
listen = %q
peers = [%q]
key_file = %q
`, filepath.Join(dir, "data"), apiPort, deskOffice, kln.Addr().String(), keyFile)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	appToken := pairApp(t, bin, cfgPath, "desk-software")
	serve := exec.CommandContext(ctx, bin, "serve", "--config", cfgPath, "--sim")
	serve.Env = append(os.Environ(), "NOTIFY_SOCKET=")
	var serveLog bytes.Buffer
	serve.Stderr = &serveLog
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		serve.Process.Signal(syscall.SIGTERM)
		serve.Wait()
		if t.Failed() {
			t.Logf("serve log:\n%s", serveLog.String())
		}
	}()
	api := fmt.Sprintf("http://127.0.0.1:%d", apiPort)
	call := func(method, path, body string) (int, []byte) {
		req, _ := http.NewRequest(method, api+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+appToken)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, nil
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	for i := 0; i < 300; i++ {
		if st, _ := call("GET", "/v1/help", ""); st == http.StatusOK {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}

	// A forger who does not hold the office key: refused, listed nowhere.
	forger, _ := office.New(office.Config{Name: "kiosk-99", Key: office.Key{1, 2, 3}, Peers: []string{deskOffice}})
	fake := office.Help{V: 1, ID: office.NewCallID(), From: "kiosk-99", Step: "attract", VisitStep: 1, VisitSteps: 5, At: time.Now()}
	var refused *office.Refusal
	if d, err := forger.SendHelp(ctx, fake); err != nil || d.Taken != 0 || len(d.Failed) != 1 || !errors.As(d.Failed[0], &refused) {
		t.Fatalf("a call under another key: %+v %v, want it refused", d, err)
	}

	help := office.Help{V: 1, ID: office.NewCallID(), From: "kiosk-01", Office: "UBND phường Thử", Step: "services",
		VisitStep: 3, VisitSteps: 5, At: time.Now()}
	var d office.Delivery
	for i := 0; i < 50; i++ { // the office link may listen a moment after the API
		if d, err = kiosk.SendHelp(ctx, help); err == nil && d.Taken == 1 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if d.Taken != 1 {
		t.Fatalf("the desk service did not take the call: %+v %v", d, err)
	}
	st, b := call("GET", "/v1/help", "")
	var listed struct {
		Calls []struct {
			Kiosk, Step string
			CallID      string `json:"call_id"`
			Remote      bool
		}
	}
	if err := json.Unmarshal(b, &listed); st != http.StatusOK || err != nil || len(listed.Calls) != 1 ||
		listed.Calls[0].CallID != help.ID || listed.Calls[0].Kiosk != "kiosk-01" || !listed.Calls[0].Remote {
		t.Fatalf("GET /v1/help: %d %s (the forged call must not be listed)", st, b)
	}
	if st, b := call("POST", "/v1/help/answer", fmt.Sprintf(`{"call_id":%q}`, help.ID)); st != http.StatusOK {
		t.Fatalf("POST /v1/help/answer: %d %s", st, b)
	}
	select {
	case a := <-heard.answers:
		if a.ID != help.ID || a.From != "quay-3" {
			t.Fatalf("the kiosk heard %+v", a)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the answer never reached the kiosk")
	}
	if st, b := call("GET", "/v1/help", ""); st != http.StatusOK || strings.Contains(string(b), help.ID) {
		t.Fatalf("the answered call is still listed: %s", b)
	}
	if st, _ := call("POST", "/v1/help/answer", fmt.Sprintf(`{"call_id":%q}`, help.ID)); st != http.StatusNotFound {
		t.Fatalf("answering twice: %d, want 404", st)
	}
}
