package clinic

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"motcua/kiosk/clinic/gatewaytest"
	"motcua/kiosk/prefill"
	"motcua/reader/cccd"
)

// clock is a settable gateway and client clock.
type clock struct{ t time.Time }

func (c *clock) Now() time.Time { return c.t }

var day0 = time.Date(2026, 11, 30, 9, 0, 0, 0, time.FixedZone("ICT", 7*3600))

const (
	account  = "01001_BV"
	password = "mat-khau-thu"
)

var staff = Staff{Name: "Lê Thị Lễ Tân", IDNumber: "001090000001"}

// gateway starts the test gateway with synthetic insured people.
func gateway(t *testing.T, clk *clock, setup func(*gatewaytest.Gateway)) (*gatewaytest.Gateway, *httptest.Server) {
	t.Helper()
	g := gatewaytest.New()
	g.Accounts[account] = password
	g.Staff[staff.IDNumber] = staff.Name
	g.Now = clk.Now
	g.TokenTTL = 8 * time.Hour
	now := clk.t
	g.People = []gatewaytest.Insured{
		{IDNumber: "001093047064", CardCode: "DN4010193047064", FullName: "Nguyễn Văn Thử", DOB: "05/01/1993", Sex: "Nam", From: now.AddDate(-1, 0, 0), To: now.AddDate(1, 0, 0), Facility: "01001", FiveYears: "01/01/2020",
			Visits: []map[string]any{{"maCSKCB": "01001", "ngayVao": "202611010830", "ngayRa": "202611011130", "tenBenh": "Khám sức khỏe"}}},
		{IDNumber: "001193047065", CardCode: "HT3010193047065", FullName: "Trần Thị Thử", DOB: "05/01/1993", From: now.AddDate(-2, 0, 0), To: now.AddDate(0, -1, 0), Facility: "01001"},
		{IDNumber: "001093047066", CardCode: "GD4010193047066", FullName: "Phạm Văn Mới", DOB: "1952", From: now.AddDate(-1, 0, 0), To: now.AddDate(0, 0, -2), Facility: "01001",
			NewCard: &gatewaytest.NewCard{CardCode: "GD4010193047099", From: now.AddDate(0, 0, -1), To: now.AddDate(1, 0, 0), Facility: "01002", Name: "Bệnh viện Thử"}},
		{IDNumber: "001093047067", CardCode: "GD4010193047067", FullName: "Lý Văn Gia", DOB: "07/07/1970", From: now.AddDate(-1, 0, 0), To: now.AddDate(0, 6, 0), Facility: "01001",
			NewCard: &gatewaytest.NewCard{CardCode: "GD4010193047098", From: now.AddDate(0, 6, 0), To: now.AddDate(1, 6, 0), Facility: "01001"}},
		{CardCode: "TE1010126000001", FullName: "Nguyễn Bé Thử", DOB: "15/03/2024", From: now.AddDate(-2, 0, 0), To: now.AddDate(4, 0, 0), Facility: "01001"},
	}
	if setup != nil {
		setup(g)
	}
	srv := httptest.NewServer(g)
	t.Cleanup(srv.Close)
	return g, srv
}

func client(t *testing.T, srv *httptest.Server, clk *clock, mod func(*GatewayConfig)) *HTTPGateway {
	t.Helper()
	cfg := GatewayConfig{BaseURL: srv.URL, Username: account, Password: password, Now: clk.Now}
	if mod != nil {
		mod(&cfg)
	}
	c, err := NewGateway(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestLookupResultCodes(t *testing.T) {
	clk := &clock{day0}
	_, srv := gateway(t, clk, nil)
	c := client(t, srv, clk, nil)
	tests := []struct {
		name  string
		req   LookupRequest
		code  string
		valid bool
	}{
		{"valid by ID", LookupRequest{IDNumber: "001093047064", FullName: "Nguyễn Văn Thử", DateOfBirth: "1993-01-05", Staff: staff}, "000", true},
		{"valid by card code", LookupRequest{CardCode: "DN4010193047064", FullName: "Nguyễn Văn Thử", DateOfBirth: "1993-01-05", Staff: staff}, "000", true},
		{"expired", LookupRequest{IDNumber: "001193047065", FullName: "Trần Thị Thử", DateOfBirth: "1993-01-05", Staff: staff}, "010", false},
		{"renewed, old expired: valid through the new card", LookupRequest{IDNumber: "001093047066", FullName: "Phạm Văn Mới", DateOfBirth: "1952", Staff: staff}, "003", true},
		{"renewed, old still valid", LookupRequest{IDNumber: "001093047067", FullName: "Lý Văn Gia", DateOfBirth: "1970-07-07", Staff: staff}, "004", true},
		{"no card", LookupRequest{IDNumber: "001093999999", FullName: "Ai Đó", DateOfBirth: "1993-01-05", Staff: staff}, "050", false},
		{"name", LookupRequest{IDNumber: "001093047064", FullName: "Nguyễn Văn Khác", DateOfBirth: "1993-01-05", Staff: staff}, "060", false},
		{"accents", LookupRequest{IDNumber: "001093047064", FullName: "Nguyen Van Thu", DateOfBirth: "1993-01-05", Staff: staff}, "061", false},
		{"dob", LookupRequest{IDNumber: "001093047064", FullName: "Nguyễn Văn Thử", DateOfBirth: "1993-01-06", Staff: staff}, "070", false},
		{"staff not registered", LookupRequest{IDNumber: "001093047064", FullName: "Nguyễn Văn Thử", DateOfBirth: "1993-01-05", Staff: Staff{Name: "X", IDNumber: "001090000002"}}, "054", false},
		{"staff name differs", LookupRequest{IDNumber: "001093047064", FullName: "Nguyễn Văn Thử", DateOfBirth: "1993-01-05", Staff: Staff{Name: "Người Khác", IDNumber: staff.IDNumber}}, "055", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := c.Lookup(context.Background(), tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if r.Code != tt.code || r.Valid != tt.valid || r.MessageVI == "" || r.MessageEN == "" || r.ActionVI == "" || r.GatewayNote == "" {
				t.Fatalf("%+v", r)
			}
		})
	}
	r, _ := c.Lookup(context.Background(), tests[0].req)
	want := LookupResult{CardCode: "DN4010193047064", ValidFrom: "2025-11-30", ValidTo: "2027-11-30", RegisteredFacility: "01001", FiveYearsFrom: "2020-01-01"}
	if r.CardCode != want.CardCode || r.ValidFrom != want.ValidFrom || r.ValidTo != want.ValidTo || r.RegisteredFacility != want.RegisteredFacility || r.FiveYearsFrom != want.FiveYearsFrom || r.NewCard != nil {
		t.Fatalf("fields: %+v", r)
	}
	r, _ = c.Lookup(context.Background(), tests[3].req)
	if r.NewCard == nil || r.NewCard.CardCode != "GD4010193047099" || r.NewCard.ValidFrom != "2026-11-29" || r.NewCard.RegisteredFacility != "01002" || r.NewCard.RegisteredFacilityName != "Bệnh viện Thử" {
		t.Fatalf("new card: %+v", r.NewCard)
	}
}

func TestUnknownCodeKeptWithNote(t *testing.T) {
	clk := &clock{day0}
	g, _ := gateway(t, clk, nil)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "KQNhanLichSuKCB2024") {
			json.NewEncoder(w).Encode(map[string]string{"maKetQua": "123", "ghiChu": "Mã mới của cổng"})
			return
		}
		g.ServeHTTP(w, r)
	}))
	defer srv.Close()
	c := client(t, srv, clk, nil)
	r, err := c.Lookup(context.Background(), LookupRequest{IDNumber: "001093047064", FullName: "Nguyễn Văn Thử", DateOfBirth: "1993-01-05", Staff: staff})
	if err != nil || r.Code != "123" || r.Valid || r.GatewayNote != "Mã mới của cổng" || !strings.Contains(r.MessageVI, "123") {
		t.Fatalf("%v %+v", err, r)
	}
}

func TestTokenRenewal(t *testing.T) {
	clk := &clock{day0}
	g, srv := gateway(t, clk, nil)
	c := client(t, srv, clk, nil)
	req := LookupRequest{IDNumber: "001093047064", FullName: "Nguyễn Văn Thử", DateOfBirth: "1993-01-05", Staff: staff}
	for i := 0; i < 3; i++ {
		if r, err := c.Lookup(context.Background(), req); err != nil || r.Code != "000" {
			t.Fatal(err, r)
		}
	}
	if g.Logins != 1 {
		t.Fatalf("one token serves many look-ups: %d logins", g.Logins)
	}
	// The gateway forgets its tokens (a "401" inside a 200): renewed once.
	g.ExpireTokens()
	if r, err := c.Lookup(context.Background(), req); err != nil || r.Code != "000" || g.Logins != 2 || g.Lookups != 4 {
		t.Fatalf("after a stale token: %v %+v logins %d lookups %d", err, r, g.Logins, g.Lookups)
	}
	// Mid-day expiry by the date-time expires_in: renewed before the call.
	clk.t = clk.t.Add(8 * time.Hour)
	if r, err := c.Lookup(context.Background(), req); err != nil || r.Code != "000" || g.Logins != 3 || g.Lookups != 5 {
		t.Fatalf("after expiry: %v %+v logins %d lookups %d", err, r, g.Logins, g.Lookups)
	}
	// expires_in as a number works too.
	g.ExpiresAsSeconds = true
	g.ExpireTokens()
	if r, err := c.Lookup(context.Background(), req); err != nil || r.Code != "000" {
		t.Fatal(err, r)
	}
}

func TestTokenRefusedTwice(t *testing.T) {
	clk := &clock{day0}
	g, _ := gateway(t, clk, nil)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/token/take" {
			g.ServeHTTP(w, r)
			return
		}
		json.NewEncoder(w).Encode(map[string]string{"maKetQua": "401"})
	}))
	defer srv.Close()
	c := client(t, srv, clk, nil)
	_, err := c.Lookup(context.Background(), LookupRequest{IDNumber: "001093047064", FullName: "A", DateOfBirth: "1993-01-05", Staff: staff})
	if !errors.Is(err, ErrTokenRefused) || !errors.Is(err, ErrGateway) || g.Logins != 2 {
		t.Fatalf("%v, %d logins", err, g.Logins)
	}
}

func TestConfigurationVariants(t *testing.T) {
	req := LookupRequest{IDNumber: "001093047064", FullName: "Nguyễn Văn Thử", DateOfBirth: "1993-01-05", Staff: staff}
	tests := []struct {
		name    string
		gw      func(*gatewaytest.Gateway)
		cl      func(*GatewayConfig)
		code    string
		wantErr error
	}{
		{"md5 default", nil, nil, "000", nil},
		{"md5 upper-case hex", nil, func(c *GatewayConfig) { c.PasswordEncoding = PasswordMD5Upper }, "000", nil},
		{"plain password where md5 is expected", nil, func(c *GatewayConfig) { c.PasswordEncoding = PasswordPlain }, "", ErrLoginRefused},
		{"plain password account", func(g *gatewaytest.Gateway) { g.PlainPasswords = true }, func(c *GatewayConfig) { c.PasswordEncoding = PasswordPlain }, "000", nil},
		{"md5 where plain is expected", func(g *gatewaytest.Gateway) { g.PlainPasswords = true }, nil, "", ErrLoginRefused},
		{"wrong password", nil, func(c *GatewayConfig) { c.Password = "sai" }, "", ErrLoginRefused},
		{"form login", nil, func(c *GatewayConfig) { c.LoginBody = BodyForm }, "000", nil},
		{"form look-up", func(g *gatewaytest.Gateway) { g.FormBodies = true }, func(c *GatewayConfig) { c.Body = BodyForm }, "000", nil},
		{"JSON to a form gateway is refused", func(g *gatewaytest.Gateway) { g.FormBodies = true }, nil, "400", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := &clock{day0}
			g, srv := gateway(t, clk, tt.gw)
			c := client(t, srv, clk, tt.cl)
			r, err := c.Lookup(context.Background(), req)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("got %v %+v, want %v", err, r, tt.wantErr)
				}
				return
			}
			if err != nil || r.Code != tt.code {
				t.Fatalf("%v %+v", err, r)
			}
			if tt.code == "000" && g.FormBodies != strings.HasPrefix(g.LastContentType, "application/x-www-form-urlencoded") {
				t.Fatalf("content type %q", g.LastContentType)
			}
		})
	}
	if _, err := NewGateway(GatewayConfig{BaseURL: "http://gateway.example", Username: "a", Password: "b"}); err == nil {
		t.Fatal("plain http to a remote host accepted")
	}
	if _, err := NewGateway(GatewayConfig{BaseURL: ProductionURL, Username: "a", Password: "b", Body: "xml"}); err == nil {
		t.Fatal("unknown body encoding accepted")
	}
	if _, err := NewGateway(GatewayConfig{BaseURL: ProductionURL, Username: "a", Password: "b", PasswordEncoding: "sha1"}); err == nil {
		t.Fatal("unknown password encoding accepted")
	}
}

func TestHistory(t *testing.T) {
	clk := &clock{day0}
	_, srv := gateway(t, clk, nil)
	req := LookupRequest{IDNumber: "001093047064", FullName: "Nguyễn Văn Thử", DateOfBirth: "1993-01-05", Staff: staff}
	code, visits, err := client(t, srv, clk, nil).History(context.Background(), req)
	if err != nil || code != "000" || len(visits) != 1 || visits[0].Facility != "01001" || visits[0].From != "202611010830" || !strings.Contains(string(visits[0].Raw), "tenBenh") {
		t.Fatalf("%v %s %+v", err, code, visits)
	}
	// A JSON history body is refused by the gateway (the integrations' report).
	code, _, err = client(t, srv, clk, func(c *GatewayConfig) { c.HistoryBody = BodyJSON }).History(context.Background(), req)
	if err != nil || code != "400" {
		t.Fatalf("JSON history: %v %s", err, code)
	}
}

func TestRequestValidation(t *testing.T) {
	clk := &clock{day0}
	g, srv := gateway(t, clk, nil)
	c := client(t, srv, clk, nil)
	for name, req := range map[string]LookupRequest{
		"no staff":       {IDNumber: "001093047064", FullName: "A", DateOfBirth: "1993-01-05"},
		"bad ID":         {IDNumber: "12345", FullName: "A", DateOfBirth: "1993-01-05", Staff: staff},
		"bad card code":  {CardCode: "DN40101", FullName: "A", DateOfBirth: "1993-01-05", Staff: staff},
		"no name":        {IDNumber: "001093047064", DateOfBirth: "1993-01-05", Staff: staff},
		"bad birth date": {IDNumber: "001093047064", FullName: "A", DateOfBirth: "05/01/1993", Staff: staff},
	} {
		if _, err := c.Lookup(context.Background(), req); err == nil || errors.Is(err, ErrGateway) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if g.Lookups != 0 {
		t.Fatal("invalid requests reached the gateway")
	}
}

func person(id, name, dob string) prefill.Person {
	return prefill.FromRead(&cccd.ReadResult{
		Identity:     cccd.Identity{IDNumber: id, FullName: name, DateOfBirth: dob, Sex: "Nam", Ethnicity: "Kinh"},
		Verification: &cccd.Verification{Passive: cccd.PassiveVerified, ChipAuth: cccd.ChipAuthPassed},
	})
}

func TestDeskCheckIn(t *testing.T) {
	clk := &clock{day0}
	_, srv := gateway(t, clk, nil)
	dir := t.TempDir()
	visits, err := OpenVisitLog(dir)
	if err != nil {
		t.Fatal(err)
	}
	stats, _ := OpenStats(filepath.Join(dir, "stats.json"))
	d := &Desk{Gateway: client(t, srv, clk, nil), Staff: staff, Facility: "01001", Device: "kiosk-1", Visits: visits, Stats: stats, Now: clk.Now}
	p := person("001093047064", "Nguyễn Văn Thử", "1993-01-05")
	rec, err := d.CheckIn(context.Background(), p)
	if err != nil || rec.BHXH != BHXHVerified || !rec.BHYT.Valid || rec.Source != "chip_verified" || rec.RepeatToday || rec.Patient.IDNumber != "001093047064" {
		t.Fatalf("%v %+v", err, rec)
	}
	// Same person, same facility, same day: flagged, not silently duplicated.
	if rec, err = d.CheckIn(context.Background(), p); err != nil || !rec.RepeatToday {
		t.Fatalf("repeat: %v %+v", err, rec)
	}
	// Another facility, or the next day: not a repeat.
	d2 := *d
	d2.Facility = "01002"
	if rec, _ = d2.CheckIn(context.Background(), p); rec.RepeatToday {
		t.Fatal("another facility flagged")
	}
	clk.t = clk.t.Add(24 * time.Hour)
	if rec, _ = d.CheckIn(context.Background(), p); rec.RepeatToday {
		t.Fatal("next day flagged")
	}
	// The visit log holds no ID in clear, and only today's file.
	files, _ := filepath.Glob(filepath.Join(dir, "visits-*.log"))
	if len(files) != 1 {
		t.Fatalf("visit files %v", files)
	}
	b, _ := os.ReadFile(files[0])
	if strings.Contains(string(b), "001093047064") {
		t.Fatal("ID in clear in the visit log")
	}
	// A name mismatch is a discrepancy next to the chip's value.
	rec, _ = d.CheckIn(context.Background(), person("001093047064", "Nguyễn Văn Khác", "1993-01-05"))
	if rec.BHYT.Code != "060" || len(rec.Discrepancies) != 1 || rec.Discrepancies[0].Field != "full_name" || rec.Discrepancies[0].Chip != "Nguyễn Văn Khác" {
		t.Fatalf("%+v", rec.Discrepancies)
	}
	m := stats.Month("2026-11")
	m12 := stats.Month("2026-12")
	if m.Lookups+m12.Lookups != 5 || m.Successes+m12.Successes != 4 || m.ByCode["000"]+m12.ByCode["000"] != 4 || m.ByCode["060"]+m12.ByCode["060"] != 1 {
		t.Fatalf("stats %+v %+v", m, m12)
	}
	sb, _ := os.ReadFile(filepath.Join(dir, "stats.json"))
	if strings.Contains(string(sb), "001093047064") || strings.Contains(string(sb), "Nguyễn") {
		t.Fatal("personal data in the statistics")
	}
}

func TestGatewayDownCheckInContinues(t *testing.T) {
	clk := &clock{day0}
	_, srv := gateway(t, clk, nil)
	c := client(t, srv, clk, nil)
	srv.Close()
	stats, _ := OpenStats("")
	d := &Desk{Gateway: c, Staff: staff, Facility: "01001", Stats: stats, Now: clk.Now}
	rec, err := d.CheckIn(context.Background(), person("001093047064", "Nguyễn Văn Thử", "1993-01-05"))
	if err != nil || rec.BHXH != BHXHNotVerified || rec.BHXHError != "unreachable" || rec.BHYT != nil {
		t.Fatalf("%v %+v", err, rec)
	}
	if stats.Month("2026-11").ByCode["unreachable"] != 1 {
		t.Fatal("failure not counted")
	}
	// The error never carries the URL (password and tokens ride in its query).
	_, err = c.Lookup(context.Background(), LookupRequest{IDNumber: "001093047064", FullName: "A", DateOfBirth: "1993-01-05", Staff: staff})
	if !errors.Is(err, ErrUnreachable) || strings.Contains(err.Error(), EncodePassword(password, PasswordMD5)) || strings.Contains(err.Error(), "password=") {
		t.Fatalf("%v", err)
	}
}

func TestChildUnderSix(t *testing.T) {
	clk := &clock{day0}
	_, srv := gateway(t, clk, nil)
	d := &Desk{Gateway: client(t, srv, clk, nil), Staff: staff, Facility: "01001", Now: clk.Now}
	parent := person("001093047064", "Nguyễn Văn Thử", "1993-01-05")
	rec, err := d.CheckInChild(context.Background(), Child{FullName: "Nguyễn Bé Thử", DateOfBirth: "2024-03-15", CardCode: "TE1010126000001"}, parent)
	if err != nil || rec.BHXH != BHXHVerified || rec.BHYT.Code != "000" || !rec.BHYT.Valid || rec.Patient.FullName != "Nguyễn Bé Thử" || rec.Accompanying == nil || rec.Accompanying.IDNumber != "001093047064" || rec.Accompanying.Source != "chip_verified" {
		t.Fatalf("%v %+v", err, rec)
	}
	rec, err = d.CheckInChild(context.Background(), Child{FullName: "Nguyễn Bé Hai", DateOfBirth: "2026-11-01", BirthNotice: "GCS-2026-000123"}, parent)
	if err != nil || rec.BHXH != BHXHNotVerified || rec.BHXHError != "birth_notice_only" || rec.Child.BirthNotice != "GCS-2026-000123" {
		t.Fatalf("%v %+v", err, rec)
	}
	for name, c := range map[string]Child{
		"six today":   {FullName: "A", DateOfBirth: "2020-11-30", CardCode: "TE1010126000001"},
		"no document": {FullName: "A", DateOfBirth: "2024-03-15"},
		"no name":     {DateOfBirth: "2024-03-15", BirthNotice: "X"},
		"future":      {FullName: "A", DateOfBirth: "2027-01-01", BirthNotice: "X"},
	} {
		if _, err := d.CheckInChild(context.Background(), c, parent); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
	if _, err := d.CheckInChild(context.Background(), Child{FullName: "A", DateOfBirth: "2020-11-30", BirthNotice: "X"}, parent); !errors.Is(err, ErrNotUnderSix) {
		t.Fatal(err)
	}
}

func TestTokenDeadline(t *testing.T) {
	now := time.Date(2026, 11, 30, 2, 0, 0, 0, time.UTC) // 09:00 in Hà Nội
	tests := []struct {
		raw  string
		want time.Time
	}{
		{`"2026-11-30T17:00:00"`, time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC).Add(-time.Minute)},
		{`"2026-11-30T17:00:00+07:00"`, time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC).Add(-time.Minute)},
		{`"30/11/2026 17:00:00"`, time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC).Add(-time.Minute)},
		{`3600`, now.Add(59 * time.Minute)},
		{`"3600"`, now.Add(59 * time.Minute)},
		{`"soon"`, now.Add(10 * time.Minute)},
		{`null`, now.Add(10 * time.Minute)},
	}
	for _, tt := range tests {
		if got := tokenDeadline(json.RawMessage(tt.raw), now); !got.Equal(tt.want) {
			t.Errorf("%s: %v, want %v", tt.raw, got, tt.want)
		}
	}
}

func TestGatewayDate(t *testing.T) {
	for in, want := range map[string]string{"1993-01-05": "05/01/1993", "1952": "1952"} {
		if got, err := GatewayDate(in); err != nil || got != want {
			t.Errorf("%s: %s %v", in, got, err)
		}
	}
	if _, err := GatewayDate("05/01/1993"); err == nil {
		t.Fatal("dd/MM/yyyy accepted as input")
	}
}
