package forward

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
)

// fakeIGate is a test double of the iGate-style provincial flow the
// connector speaks (sync/connector/igate.go): OAuth client credentials, a
// look-up by MaThamChieu, next-code, create. It refuses what the real flow
// refuses: no or wrong bearer (401), a create without an issued MaHoSo or
// with an unknown MaTTHC (422), a second dossier for one MaThamChieu (409).
// lostAnswer is the probability that a create is stored and then answered
// 503 (the answer lost on the way back).
type fakeIGate struct {
	mu         sync.Mutex
	issued     map[string]bool   // MaHoSo handed out by next-code
	byRef      map[string]string // MaThamChieu -> MaHoSo
	creates    map[string]int    // MaThamChieu -> successful creates
	n          int
	lostAnswer float64
	rnd        *rand.Rand
	known      map[string]bool // procedures the province handles
	statusGets int
	files      map[string][]byte // file ID -> bytes uploaded (POST /api/files)
	parts      map[string][]any  // MaThamChieu -> ThanhPhanHoSo of the create
}

func newFakeIGate(lost float64) *fakeIGate {
	return &fakeIGate{issued: map[string]bool{}, byRef: map[string]string{}, creates: map[string]int{},
		lostAnswer: lost, rnd: rand.New(rand.NewPCG(7, 7)), known: map[string]bool{"1.004222": true, "1.000466": true},
		files: map[string][]byte{}, parts: map[string][]any{}}
}

const fakeToken = "tok-province"

func (g *fakeIGate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	js := func(code int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		json.NewEncoder(w).Encode(v)
	}
	if r.URL.Path == "/oauth/token" {
		r.ParseForm()
		if r.PostForm.Get("grant_type") != "client_credentials" || r.PostForm.Get("client_id") != "hub" || r.PostForm.Get("client_secret") != "s3cret" {
			js(401, map[string]string{"error": "invalid_client"})
			return
		}
		js(200, map[string]any{"access_token": fakeToken, "expires_in": 3600})
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+fakeToken {
		js(401, map[string]string{"error": "unauthorized"})
		return
	}
	if r.Method == "POST" && r.URL.Path == "/api/files" {
		f, _, err := r.FormFile("file")
		if err != nil {
			js(400, map[string]string{"error": "no file"})
			return
		}
		data, _ := io.ReadAll(f)
		g.mu.Lock()
		id := fmt.Sprintf("file-%d", len(g.files)+1)
		g.files[id] = data
		g.mu.Unlock()
		js(200, map[string]string{"id": id})
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	switch {
	case r.Method == "GET" && r.URL.Path == "/api/dossiers":
		items := []map[string]any{}
		if c, ok := g.byRef[r.URL.Query().Get("MaThamChieu")]; ok {
			items = append(items, map[string]any{"MaHoSo": c, "TrangThai": 2})
		}
		js(200, map[string]any{"items": items})
	case r.Method == "POST" && r.URL.Path == "/api/dossiers/next-code":
		g.n++
		c := fmt.Sprintf("H40.22-261120-%04d", g.n)
		g.issued[c] = true
		js(200, map[string]string{"MaHoSo": c})
	case r.Method == "POST" && r.URL.Path == "/api/dossiers":
		var body map[string]any
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			js(400, map[string]string{"error": "bad json"})
			return
		}
		code, _ := body["MaHoSo"].(string)
		ref, _ := body["MaThamChieu"].(string)
		svc, _ := body["MaTTHC"].(string)
		if !g.issued[code] || ref == "" || !g.known[svc] {
			js(422, map[string]string{"error": "MaHoSo not issued or MaTTHC not handled: Nguyễn Văn A 001099012345"})
			return
		}
		if _, dup := g.byRef[ref]; dup {
			js(409, map[string]string{"error": "exists"})
			return
		}
		delete(g.issued, code)
		g.byRef[ref] = code
		g.parts[ref], _ = body["ThanhPhanHoSo"].([]any)
		g.creates[ref]++
		if g.rnd.Float64() < g.lostAnswer {
			js(503, map[string]string{"error": "gateway timeout"})
			return
		}
		js(201, map[string]any{"MaHoSo": code, "TrangThai": 2})
	case r.Method == "GET" && strings.HasPrefix(r.URL.Path, "/api/dossiers/"):
		g.statusGets++
		js(200, map[string]any{"MaHoSo": strings.TrimPrefix(r.URL.Path, "/api/dossiers/"), "TrangThai": 4})
	default:
		js(404, map[string]string{"error": "no route"})
	}
}
