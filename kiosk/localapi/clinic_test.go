package localapi

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"motcua/hwtest/simcard"
	"motcua/kiosk/catalog"
	"motcua/kiosk/clinic"
	"motcua/kiosk/clinic/gatewaytest"
	"motcua/kiosk/engine"
	"motcua/reader"
	"motcua/sync/outbox"
)

// TestClinicCheckInEvent: a self check-in's ticket reaches the hospital's
// software on the events WebSocket as clinic.checkin, to an application
// granted "health" only, with the ID number, the BHYT answer and the
// ticket and none of the card's other personal data.
func TestClinicCheckInEvent(t *testing.T) {
	dir := t.TempDir()
	id := simcard.ReferenceProfile().Identity
	gw := gatewaytest.New()
	gw.Accounts["bv"] = "secret"
	gw.Staff["001190000001"] = "Lễ Tân Thử"
	now := time.Now()
	gw.People = []gatewaytest.Insured{{IDNumber: id.IDNumber, CardCode: "DN4010193047064", FullName: id.FullName,
		DOB: id.DateOfBirth[8:10] + "/" + id.DateOfBirth[5:7] + "/" + id.DateOfBirth[:4], From: now.AddDate(-1, 0, 0), To: now.AddDate(1, 0, 0), Facility: "01001"}}
	gsrv := httptest.NewServer(gw)
	defer gsrv.Close()
	g, err := clinic.NewHTTPGateway(gsrv.URL, "bv", "secret")
	if err != nil {
		t.Fatal(err)
	}
	book, err := clinic.OpenTicketBook(filepath.Join(dir, "tickets.json"))
	if err != nil {
		t.Fatal(err)
	}
	store, err := outbox.Open(filepath.Join(dir, "outbox"), outbox.Options{Device: "test-kiosk", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	cat, err := catalog.Load("")
	if err != nil {
		t.Fatal(err)
	}
	sim := simcard.NewReader("Simulated reader")
	menu := clinic.Menu{Departments: []clinic.Department{{Code: "K01", Name: "Phòng khám Nội", Prefix: "A"}},
		Reasons: []clinic.Reason{{Code: "KB", Name: "Khám bệnh"}}}
	eng, err := engine.New(engine.Config{Mode: engine.Clinic, Terminal: sim, Catalog: cat, Outbox: store, Device: "test-kiosk",
		ReadOptions: reader.Options{Trust: trustStore(t)},
		Clinic: engine.ClinicConfig{Gateway: g, Staff: clinic.Staff{Name: "Lễ Tân Thử", IDNumber: "001190000001"}, Facility: "01001",
			Dir: filepath.Join(dir, "records"), SelfService: true, Menu: menu, Tickets: book}})
	if err != nil {
		t.Fatal(err)
	}
	pairs, err := OpenPairings(dir)
	if err != nil {
		t.Fatal(err)
	}
	his, err := pairs.Pair("hospital-his", []string{"health"})
	if err != nil {
		t.Fatal(err)
	}
	other, err := pairs.Pair("queue-display", nil)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := New(Config{Engine: eng, Pairings: pairs, Origins: []string{testOrigin}})
	if err != nil {
		t.Fatal(err)
	}
	l, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 5 * time.Second}
	ctx, cancel := context.WithCancel(context.Background())
	runDone, serveDone := make(chan struct{}), make(chan struct{})
	eng.Start(ctx)
	go func() { defer close(runDone); srv.Run(ctx) }()
	go func() { defer close(serveDone); hs.Serve(l) }()
	defer func() { cancel(); hs.Close(); <-runDone; <-serveDone; eng.Stop() }()
	dial := func(token string) *wsClient {
		c, _, err := dialWS(l.Addr().String(), nil, Protocol, "bearer."+token)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(c.close)
		if h := c.event(t); h.Type != "hello" {
			t.Fatalf("first event %q", h.Type)
		}
		return c
	}
	hisWS, otherWS := dial(his), dial(other)

	// The patient at the kiosk: card, QR, look-up, department, ticket.
	card, err := simcard.ReferenceProfile().Card(simcard.CardOptions{Extended: true})
	if err != nil {
		t.Fatal(err)
	}
	sim.Insert(card)
	if _, err := eng.ScanQR(simcard.ReferenceProfile().QRPayload()); err != nil {
		t.Fatal(err)
	}
	read := hisWS.until(t, "card.read")
	waitStep(t, eng, engine.StepIdentity)
	eng.CheckIn()
	waitStep(t, eng, engine.StepCheckIn)
	eng.ChooseDepartment()
	waitStep(t, eng, engine.StepDepartment)
	if err := eng.TakeTicket("K01", "KB"); err != nil {
		t.Fatal(err)
	}
	ev := hisWS.until(t, "clinic.checkin")
	c := ev.CheckIn
	if c == nil || c.Ticket == nil || c.Ticket.Number != "A001" || c.Department.Code != "K01" || c.Reason.Code != "KB" ||
		c.PatientID != id.IDNumber || c.BHXH != clinic.BHXHVerified || c.BHYT == nil || !c.BHYT.Valid ||
		c.BHYT.CardCode != "DN4010193047064" || c.Record == "" || ev.CardSession != read.CardSession || ev.Card != nil {
		t.Fatalf("clinic.checkin %+v", ev)
	}
	raw, _ := json.Marshal(ev)
	for _, personal := range []string{id.FullName, id.PlaceOfResidence, id.Ethnicity, "gateway_name", "gateway_date_of_birth"} {
		if personal != "" && strings.Contains(string(raw), personal) {
			t.Fatalf("clinic.checkin carries %q: %s", personal, raw)
		}
	}
	// The application without the grant saw the card, never the check-in.
	sim.Remove()
	for {
		e := otherWS.event(t)
		if e.Type == "clinic.checkin" {
			t.Fatal("clinic.checkin sent to an application not granted health")
		}
		if e.Type == "card.removed" {
			break
		}
	}
}

func waitStep(t *testing.T, eng *engine.Engine, s engine.Step) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for eng.View().Step != s {
		if time.Now().After(deadline) {
			v := eng.View()
			t.Fatalf("step %s never came (at %s, notice %q %q)", s, v.Step, v.Notice, v.Detail)
		}
		time.Sleep(2 * time.Millisecond)
	}
}
