package prefill

import (
	"errors"
	"strings"
	"testing"
)

// TestParseDate: the ways people type a date in Vietnam are read day
// first and stored as the catalogue's yyyy-mm-dd; impossible days are
// refused as such, other text as not a date.
func TestParseDate(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		err      error
	}{
		{"02/11/2026", "2026-11-02", nil},
		{"2/11/2026", "2026-11-02", nil},
		{"2/1/2026", "2026-01-02", nil},
		{" 02.11.2026 ", "2026-11-02", nil},
		{"02-11-2026", "2026-11-02", nil},
		{"02112026", "2026-11-02", nil},
		{"2026-11-02", "2026-11-02", nil},
		{"29/02/2024", "2024-02-29", nil}, // a leap year
		{"29/02/2026", "", ErrDateImpossible},
		{"31/04/2026", "", ErrDateImpossible},
		{"00/01/2026", "", ErrDateImpossible},
		{"12/13/2026", "", ErrDateImpossible}, // month first is not how it is written here
		{"2026-02-30", "", ErrDateImpossible},
		{"32012026", "", ErrDateImpossible},
		{"2/11/26", "", ErrDateFormat},
		{"0211202", "", ErrDateFormat},
		{"hôm qua", "", ErrDateFormat},
		{"", "", ErrDateFormat},
	} {
		got, err := ParseDate(tc.in)
		if got != tc.want || !errors.Is(err, tc.err) {
			t.Errorf("ParseDate(%q) = %q, %v; want %q, %v", tc.in, got, err, tc.want, tc.err)
		}
		var de *DateError
		if err != nil && (!errors.As(err, &de) || de.VI == "" || de.EN == "") {
			t.Errorf("ParseDate(%q): no words for %v", tc.in, err)
		}
	}
	if ShowDate("2026-11-02") != "02/11/2026" || ShowDate("0211") != "0211" {
		t.Fatal("ShowDate")
	}
}

// TestTypedDateStoredISO: a date typed day first into a form is stored in
// the catalogue's format; an impossible one stays as typed and Validate
// says plainly why.
func TestTypedDateStoredISO(t *testing.T) {
	f, err := New(service(t, "1.003720"), map[string][]Person{"requester": {verified(thu())}}, nil, now)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Set("", "ngay_chet", 0, "5/11/2026"); err != nil {
		t.Fatal(err)
	}
	if v, _ := f.Find("", "ngay_chet", 0); v.Text != "2026-11-05" {
		t.Fatalf("stored %q, want 2026-11-05", v.Text)
	}
	f.Set("", "ngay_chet", 0, "31/02/2026")
	var msg string
	for _, p := range f.Validate() {
		if p.Field == "ngay_chet" {
			msg = p.VI
		}
	}
	if !strings.Contains(msg, "31/02/2026 không có thật") || !strings.Contains(msg, "28 ngày") {
		t.Fatalf("impossible date explained as %q", msg)
	}
}
