package engine

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"motcua/hwtest/simcard"
	"motcua/kiosk/clinic"
	"motcua/kiosk/clinic/gatewaytest"
	"motcua/kiosk/printer"
	"motcua/kiosk/printer/printertest"
)

var kioskMenu = clinic.Menu{
	Departments: []clinic.Department{{Code: "K01", Name: "Phòng khám Nội", Prefix: "A"}, {Code: "K02", Name: "Phòng khám Nhi", Prefix: "B"}},
	Reasons:     []clinic.Reason{{Code: "KB", Name: "Khám bệnh"}, {Code: "TK", Name: "Tái khám"}},
}

var testStaff = clinic.Staff{Name: "Lễ Tân Thử", IDNumber: "001190000001"}

// childCard is a synthetic child's BHYT code the test gateway knows.
const childCard = "TE1010124000001"

// clinicGateway is the test gateway on loopback with the reference
// citizen and a child insured.
func clinicGateway(t *testing.T) (*clinic.HTTPGateway, *httptest.Server) {
	t.Helper()
	gw := gatewaytest.New()
	gw.Accounts["clinic"] = "secret"
	gw.Staff[testStaff.IDNumber] = testStaff.Name
	now := time.Now()
	id := simcard.ReferenceProfile().Identity
	gw.People = []gatewaytest.Insured{
		{IDNumber: id.IDNumber, CardCode: "DN4010193047064", FullName: id.FullName, DOB: dmyOf(id.DateOfBirth),
			From: now.AddDate(-1, 0, 0), To: now.AddDate(1, 0, 0), Facility: "01001"},
		{CardCode: childCard, FullName: "Nguyễn Bé Thử", DOB: "15/03/2024", From: now.AddDate(-1, 0, 0), To: now.AddDate(4, 0, 0), Facility: "01001"},
	}
	srv := httptest.NewServer(gw)
	t.Cleanup(srv.Close)
	g, err := clinic.NewHTTPGateway(srv.URL, "clinic", "secret")
	if err != nil {
		t.Fatal(err)
	}
	return g, srv
}

// kioskSetup is a clinic self check-in's configuration in dir, printing
// on the fake printer fp (nil: no printer).
func kioskSetup(t *testing.T, dir string, g clinic.Gateway, fp *printertest.Printer) ClinicConfig {
	t.Helper()
	visits, err := clinic.OpenVisitLog(filepath.Join(dir, "clinic"))
	if err != nil {
		t.Fatal(err)
	}
	book, err := clinic.OpenTicketBook(filepath.Join(dir, "clinic", "tickets.json"))
	if err != nil {
		t.Fatal(err)
	}
	c := ClinicConfig{Gateway: g, Staff: testStaff, Facility: "01001", Dir: filepath.Join(dir, "records"), Visits: visits,
		SelfService: true, FacilityName: "Bệnh viện Thử", Menu: kioskMenu, Tickets: book}
	if fp != nil {
		p, err := printer.New(printer.Config{Address: fp.Addr(), StatusTimeout: 2 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		c.Printer = p
	}
	return c
}

func startPrinter(t *testing.T) *printertest.Printer {
	t.Helper()
	fp, err := printertest.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fp.Close() })
	return fp
}

// checkInToDepartments reads card i, looks it up and opens the department choice.
func (r *rig) checkInToDepartments(i int) View {
	r.t.Helper()
	r.readCard(i, StepIdentity)
	r.e.CheckIn()
	v := r.step(StepCheckIn)
	r.e.ChooseDepartment()
	r.step(StepDepartment)
	return v
}

// printedNumber reports whether job carries the ticket number as the
// printer draws it (120-dot raster, centred).
func printedNumber(t *testing.T, job printertest.Job, number string) bool {
	t.Helper()
	want, err := printer.RenderLine(number, 120, 576, printer.Center)
	if err != nil {
		t.Fatal(err)
	}
	for _, bm := range job.Rasters() {
		if bm.Rows == want.Rows && bytes.Equal(bm.Bits, want.Bits) {
			return true
		}
	}
	return false
}

// TestClinicKioskTicket: card → BHYT answer → department and reason → a
// numbered ticket on screen and on paper → the record for the hospital;
// the ticket outlives the card (no card data), then the screen says the
// check-in was done.
func TestClinicKioskTicket(t *testing.T) {
	g, _ := clinicGateway(t)
	fp := startPrinter(t)
	dir := t.TempDir()
	r := newRig(t, Clinic, func(c *Config) { c.Clinic = kioskSetup(t, dir, g, fp) })
	r.readCard(cardGenuine, StepIdentity)
	if err := r.e.TakeTicket("K01", "KB"); err == nil {
		t.Fatal("a ticket before the look-up")
	}
	r.e.CheckIn()
	v := r.step(StepCheckIn)
	if !v.SelfService || v.CheckIn.BHYT == nil || !v.CheckIn.BHYT.Valid || v.RecordFile != "" {
		t.Fatalf("look-up: %+v (record %q: a self check-in writes it with the ticket)", v.CheckIn, v.RecordFile)
	}
	if ev := r.event(CheckedIn); ev.CheckIn != nil {
		t.Fatal("the look-up alone was handed to the hospital's system")
	}
	r.e.ChooseDepartment()
	v = r.step(StepDepartment)
	if len(v.Menu.Departments) != 2 || len(v.Menu.Reasons) != 2 {
		t.Fatalf("menu %+v", v.Menu)
	}
	r.e.TakeTicket("K09", "KB")
	if v := r.until("unknown department refused", func(v View) bool { return v.Notice == NoticeTicket && !v.Busy }); v.Step != StepDepartment {
		t.Fatalf("step %s", v.Step)
	}
	r.e.TakeTicket("K01", "KB")
	v = r.step(StepTicket)
	if v.Ticket == nil || v.Ticket.Number != "A001" || v.Ticket.DepartmentName != "Phòng khám Nội" || !v.Ticket.Printed || v.Notice != NoticeNone {
		t.Fatalf("ticket %+v notice %q %q", v.Ticket, v.Notice, v.Detail)
	}
	jobs, err := fp.Wait(1, 5*time.Second)
	if err != nil || !printedNumber(t, jobs[0], "A001") || len(jobs[0].Errors) > 0 {
		t.Fatalf("printed: %v %v", err, jobs)
	}
	ev := r.event(TicketIssued)
	if ev.CheckIn == nil || ev.CheckIn.Ticket.Number != "A001" || ev.File == "" || ev.Reason != "000" || ev.Session == "" {
		t.Fatalf("ticket_issued %+v", ev)
	}
	var rec clinic.CheckIn
	raw, err := os.ReadFile(ev.File)
	if err != nil || json.Unmarshal(raw, &rec) != nil {
		t.Fatal(err)
	}
	if rec.Ticket.Number != "A001" || rec.Department.Code != "K01" || rec.Reason.Code != "KB" || rec.BHXH != clinic.BHXHVerified {
		t.Fatalf("record %+v", rec)
	}
	// The card leaves: the personal data goes, the number stays a while.
	r.deck.Remove()
	v = r.until("card left", func(v View) bool { return v.Ticket != nil && v.Ticket.CardLeft })
	if v.Step != StepTicket || v.Person != nil || v.CheckIn != nil {
		t.Fatalf("after the card left: step %s person %v", v.Step, v.Person != nil)
	}
	r.clock.Add(ReceiptLinger + time.Second)
	r.e.Tick()
	if v := r.step(StepAttract); v.Notice != NoticeCheckedIn || v.Ticket != nil {
		t.Fatalf("end: notice %q", v.Notice)
	}
}

// TestClinicKioskNumbersAndRepeat: numbers per department, never reused
// after a restart; the same person's second check-in the same day is
// flagged on screen, on the ticket and in the record.
func TestClinicKioskNumbersAndRepeat(t *testing.T) {
	g, _ := clinicGateway(t)
	dir := t.TempDir()
	take := func(r *rig, dep, want string, repeat bool) {
		t.Helper()
		v := r.checkInToDepartments(cardGenuine)
		if v.CheckIn.RepeatToday != repeat {
			t.Fatalf("look-up repeat %v, want %v", v.CheckIn.RepeatToday, repeat)
		}
		r.e.TakeTicket(dep, "TK")
		v = r.step(StepTicket)
		if v.Ticket.Number != want || v.Ticket.RepeatToday != repeat || v.CheckIn.RepeatToday != repeat {
			t.Fatalf("ticket %+v, want %s repeat %v", v.Ticket, want, repeat)
		}
		r.e.Done()
		if v := r.step(StepAttract); v.Notice != NoticeCheckedIn {
			t.Fatalf("after Done: notice %q", v.Notice)
		}
		r.deck.Remove()
		r.until("card off", func(v View) bool { return !v.CardPresent })
	}
	r := newRig(t, Clinic, func(c *Config) { c.Clinic = kioskSetup(t, dir, g, nil) })
	take(r, "K01", "A001", false)
	take(r, "K01", "A002", true)
	take(r, "K02", "B001", true)
	r.e.Stop()
	// A restart on the same data: the numbers go on.
	r2 := newRig(t, Clinic, func(c *Config) { c.Clinic = kioskSetup(t, dir, g, nil) })
	take(r2, "K01", "A003", true)
	files, _ := filepath.Glob(filepath.Join(dir, "records", "checkin-*.json"))
	if len(files) != 4 {
		t.Fatalf("records %d, want 4", len(files))
	}
}

// TestClinicKioskGatewayDown: the gateway does not answer; the patient
// still gets a ticket, the record says "not verified with BHXH".
func TestClinicKioskGatewayDown(t *testing.T) {
	g, srv := clinicGateway(t)
	srv.Close()
	dir := t.TempDir()
	r := newRig(t, Clinic, func(c *Config) { c.Clinic = kioskSetup(t, dir, g, nil) })
	v := r.checkInToDepartments(cardGenuine)
	if v.CheckIn.BHXH != clinic.BHXHNotVerified || v.CheckIn.BHYT != nil || v.CheckIn.BHXHError != "unreachable" {
		t.Fatalf("look-up %+v", v.CheckIn)
	}
	r.e.TakeTicket("K02", "KB")
	v = r.step(StepTicket)
	ev := r.event(TicketIssued)
	if v.Ticket.Number != "B001" || ev.CheckIn.BHXH != clinic.BHXHNotVerified || ev.Reason != "unreachable" {
		t.Fatalf("ticket %+v event %+v", v.Ticket, ev.CheckIn)
	}
}

// TestClinicKioskPrinterOut: out of paper, the number stays on screen and
// the screen says the ticket was not printed.
func TestClinicKioskPrinterOut(t *testing.T) {
	g, _ := clinicGateway(t)
	fp := startPrinter(t)
	fp.SetPaperEnd(true)
	r := newRig(t, Clinic, func(c *Config) { c.Clinic = kioskSetup(t, t.TempDir(), g, fp) })
	r.checkInToDepartments(cardGenuine)
	r.e.TakeTicket("K01", "KB")
	v := r.step(StepTicket)
	if v.Ticket.Number != "A001" || v.Ticket.Printed || v.Notice != NoticePrint || v.Ticket.PrintError == "" {
		t.Fatalf("ticket %+v notice %q", v.Ticket, v.Notice)
	}
}

// TestClinicChildUnderSix: the parent's card read, the child checked in by
// BHYT code or birth notice; a child of 6 is refused at once.
func TestClinicChildUnderSix(t *testing.T) {
	g, _ := clinicGateway(t)
	dir := t.TempDir()
	r := newRig(t, Clinic, func(c *Config) { c.Clinic = kioskSetup(t, dir, g, nil) })
	parent := r.readCard(cardGenuine, StepIdentity).Person.Identity.IDNumber
	r.e.StartChild()
	r.step(StepChild)
	if err := r.e.CheckInChild(clinic.Child{FullName: "Nguyễn Bé Lớn", DateOfBirth: "2020-01-01", BirthNotice: "GCS-01"}); err == nil {
		t.Fatal("a child of 6 accepted")
	}
	if v := r.e.View(); v.Step != StepChild || v.Notice != NoticeChild {
		t.Fatalf("refusal: step %s notice %q", v.Step, v.Notice)
	}
	if err := r.e.CheckInChild(clinic.Child{FullName: "Nguyễn Bé Thử", DateOfBirth: "2024-03-15", CardCode: childCard}); err != nil {
		t.Fatal(err)
	}
	v := r.step(StepCheckIn)
	rec := v.CheckIn
	if rec.Child == nil || rec.BHYT == nil || !rec.BHYT.Valid || rec.Accompanying == nil || rec.Accompanying.IDNumber != parent || rec.Patient.FullName != "Nguyễn Bé Thử" {
		t.Fatalf("child check-in %+v", rec)
	}
	r.e.ChooseDepartment()
	r.step(StepDepartment)
	r.e.TakeTicket("K02", "KB")
	if v := r.step(StepTicket); v.Ticket.Number != "B001" || v.Ticket.RepeatToday {
		t.Fatalf("ticket %+v", v.Ticket)
	}
	r.e.Done()
	r.step(StepAttract)
	r.deck.Remove()
	r.until("card off", func(v View) bool { return !v.CardPresent })
	// The same parent with a child who has only a birth notice: not
	// verified with BHXH (the gateway takes no birth notice), not a repeat
	// of the parent or of the other child.
	r.readCard(cardGenuine, StepIdentity)
	r.e.StartChild()
	r.step(StepChild)
	if err := r.e.CheckInChild(clinic.Child{FullName: "Nguyễn Bé Hai", DateOfBirth: "2026-10-01", BirthNotice: "GCS-2026-000123"}); err != nil {
		t.Fatal(err)
	}
	v = r.step(StepCheckIn)
	if v.CheckIn.BHXH != clinic.BHXHNotVerified || v.CheckIn.BHXHError != "birth_notice_only" || v.CheckIn.RepeatToday {
		t.Fatalf("birth notice only: %+v", v.CheckIn)
	}
}

// TestCheckInEndsAsDone: at a receptionist's desk, Done after a check-in
// and the card taken away after one both say the check-in was done, never
// "cancelled".
func TestCheckInEndsAsDone(t *testing.T) {
	g, _ := clinicGateway(t)
	r := newRig(t, Clinic, func(c *Config) {
		c.Clinic = ClinicConfig{Gateway: g, Staff: testStaff, Facility: "01001", Dir: t.TempDir()}
	})
	r.readCard(cardGenuine, StepIdentity)
	r.e.CheckIn()
	r.step(StepCheckIn)
	if ev := r.event(CheckedIn); ev.CheckIn == nil || ev.File == "" {
		t.Fatal("the receptionist's check-in was not handed to the hospital's system")
	}
	r.e.Done()
	if v := r.step(StepAttract); v.Notice != NoticeCheckedIn {
		t.Fatalf("after Done: %q", v.Notice)
	}
	r.deck.Remove()
	r.until("card off", func(v View) bool { return !v.CardPresent })
	r.readCard(cardGenuine, StepIdentity)
	r.e.CheckIn()
	r.step(StepCheckIn)
	r.deck.Remove()
	if v := r.until("card left after check-in", func(v View) bool { return v.Step == StepAttract && !v.CardPresent }); v.Notice != NoticeCheckedIn {
		t.Fatalf("after the card left: %q", v.Notice)
	}
	// Cancel stays "cancelled".
	r.readCard(cardGenuine, StepIdentity)
	r.e.Cancel()
	if v := r.step(StepAttract); v.Notice != NoticeCancelled {
		t.Fatalf("cancel: %q", v.Notice)
	}
}

// TestClinicKioskRefusesFailedCard: at a self check-in kiosk nobody judges
// an altered or cloned card: no look-up, no ticket, the patient is sent to
// the reception desk. The receptionist may still look it up.
func TestClinicKioskRefusesFailedCard(t *testing.T) {
	g, _ := clinicGateway(t)
	for _, card := range []int{cardAltered, cardClone} {
		r := newRig(t, Clinic, func(c *Config) { c.Clinic = kioskSetup(t, t.TempDir(), g, nil) })
		r.readCard(card, StepIdentity)
		r.e.CheckIn()
		if v := r.step(StepProblem); v.Notice != NoticeSeeDesk || v.CheckIn != nil {
			t.Fatalf("card %d: notice %q", card, v.Notice)
		}
		if r.count(CheckedIn) != 0 {
			t.Fatalf("card %d was looked up", card)
		}
	}
	r := newRig(t, Clinic, func(c *Config) {
		c.Clinic = ClinicConfig{Gateway: g, Staff: testStaff, Facility: "01001", Dir: t.TempDir()}
	})
	r.readCard(cardAltered, StepIdentity)
	r.e.CheckIn()
	r.step(StepCheckIn)
}
