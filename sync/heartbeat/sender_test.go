package heartbeat

import (
	"context"
	"errors"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"motcua/sync/heartbeat/wire"
	"motcua/sync/intake"
	"motcua/sync/outbox"
)

var ctx = context.Background()

// The sender against the real hub handler: a report is stored with its
// counts; a report refused (429: too soon) keeps its counts for the next
// one; a label that is not a code travels as "other"; a revoked device gets
// ErrUnauthorized.
func TestSenderAgainstHub(t *testing.T) {
	dataDir := t.TempDir()
	st, err := intake.OpenStore(dataDir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	tok := intake.NewDeviceToken()
	dev := intake.NewDevice("Xã Tân Phú", []string{intake.CredentialHash(intake.CredToken, []byte(tok))}, time.Now())
	if err := st.AddDevice(ctx, dev); err != nil {
		t.Fatal(err)
	}
	hub := func(every time.Duration) string {
		srv, err := intake.NewServer(st, "", intake.Faults{}, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		srv.SetHeartbeat(every, time.Hour)
		hs := httptest.NewServer(srv.Handler())
		t.Cleanup(hs.Close)
		return hs.URL
	}
	ob, err := outbox.Open(t.TempDir(), outbox.Options{Logger: slog.New(slog.DiscardHandler),
		Now: func() time.Time { return time.Now().Add(-10 * time.Minute) }})
	if err != nil {
		t.Fatal(err)
	}
	defer ob.Close()
	for range 2 {
		if _, err := ob.Add(ctx, "1.004222", []byte(`{}`)); err != nil {
			t.Fatal(err)
		}
	}
	state := func(context.Context) (State, error) {
		o, err := FromOutbox(ob, time.Now())
		return State{Reader: ReaderAbsent, Outbox: o}, err
	}
	send := func(url string, c *Counter) (*Sender, error) {
		s, err := New(Config{Endpoint: url, Token: tok, Version: "1.0.0-test", State: state, Counter: c})
		if err != nil {
			t.Fatal(err)
		}
		return s, s.SendOnce(ctx)
	}
	c := NewCounter(time.Now())
	c.Add(BHYT, "found")
	c.Add(Procedures, "1.004222")
	c.Add(Procedures, "Nguyễn Văn A") // not a code
	slow := hub(time.Hour)
	if _, err := send(slow, c); err != nil {
		t.Fatalf("first: %v", err)
	}
	c.Add(BHYT, "found")
	c.Add(BHYT, "not_found")
	var ra *RetryAfterError
	if _, err := send(slow, c); !errors.As(err, &ra) || ra.Wait < 59*time.Minute {
		t.Fatalf("second within the hour: %v", err)
	}
	if _, err := send(hub(time.Nanosecond), c); err != nil { // a hub with no bound takes it
		t.Fatalf("third: %v", err)
	}
	month := time.Now().In(intake.Vietnam).Format("2006-01")
	counts, _ := st.Counts(ctx, month)
	got := counts[dev.ID]
	if got[BHYT]["found"] != 2 || got[BHYT]["not_found"] != 1 || got[Procedures]["1.004222"] != 1 || got[Procedures][OtherLabel] != 1 || len(got[Procedures]) != 2 {
		t.Errorf("counts at the hub: %v", got)
	}
	devs, _ := st.Devices(ctx)
	hb := devs[0].LastHeartbeat
	if hb == nil || hb.Outbox.Pending != 2 || hb.Outbox.OldestPendingSeconds < 599 || hb.Reader != ReaderAbsent || hb.Version != "1.0.0-test" {
		t.Errorf("latest heartbeat: %+v", hb)
	}
	st.RevokeDevice(ctx, dev.ID, time.Now())
	if _, err := send(hub(time.Nanosecond), NewCounter(time.Now())); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("revoked: %v", err)
	}
}

func TestSenderConfig(t *testing.T) {
	st := func(context.Context) (State, error) { return State{Reader: ReaderOK}, nil }
	for name, cfg := range map[string]Config{
		"plain http off loopback": {Endpoint: "http://10.0.0.1", Token: "t", Version: "1", State: st},
		"no credential":           {Endpoint: "https://hub.example", Version: "1", State: st},
		"no state":                {Endpoint: "https://hub.example", Token: "t", Version: "1"},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
	s, err := New(Config{Endpoint: "https://hub.example", Token: "t", Version: "1", State: st, Interval: time.Second})
	if err != nil || s.cfg.Interval != MinInterval {
		t.Errorf("interval not bounded: %v %v", s.cfg.Interval, err)
	}
	// A report with an ID-like label never leaves the agent.
	bad := wire.Report{Version: "1", Reader: ReaderOK, Counts: wire.Counts{BHYT: {"001099012345": 1}}}
	if err := s.post(ctx, &bad); err == nil {
		t.Error("ID number as a label sent")
	}
}
