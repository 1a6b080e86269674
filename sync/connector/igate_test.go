package connector

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// igateServer is an iGate-style gateway for the test: a real HTTP server on
// loopback holding tokens, codes, files and dossiers in memory.
type igateServer struct {
	mu                sync.Mutex
	tokens            map[string]bool
	tokenCalls        int
	nextCodeCalls     int
	createCalls       int
	codeSeq           int
	files             map[string][]byte
	fileNames         map[string]string
	dossiers          map[string]map[string]any // MaHoSo -> body
	byRef             map[string]string         // MaThamChieu -> MaHoSo
	loseCreateAnswers int                       // create, then hang up without answering
}

func newIGateServer() *igateServer {
	return &igateServer{tokens: map[string]bool{}, files: map[string][]byte{}, fileNames: map[string]string{},
		dossiers: map[string]map[string]any{}, byRef: map[string]string{}}
}

func (s *igateServer) handler(t *testing.T) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /oauth/token", func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		s.mu.Lock()
		defer s.mu.Unlock()
		if r.Form.Get("grant_type") != "client_credentials" || r.Form.Get("client_id") != "kiosk" || r.Form.Get("client_secret") != "s3cret" {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error":"invalid_client"}`)
			return
		}
		s.tokenCalls++
		tok := fmt.Sprintf("tok-%d", s.tokenCalls)
		s.tokens[tok] = true
		fmt.Fprintf(w, `{"access_token":%q,"token_type":"bearer","expires_in":3600}`, tok)
	})
	authed := func(h http.HandlerFunc) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			s.mu.Lock()
			ok := s.tokens[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
			s.mu.Unlock()
			if !ok {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			h(w, r)
		}
	}
	mux.HandleFunc("GET /api/dossiers", authed(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		items := []IGateDossier{}
		if code, ok := s.byRef[r.URL.Query().Get("MaThamChieu")]; ok {
			items = append(items, IGateDossier{MaHoSo: code, TrangThai: 2})
		}
		json.NewEncoder(w).Encode(map[string]any{"items": items})
	}))
	mux.HandleFunc("POST /api/dossiers/next-code", authed(func(w http.ResponseWriter, r *http.Request) {
		var req map[string]string
		json.NewDecoder(r.Body).Decode(&req)
		s.mu.Lock()
		defer s.mu.Unlock()
		s.nextCodeCalls++
		s.codeSeq++
		fmt.Fprintf(w, `{"MaHoSo":"%s.%s-261123-%04d"}`, req["MaDonViTiepNhan"], req["MaTTHC"], s.codeSeq)
	}))
	mux.HandleFunc("POST /api/files", authed(func(w http.ResponseWriter, r *http.Request) {
		f, hdr, err := r.FormFile("file")
		if err != nil {
			w.WriteHeader(400)
			return
		}
		data, _ := io.ReadAll(f)
		s.mu.Lock()
		defer s.mu.Unlock()
		id := fmt.Sprintf("file-%d", len(s.files)+1)
		s.files[id] = data
		s.fileNames[id] = hdr.Filename
		fmt.Fprintf(w, `{"id":%q}`, id)
	}))
	mux.HandleFunc("POST /api/dossiers", authed(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			w.WriteHeader(400)
			return
		}
		if _, ok := body["ChuHoSo"]; !ok {
			w.WriteHeader(422)
			fmt.Fprint(w, `{"error":"thiếu ChuHoSo cho hồ sơ của 001099012345"}`)
			return
		}
		s.mu.Lock()
		s.createCalls++
		code, _ := body["MaHoSo"].(string)
		ref, _ := body["MaThamChieu"].(string)
		if _, dup := s.byRef[ref]; dup {
			s.mu.Unlock()
			w.WriteHeader(http.StatusConflict)
			fmt.Fprint(w, `{"error":"MaThamChieu exists"}`)
			return
		}
		s.dossiers[code] = body
		s.byRef[ref] = code
		lose := s.loseCreateAnswers > 0
		if lose {
			s.loseCreateAnswers--
		}
		s.mu.Unlock()
		if lose {
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
			return
		}
		w.WriteHeader(201)
		fmt.Fprintf(w, `{"MaHoSo":%q,"TrangThai":1}`, code)
	}))
	mux.HandleFunc("GET /api/dossiers/{code}", authed(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		if _, ok := s.dossiers[r.PathValue("code")]; !ok {
			w.WriteHeader(404)
			return
		}
		fmt.Fprintf(w, `{"MaHoSo":%q,"TrangThai":4}`, r.PathValue("code"))
	}))
	return mux
}

func newIGate(t *testing.T, url, secret string) *IGate {
	t.Helper()
	g, err := NewIGate(IGateConfig{BaseURL: url, ClientID: "kiosk", ClientSecret: secret, Unit: "H40.22", Timeout: 2 * time.Second,
		Now: func() time.Time { return time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

const igatePayload = `{"ChuHoSo":{"HoTen":"Lê Văn Thử","SoDinhDanh":"001099012345","MaTinh":"40","MaXa":"16681"},
 "attachments":[{"name":"CT01.pdf","mime":"application/pdf","data":"` + "JVBERi0xLjQK" + `"},{"name":"anh.jpg","mime":"image/jpeg","data":"/9j/4AAQ"}]}`

func TestIGateFullFlow(t *testing.T) {
	gs := newIGateServer()
	hs := httptest.NewServer(gs.handler(t))
	defer hs.Close()
	g := newIGate(t, hs.URL, "s3cret")
	uuid := "3f1c2b8e-6a4d-4f7e-9b1a-2c3d4e5f6a7b"
	rc, err := g.Submit(context.Background(), Submission{UUID: uuid, Service: "1.004222", Payload: json.RawMessage(igatePayload)})
	if err != nil {
		t.Fatal(err)
	}
	if rc.DossierCode != "H40.22.1.004222-261123-0001" || rc.Status != 1 {
		t.Errorf("receipt %+v", rc)
	}
	body := gs.dossiers[rc.DossierCode]
	if body["MaTTHC"] != "1.004222" || body["MaDonViTiepNhan"] != "H40.22" || body["MaThamChieu"] != uuid || body["NgayNop"] != "20261123093000" {
		t.Errorf("create body %v", body)
	}
	if _, ok := body["attachments"]; ok {
		t.Error("attachments sent inline instead of uploaded")
	}
	if chu, _ := body["ChuHoSo"].(map[string]any); chu["MaXa"] != "16681" {
		t.Errorf("applicant block not passed through: %v", body["ChuHoSo"])
	}
	parts, _ := body["ThanhPhanHoSo"].([]any)
	if len(parts) != 2 {
		t.Fatalf("ThanhPhanHoSo %v", body["ThanhPhanHoSo"])
	}
	p0 := parts[0].(map[string]any)
	want, _ := base64.StdEncoding.DecodeString("JVBERi0xLjQK")
	if p0["TenGiayTo"] != "CT01.pdf" || string(gs.files[p0["FileId"].(string)]) != string(want) {
		t.Errorf("attachment 0: %v", p0)
	}
	if gs.tokenCalls != 1 {
		t.Errorf("token fetched %d times", gs.tokenCalls)
	}
	// A second, later call reuses the cached token and finds the dossier by
	// look-up: no second dossier, no new code.
	rc2, err := g.Submit(context.Background(), Submission{UUID: uuid, Service: "1.004222", Payload: json.RawMessage(igatePayload)})
	if err != nil || rc2.DossierCode != rc.DossierCode {
		t.Fatalf("repeat: %+v %v", rc2, err)
	}
	if gs.tokenCalls != 1 || gs.nextCodeCalls != 1 || len(gs.dossiers) != 1 {
		t.Errorf("repeat: tokens %d codes %d dossiers %d", gs.tokenCalls, gs.nextCodeCalls, len(gs.dossiers))
	}
	st, err := g.Status(context.Background(), uuid, rc.DossierCode)
	if err != nil || st != 4 {
		t.Errorf("status %d %v", st, err)
	}
}

// TestIGateLostAnswerNeverDuplicates: the gateway creates the dossier but
// the answer is lost; the retry's look-up finds it.
func TestIGateLostAnswerNeverDuplicates(t *testing.T) {
	gs := newIGateServer()
	gs.loseCreateAnswers = 1
	hs := httptest.NewServer(gs.handler(t))
	defer hs.Close()
	g := newIGate(t, hs.URL, "s3cret")
	sub := Submission{UUID: "5d2e8c1a-0b3f-4a6d-8e9c-1f2a3b4c5d6e", Service: "1.004222", Payload: json.RawMessage(igatePayload)}
	_, err := g.Submit(context.Background(), sub)
	var tmp *TemporaryError
	if !errors.As(err, &tmp) || tmp.NotSent {
		t.Fatalf("lost answer: %v", err)
	}
	rc, err := g.Submit(context.Background(), sub)
	if err != nil {
		t.Fatal(err)
	}
	if len(gs.dossiers) != 1 || gs.nextCodeCalls != 1 || gs.byRef[sub.UUID] != rc.DossierCode {
		t.Errorf("dossiers %d, codes %d, receipt %+v", len(gs.dossiers), gs.nextCodeCalls, rc)
	}
}

func TestIGateTokenRefreshAndBadCredentials(t *testing.T) {
	gs := newIGateServer()
	hs := httptest.NewServer(gs.handler(t))
	defer hs.Close()
	g := newIGate(t, hs.URL, "s3cret")
	if _, err := g.Status(context.Background(), "", "none"); !errors.Is(err, ErrNotFound) && err == nil {
		t.Fatal(err)
	}
	gs.mu.Lock()
	gs.tokens = map[string]bool{} // gateway revokes every token
	gs.mu.Unlock()
	sub := Submission{UUID: "7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d", Service: "1.000466", Payload: json.RawMessage(igatePayload)}
	if _, err := g.Submit(context.Background(), sub); err != nil {
		t.Fatalf("after revocation: %v", err)
	}
	if gs.tokenCalls != 2 {
		t.Errorf("token calls %d, want 2", gs.tokenCalls)
	}
	bad := newIGate(t, hs.URL, "wrong")
	if _, err := bad.Submit(context.Background(), sub); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("bad credentials: %v", err)
	}
}

func TestIGateRejected(t *testing.T) {
	gs := newIGateServer()
	hs := httptest.NewServer(gs.handler(t))
	defer hs.Close()
	g := newIGate(t, hs.URL, "s3cret")
	_, err := g.Submit(context.Background(), Submission{UUID: "9e8d7c6b-5a4f-4e3d-9c2b-1a0f9e8d7c6b", Service: "1.004222",
		Payload: json.RawMessage(`{"LyDo":"x"}`)})
	var rej *RejectedError
	if !errors.As(err, &rej) || rej.HTTPStatus != 422 {
		t.Fatalf("err %v", err)
	}
	// The receiver's words stay out of the error text and the code; they
	// are only in Reason, which the worker seals.
	if strings.Contains(err.Error(), "001099012345") || Code(err) != "rejected_http_422" || !strings.Contains(rej.Reason, "001099012345") {
		t.Errorf("error %q code %q reason %q", err, Code(err), rej.Reason)
	}
	for _, bad := range []string{`[1]`, `{"attachments":"x"}`, `{"ChuHoSo":{},"attachments":[{"name":"a","data":"!!"}]}`} {
		_, err := g.Submit(context.Background(), Submission{UUID: "9e8d7c6b-5a4f-4e3d-9c2b-1a0f9e8d7c6c", Service: "1.004222", Payload: json.RawMessage(bad)})
		if !errors.As(err, &rej) {
			t.Errorf("payload %s: %v", bad, err)
		}
	}
}
