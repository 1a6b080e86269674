package main

import (
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"motcua/kiosk/clinic"
	"motcua/kiosk/clinic/gatewaytest"
	"motcua/reader/cccd"
)

// testGateway serves the gateway's contract on loopback with one insured
// synthetic person; the returned flags point motcua at it.
func testGateway(t *testing.T, setup func(*gatewaytest.Gateway)) []string {
	t.Helper()
	g := gatewaytest.New()
	g.Accounts["01001_BV"] = "mat-khau-thu"
	g.Staff["001090000001"] = "Lê Thị Lễ Tân"
	now := time.Now()
	g.People = []gatewaytest.Insured{{IDNumber: "001093047064", CardCode: "DN4010193047064", FullName: "Nguyễn Văn Thử", DOB: "05/01/1993",
		From: now.AddDate(-1, 0, 0), To: now.AddDate(1, 0, 0), Facility: "01001"}}
	if setup != nil {
		setup(g)
	}
	srv := httptest.NewServer(g)
	t.Cleanup(srv.Close)
	return []string{"--set", "kiosk.gateway_url=" + srv.URL, "--set", "kiosk.gateway_user=01001_BV", "--set", "kiosk.gateway_password=mat-khau-thu",
		"--set", "kiosk.staff_name=Lê Thị Lễ Tân", "--set", "kiosk.staff_id=001090000001", "--data", t.TempDir()}
}

func writeIdentity(t *testing.T, id cccd.Identity) string {
	t.Helper()
	b, _ := json.Marshal(cccd.ReadResult{Identity: id, Access: "pace"})
	p := filepath.Join(t.TempDir(), "id.json")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestClinicLookupCommand(t *testing.T) {
	flags := testGateway(t, nil)
	id := writeIdentity(t, cccd.Identity{IDNumber: "001093047064", FullName: "Nguyễn Văn Thử", DateOfBirth: "1993-01-05"})
	code, out := capture(t, func(a []string) int { return commands["clinic"].run(a) }, append([]string{"lookup", "--identity", id, "--json"}, flags...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, out)
	}
	var res clinic.LookupResult
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatal(err, string(out))
	}
	if res.Code != "000" || !res.Valid || res.CardCode != "DN4010193047064" || len(res.ValidFrom) != 10 || res.ValidFrom[4] != '-' || res.NewCard != nil {
		t.Fatalf("%+v", res)
	}
	// A name the gateway does not have: the gateway answered, exit 0.
	other := writeIdentity(t, cccd.Identity{IDNumber: "001093047064", FullName: "Nguyễn Văn Khác", DateOfBirth: "1993-01-05"})
	if code, out := capture(t, func(a []string) int { return commands["clinic"].run(a) }, append([]string{"lookup", "--identity", other, "--json"}, flags...)...); code != 0 || !json.Valid(out) {
		t.Fatalf("mismatch: exit %d %s", code, out)
	}
	// The gateway refuses the account: one line, non-zero.
	bad := append(append([]string{}, flags...), "--set", "kiosk.gateway_password=sai")
	if code, _ := capture(t, func(a []string) int { return commands["clinic"].run(a) }, append([]string{"lookup", "--identity", id, "--json"}, bad...)...); code == 0 {
		t.Fatal("a refused login exited 0")
	}
}

func TestClinicCheckGatewayFindsTheSettings(t *testing.T) {
	run := func(a []string) int { return commands["clinic"].run(a) }
	// The configured (common) settings work against a gateway that takes them.
	if code, out := capture(t, run, append([]string{"check-gateway", "--json"}, testGateway(t, nil)...)...); code != 0 {
		t.Fatalf("exit %d %s", code, out)
	}
	// A gateway taking plain passwords and form bodies: the configured
	// settings fail, --try-all names the combination that works.
	flags := testGateway(t, func(g *gatewaytest.Gateway) { g.PlainPasswords, g.FormBodies = true, true })
	code, out := capture(t, run, append([]string{"check-gateway", "--try-all", "--json"}, flags...)...)
	if code == 0 {
		t.Fatalf("wrong settings passed: %s", out)
	}
	var res []probeOutcome
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatal(err, string(out))
	}
	var works []probeOutcome
	for _, o := range res {
		if o.Works {
			works = append(works, o)
		}
	}
	if res[0].Works || len(works) != 2 || works[0].PasswordEncoding != "plain" || works[0].Body != "form" || works[0].Code != "050" {
		t.Fatalf("%+v", res)
	}
}
