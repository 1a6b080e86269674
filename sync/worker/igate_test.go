package worker

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"motcua/sync/connector"
	"motcua/sync/outbox"
)

// TestWorkerThroughIGate drives the worker with the iGate-style adapter
// against a loopback gateway that creates the dossier but loses the answer
// the first time: the retry's look-up finds it, so one dossier exists.
func TestWorkerThroughIGate(t *testing.T) {
	var mu sync.Mutex
	byRef := map[string]string{}
	creates, lose := 0, 1
	mux := http.NewServeMux()
	mux.HandleFunc("POST /oauth/token", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"access_token":"t","expires_in":60}`)
	})
	mux.HandleFunc("GET /api/dossiers", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		items := []connector.IGateDossier{}
		if c, ok := byRef[r.URL.Query().Get("MaThamChieu")]; ok {
			items = append(items, connector.IGateDossier{MaHoSo: c, TrangThai: 2})
		}
		json.NewEncoder(w).Encode(map[string]any{"items": items})
	})
	mux.HandleFunc("POST /api/dossiers/next-code", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(w, `{"MaHoSo":"H40.22-%03d"}`, len(byRef)+creates+1)
	})
	mux.HandleFunc("POST /api/dossiers", func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		json.NewDecoder(r.Body).Decode(&body)
		mu.Lock()
		creates++
		byRef[body["MaThamChieu"].(string)] = body["MaHoSo"].(string)
		l := lose > 0
		lose--
		mu.Unlock()
		if l {
			c, _, _ := w.(http.Hijacker).Hijack()
			c.Close()
			return
		}
		w.WriteHeader(201)
		fmt.Fprintf(w, `{"MaHoSo":%q,"TrangThai":1}`, body["MaHoSo"])
	})
	mux.HandleFunc("GET /api/dossiers/{code}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"MaHoSo":%q,"TrangThai":9}`, r.PathValue("code"))
	})
	hs := httptest.NewServer(mux)
	defer hs.Close()

	r := newRig(t, 5)
	g, err := connector.NewIGate(connector.IGateConfig{BaseURL: hs.URL, ClientID: "c", ClientSecret: "s", Unit: "H40.22", Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	r.w, _ = New(Config{Store: r.store, Conn: g, BaseDelay: time.Second, PollInterval: time.Minute, Seed: 1, Now: r.clk.Now})
	id := r.add([]byte(`{"ChuHoSo":{"HoTen":"Thử"}}`))
	if st := r.drain(); st.Retried != 1 {
		t.Fatalf("lost answer: %+v", st)
	}
	r.clk.Add(time.Minute)
	if st := r.drain(); st.Accepted != 1 {
		t.Fatalf("retry: %+v", st)
	}
	rec := r.get(id)
	if rec.State != outbox.Accepted || rec.DossierCode != byRef[id] || rec.OfficialCode != byRef[id] || creates != 1 || len(byRef) != 1 {
		t.Fatalf("record %+v, gateway creates %d refs %v", rec, creates, byRef)
	}
	r.clk.Add(2 * time.Minute)
	if n, err := r.w.PollStatuses(t.Context()); n != 1 || err != nil || r.get(id).ProvincialStatus != 9 {
		t.Errorf("status poll through iGate: %d %v %d", n, err, r.get(id).ProvincialStatus)
	}
}

// TestHeldDossierWaitsWithCode: a dossier whose applicant commune is not
// confirmed never reaches the gateway; it waits as needs_attention with the
// code commune_unconfirmed.
func TestHeldDossierWaitsWithCode(t *testing.T) {
	var mu sync.Mutex
	calls := 0
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls++
		mu.Unlock()
		w.WriteHeader(500)
	}))
	defer hs.Close()
	r := newRig(t, 5)
	g, err := connector.NewIGate(connector.IGateConfig{BaseURL: hs.URL, ClientID: "c", ClientSecret: "s", Unit: "H40.22", Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	r.w, _ = New(Config{Store: r.store, Conn: g, BaseDelay: time.Second, PollInterval: time.Minute, Seed: 1, Now: r.clk.Now})
	id := r.add([]byte(`{"schema":"motcua.dossier/v1","revision":2,"applicant_role":"applicant","parties":[{"role":"applicant","index":0,` +
		`"fields":{"noi_thuong_tru":{"value":"Kim Ngưu, Vĩnh Tuy, Thành phố Hà Nội","provenance":"qr","address":{"province_code":"01"}}}}]}`))
	if st := r.drain(); st.NeedsAttention != 1 {
		t.Fatalf("drain %+v", st)
	}
	rec := r.get(id)
	if rec.State != outbox.NeedsAttention || rec.Reason != connector.HoldCommuneUnconfirmed {
		t.Fatalf("record %+v", rec)
	}
	if calls != 0 {
		t.Errorf("the gateway was called %d times", calls)
	}
}
