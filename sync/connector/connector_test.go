package connector

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"motcua/sync/intake"
	"motcua/sync/internal/testpki"
)

func TestCheckEndpoint(t *testing.T) {
	ok := []string{"https://dvc.example.vn", "https://10.0.0.5:8443/base/", "http://127.0.0.1:8080", "http://[::1]:80", "http://localhost:9"}
	for _, e := range ok {
		if _, err := CheckEndpoint(e); err != nil {
			t.Errorf("%s: %v", e, err)
		}
	}
	bad := map[string]error{
		"http://10.0.0.5:8080":    ErrInsecureEndpoint,
		"http://dvc.example.vn":   ErrInsecureEndpoint,
		"http://127.0.0.1.nip.io": ErrInsecureEndpoint,
		"ftp://127.0.0.1":         nil,
		"https://":                nil,
		"::::":                    nil,
	}
	for e, want := range bad {
		_, err := CheckEndpoint(e)
		if err == nil || (want != nil && !errors.Is(err, want)) {
			t.Errorf("%s: %v", e, err)
		}
	}
	if _, err := NewIntake(IntakeConfig{Endpoint: "http://192.168.1.10:8080", Token: "x"}); !errors.Is(err, ErrInsecureEndpoint) {
		t.Errorf("NewIntake accepted plain http to a LAN address: %v", err)
	}
}

// startIntake runs a real intake (sync/intake) with TLS in this process.
func startIntake(t *testing.T, cfg intake.Config) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	urlc := make(chan string, 1)
	errc := make(chan error, 1)
	go func() { errc <- intake.ListenAndServe(ctx, cfg, func(u string) { urlc <- u }) }()
	select {
	case u := <-urlc:
		t.Cleanup(func() {
			cancel()
			<-errc
		})
		return u
	case err := <-errc:
		cancel()
		t.Fatalf("intake: %v", err)
	case <-time.After(10 * time.Second):
		cancel()
		t.Fatal("intake did not start")
	}
	return ""
}

func TestIntakeOverMutualTLS(t *testing.T) {
	dir := t.TempDir()
	pki, err := testpki.Generate(dir)
	if err != nil {
		t.Fatal(err)
	}
	url := startIntake(t, intake.Config{Addr: "127.0.0.1:0", DataDir: filepath.Join(dir, "intake"), Token: "tk",
		TLSCert: pki.ServerCert, TLSKey: pki.ServerKey, TLSClientCA: pki.CA, Logger: slog.New(slog.DiscardHandler)})
	sub := Submission{UUID: "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0", Service: "1.004222", Payload: json.RawMessage(`{"a":1}`)}
	ctx := context.Background()

	good, err := NewIntake(IntakeConfig{Endpoint: url, Token: "tk", TLS: TLSConfig{CAFile: pki.CA, CertFile: pki.ClientCert, KeyFile: pki.ClientKey}})
	if err != nil {
		t.Fatal(err)
	}
	rc, err := good.Submit(ctx, sub)
	if err != nil || rc.DossierCode == "" {
		t.Fatalf("mTLS submit: %+v %v", rc, err)
	}
	rc2, err := good.Submit(ctx, sub)
	if err != nil || rc2.DossierCode != rc.DossierCode {
		t.Errorf("replay: %+v %v", rc2, err)
	}
	if st, err := good.Status(ctx, sub.UUID, ""); err != nil || st != 1 {
		t.Errorf("status %d %v", st, err)
	}

	noCert, _ := NewIntake(IntakeConfig{Endpoint: url, Token: "tk", TLS: TLSConfig{CAFile: pki.CA}})
	if _, err := noCert.Submit(ctx, sub); err == nil {
		t.Error("submit without client certificate succeeded")
	}
	wrongCA, _ := NewIntake(IntakeConfig{Endpoint: url, Token: "tk", TLS: TLSConfig{CAFile: pki.OtherCA, CertFile: pki.ClientCert, KeyFile: pki.ClientKey}})
	_, err = wrongCA.Submit(ctx, sub)
	var tmp *TemporaryError
	if !errors.As(err, &tmp) || !tmp.NotSent {
		t.Errorf("untrusted server certificate: %v", err)
	}
	badToken, _ := NewIntake(IntakeConfig{Endpoint: url, Token: "nope", TLS: TLSConfig{CAFile: pki.CA, CertFile: pki.ClientCert, KeyFile: pki.ClientKey}})
	if _, err := badToken.Submit(ctx, sub); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("bad token: %v", err)
	}
	if _, err := NewIntake(IntakeConfig{Endpoint: url, Token: "tk", TLS: TLSConfig{CertFile: pki.ClientCert}}); err == nil {
		t.Error("cert without key accepted")
	}
}

func TestClassifyHTTP(t *testing.T) {
	cases := []struct {
		code int
		body string
		want func(error) bool
	}{
		{200, `{"dossier_code":"X"}`, func(e error) bool { return e == nil }},
		{409, ``, func(e error) bool { return errors.Is(e, ErrInFlight) }},
		{400, `{"error":"Họ tên Nguyễn Văn Thử, thường trú Xóm Đông không khớp"}`, func(e error) bool {
			var r *RejectedError
			// The text is kept for the sealed detail, but neither the
			// error string nor the code carries it.
			return errors.As(e, &r) && r.Reason == "Họ tên Nguyễn Văn Thử, thường trú Xóm Đông không khớp" &&
				!strings.Contains(e.Error(), "Nguyễn") && Code(e) == "rejected_http_400"
		}},
		{422, `not json`, func(e error) bool { var r *RejectedError; return errors.As(e, &r) && r.Reason == "no reason given" }},
		{401, ``, func(e error) bool { return errors.Is(e, ErrUnauthorized) }},
		{403, ``, func(e error) bool { return errors.Is(e, ErrUnauthorized) }},
		{500, ``, func(e error) bool { var r *TemporaryError; return errors.As(e, &r) && !r.NotSent }},
		{503, ``, func(e error) bool { var r *TemporaryError; return errors.As(e, &r) && Code(e) == "no_answer_http_503" }},
		{429, ``, func(e error) bool { var r *TemporaryError; return errors.As(e, &r) }},
		{404, ``, func(e error) bool {
			var r *UnexpectedError
			return errors.As(e, &r) && Code(e) == "unexpected_http_404"
		}},
		{200, `<html>`, func(e error) bool { var r *UnexpectedError; return errors.As(e, &r) }},
		{301, ``, func(e error) bool { var r *UnexpectedError; return errors.As(e, &r) }},
	}
	for _, c := range cases {
		var out DossierResponse
		if err := classifyHTTP("submit", c.code, []byte(c.body), &out); !c.want(err) {
			t.Errorf("HTTP %d %q: %v", c.code, c.body, err)
		}
	}
}
