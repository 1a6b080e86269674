package main

import (
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"motcua/hwtest/simcard"
	"motcua/internal/config"
	"motcua/kiosk/clinic"
	"motcua/kiosk/clinic/gatewaytest"
	"motcua/kiosk/engine"
	"motcua/kiosk/printer"
)

// clinicSetup completes clinic mode's configuration: the repeat-visit log
// and look-up statistics beside the records, and for a self check-in the
// departments and reasons, the ticket numbers (DATA/clinic/tickets.json)
// and the ticket printer p (kiosk.printer, nil for none). The demo, with no gateway or
// lists configured, gets a BHXH test gateway on loopback that knows the
// demo cards, a demo staff member and a demo list. It returns what to stop.
func clinicSetup(cfg *config.Config, dir string, deck *simcard.Deck, p *printer.Printer, c *engine.ClinicConfig) (stop func(), err error) {
	stop = func() {}
	if c.Visits, err = clinic.OpenVisitLog(filepath.Join(dir, "clinic")); err != nil {
		return stop, err
	}
	if c.Stats, err = clinic.OpenStats(filepath.Join(dir, "clinic", "lookups.json")); err != nil {
		return stop, err
	}
	c.SelfService, c.FacilityName, c.Menu = cfg.Clinic.SelfService, cfg.Clinic.FacilityName, cfg.Clinic.Menu()
	if deck != nil {
		if len(c.Menu.Departments) == 0 {
			c.Menu = demoMenu
		}
		if c.FacilityName == "" {
			c.FacilityName = "Bệnh viện (demo)"
		}
		if c.Gateway == nil {
			if stop, err = demoGateway(deck, c); err != nil {
				return func() {}, err
			}
		}
	}
	if !c.SelfService {
		return stop, nil
	}
	if err := c.Menu.Validate(); err != nil {
		stop()
		return func() {}, fmt.Errorf("clinic self check-in: %w", err)
	}
	if c.Tickets, err = clinic.OpenTicketBook(filepath.Join(dir, "clinic", "tickets.json")); err != nil {
		stop()
		return func() {}, err
	}
	if p != nil { // the same printer as the receipts' (one job at a time)
		c.Printer = p
	}
	return stop, nil
}

// demoMenu is the demo's list of departments and reasons.
var demoMenu = clinic.Menu{
	Departments: []clinic.Department{
		{Code: "K01", Name: "Phòng khám Nội", NameEN: "Internal medicine", Prefix: "A"},
		{Code: "K02", Name: "Phòng khám Nhi", NameEN: "Paediatrics", Prefix: "B"},
		{Code: "K03", Name: "Phòng khám Tai Mũi Họng", NameEN: "Ear, nose and throat", Prefix: "C"},
		{Code: "K04", Name: "Phòng khám Mắt", NameEN: "Ophthalmology", Prefix: "D"},
	},
	Reasons: []clinic.Reason{
		{Code: "KB", Name: "Khám bệnh", NameEN: "Consultation"},
		{Code: "TK", Name: "Tái khám", NameEN: "Follow-up"},
		{Code: "KSK", Name: "Khám sức khỏe", NameEN: "Health check"},
	},
}

// demoChildCard is the BHYT code of the demo's child under 6.
const demoChildCard = "TE1010124000001"

// demoGateway serves a BHXH test gateway on loopback that knows the demo
// deck's citizens (the first with a valid card, the others expired) and a
// child under 6, and points the clinic at it with a demo staff member.
func demoGateway(deck *simcard.Deck, c *engine.ClinicConfig) (func(), error) {
	gw := gatewaytest.New()
	gw.Accounts["demo"] = "demo"
	if c.Staff.IDNumber == "" {
		c.Staff = clinic.Staff{Name: "Lễ Tân Demo", IDNumber: "001190000001"}
	}
	gw.Staff[c.Staff.IDNumber] = c.Staff.Name
	now := time.Now()
	seen := map[string]bool{}
	for i := range deck.Cards() {
		dc, err := deck.Card(i)
		if err != nil {
			return nil, err
		}
		id := dc.Profile.Identity
		// Only ID cards have BHYT by their number (the deck's passport has none).
		if len(id.IDNumber) != 12 || len(id.DateOfBirth) < 10 || seen[id.IDNumber] {
			continue
		}
		to := now.AddDate(1, 0, 0)
		if len(seen) > 0 {
			to = now.AddDate(0, -1, 0) // expired: the demo shows code 010 too
		}
		seen[id.IDNumber] = true
		gw.People = append(gw.People, gatewaytest.Insured{IDNumber: id.IDNumber, CardCode: "DN40" + id.IDNumber[1:], FullName: id.FullName,
			DOB: id.DateOfBirth[8:10] + "/" + id.DateOfBirth[5:7] + "/" + id.DateOfBirth[:4], From: now.AddDate(-1, 0, 0), To: to, Facility: "01001"})
	}
	gw.People = append(gw.People, gatewaytest.Insured{CardCode: demoChildCard, FullName: "Nguyễn Bé Demo", DOB: "15/03/2024",
		From: now.AddDate(-1, 0, 0), To: now.AddDate(4, 0, 0), Facility: "01001"})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("demo BHXH gateway: %w", err)
	}
	srv := &http.Server{Handler: gw, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(l)
	g, err := clinic.NewHTTPGateway("http://"+l.Addr().String(), "demo", "demo")
	if err != nil {
		srv.Close()
		return nil, err
	}
	c.Gateway = g
	if c.Facility == "" {
		c.Facility = "01001"
	}
	return func() { srv.Close() }, nil
}
