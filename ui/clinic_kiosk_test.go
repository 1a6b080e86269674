package ui

import (
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2/widget"

	"motcua/hwtest/simcard"
	"motcua/kiosk/clinic"
	"motcua/kiosk/clinic/gatewaytest"
	"motcua/kiosk/engine"
	"motcua/kiosk/printer"
	"motcua/kiosk/printer/printertest"
	"motcua/reader/cccd"
)

const uiChildCard = "TE1010124000001"

// clinicTweak configures clinic mode on a loopback test gateway that knows
// the reference citizen and a child; selfService adds the kiosk's menu,
// ticket file and the fake printer fp (nil: none).
func clinicTweak(t testing.TB, selfService bool, fp *printertest.Printer) func(*engine.Config) {
	t.Helper()
	gw := gatewaytest.New()
	gw.Accounts["bv"] = "secret"
	staff := clinic.Staff{Name: "Lễ Tân Thử", IDNumber: "001190000001"}
	gw.Staff[staff.IDNumber] = staff.Name
	now := time.Now()
	id := simcard.ReferenceProfile().Identity
	gw.People = []gatewaytest.Insured{
		{IDNumber: id.IDNumber, CardCode: "DN4010193047064", FullName: id.FullName, DOB: dmy(id.DateOfBirth),
			From: now.AddDate(-1, 0, 0), To: now.AddDate(1, 0, 0), Facility: "01001"},
		{CardCode: uiChildCard, FullName: "Nguyễn Bé Thử", DOB: "15/03/2024", From: now.AddDate(-1, 0, 0), To: now.AddDate(4, 0, 0), Facility: "01001"},
	}
	srv := httptest.NewServer(gw)
	t.Cleanup(srv.Close)
	g, err := clinic.NewHTTPGateway(srv.URL, "bv", "secret")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	visits, err := clinic.OpenVisitLog(filepath.Join(dir, "clinic"))
	if err != nil {
		t.Fatal(err)
	}
	c := engine.ClinicConfig{Gateway: g, Staff: staff, Facility: "01001", Dir: filepath.Join(dir, "records"), Visits: visits}
	if selfService {
		book, err := clinic.OpenTicketBook(filepath.Join(dir, "clinic", "tickets.json"))
		if err != nil {
			t.Fatal(err)
		}
		c.SelfService, c.Tickets, c.FacilityName = true, book, "Bệnh viện Thử"
		c.Menu = clinic.Menu{
			Departments: []clinic.Department{
				{Code: "K01", Name: "Phòng khám Nội", NameEN: "Internal medicine", Prefix: "A"},
				{Code: "K02", Name: "Phòng khám Nhi", NameEN: "Paediatrics", Prefix: "B"},
				{Code: "K03", Name: "Phòng khám Tai Mũi Họng", NameEN: "Ear, nose and throat", Prefix: "C"},
				{Code: "K04", Name: "Phòng khám Răng Hàm Mặt", NameEN: "Dentistry", Prefix: "D"},
				{Code: "K05", Name: "Phòng khám Mắt", NameEN: "Eyes", Prefix: "E"},
				{Code: "K06", Name: "Phòng khám Da liễu", NameEN: "Skin", Prefix: "F"},
			},
			Reasons: []clinic.Reason{{Code: "KB", Name: "Khám bệnh"}, {Code: "TK", Name: "Tái khám"}, {Code: "KSK", Name: "Khám sức khỏe"}},
		}
		if fp != nil {
			p, err := printer.New(printer.Config{Address: fp.Addr()})
			if err != nil {
				t.Fatal(err)
			}
			c.Printer = p
		}
	}
	return func(cfg *engine.Config) { cfg.Clinic = c }
}

// chooseReason picks a reason on the department screen.
func (r *rig) chooseReason(name string) {
	r.t.Helper()
	r.ui(func() {
		for _, o := range r.objects() {
			if s, ok := o.(*widget.Select); ok {
				s.SetSelected(name)
			}
		}
	})
}

// clinicKioskWalk walks a patient's self check-in from the card to the
// ticket and back, then an adult bringing a child under 6, calling at on
// every screen.
func clinicKioskWalk(t *testing.T, r *rig, fp *printertest.Printer, at func(what string)) {
	t.Helper()
	r.wait("attract")
	at("attract")
	r.readCard(cardGenuine)
	if r.sees(simcard.ReferenceProfile().Identity.IDNumber) || !r.sees(cccd.MaskID(simcard.ReferenceProfile().Identity.IDNumber)) {
		t.Fatal("the self check-in kiosk shows the whole ID number")
	}
	at("identity")
	r.tap(w("clinic.check"))
	r.wait("checkin")
	r.see("Thẻ BHYT còn giá trị sử dụng.")
	at("checkin")
	r.tap(w("ticket.choose"))
	r.wait("department")
	at("department")
	r.chooseReason("Tái khám")
	r.tap("Phòng khám Nhi")
	r.wait("ticket")
	r.see("B001")
	if fp == nil {
		r.see(w("ticket.remember"))
	} else {
		r.see(w("ticket.printed"))
	}
	at("ticket")
	if fp != nil {
		if jobs, err := fp.Wait(1, 5*time.Second); err != nil || len(jobs[0].Errors) > 0 {
			t.Fatalf("ticket not printed: %v %v", err, jobs)
		}
	}
	r.deck.Remove()
	r.see(w("ticket.closes"))
	at("ticket after the card left")
	r.tapFirst(w("ticket.done"))
	r.wait("attract")
	r.see(w("clinic.checkedin"))
	if r.sees(w("cancel.done")) {
		t.Fatal("a check-in ended as cancelled")
	}
	at("attract after a check-in")
	// An adult brings a child under 6.
	r.readCard(cardGenuine)
	r.tap(w("clinic.child"))
	r.wait("child")
	fs := r.fields()
	if len(fs) != 4 {
		t.Fatalf("%d fields on the child's form", len(fs))
	}
	r.ui(func() { r.app.kb.attach(fs[0]) })
	at("child with the keyboard")
	fs = r.fields() // at may have drawn the screen again
	r.ui(func() {
		r.app.kb.detach()
		fs[0].SetText("Nguyễn Bé Thử")
		fs[1].SetText("15/03/2019") // over 6
		fs[2].SetText(uiChildCard)
	})
	r.tap(w("clinic.check"))
	r.see(w("child.over6"))
	at("child refused")
	fs = r.fields() // the screen was drawn again, with what was typed
	if len(fs) != 4 || fs[0].Text != "Nguyễn Bé Thử" || fs[2].Text != uiChildCard {
		t.Fatal("the refusal lost what was typed")
	}
	r.ui(func() { fs[1].SetText("15/03/2024") })
	r.tap(w("clinic.check"))
	r.wait("checkin")
	r.see("Nguyễn Bé Thử")
	if r.sees(w("clinic.repeat")) {
		t.Fatal("the child flagged as a repeat of the adult")
	}
	at("checkin of a child")
}

// TestClinicKioskScreens: the self check-in from card to printed ticket
// in the app, the child's form, and the end notice (never "cancelled").
func TestClinicKioskScreens(t *testing.T) {
	fp, err := printertest.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer fp.Close()
	r := newRig(t, Clinic, clinicTweak(t, true, fp))
	clinicKioskWalk(t, r, fp, func(string) {})
}

// receptionWalk is the receptionist's check-in: the answer, "Tiếp nhận
// xong", and the start screen saying the check-in was done.
func receptionWalk(t *testing.T, r *rig, at func(what string)) {
	t.Helper()
	r.wait("attract")
	r.readCard(cardGenuine)
	at("reception identity")
	r.tap(w("clinic.check"))
	r.wait("checkin")
	r.see(w("clinic.saved"))
	at("reception check-in")
	r.tapFirst(w("clinic.done"))
	r.wait("attract")
	r.see(w("clinic.checkedin"))
	if r.sees(w("cancel.done")) {
		t.Fatal("the receptionist's check-in ended as cancelled")
	}
	at("reception attract after a check-in")
	r.deck.Remove()
	r.readCard(cardGenuine)
	r.tap(w("clinic.child"))
	r.wait("child")
	fs := r.fields()
	r.ui(func() {
		fs[0].SetText("Nguyễn Bé Hai")
		fs[1].SetText("01/10/2026")
		fs[3].SetText("GCS-2026-000123")
	})
	r.tap(w("clinic.check"))
	r.wait("checkin")
	r.see(w("clinic.unverified.gcs"))
	at("reception check-in of a child with a birth notice")
}

// TestClinicScreensFit: every clinic screen, self check-in and reception,
// fits 1280x800 and 1024x768, normal and large text, normal and high
// contrast (the fit test's variants).
func TestClinicScreensFit(t *testing.T) {
	if testing.Short() {
		t.Skip("renders every screen 8 ways")
	}
	r := newRig(t, Clinic, clinicTweak(t, true, nil))
	clinicKioskWalk(t, r, nil, func(what string) { r.fits(t, what) })
	r2 := newRig(t, Clinic, clinicTweak(t, false, nil))
	receptionWalk(t, r2, func(what string) { r2.fits(t, what) })
}

// TestClinicNoEnglishInVietnamese: the clinic's screens in Vietnamese show
// no English.
func TestClinicNoEnglishInVietnamese(t *testing.T) {
	check := func(r *rig) func(string) {
		return func(what string) {
			if e := r.english(); len(e) > 0 {
				t.Errorf("%s (%s) shows English: %q", what, r.app.Screen(), e)
			}
		}
	}
	r := newRig(t, Clinic, clinicTweak(t, true, nil))
	clinicKioskWalk(t, r, nil, check(r))
	r2 := newRig(t, Clinic, clinicTweak(t, false, nil))
	receptionWalk(t, r2, check(r2))
}

// TestClinicKioskForgedCard: a card that failed its checks cannot be
// checked in at the self check-in kiosk (only "see the staff"); the
// receptionist can still look it up.
func TestClinicKioskForgedCard(t *testing.T) {
	r := newRig(t, Clinic, clinicTweak(t, true, nil))
	r.wait("attract")
	r.readCard(cardAltered)
	if r.canTap(w("clinic.check")) || r.canTap(w("clinic.child")) || !r.canTap(w("id.seeofficer")) {
		t.Fatalf("self check-in with an altered card: %v", r.texts())
	}
	r2 := newRig(t, Clinic, clinicTweak(t, false, nil))
	r2.wait("attract")
	r2.readCard(cardAltered)
	r2.tap(w("clinic.check"))
	r2.wait("checkin")
}
