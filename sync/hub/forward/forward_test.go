package forward

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"motcua/sync/connector"
	"motcua/sync/hub/pgtest"
	"motcua/sync/intake"
)

var (
	clusterOnce sync.Once
	cluster     *pgtest.Cluster
	clusterErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if cluster != nil {
		cluster.Stop()
	}
	os.Exit(code)
}

func database(t *testing.T) string {
	t.Helper()
	clusterOnce.Do(func() { cluster, clusterErr = pgtest.Start() })
	if errors.Is(clusterErr, pgtest.ErrNoBinaries) {
		t.Skip(clusterErr)
	}
	if clusterErr != nil {
		t.Fatal(clusterErr)
	}
	u, err := cluster.NewDatabase("fwd")
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func igate(t *testing.T, url, secret string) *connector.IGate {
	g, err := connector.NewIGate(connector.IGateConfig{BaseURL: url, ClientID: "hub", ClientSecret: secret, Unit: "H40.22", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// Two replicas forward 40 dossiers at once while a third of the province's
// answers are lost after the create: every dossier exists exactly once at
// the province, each hub dossier carries its provincial code and status,
// and the owning device reads them; a procedure the province refuses is
// parked with a code, never the province's text.
func TestTwoReplicasForwardExactlyOnce(t *testing.T) {
	ctx := context.Background()
	url := database(t)
	prov := newFakeIGate(0.33)
	hs := httptest.NewServer(prov)
	defer hs.Close()
	var stores []*intake.PGStore
	for range 2 {
		st, err := intake.OpenPG(ctx, url, 4)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		st.SetForwarding(true)
		stores = append(stores, st)
	}
	now := time.Now()
	const n = 40
	for i := range n {
		svc := "1.004222"
		if i == 7 {
			svc = "9.999999" // not handled by this province
		}
		if _, _, err := stores[i%2].SubmitFrom(ctx, "dev-a", fmt.Sprintf("11111111-2222-4333-8444-%012d", i), svc, []byte(`{"schema":"motcua.dossier/v1"}`), now); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	for i, st := range stores {
		f, err := New(Config{Store: st, Conn: igate(t, hs.URL, "s3cret"), BaseDelay: time.Millisecond, MaxDelay: 10 * time.Millisecond,
			Lease: 30 * time.Second, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			deadline := time.Now().Add(60 * time.Second)
			for time.Now().Before(deadline) {
				if _, err := f.Once(ctx); err != nil {
					t.Errorf("replica %d: %v", i, err)
					return
				}
				ds, _ := st.Dossiers(ctx, time.Time{}, time.Time{}, false)
				left := 0
				for _, d := range ds {
					if d.ForwardState == intake.ForwardPending {
						left++
					}
				}
				if left == 0 {
					return
				}
				time.Sleep(5 * time.Millisecond)
			}
			t.Errorf("replica %d: dossiers still pending at the deadline", i)
		}()
	}
	wg.Wait()
	ds, _ := stores[0].Dossiers(ctx, time.Time{}, time.Time{}, false)
	prov.mu.Lock()
	defer prov.mu.Unlock()
	for _, d := range ds {
		if d.Service == "9.999999" {
			e, _ := stores[0].ForwardError(ctx, d.IdempotencyKey)
			if d.ForwardState != intake.ForwardFailed || e != "rejected:422" || d.ProvincialCode != "" {
				t.Errorf("refused dossier: %+v %q", d, e)
			}
			continue
		}
		if d.ForwardState != intake.ForwardDone || prov.creates[d.IdempotencyKey] != 1 || prov.byRef[d.IdempotencyKey] != d.ProvincialCode || d.Status != 2 {
			t.Errorf("%s: state %s, created %d times at the province, code %q vs %q, status %d", d.IdempotencyKey, d.ForwardState,
				prov.creates[d.IdempotencyKey], d.ProvincialCode, prov.byRef[d.IdempotencyKey], d.Status)
		}
	}
	if len(prov.byRef) != n-1 {
		t.Errorf("%d dossiers at the province, want %d", len(prov.byRef), n-1)
	}
	// The operator puts the refused one back: pending again, due now.
	refused := fmt.Sprintf("11111111-2222-4333-8444-%012d", 7)
	if err := stores[0].RequeueForward(ctx, refused, time.Now()); err != nil {
		t.Errorf("requeue: %v", err)
	}
	if d, _ := stores[0].Lookup(ctx, refused); d.ForwardState != intake.ForwardPending {
		t.Errorf("requeued: %+v", d)
	}
	if err := stores[0].RequeueForward(ctx, ds[0].IdempotencyKey, time.Now()); !errors.Is(err, intake.ErrNotFound) {
		t.Errorf("requeue of a forwarded dossier: %v", err)
	}
	stores[0].FailForward(ctx, refused, "rejected:422")
	// The kiosk reads the provincial code through its own channel.
	tok := intake.NewDeviceToken()
	dev := intake.Device{ID: "dev-a", Name: "Xã A", Credentials: []string{intake.CredentialHash(intake.CredToken, []byte(tok))}, EnrolledAt: now}
	if err := stores[0].AddDevice(ctx, dev); err != nil {
		t.Fatal(err)
	}
	srv, _ := intake.NewServer(stores[0], "", intake.Faults{}, nil)
	hub := httptest.NewServer(srv.Handler())
	defer hub.Close()
	c, err := connector.NewIntake(connector.IntakeConfig{Endpoint: hub.URL, Token: tok})
	if err != nil {
		t.Fatal(err)
	}
	st, err := c.Status(ctx, ds[0].IdempotencyKey, ds[0].DossierCode)
	if err != nil || st != 2 {
		t.Errorf("kiosk status: %d %v", st, err)
	}
	req, _ := http.NewRequest("GET", hub.URL+"/v1/dossiers/"+ds[0].IdempotencyKey, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `"provincial_dossier_code":"`+ds[0].ProvincialCode+`"`) || ds[0].ProvincialCode == "" {
		t.Errorf("kiosk reads: %s", body)
	}
	// The province moves the dossiers on (status 4): one poll brings every
	// non-refused one to 4, a second poll within the interval asks nothing.
	prov.mu.Unlock()
	f, _ := New(Config{Store: stores[1], Conn: igate(t, hs.URL, "s3cret"), PollInterval: time.Hour})
	changed, err := f.PollStatuses(ctx)
	if err != nil || changed != n-1 {
		t.Errorf("poll: %d changed, %v", changed, err)
	}
	prov.mu.Lock()
	gets := prov.statusGets
	prov.mu.Unlock()
	if changed, _ := f.PollStatuses(ctx); changed != 0 || gets != n-1 {
		t.Errorf("second poll changed %d; %d status requests, want %d", changed, gets, n-1)
	}
	prov.mu.Lock()
	if prov.statusGets != gets {
		t.Errorf("second poll within the interval asked the province %d times", prov.statusGets-gets)
	}
	prov.mu.Unlock()
	if st, err := c.Status(ctx, ds[0].IdempotencyKey, ds[0].DossierCode); err != nil || st != 4 {
		t.Errorf("kiosk status after the province moved on: %d %v", st, err)
	}
	prov.mu.Lock()
}

// Wrong provincial credentials: nothing is lost, every dossier stays
// pending with the code "unauthorized".
func TestForwardBadCredentialsKeepsPending(t *testing.T) {
	ctx := context.Background()
	st, err := intake.OpenPG(ctx, database(t), 4)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	st.SetForwarding(true)
	key := "11111111-2222-4333-8444-000000000001"
	st.SubmitFrom(ctx, "dev-a", key, "1.004222", []byte(`{}`), time.Now())
	hs := httptest.NewServer(newFakeIGate(0))
	defer hs.Close()
	f, _ := New(Config{Store: st, Conn: igate(t, hs.URL, "wrong")})
	if _, err := f.Once(ctx); !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("pass: %v", err)
	}
	d, _ := st.Lookup(ctx, key)
	e, _ := st.ForwardError(ctx, key)
	if d.ForwardState != intake.ForwardPending || e != "unauthorized" || strings.Contains(e, "Nguy") {
		t.Errorf("after refusal: %+v %q", d, e)
	}
}

// A replica that claimed a dossier, created it at the province and died
// before recording it: its lease runs out, another replica claims the
// dossier, finds it at the province by MaThamChieu and records it; the
// province holds it once. Before the lease runs out nobody else takes it.
func TestKilledForwarderLeaseExpires(t *testing.T) {
	ctx := context.Background()
	st, err := intake.OpenPG(ctx, database(t), 4)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	st.SetForwarding(true)
	key := "11111111-2222-4333-8444-000000000009"
	t0 := time.Now()
	if _, _, err := st.SubmitFrom(ctx, "dev-a", key, "1.004222", []byte(`{"schema":"motcua.dossier/v1"}`), t0); err != nil {
		t.Fatal(err)
	}
	prov := newFakeIGate(0)
	hs := httptest.NewServer(prov)
	defer hs.Close()
	// The replica that dies: claim (lease 1 min), create at the province, stop.
	d, ok, err := st.ClaimForward(ctx, t0, time.Minute)
	if err != nil || !ok {
		t.Fatalf("claim: %v %v", ok, err)
	}
	if _, err := igate(t, hs.URL, "s3cret").Submit(ctx, connector.Submission{UUID: d.IdempotencyKey, Service: d.Service, Payload: d.Payload}); err != nil {
		t.Fatal(err)
	}
	clock := t0.Add(30 * time.Second)
	f, _ := New(Config{Store: st, Conn: igate(t, hs.URL, "s3cret"), Now: func() time.Time { return clock }})
	if s, err := f.Once(ctx); err != nil || s.Forwarded != 0 {
		t.Fatalf("within the lease: %+v %v", s, err)
	}
	clock = t0.Add(61 * time.Second)
	if s, err := f.Once(ctx); err != nil || s.Forwarded != 1 {
		t.Fatalf("after the lease: %+v %v", s, err)
	}
	got, _ := st.Lookup(ctx, key)
	prov.mu.Lock()
	defer prov.mu.Unlock()
	if got.ForwardState != intake.ForwardDone || got.ProvincialCode != prov.byRef[key] || prov.creates[key] != 1 || len(prov.byRef) != 1 {
		t.Errorf("dossier %+v; province created %d, holds %d", got, prov.creates[key], len(prov.byRef))
	}
}

// TestForwardWaitsForAttachmentsThenSendsThem: a dossier listing
// attachments is not forwarded until every file has arrived at the hub;
// then the files go through the province's upload step, byte-identical,
// and are listed in the created dossier.
func TestForwardWaitsForAttachmentsThenSendsThem(t *testing.T) {
	ctx := context.Background()
	st, err := intake.OpenPG(ctx, database(t), 4)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	st.SetForwarding(true)
	key := "11111111-2222-4333-8444-000000000077"
	scan := bytes.Repeat([]byte("%PDF trang "), 60000)
	sum := sha256.Sum256(scan)
	spec := intake.AttachmentSpec{Name: "Giấy khai sinh", Type: "application/pdf", Pages: 2, Size: int64(len(scan)), SHA256: hex.EncodeToString(sum[:])}
	t0 := time.Now()
	if _, _, err := st.SubmitWithAttachments(ctx, "dev-a", key, "1.004222", []byte(`{"a":1}`), []intake.AttachmentSpec{spec}, t0); err != nil {
		t.Fatal(err)
	}
	prov := newFakeIGate(0)
	hs := httptest.NewServer(prov)
	defer hs.Close()
	clock := t0
	f, _ := New(Config{Store: st, Conn: igate(t, hs.URL, "s3cret"), Now: func() time.Time { return clock }})
	if s, err := f.Once(ctx); err != nil || s.Forwarded != 0 {
		t.Fatalf("before the upload: %+v %v", s, err)
	}
	if code, _ := st.ForwardError(ctx, key); code != CodeAttachmentsIncomplete {
		t.Errorf("waiting code %q", code)
	}
	if _, _, err := st.PutAttachment(ctx, "dev-a", key, spec.Name, bytes.NewReader(scan), t0); err != nil {
		t.Fatal(err)
	}
	clock = t0.Add(time.Hour)
	if s, err := f.Once(ctx); err != nil || s.Forwarded != 1 {
		t.Fatalf("after the upload: %+v %v", s, err)
	}
	prov.mu.Lock()
	defer prov.mu.Unlock()
	parts := prov.parts[key]
	if len(parts) != 1 || len(prov.files) != 1 {
		t.Fatalf("province got %d parts, %d files", len(parts), len(prov.files))
	}
	id := parts[0].(map[string]any)["FileId"].(string)
	if !bytes.Equal(prov.files[id], scan) {
		t.Errorf("province file is %d bytes, not the %d uploaded", len(prov.files[id]), len(scan))
	}
}
