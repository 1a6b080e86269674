package office

import (
	"sync"
	"time"
)

// nonces remembers the nonces seen within the skew window, so a captured
// message cannot be played again. It is bounded: when it is full of live
// nonces it refuses new messages (ErrBusy) rather than forget one and let
// a replay through. Only authenticated messages reach it, so only a
// holder of the key can fill it.
type nonces struct {
	mu   sync.Mutex
	seen map[string]time.Time // nonce → when it may be forgotten
	max  int
}

func newNonces(max int) *nonces { return &nonces{seen: make(map[string]time.Time), max: max} }

// add records nonce until forget; it refuses a nonce seen before.
func (n *nonces) add(nonce string, now, forget time.Time) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if until, ok := n.seen[nonce]; ok && now.Before(until) {
		return ErrReplayed
	}
	if len(n.seen) >= n.max {
		for k, until := range n.seen {
			if !now.Before(until) {
				delete(n.seen, k)
			}
		}
		if len(n.seen) >= n.max {
			return ErrBusy
		}
	}
	n.seen[nonce] = forget
	return nil
}

// limiter is a token bucket per peer address: Burst messages at once, Rate
// per second after. The table is bounded; full buckets are dropped first.
type limiter struct {
	mu      sync.Mutex
	rate    float64
	burst   float64
	max     int
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newLimiter(rate float64, burst, max int) *limiter {
	return &limiter{rate: rate, burst: float64(burst), max: max, buckets: make(map[string]*bucket)}
}

// allow takes a token from peer's bucket.
func (l *limiter) allow(peer string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[peer]
	if b == nil {
		if len(l.buckets) >= l.max {
			for k, o := range l.buckets { // forget peers whose bucket has refilled
				if o.tokens+now.Sub(o.at).Seconds()*l.rate >= l.burst {
					delete(l.buckets, k)
				}
			}
			if len(l.buckets) >= l.max {
				return false // too many flooding addresses at once: refuse rather than grow
			}
		}
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[peer] = b
	}
	b.tokens = min(l.burst, b.tokens+now.Sub(b.at).Seconds()*l.rate)
	b.at = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
