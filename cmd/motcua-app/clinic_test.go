package main

import (
	"context"
	"strings"
	"testing"

	"motcua/hwtest/simcard"
	"motcua/internal/agent"
	"motcua/internal/config"
	"motcua/kiosk/clinic"
	"motcua/kiosk/engine"
	"motcua/kiosk/printer"
)

// TestClinicSetup: a configured self check-in without its lists is
// refused when the app starts (not at the first patient); with them it
// gets its ticket file and printer; the demo brings its own gateway and
// list, and the gateway answers for the demo's first card.
func TestClinicSetup(t *testing.T) {
	cfg := config.Defaults()
	cfg.Kiosk.Mode, cfg.Clinic.SelfService = "clinic", true
	var c engine.ClinicConfig
	if _, err := clinicSetup(&cfg, t.TempDir(), nil, mustPrinter(t, &cfg), &c); err == nil || !strings.Contains(err.Error(), "no departments") {
		t.Fatalf("self check-in without lists: %v", err)
	}
	cfg.Clinic.Departments, cfg.Clinic.Reasons = demoMenu.Departments[:1], demoMenu.Reasons[:1]
	cfg.Kiosk.Printer = "tcp://127.0.0.1:9100"
	c = engine.ClinicConfig{}
	stop, err := clinicSetup(&cfg, t.TempDir(), nil, mustPrinter(t, &cfg), &c)
	if err != nil {
		t.Fatal(err)
	}
	stop()
	if c.Tickets == nil || c.Printer == nil || len(c.Menu.Departments) != 1 || c.Gateway != nil {
		t.Fatalf("configured: %+v", c)
	}
	// The demo: a loopback gateway that knows the deck's first card.
	deck := simcard.DemoDeck(simcard.NewReader("sim"))
	cfg = config.Defaults()
	cfg.Kiosk.Mode = "clinic"
	c = engine.ClinicConfig{}
	stop, err = clinicSetup(&cfg, t.TempDir(), deck, mustPrinter(t, &cfg), &c)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	if c.Gateway == nil || len(c.Menu.Departments) == 0 || c.Staff.IDNumber == "" {
		t.Fatalf("demo: %+v", c)
	}
	first, _ := deck.Card(0)
	id := first.Profile.Identity
	res, err := c.Gateway.Lookup(context.Background(), lookupOf(id.IDNumber, id.FullName, id.DateOfBirth, c))
	if err != nil || !res.Valid {
		t.Fatalf("demo gateway: %v %+v", err, res)
	}
}

func lookupOf(id, name, dob string, c engine.ClinicConfig) clinic.LookupRequest {
	return clinic.LookupRequest{IDNumber: id, FullName: name, DateOfBirth: dob, Staff: c.Staff}
}

// mustPrinter is the configuration's printer, as the app opens it.
func mustPrinter(t *testing.T, cfg *config.Config) *printer.Printer {
	t.Helper()
	p, err := agent.Printer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
