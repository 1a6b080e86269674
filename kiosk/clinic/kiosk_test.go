package clinic

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var testMenu = Menu{
	Departments: []Department{{Code: "K01", Name: "Khám Nội", Prefix: "A"}, {Code: "K02", Name: "Khám Nhi", Prefix: "B"}},
	Reasons:     []Reason{{Code: "KB", Name: "Khám bệnh"}, {Code: "TK", Name: "Tái khám"}},
}

// TestMenuRefusesAmbiguity: a menu whose queues could share numbers, or
// whose codes are unusable, is refused with what is wrong.
func TestMenuRefusesAmbiguity(t *testing.T) {
	if err := testMenu.Validate(); err != nil {
		t.Fatal(err)
	}
	for name, m := range map[string]Menu{
		"empty":          {},
		"no reasons":     {Departments: testMenu.Departments},
		"shared prefix":  {Departments: []Department{{Code: "K01", Name: "Nội", Prefix: "A"}, {Code: "K02", Name: "Nhi", Prefix: "A"}}, Reasons: testMenu.Reasons},
		"lower prefix":   {Departments: []Department{{Code: "K01", Name: "Nội", Prefix: "a"}}, Reasons: testMenu.Reasons},
		"long prefix":    {Departments: []Department{{Code: "K01", Name: "Nội", Prefix: "ABCD"}}, Reasons: testMenu.Reasons},
		"same code":      {Departments: []Department{{Code: "K01", Name: "Nội", Prefix: "A"}, {Code: "K01", Name: "Nhi", Prefix: "B"}}, Reasons: testMenu.Reasons},
		"blank name":     {Departments: []Department{{Code: "K01", Name: " ", Prefix: "A"}}, Reasons: testMenu.Reasons},
		"code with tone": {Departments: []Department{{Code: "Nội", Name: "Nội", Prefix: "A"}}, Reasons: testMenu.Reasons},
		"reason twice":   {Departments: testMenu.Departments, Reasons: []Reason{{Code: "KB", Name: "a"}, {Code: "KB", Name: "b"}}},
	} {
		if err := m.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestTicketNumbers: one sequence per department per day, never reused
// across a restart, starting again the next day (Vietnam's day).
func TestTicketNumbers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "clinic", "tickets.json")
	b, err := OpenTicketBook(path)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 30, 1, 0, 0, 0, time.UTC) // 08:00 in Hà Nội
	want := []string{"A001", "A002", "B001", "A003"}
	for i, d := range []Department{testMenu.Departments[0], testMenu.Departments[0], testMenu.Departments[1], testMenu.Departments[0]} {
		tk, err := b.Next(d, now)
		if err != nil {
			t.Fatal(err)
		}
		if tk.Number != want[i] || tk.Day != "2026-11-30" || tk.DepartmentName != d.Name {
			t.Fatalf("ticket %d: %+v, want %s", i, tk, want[i])
		}
	}
	// A restart (a new book on the same file) goes on from the last number.
	b2, err := OpenTicketBook(path)
	if err != nil {
		t.Fatal(err)
	}
	if tk, _ := b2.Next(testMenu.Departments[0], now); tk.Number != "A004" {
		t.Fatalf("after restart: %s, want A004", tk.Number)
	}
	// 17:30 UTC is already the next day in Vietnam: numbers start again.
	if tk, _ := b2.Next(testMenu.Departments[1], time.Date(2026, 11, 30, 17, 30, 0, 0, time.UTC)); tk.Number != "B001" || tk.Day != "2026-12-01" {
		t.Fatalf("next day: %+v", tk)
	}
	raw, _ := os.ReadFile(path)
	if strings.Contains(string(raw), "Khám") {
		t.Fatal("the ticket file holds more than counters")
	}
}

// TestDamagedTicketFileRefused: a damaged file stops the numbering rather
// than start again at 1 and hand out numbers twice.
func TestDamagedTicketFileRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tickets.json")
	if err := os.WriteFile(path, []byte(`{"day":"2026-11-30","last":{"K01":`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenTicketBook(path); !errors.Is(err, ErrTicketBook) {
		t.Fatalf("damaged file: %v", err)
	}
}

// TestIssueNotesTheVisitOnce: a self check-in notes the visit only when its
// ticket is issued; the second one the same day is flagged on the record.
func TestIssueNotesTheVisitOnce(t *testing.T) {
	clk := &clock{t: day0}
	_, srv := gateway(t, clk, nil)
	g := client(t, srv, clk, nil)
	dir := t.TempDir()
	visits, err := OpenVisitLog(dir)
	if err != nil {
		t.Fatal(err)
	}
	book, err := OpenTicketBook(filepath.Join(dir, "tickets.json"))
	if err != nil {
		t.Fatal(err)
	}
	d := &Desk{Gateway: g, Staff: staff, Facility: "01001", Device: "kiosk-1", Visits: visits, Now: clk.Now, NoteAtIssue: true}
	p := person("001093047064", "Nguyễn Văn Thử", "1993-01-05")
	ctx := t.Context()
	// A look-up the patient walks away from is not a visit.
	if rec, err := d.CheckIn(ctx, p); err != nil || rec.RepeatToday {
		t.Fatalf("first look-up: %v %+v", err, rec)
	}
	rec, err := d.CheckIn(ctx, p)
	if err != nil || rec.RepeatToday {
		t.Fatalf("second look-up before any ticket flagged: %v", err)
	}
	if err := d.Issue(rec, book, testMenu, "K09", "KB"); err == nil {
		t.Fatal("unknown department accepted")
	}
	if err := d.Issue(rec, book, testMenu, "K01", "XX"); err == nil {
		t.Fatal("unknown reason accepted")
	}
	if err := d.Issue(rec, book, testMenu, "K01", "KB"); err != nil {
		t.Fatal(err)
	}
	if rec.Ticket.Number != "A001" || rec.Department.Code != "K01" || rec.Reason.Code != "KB" || rec.RepeatToday {
		t.Fatalf("issued: %+v %+v", rec.Ticket, rec)
	}
	if err := d.Issue(rec, book, testMenu, "K01", "KB"); err == nil {
		t.Fatal("a second ticket on the same check-in")
	}
	again, err := d.CheckIn(ctx, p)
	if err != nil || !again.RepeatToday {
		t.Fatalf("same person, same day: not flagged (%v)", err)
	}
	if err := d.Issue(again, book, testMenu, "K02", "TK"); err != nil || again.Ticket.Number != "B001" || !again.RepeatToday {
		t.Fatalf("second ticket: %v %+v", err, again.Ticket)
	}
}
