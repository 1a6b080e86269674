package connector

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
)

// hubDouble answers like a forwarding hub (openapi 1.1, Dossier schema):
// no provincial code until forwarded is set, then provincial_dossier_code.
type hubDouble struct {
	mu        sync.Mutex
	forwarded string // provincial code, "" before forwarding
	status    int
	key       string // a different key in the answer, when set
}

func (h *hubDouble) handler() http.Handler {
	mux := http.NewServeMux()
	answer := func(w http.ResponseWriter, key string, created bool) {
		h.mu.Lock()
		defer h.mu.Unlock()
		if h.key != "" {
			key = h.key
		}
		d := map[string]any{"idempotency_key": key, "dossier_code": "MC-261123-000007", "status": h.status, "service": "1.004222", "submissions": 1}
		if h.forwarded != "" {
			d["provincial_dossier_code"] = h.forwarded
		}
		if created {
			w.WriteHeader(201)
		}
		json.NewEncoder(w).Encode(d)
	}
	mux.HandleFunc("POST /v1/dossiers", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tk" {
			w.WriteHeader(401)
			return
		}
		answer(w, r.Header.Get("Idempotency-Key"), true)
	})
	mux.HandleFunc("GET /v1/dossiers/{key}", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tk" {
			w.WriteHeader(401)
			return
		}
		answer(w, r.PathValue("key"), false)
	})
	return mux
}

// The intake client keeps the hub's code as the receiver's code and takes
// the provincial mã hồ sơ as the official code, at submission or later.
func TestIntakeReadsProvincialDossierCode(t *testing.T) {
	h := &hubDouble{status: 1}
	hs := httptest.NewServer(h.handler())
	defer hs.Close()
	c, err := NewIntake(IntakeConfig{Endpoint: hs.URL, Token: "tk"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	uuid := "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"
	rc, err := c.Submit(ctx, Submission{UUID: uuid, Service: "1.004222", Payload: json.RawMessage(`{}`)})
	if err != nil || rc.DossierCode != "MC-261123-000007" || rc.OfficialCode != "" || rc.Status != 1 {
		t.Fatalf("before forwarding: %+v %v", rc, err)
	}
	p, err := c.Progress(ctx, uuid, rc.DossierCode)
	if err != nil || p.OfficialCode != "" || p.Status != 1 {
		t.Fatalf("progress before forwarding: %+v %v", p, err)
	}
	h.mu.Lock()
	h.forwarded, h.status = "000.00.22.H40-261123-0042", 2
	h.mu.Unlock()
	p, err = c.Progress(ctx, uuid, rc.DossierCode)
	if err != nil || p.OfficialCode != "000.00.22.H40-261123-0042" || p.Status != 2 {
		t.Fatalf("progress after forwarding: %+v %v", p, err)
	}
	if st, err := c.Status(ctx, uuid, rc.DossierCode); err != nil || st != 2 {
		t.Errorf("Status: %d %v", st, err)
	}
	rc, err = c.Submit(ctx, Submission{UUID: uuid, Service: "1.004222", Payload: json.RawMessage(`{}`)})
	if err != nil || rc.OfficialCode != "000.00.22.H40-261123-0042" {
		t.Errorf("replay after forwarding: %+v %v", rc, err)
	}

	// Hostile answers: a "code" that is text (it would reach clear metadata
	// and a QR code), and an answer for another key.
	for _, bad := range []string{"Nguyễn Văn A 001099012345", "x\ny", strings.Repeat("9", 65), "<script>"} {
		h.mu.Lock()
		h.forwarded = bad
		h.mu.Unlock()
		var unx *UnexpectedError
		if _, err := c.Progress(ctx, uuid, "MC-1"); !errors.As(err, &unx) || strings.Contains(err.Error(), bad) {
			t.Errorf("code %q: %v", bad, err)
		}
		if _, err := c.Submit(ctx, Submission{UUID: uuid, Service: "1.004222", Payload: json.RawMessage(`{}`)}); !errors.As(err, &unx) {
			t.Errorf("submit, code %q: %v", bad, err)
		}
	}
	h.mu.Lock()
	h.forwarded, h.key = "H40-1", "11111111-2222-4333-8444-555555555555"
	h.mu.Unlock()
	var unx *UnexpectedError
	if _, err := c.Progress(ctx, uuid, "MC-1"); !errors.As(err, &unx) {
		t.Errorf("answer for another key accepted: %v", err)
	}
}

// The field the client reads is the one the hub's published contract
// declares.
func TestIntakeFieldMatchesContract(t *testing.T) {
	spec, err := os.ReadFile("../intake/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	f, _ := reflect.TypeOf(DossierResponse{}).FieldByName("ProvincialDossierCode")
	name := strings.Split(f.Tag.Get("json"), ",")[0]
	if name == "" || !strings.Contains(string(spec), "\n        "+name+": ") {
		t.Errorf("field %q not in the Dossier schema of openapi.yaml", name)
	}
}

// The iGate adapter returns the province's MaHoSo as the official code, at
// creation, at a look-up and on a status read.
func TestIGateOfficialCodeAndProgress(t *testing.T) {
	gs := newIGateServer()
	hs := httptest.NewServer(gs.handler(t))
	defer hs.Close()
	g := newIGate(t, hs.URL, "s3cret")
	uuid := "3f1c2b8e-6a4d-4f7e-9b1a-2c3d4e5f6a7b"
	sub := Submission{UUID: uuid, Service: "1.004222", Payload: json.RawMessage(igatePayload)}
	rc, err := g.Submit(context.Background(), sub)
	if err != nil || rc.OfficialCode == "" || rc.OfficialCode != rc.DossierCode {
		t.Fatalf("receipt %+v %v", rc, err)
	}
	rc2, err := g.Submit(context.Background(), sub)
	if err != nil || rc2.OfficialCode != rc.OfficialCode || rc2.Status != 2 {
		t.Fatalf("look-up receipt %+v %v", rc2, err)
	}
	p, err := g.Progress(context.Background(), uuid, rc.DossierCode)
	if err != nil || p.Status != 4 || p.OfficialCode != rc.DossierCode {
		t.Errorf("progress %+v %v", p, err)
	}
	if _, err := g.Progress(context.Background(), uuid, "H40.22-nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown dossier: %v", err)
	}
}

func TestValidOfficialCode(t *testing.T) {
	for _, ok := range []string{"H40.22-261123-0001", "000.00.09.H40-250101-0001", "G22.39/2026-1", "a"} {
		if !ValidOfficialCode(ok) {
			t.Errorf("%q refused", ok)
		}
	}
	for _, bad := range []string{"", " H40", "H40 22", "Lê", "a\x00", strings.Repeat("a", 65), fmt.Sprint("a", "\n")} {
		if ValidOfficialCode(bad) {
			t.Errorf("%q accepted", bad)
		}
	}
}
