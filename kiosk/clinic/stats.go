package clinic

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"time"
)

// Stats counts BHYT look-ups by day and result code, with no personal data:
// the figures the monthly report asks for ("45,886 look-ups, 31,535
// successful"). Gateway failures count under their failure code
// (unreachable, login_refused, ...). A nil *Stats counts nothing.
type Stats struct {
	path string
	mu   sync.Mutex
	days map[string]*DayStats
}

// DayStats is one day's look-ups.
type DayStats struct {
	Lookups   int            `json:"lookups"`
	Successes int            `json:"successes"` // the card was valid
	ByCode    map[string]int `json:"by_code"`
}

// OpenStats loads statistics from path (created on the first Record); an
// empty path keeps them in memory only.
func OpenStats(path string) (*Stats, error) {
	s := &Stats{path: path, days: map[string]*DayStats{}}
	if path == "" {
		return s, nil
	}
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return s, nil
	}
	if err != nil {
		return nil, fmt.Errorf("clinic statistics: %w", err)
	}
	if err := json.Unmarshal(b, &s.days); err != nil {
		return nil, fmt.Errorf("clinic statistics %s: %w", path, err)
	}
	if s.days == nil {
		s.days = map[string]*DayStats{}
	}
	return s, nil
}

// Record counts one look-up and saves the file.
func (s *Stats) Record(at time.Time, code string, valid bool) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	day := at.In(vnZone).Format("2006-01-02")
	d := s.days[day]
	if d == nil {
		d = &DayStats{ByCode: map[string]int{}}
		s.days[day] = d
	}
	d.Lookups++
	if valid {
		d.Successes++
	}
	d.ByCode[code]++
	if s.path != "" {
		b, _ := json.MarshalIndent(s.days, "", " ")
		tmp := s.path + ".tmp"
		if os.WriteFile(tmp, b, 0o600) == nil {
			os.Rename(tmp, s.path)
		}
	}
}

// Month sums the days of a month ("2006-01").
func (s *Stats) Month(month string) DayStats {
	out := DayStats{ByCode: map[string]int{}}
	if s == nil {
		return out
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for day, d := range s.days {
		if !strings.HasPrefix(day, month+"-") {
			continue
		}
		out.Lookups += d.Lookups
		out.Successes += d.Successes
		for c, n := range d.ByCode {
			out.ByCode[c] += n
		}
	}
	return out
}

// Days lists the days with look-ups, oldest first.
func (s *Stats) Days() []string {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.days))
	for d := range s.days {
		out = append(out, d)
	}
	sort.Strings(out)
	return out
}
