package intake

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// Every path and method of openapi.yaml is routed by the server, and the
// server routes nothing the contract does not list: an unlisted route
// answers 404/405.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	raw, err := os.ReadFile("openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]any `yaml:"paths"`
	}
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	st, _ := OpenStore(t.TempDir())
	defer st.Close()
	srv, _ := NewServer(st, "tok", Faults{}, slog.New(slog.DiscardHandler))
	h := srv.Handler()
	listed := map[string]bool{}
	for path, methods := range doc.Paths {
		concrete := strings.NewReplacer("{key}", key1, "{id}", "dev-x", "{name}", "scan").Replace(path)
		for m := range methods {
			method := strings.ToUpper(m)
			listed[method+" "+concrete] = true
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(method, concrete, nil))
			if rec.Code == http.StatusNotFound && !strings.Contains(rec.Body.String(), "error") || rec.Code == http.StatusMethodNotAllowed {
				t.Errorf("%s %s in openapi.yaml is not routed (%d)", method, path, rec.Code)
			}
		}
	}
	for _, probe := range []string{"DELETE /v1/dossiers/" + key1, "GET /v1/admin/secrets", "POST /v1/health"} {
		m, p, _ := strings.Cut(probe, " ")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(m, p, nil))
		if rec.Code != http.StatusNotFound && rec.Code != http.StatusMethodNotAllowed {
			t.Errorf("%s answered %d", probe, rec.Code)
		}
	}
}
