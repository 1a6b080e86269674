package receipt

import (
	"errors"
	"strings"
	"testing"
	"time"

	"motcua/sync/outbox"
)

const uuid = "3f1c2b8e-6a4d-4f7e-9b1a-2c3d4e5f6a7b"

func TestQRIsLocalUntilTheOfficialCodeIsKnown(t *testing.T) {
	r := outbox.Record{UUID: uuid, Service: "1.004222", Device: "quay-1", DossierCode: "MC-261123-000001"}
	q, err := For(r, Config{})
	if err != nil || q.Official || q.Content != "MOTCUA1|"+uuid+"|1.004222|quay-1" || !strings.Contains(q.LabelVI, "chưa có mã hồ sơ") {
		t.Fatalf("local: %+v %v", q, err)
	}
	// The hub's own code is not the official one: still local.
	r.OfficialCode = "000.00.22.H40-261123-0042"
	q, err = For(r, Config{})
	if err != nil || !q.Official || q.Content != "https://dichvucong.gov.vn/p/home/dvc-tra-cuu-ho-so.html#000.00.22.H40-261123-0042" || q.LabelVI != OfficialLabelVI {
		t.Fatalf("official: %+v %v", q, err)
	}
	q, err = For(r, Config{StatusURL: "https://dvc.example.vn/tra-cuu?ma={code}&x=1"})
	if err != nil || q.Content != "https://dvc.example.vn/tra-cuu?ma=000.00.22.H40-261123-0042&x=1" {
		t.Fatalf("configured: %+v %v", q, err)
	}
	if Number(uuid) != "3F1C2B8E" {
		t.Errorf("number %q", Number(uuid))
	}
}

func TestBadTemplatesAndCodesRefused(t *testing.T) {
	r := outbox.Record{UUID: uuid, Service: "1.004222", OfficialCode: "H40-1"}
	for _, tpl := range []string{"http://dichvucong.gov.vn/?c={code}", "https://x/{code}{code}", "https://x/", "{code}", "https:///{code}"} {
		if _, err := For(r, Config{StatusURL: tpl}); !errors.Is(err, ErrBadTemplate) {
			t.Errorf("template %q: %v", tpl, err)
		}
	}
	// A record can only hold codes, but the function does not trust that.
	for _, c := range []string{"a b", "Lê", "x?y=1", "x#y"} {
		if _, err := OfficialPayload(c, Config{}); err == nil {
			t.Errorf("code %q accepted", c)
		}
	}
}

func TestParseReadsBothKindsBack(t *testing.T) {
	cfg := Config{StatusURL: "https://dvc.example.vn/tra-cuu?ma={code}"}
	off, _ := OfficialPayload("G22.39/2026-1", cfg)
	s, err := Parse(off, cfg)
	if err != nil || s.OfficialCode != "G22.39/2026-1" {
		t.Fatalf("official: %+v %v (%s)", s, err, off)
	}
	s, err = Parse(LocalPayload(uuid, "1.004222", "quay-1"), cfg)
	if err != nil || s.UUID != uuid || s.Service != "1.004222" {
		t.Fatalf("local: %+v %v", s, err)
	}
	for _, bad := range []string{"", "MOTCUA1|not-a-uuid|1.004222|d", "https://evil.example/tra-cuu?ma=H40-1",
		"https://dvc.example.vn/tra-cuu?ma=L%C3%AA", "001099012345"} {
		if _, err := Parse(bad, cfg); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// Working days skip weekends, from the filing day; 0 is the same day.
func TestExpectedResult(t *testing.T) {
	loc := time.FixedZone("ICT", 7*3600)
	fri := time.Date(2026, 11, 27, 16, 30, 0, 0, loc) // a Friday
	for _, tc := range []struct {
		from time.Time
		days int
		want string
	}{
		{fri, 0, "27/11/2026"},
		{fri, 1, "30/11/2026"}, // Monday
		{fri, 5, "04/12/2026"},
		{fri, 10, "11/12/2026"},
		{time.Date(2026, 11, 28, 9, 0, 0, 0, loc), 1, "30/11/2026"}, // filed on a Saturday
		{time.Date(2026, 11, 30, 9, 0, 0, 0, loc), 3, "03/12/2026"},
	} {
		if got := ExpectedResult(tc.from, tc.days).Format("02/01/2006"); got != tc.want {
			t.Errorf("%s + %d working days = %s, want %s", tc.from.Format("Mon 02/01"), tc.days, got, tc.want)
		}
	}
}
