package localapi

import (
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode"
)

// refusalLog logs requests the guard refused (foreign peer, Host or
// Origin), at most refusalBurst lines per reason a minute: a hostile page
// looping on the API must not flood the log. What it logs is the refused
// value (an origin or host name, which is no personal data), the method
// and the route, never a token, a body or a query.
type refusalLog struct {
	out *slog.Logger

	mu      sync.Mutex
	window  time.Time
	counts  map[string]int
	dropped int
	now     func() time.Time
}

const refusalBurst = 20

func newRefusalLog(l *slog.Logger) *refusalLog {
	return &refusalLog{out: l, counts: map[string]int{}, now: time.Now}
}

// record records one refusal of r for reason; key/value name the refused
// value.
func (l *refusalLog) record(reason string, r *http.Request, key, value string) {
	l.mu.Lock()
	now := l.now()
	if now.Sub(l.window) >= time.Minute {
		if l.dropped > 0 {
			l.out.Warn("local API refusals not logged (rate limit)", "count", l.dropped)
		}
		l.window, l.counts, l.dropped = now, map[string]int{}, 0
	}
	l.counts[reason]++
	if l.counts[reason] > refusalBurst {
		l.dropped++
		l.mu.Unlock()
		return
	}
	l.mu.Unlock()
	l.out.Warn("local API refused a request", "reason", reason, key, printable(value, 100),
		"method", r.Method, "route", printable(r.URL.Path, 60))
}

// printable bounds a caller-supplied value and drops control characters,
// so it cannot forge log lines.
func printable(s string, max int) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
	if len(s) > max {
		s = s[:max] + "…"
	}
	return s
}
