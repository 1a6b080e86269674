package outbox

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The official mã hồ sơ is stored with the record at acceptance when the
// receiver knows it, or later by a status poll; it is a code, never text,
// and once known it is never replaced by another one.
func TestOfficialCodeAndStatusFollowTheRecord(t *testing.T) {
	dir := t.TempDir()
	clk := newClock()
	s := openT(t, dir, Options{Now: clk.Now})
	ctx := context.Background()

	// A hub receipt: its own code, the official one not known yet.
	id, _ := s.Add(ctx, "1.004222", []byte(`{"x":1}`))
	if _, err := s.Claim(clk.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Settle([]Outcome{{UUID: id, Kind: Accept, DossierCode: "MC-261123-000001", Status: 1}}); err != nil {
		t.Fatal(err)
	}
	if r, _ := s.Get(id); r.OfficialCode != "" || r.ProvincialStatus != 1 {
		t.Fatalf("before forwarding %+v", r)
	}
	// A poll: the hub forwarded it.
	if err := s.SetProgress(id, 2, "000.00.22.H40-261123-0042"); err != nil {
		t.Fatal(err)
	}
	// A poll that knows only the status keeps the code; status 0 keeps the status.
	if err := s.SetProgress(id, 4, ""); err != nil {
		t.Fatal(err)
	}
	if err := s.SetProgress(id, 0, "000.00.22.H40-261123-0042"); err != nil {
		t.Fatal(err)
	}
	r, _ := s.Get(id)
	if r.OfficialCode != "000.00.22.H40-261123-0042" || r.ProvincialStatus != 4 || r.DossierCode != "MC-261123-000001" {
		t.Fatalf("after polls %+v", r)
	}
	// Another code for the same dossier is refused and changes nothing.
	if err := s.SetProgress(id, 9, "000.00.22.H40-261123-9999"); !errors.Is(err, ErrConflictingCode) {
		t.Errorf("conflicting code: %v", err)
	}
	// Text is never stored as a code, nor an unknown status.
	for _, bad := range []string{"Nguyễn Văn A", "001099012345 x", "a\nb", strings.Repeat("1", 65)} {
		if err := s.SetProgress(id, 4, bad); !errors.Is(err, ErrInvalidInput) {
			t.Errorf("code %q: %v", bad, err)
		}
	}
	if err := s.SetProgress(id, 11, ""); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("status 11: %v", err)
	}
	if r2, _ := s.Get(id); r2.OfficialCode != r.OfficialCode || r2.ProvincialStatus != 4 {
		t.Errorf("refused updates changed the record: %+v", r2)
	}

	// An iGate receipt: the official code at acceptance, into the audit too.
	id2, _ := s.Add(ctx, "1.004222", []byte(`{"x":2}`))
	if _, err := s.Claim(clk.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Settle([]Outcome{{UUID: id2, Kind: Accept, DossierCode: "H40.22-1", OfficialCode: "H40.22-1", Status: 1}}); err != nil {
		t.Fatal(err)
	}
	if r, _ := s.Get(id2); r.OfficialCode != "H40.22-1" {
		t.Errorf("iGate receipt %+v", r)
	}
	audits, err := s.Audit()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, a := range audits {
		found = found || (a.UUID == id2 && a.OfficialCode == "H40.22-1")
	}
	if !found {
		t.Errorf("audit without the official code: %+v", audits)
	}
	// A receipt with text as its official code: the acceptance stands, the
	// text is not stored.
	id3, _ := s.Add(ctx, "1.004222", []byte(`{"x":3}`))
	if _, err := s.Claim(clk.Now()); err != nil {
		t.Fatal(err)
	}
	if res, err := s.Settle([]Outcome{{UUID: id3, Kind: Accept, DossierCode: "H40.22-2", OfficialCode: "Lê Văn Thử"}}); err != nil || res[0].Err != nil {
		t.Fatalf("settle: %v %+v", err, res)
	}
	if r, _ := s.Get(id3); r.State != Accepted || r.OfficialCode != "" {
		t.Errorf("text as official code: %+v", r)
	}

	// The codes are metadata: listed without the key file.
	s.Close()
	if err := os.Rename(filepath.Join(dir, "outbox.key"), filepath.Join(dir, "outbox.key.away")); err != nil {
		t.Fatal(err)
	}
	ro, err := Open(dir, Options{Now: clk.Now, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if r, err := ro.Get(id); err != nil || r.OfficialCode != "000.00.22.H40-261123-0042" {
		t.Errorf("read-only without key: %+v %v", r, err)
	}
}

func TestStatusTable(t *testing.T) {
	for c := 1; c <= 10; c++ {
		s, ok := LookupStatus(c)
		if !ok || s.Code != c || s.VI == "" || s.EN == "" || StatusName(c) != s.VI || StatusNameEN(c) != s.EN {
			t.Errorf("status %d: %+v", c, s)
		}
	}
	for _, c := range []int{0, -1, 11} {
		if _, ok := LookupStatus(c); ok || StatusName(c) != "" || StatusFinal(c) {
			t.Errorf("status %d known", c)
		}
	}
	if StatusName(10) != "đã trả kết quả" || !StatusFinal(3) || StatusFinal(9) {
		t.Error("table drifted from REFERENCE.md section 9")
	}
}
