package intake

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"motcua/sync/heartbeat/wire"
)

var ctx = context.Background()

func TestBackendDedupAndOwnership(t *testing.T) {
	backends(t, func(t *testing.T, b Backend) {
		now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
		d1, created, err := b.SubmitFrom(ctx, "dev-a", key1, "1.004222", []byte(`{"a":1}`), now)
		if err != nil || !created || d1.DossierCode != "MC-261123-000001" || d1.Device != "dev-a" || d1.Channel != ChannelUnknown {
			t.Fatalf("first: %+v %v %v", d1, created, err)
		}
		d2, created, err := b.SubmitFrom(ctx, "dev-a", key1, "1.004222", []byte(`{"a":1}`), now.AddDate(1, 0, 0))
		if err != nil || created || d2.DossierCode != d1.DossierCode || d2.Submissions != 2 {
			t.Fatalf("replay: %+v %v %v", d2, created, err)
		}
		// Another device with the same key, same or other body: refused
		// before the body is compared, and nothing of the dossier returned.
		for _, body := range []string{`{"a":1}`, `{"a":2}`} {
			d, _, err := b.SubmitFrom(ctx, "dev-b", key1, "1.004222", []byte(body), now)
			if !errors.Is(err, ErrOtherDevice) || d.DossierCode != "" {
				t.Errorf("other device %s: %+v %v", body, d, err)
			}
		}
		if _, _, err := b.SubmitFrom(ctx, "dev-a", key1, "1.004222", []byte(`{"a":2}`), now); !errors.Is(err, ErrKeyReuse) {
			t.Errorf("reuse: %v", err)
		}
		if _, err := b.UpdateStatus(ctx, key1, 11); err == nil {
			t.Error("status 11 accepted")
		}
		if d, err := b.UpdateStatus(ctx, key1, 5); err != nil || d.Status != 5 {
			t.Errorf("status: %+v %v", d, err)
		}
		if _, err := b.Lookup(ctx, keyN(9)); !errors.Is(err, ErrNotFound) {
			t.Errorf("unknown key: %v", err)
		}
		d, err := b.Lookup(ctx, key1)
		if err != nil || string(d.Payload) != `{"a":1}` || d.Submissions != 2 || d.Status != 5 {
			t.Errorf("lookup: %+v %v", d, err)
		}
		// Time bounds of Dossiers.
		b.SubmitFrom(ctx, "dev-b", keyN(2), "1.000466", []byte(`{}`), now.Add(48*time.Hour))
		all, _ := b.Dossiers(ctx, time.Time{}, time.Time{}, false)
		first, _ := b.Dossiers(ctx, now, now.Add(time.Hour), true)
		if len(all) != 2 || all[0].Payload != nil || len(first) != 1 || first[0].IdempotencyKey != key1 || first[0].Payload == nil {
			t.Errorf("dossiers: %+v / %+v", all, first)
		}
	})
}

func TestBackendDevicesAndHeartbeats(t *testing.T) {
	backends(t, func(t *testing.T, b Backend) {
		now := time.Date(2026, 11, 30, 23, 30, 0, 0, time.UTC) // 1 Dec in Vietnam
		tok := CredentialHash(CredToken, []byte("secret"))
		a := Device{ID: "dev-a", Name: "Xã A", Credentials: []string{tok}, EnrolledAt: now}
		if err := b.AddDevice(ctx, a); err != nil {
			t.Fatal(err)
		}
		for _, dup := range []Device{
			{ID: "dev-a", Name: "other", Credentials: []string{CredentialHash(CredToken, []byte("x"))}},
			{ID: "dev-b", Name: "Xã A", Credentials: []string{CredentialHash(CredToken, []byte("y"))}},
			{ID: "dev-c", Name: "Xã C", Credentials: []string{tok}},
		} {
			if err := b.AddDevice(ctx, dup); !errors.Is(err, ErrDeviceExists) {
				t.Errorf("duplicate %+v: %v", dup, err)
			}
		}
		if err := b.AddDevice(ctx, Device{ID: PilotDevice, Name: "p", Credentials: []string{tok + "1"}}); err == nil {
			t.Error("reserved ID enrolled")
		}
		if err := b.AddDevice(ctx, Device{ID: "dev-d", Name: "no creds"}); err == nil {
			t.Error("device without credential enrolled")
		}
		d, err := b.DeviceByCredential(ctx, tok)
		if err != nil || d.ID != "dev-a" || d.Revoked() {
			t.Fatalf("by credential: %+v %v", d, err)
		}
		if _, err := b.DeviceByCredential(ctx, CredentialHash(CredToken, []byte("nope"))); !errors.Is(err, ErrNoDevice) {
			t.Errorf("unknown credential: %v", err)
		}
		hb := wire.Report{Version: "1.2.3", Reader: wire.ReaderOK, Outbox: wire.Outbox{Pending: 3, OldestPendingSeconds: 600},
			Counts: wire.Counts{wire.BHYT: {"found": 4, "not_found": 1}, wire.Procedures: {"1.004222": 2}}}
		for range 2 {
			if err := b.PutHeartbeat(ctx, "dev-a", hb, now); err != nil {
				t.Fatal(err)
			}
		}
		if err := b.PutHeartbeat(ctx, "dev-zz", hb, now); !errors.Is(err, ErrNoDevice) {
			t.Errorf("heartbeat of unknown device: %v", err)
		}
		if err := b.PutHeartbeat(ctx, PilotDevice, hb, now); err != nil {
			t.Errorf("pilot heartbeat: %v", err)
		}
		c, err := b.Counts(ctx, "2026-12")
		if err != nil || c["dev-a"][wire.BHYT]["found"] != 8 || c["dev-a"][wire.Procedures]["1.004222"] != 4 || c[PilotDevice][wire.BHYT]["not_found"] != 1 {
			t.Errorf("counts: %v %v", c, err)
		}
		if c, _ := b.Counts(ctx, "2026-11"); len(c) != 0 {
			t.Errorf("November counts: %v", c)
		}
		if err := b.RevokeDevice(ctx, "dev-a", now); err != nil {
			t.Fatal(err)
		}
		if err := b.RevokeDevice(ctx, "dev-zz", now); !errors.Is(err, ErrNoDevice) {
			t.Errorf("revoke unknown: %v", err)
		}
		devs, err := b.Devices(ctx)
		if err != nil || len(devs) != 2 {
			t.Fatalf("devices: %+v %v", devs, err)
		}
		for _, d := range devs {
			if d.ID == "dev-a" && (!d.Revoked() || d.LastHeartbeat == nil || d.LastHeartbeat.Outbox.Pending != 3 || d.LastHeartbeat.Counts != nil || !d.LastHeartbeatAt.Equal(now)) {
				t.Errorf("dev-a: %+v", d)
			}
		}
	})
}

// Several replicas starting at once on an empty database: each migration is
// applied exactly once, and all of them come up.
func TestMigrationsConcurrentStart(t *testing.T) {
	url := pgURL(t)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := OpenPG(ctx, url, 2)
			if err == nil {
				s.Close()
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("replica %d: %v", i, err)
		}
	}
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	var n, max int
	pool.QueryRow(ctx, "SELECT count(*), max(version) FROM schema_migrations").Scan(&n, &max)
	if n != SchemaVersion() || max != SchemaVersion() || SchemaVersion() < 2 {
		t.Errorf("schema_migrations: %d rows, max %d, want %d", n, max, SchemaVersion())
	}
	// A schema newer than this build is refused, not touched.
	pool.Exec(ctx, "INSERT INTO schema_migrations (version, name) VALUES (99, 'future')")
	if _, err := OpenPG(ctx, url, 1); err == nil {
		t.Error("newer schema accepted")
	}
}

// Two stores (two replicas) racing on the same keys: one dossier per key,
// every submission counted.
func TestPGConcurrentSameKeyTwoReplicas(t *testing.T) {
	url := pgURL(t)
	r1, err := OpenPG(ctx, url, 8)
	if err != nil {
		t.Fatal(err)
	}
	defer r1.Close()
	r2, err := OpenPG(ctx, url, 8)
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Close()
	const keys, tries = 20, 6
	var wg sync.WaitGroup
	var mu sync.Mutex
	created := map[string]int{}
	for k := range keys {
		for i := range tries {
			wg.Add(1)
			go func() {
				defer wg.Done()
				st := []*PGStore{r1, r2}[i%2]
				d, c, err := st.SubmitFrom(ctx, "dev-a", keyN(k), "1.004222", []byte(`{"k":1}`), time.Now())
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				if c {
					created[d.IdempotencyKey]++
				}
				mu.Unlock()
			}()
		}
	}
	wg.Wait()
	all, _ := r1.Dossiers(ctx, time.Time{}, time.Time{}, false)
	if len(all) != keys {
		t.Fatalf("%d dossiers, want %d", len(all), keys)
	}
	codes := map[string]bool{}
	for _, d := range all {
		if d.Submissions != tries || created[d.IdempotencyKey] != 1 || codes[d.DossierCode] {
			t.Errorf("%s: %d submissions, created %d times, code %s", d.IdempotencyKey, d.Submissions, created[d.IdempotencyKey], d.DossierCode)
		}
		codes[d.DossierCode] = true
	}
}
