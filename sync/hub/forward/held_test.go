package forward

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"motcua/sync/intake"
)

// A dossier whose applicant commune is not confirmed is not forwarded: the
// province never sees it, and the hub parks it with the hold code instead
// of retrying forever.
func TestHeldDossierIsNotForwarded(t *testing.T) {
	ctx := context.Background()
	st, err := intake.OpenPG(ctx, database(t), 4)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	st.SetForwarding(true)
	key := "11111111-2222-4333-8444-000000000077"
	doc := `{"schema":"motcua.dossier/v1","revision":2,"applicant_role":"applicant","parties":[{"role":"applicant","index":0,"provenance":"qr",` +
		`"fields":{"noi_thuong_tru":{"value":"Vĩnh Tuy, Thành phố Hà Nội","provenance":"qr","address":{"province_code":"01"}}}}]}`
	if _, _, err := st.SubmitFrom(ctx, "dev-a", key, "1.004206", []byte(doc), time.Now()); err != nil {
		t.Fatal(err)
	}
	prov := newFakeIGate(0)
	hs := httptest.NewServer(prov)
	defer hs.Close()
	f, _ := New(Config{Store: st, Conn: igate(t, hs.URL, "s3cret")})
	if s, err := f.Once(ctx); err != nil || s.Failed != 1 || s.Forwarded != 0 {
		t.Fatalf("once: %+v %v", s, err)
	}
	got, _ := st.Lookup(ctx, key)
	e, _ := st.ForwardError(ctx, key)
	prov.mu.Lock()
	defer prov.mu.Unlock()
	if got.ForwardState != intake.ForwardFailed || e != "held:commune_unconfirmed" || len(prov.byRef) != 0 {
		t.Errorf("dossier %+v, code %q, province holds %d", got, e, len(prov.byRef))
	}
}
