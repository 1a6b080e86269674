package engine

import "time"

// Grace is how long "still there?" stays before the visit is wiped (the
// front end counts it down on screen).
func (e *Engine) Grace() time.Duration {
	if e.cfg.Grace > 0 {
		return e.cfg.Grace
	}
	return 30 * time.Second // kiosk/session's default
}
