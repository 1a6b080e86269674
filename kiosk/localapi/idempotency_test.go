package localapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"motcua/sync/outbox"
)

// A double click or a retry after a timeout must not create two dossiers,
// not even across an agent restart; a key reused for another request is
// refused.
func TestDossierIdempotency(t *testing.T) {
	e := newEnv(t)
	c, _ := e.wsHello(e.plain)
	e.srv.Keys().Put(mustKeys(t, "001093047064"), nil)
	e.sim.Insert(e.card())
	sess := c.until(t, "card.read").CardSession
	body := map[string]any{"service": "1.003781", "form": guestForm(), "include_card": true, "card_session": sess, "consent_accepted": true}
	post := func(e *env, token, key string, body any) (int, DossierCreated, string, string) {
		resp, b := e.do("POST", "/v1/dossiers", token, body, "Idempotency-Key", key)
		var d DossierCreated
		json.Unmarshal(b, &d)
		return resp.StatusCode, d, resp.Header.Get("Idempotent-Replayed"), string(b)
	}
	code1, d1, rep1, _ := post(e, e.plain, "visit-42", body)
	code2, d2, rep2, _ := post(e, e.plain, "visit-42", body)
	if code1 != 201 || code2 != 201 || d1.UUID == "" || d1.UUID != d2.UUID || rep1 != "" || rep2 != "true" {
		t.Fatalf("same key, same body: %d %s %q / %d %s %q", code1, d1.UUID, rep1, code2, d2.UUID, rep2)
	}
	// The same request encoded differently (key order) is the same request.
	reordered := map[string]any{"consent_accepted": true, "card_session": sess, "include_card": true, "form": guestForm(), "service": "1.003781"}
	if code, d, _, _ := post(e, e.plain, "visit-42", reordered); code != 201 || d.UUID != d1.UUID {
		t.Fatalf("same request reordered: %d %s", code, d.UUID)
	}
	changed := map[string]any{"service": "1.003781", "form": map[string]string{"dien_thoai": "0911111111", "ly_do": "x",
		"tu_ngay": "2026-01-10", "den_ngay": "2026-01-12", "dia_chi_luu_tru": "y"}, "include_card": true, "card_session": sess, "consent_accepted": true}
	if code, _, _, b := post(e, e.plain, "visit-42", changed); code != 409 || !strings.Contains(b, "idempotency_key_reused") {
		t.Fatalf("same key, other body: %d %s", code, b)
	}
	// Keys belong to an application: another one may use the same string.
	if code, d, _, _ := post(e, e.full, "visit-42", body); code != 201 || d.UUID == d1.UUID {
		t.Fatalf("other application, same key: %d %s", code, d.UUID)
	}
	// A refused request stores nothing under its key: fixed, it runs.
	bad := map[string]any{"service": "1.003781", "form": guestForm(), "include_card": true, "card_session": sess}
	if code, _, _, _ := post(e, e.plain, "visit-43", bad); code != 422 {
		t.Fatalf("no consent: %d", code)
	}
	if code, d, rep, _ := post(e, e.plain, "visit-43", changed); code != 201 || rep != "" || d.UUID == d1.UUID {
		t.Fatalf("after a refusal, the key is free: %d %q", code, rep)
	}
	for _, k := range []string{strings.Repeat("k", 256), "khóa"} {
		if code, _, _, b := post(e, e.plain, k, body); code != 400 || !strings.Contains(b, "bad_idempotency_key") {
			t.Fatalf("bad key %q: %d %s", k, code, b)
		}
	}

	// The agent restarts (same data directory, a new server): the retry
	// still gets the first answer, even with the card gone.
	e.sim.Remove()
	c.until(t, "card.removed")
	e.stop()
	e2 := newEnvWith(t, envOptions{restart: e})
	if code, d, rep, b := post(e2, e2.plain, "visit-42", body); code != 201 || d.UUID != d1.UUID || rep != "true" {
		t.Fatalf("retry after restart: %d %q %s", code, rep, b)
	}
	if recs, _ := e.store.List(outbox.Filter{}); len(recs) != 3 {
		t.Fatalf("%d dossiers, want 3 (one per distinct request)", len(recs))
	}
	// The file holds hashes, not the keys or the form.
	raw, err := os.ReadFile(filepath.Join(e.pairs.Dir(), IdempotencyFile))
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(filepath.Join(e.pairs.Dir(), IdempotencyFile)); st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", st.Mode())
	}
	for _, s := range []string{"visit-42", "0900000000", "001093047064", "Nhập viện"} {
		if strings.Contains(string(raw), s) {
			t.Errorf("idempotency file holds %q", s)
		}
	}
}

// A request interrupted by a crash between reserving its key and storing
// the answer is not run again on retry (it may have stored its dossier).
func TestIdempotencyInterrupted(t *testing.T) {
	dir := t.TempDir()
	s, err := OpenIdempotency(dir)
	if err != nil {
		t.Fatal(err)
	}
	if r, err := s.Begin("his", "k1", "h1"); r != nil || err != nil {
		t.Fatalf("first Begin: %v %v", r, err)
	}
	if _, err := s.Begin("his", "k1", "h1"); !errors.Is(err, ErrIdempotencyInFlight) {
		t.Fatalf("concurrent Begin: %v", err)
	}
	// Crash: a new process opens the store.
	s2, err := OpenIdempotency(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s2.Begin("his", "k1", "h1"); !errors.Is(err, ErrIdempotencyInterrupted) {
		t.Fatalf("after a crash: %v", err)
	}
	// Retention: a day later the key is forgotten.
	s2.now = func() time.Time { return time.Now().Add(IdempotencyRetention + time.Hour) }
	if r, err := s2.Begin("his", "k1", "h1"); r != nil || err != nil {
		t.Fatalf("after retention: %v %v", r, err)
	}
	if err := s2.Finish("his", "k1", 201, map[string]string{"uuid": "u"}); err != nil {
		t.Fatal(err)
	}
	if r, err := s2.Begin("his", "k1", "h1"); err != nil || r == nil || r.Status != 201 || !strings.Contains(string(r.Response), `"u"`) {
		t.Fatalf("replay: %+v %v", r, err)
	}
	os.WriteFile(filepath.Join(dir, IdempotencyFile), []byte("{broken"), 0o600)
	if _, err := OpenIdempotency(dir); err == nil {
		t.Fatal("a broken store was accepted")
	}
}

func TestIdempotencyBounded(t *testing.T) {
	s, err := OpenIdempotency(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s.max = 40 // the default cap's logic, at a size a test writes quickly
	base := time.Now()
	n := 0
	s.now = func() time.Time { n++; return base.Add(time.Duration(n) * time.Millisecond) }
	for i := range s.max + 10 {
		k := fmt.Sprintf("key-%d", i)
		if _, err := s.Begin("his", k, "h"); err != nil {
			t.Fatal(err)
		}
		s.Finish("his", k, 201, nil)
	}
	if len(s.entries) > s.max {
		t.Fatalf("%d entries kept, cap %d", len(s.entries), s.max)
	}
	// The newest are kept: the last key still replays.
	if r, err := s.Begin("his", fmt.Sprintf("key-%d", s.max+9), "h"); err != nil || r == nil {
		t.Fatalf("newest key forgotten: %v %v", r, err)
	}
}
