package prefill

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// DateLayout is how the catalogue stores a date field's value (and how
// the card gives dates): year, month, day.
const DateLayout = "2006-01-02"

// DateShown is how people in Vietnam write and read a date: day, month,
// year.
const DateShown = "02/01/2006"

// Errors of ParseDate; a *DateError wraps one of them.
var (
	// ErrDateFormat: the text is not a date written as dd/mm/yyyy, d/m/yyyy,
	// ddmmyyyy or yyyy-mm-dd.
	ErrDateFormat = errors.New("not a date written day/month/year")
	// ErrDateImpossible: the text has the shape of a date but no such day
	// exists (31/02, month 13, day 0).
	ErrDateImpossible = errors.New("no such day")
)

// DateError says why a typed date was refused, in Vietnamese and English.
type DateError struct {
	Text   string
	Reason error // ErrDateFormat or ErrDateImpossible
	VI, EN string
}

func (e *DateError) Error() string { return fmt.Sprintf("date %q: %v (%s)", e.Text, e.Reason, e.EN) }

// Unwrap lets errors.Is match the reason.
func (e *DateError) Unwrap() error { return e.Reason }

var (
	dmySlash  = regexp.MustCompile(`^([0-9]{1,2})[/.\-]([0-9]{1,2})[/.\-]([0-9]{4})$`)
	dmyDigits = regexp.MustCompile(`^([0-9]{2})([0-9]{2})([0-9]{4})$`)
	isoDate   = regexp.MustCompile(`^([0-9]{4})-([0-9]{2})-([0-9]{2})$`)
)

// ParseDate reads a date as people type it in Vietnam: dd/mm/yyyy,
// d/m/yyyy (dots or dashes also separate), or the eight digits ddmmyyyy
// of a digits pad; the catalogue's own yyyy-mm-dd is accepted too. It
// returns the date in DateLayout. A date that cannot exist (31/02/2024,
// month 13) is refused with ErrDateImpossible, anything else unreadable
// with ErrDateFormat.
func ParseDate(text string) (string, error) {
	s := strings.TrimSpace(text)
	var d, m, y string
	switch {
	case isoDate.MatchString(s):
		g := isoDate.FindStringSubmatch(s)
		y, m, d = g[1], g[2], g[3]
	case dmySlash.MatchString(s):
		g := dmySlash.FindStringSubmatch(s)
		d, m, y = g[1], g[2], g[3]
	case dmyDigits.MatchString(s):
		g := dmyDigits.FindStringSubmatch(s)
		d, m, y = g[1], g[2], g[3]
	default:
		return "", &DateError{Text: s, Reason: ErrDateFormat,
			VI: "ngày viết theo ngày/tháng/năm, ví dụ 02/11/2026.", EN: "write the date day/month/year, e.g. 02/11/2026."}
	}
	day, _ := strconv.Atoi(d)
	month, _ := strconv.Atoi(m)
	year, _ := strconv.Atoi(y)
	shown := fmt.Sprintf("%02d/%02d/%04d", day, month, year)
	switch {
	case month < 1 || month > 12:
		return "", &DateError{Text: s, Reason: ErrDateImpossible,
			VI: fmt.Sprintf("%s không có thật: tháng phải từ 1 đến 12.", shown),
			EN: fmt.Sprintf("%s does not exist: the month must be 1 to 12.", shown)}
	case year < 1 || day < 1 || day > daysIn(month, year):
		n := daysIn(month, year)
		return "", &DateError{Text: s, Reason: ErrDateImpossible,
			VI: fmt.Sprintf("%s không có thật: tháng %d năm %d có %d ngày.", shown, month, year, n),
			EN: fmt.Sprintf("%s does not exist: month %d of %d has %d days.", shown, month, year, n)}
	}
	return time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC).Format(DateLayout), nil
}

// daysIn is the number of days of month in year.
func daysIn(month, year int) int {
	return time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// ShowDate writes a stored date (DateLayout) day first, as DateShown;
// text that is not a stored date comes back as it is (a date still being
// typed).
func ShowDate(text string) string {
	t, err := time.Parse(DateLayout, strings.TrimSpace(text))
	if err != nil {
		return text
	}
	return t.Format(DateShown)
}
