package heartbeat

import (
	"motcua/sync/heartbeat/wire"
	"sync"
	"time"
)

// OtherLabel replaces a label that is not a code (see wire.ValidLabel), so that
// nothing but codes ever reaches a heartbeat.
const OtherLabel = "other"

// Counter accumulates counts between heartbeats, safely across goroutines.
// The agent calls Add as events happen; the Sender takes the counts for a
// report and gives them back if the report was not accepted.
type Counter struct {
	mu     sync.Mutex
	counts wire.Counts
	since  time.Time
}

// NewCounter starts counting at since.
func NewCounter(since time.Time) *Counter {
	return &Counter{counts: wire.Counts{}, since: since.UTC()}
}

// Add counts one event of a family (Procedures, Verdicts, Channels, BHYT)
// under a code label; a label that is not a code counts as OtherLabel.
func (c *Counter) Add(family, label string) {
	if !wire.ValidLabel(label) {
		label = OtherLabel
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.counts[family] == nil {
		c.counts[family] = map[string]int{}
	}
	c.counts[family][label]++
}

// take returns the counts so far and the start of their period, and starts
// a new period at now.
func (c *Counter) take(now time.Time) (wire.Counts, time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	out, since := c.counts, c.since
	c.counts, c.since = wire.Counts{}, now.UTC()
	return out, since
}

// giveBack merges counts that could not be reported into the current
// period, which then starts at the older since.
func (c *Counter) giveBack(counts wire.Counts, since time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.counts.Add(counts)
	if since.Before(c.since) {
		c.since = since
	}
}
