package worker

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"motcua/sync/connector"
	"motcua/sync/outbox"
)

// TestPollLearnsOfficialCodeFromHub: a forwarding hub (openapi 1.1)
// accepts with its own code; once it has forwarded the dossier its answer
// carries provincial_dossier_code, and the status poll stores it with the
// record. A later answer naming another code is not taken.
func TestPollLearnsOfficialCodeFromHub(t *testing.T) {
	var mu sync.Mutex
	provincial, status := "", 1
	answer := func(w http.ResponseWriter, key string) {
		mu.Lock()
		defer mu.Unlock()
		d := map[string]any{"idempotency_key": key, "dossier_code": "MC-261123-000001", "status": status, "service": "1.004222"}
		if provincial != "" {
			d["provincial_dossier_code"] = provincial
		}
		json.NewEncoder(w).Encode(d)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/dossiers", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+token {
			w.WriteHeader(401)
			return
		}
		w.WriteHeader(201)
		answer(w, r.Header.Get("Idempotency-Key"))
	})
	mux.HandleFunc("GET /v1/dossiers/{key}", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+token {
			w.WriteHeader(401)
			return
		}
		answer(w, r.PathValue("key"))
	})
	hs := httptest.NewServer(mux)
	defer hs.Close()

	r := newRig(t, 5)
	r.w = r.worker(hs.URL, token, time.Second)
	id := r.add(testPayload)
	if st := r.drain(); st.Accepted != 1 {
		t.Fatalf("drain %+v", st)
	}
	if rec := r.get(id); rec.State != outbox.Accepted || rec.DossierCode != "MC-261123-000001" || rec.OfficialCode != "" || rec.ProvincialStatus != 1 {
		t.Fatalf("accepted %+v", rec)
	}
	// Not forwarded yet: nothing changes.
	r.clk.Add(2 * time.Minute)
	if n, err := r.w.PollStatuses(t.Context()); n != 0 || err != nil {
		t.Fatalf("poll before forwarding: %d %v", n, err)
	}
	mu.Lock()
	provincial, status = "000.00.22.H40-261123-0042", 2
	mu.Unlock()
	r.clk.Add(2 * time.Minute)
	if n, err := r.w.PollStatuses(t.Context()); n != 1 || err != nil {
		t.Fatalf("poll after forwarding: %d %v", n, err)
	}
	if rec := r.get(id); rec.OfficialCode != "000.00.22.H40-261123-0042" || rec.ProvincialStatus != 2 {
		t.Fatalf("after forwarding %+v", rec)
	}
	// The hub (or someone in between) now names another code.
	mu.Lock()
	provincial, status = "000.00.22.H40-261123-9999", 4
	mu.Unlock()
	r.clk.Add(2 * time.Minute)
	if n, _ := r.w.PollStatuses(t.Context()); n != 0 {
		t.Errorf("conflicting answer counted as a change")
	}
	if rec := r.get(id); rec.OfficialCode != "000.00.22.H40-261123-0042" || rec.ProvincialStatus != 2 {
		t.Errorf("conflicting answer changed the record %+v", rec)
	}
	if !strings.Contains(r.logs.String(), "official_code_conflict") {
		t.Error("conflict not logged")
	}
	var _ connector.Tracker = (*connector.Intake)(nil)
	var _ connector.Tracker = (*connector.IGate)(nil)
}
