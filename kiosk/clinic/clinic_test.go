package clinic

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"motcua/kiosk/clinic/gatewaytest"
	"motcua/kiosk/prefill"
	"motcua/reader/cccd"
)

func gateway(t *testing.T) (*gatewaytest.Gateway, *HTTPGateway) {
	g := gatewaytest.New()
	g.Users["bv-demo"] = "secret"
	g.Staff["001090000001"] = true
	now := time.Now()
	g.People = []gatewaytest.Insured{
		{IDNumber: "001093047064", CardCode: "DN4010193047064", FullName: "Nguyễn Văn Thử", DOB: "05/01/1993", From: now.AddDate(-1, 0, 0), To: now.AddDate(1, 0, 0), Facility: "01001"},
		{IDNumber: "001193047065", CardCode: "HT3010193047065", FullName: "Trần Thị Thử", DOB: "05/01/1993", From: now.AddDate(-2, 0, 0), To: now.AddDate(0, -1, 0), Facility: "01001"},
	}
	srv := httptest.NewServer(g)
	t.Cleanup(srv.Close)
	c, err := NewHTTPGateway(srv.URL, "bv-demo", "secret")
	if err != nil {
		t.Fatal(err)
	}
	return g, c
}

var staff = Staff{Name: "Lê Thị Lễ Tân", IDNumber: "001090000001"}

func TestLookupCodes(t *testing.T) {
	g, c := gateway(t)
	tests := []struct {
		name  string
		req   LookupRequest
		code  string
		valid bool
	}{
		{"valid", LookupRequest{IDNumber: "001093047064", FullName: "Nguyễn Văn Thử", DateOfBirth: "1993-01-05", Staff: staff}, "000", true},
		{"expired", LookupRequest{IDNumber: "001193047065", FullName: "Trần Thị Thử", DateOfBirth: "1993-01-05", Staff: staff}, "010", false},
		{"no card", LookupRequest{IDNumber: "001093999999", FullName: "X", DateOfBirth: "1993-01-05", Staff: staff}, "050", false},
		{"name", LookupRequest{IDNumber: "001093047064", FullName: "Nguyễn Văn Khác", DateOfBirth: "1993-01-05", Staff: staff}, "060", false},
		{"accents", LookupRequest{IDNumber: "001093047064", FullName: "Nguyen Van Thu", DateOfBirth: "1993-01-05", Staff: staff}, "061", false},
		{"dob", LookupRequest{IDNumber: "001093047064", FullName: "Nguyễn Văn Thử", DateOfBirth: "1993-01-06", Staff: staff}, "070", false},
		{"staff", LookupRequest{IDNumber: "001093047064", FullName: "Nguyễn Văn Thử", DateOfBirth: "1993-01-05", Staff: Staff{Name: "X", IDNumber: "001090000002"}}, "054", false},
		{"by card code", LookupRequest{CardCode: "DN4010193047064", FullName: "Nguyễn Văn Thử", DateOfBirth: "1993-01-05", Staff: staff}, "000", true},
	}
	for _, tt := range tests {
		r, err := c.Lookup(context.Background(), tt.req)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if r.Code != tt.code || r.Valid != tt.valid || r.MessageVI == "" || r.MessageEN == "" {
			t.Errorf("%s: %+v", tt.name, r)
		}
	}
	// An expired token is renewed once, transparently.
	g.ExpireTokens()
	if r, err := c.Lookup(context.Background(), tests[0].req); err != nil || r.Code != "000" {
		t.Fatalf("after token expiry: %v %+v", err, r)
	}
	bad, _ := NewHTTPGateway(c.BaseURL, "bv-demo", "wrong")
	if _, err := bad.Lookup(context.Background(), tests[0].req); !errors.Is(err, ErrGateway) {
		t.Fatalf("wrong facility password: %v", err)
	}
	if _, err := NewHTTPGateway("http://gateway.example:80", "a", "b"); err == nil {
		t.Fatal("plain http to a remote host accepted")
	}
}

func TestCheckInRecord(t *testing.T) {
	_, c := gateway(t)
	p := prefill.FromRead(&cccd.ReadResult{
		Identity:     cccd.Identity{IDNumber: "001093047064", FullName: "Nguyễn Văn Thử", DateOfBirth: "1993-01-05", Sex: "Nam", Ethnicity: "Kinh"},
		Verification: &cccd.Verification{Passive: cccd.PassiveVerified, ChipAuth: cccd.ChipAuthPassed},
	})
	rec, err := Check(context.Background(), c, p, staff, "01001", "kiosk-1", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if !rec.BHYT.Valid || rec.Source != "chip_verified" || rec.Patient.IDNumber != "001093047064" {
		t.Fatalf("%+v", rec)
	}
	if vi, en := Message("999"); vi == "" || en == "" {
		t.Fatal("unknown code without a message")
	}
}
