package localapi

import (
	"encoding/json"
	"sync"
	"sync/atomic"
)

// subscriberBuffer is how many events a slow WebSocket client may lag
// before it is disconnected (the card loop never waits for a client).
const subscriberBuffer = 64

// Close reasons a subscriber can be ended with: 1008 (policy) for a slow
// or unpaired client, 1001 (going away) when the agent stops.
const (
	closeTooSlow  = "too slow"
	closeUnpaired = "unpaired"
	closeStopping = "agent stopping"
)

// closeCode is the WebSocket close code for a reason.
func closeCode(reason string) uint16 {
	if reason == closeStopping {
		return 1001
	}
	return 1008
}

// subscriber is one open events socket. Its application is looked up again
// (by token hash) for every event, so an unpairing or a grant change made
// while the socket is open applies from the next event on.
type subscriber struct {
	tokenHash string
	mu        sync.Mutex
	app       App // as last seen in the pairing store
	ch        chan []byte
	once      sync.Once
	killed    atomic.Bool
	reason    atomic.Value // string: why the socket is being closed
	done      chan struct{}
}

// kill ends the subscription: nothing more is written to the socket, even
// events already queued.
func (s *subscriber) kill(reason string) {
	s.once.Do(func() {
		s.reason.Store(reason)
		s.killed.Store(true)
		close(s.done)
	})
}

func (s *subscriber) closeReason() string {
	if r, ok := s.reason.Load().(string); ok {
		return r
	}
	return ""
}

// hub fans events out to WebSocket subscribers.
type hub struct {
	mu   sync.Mutex
	subs map[*subscriber]struct{}
	seq  uint64
	// apps returns the paired applications by token hash (nil: the
	// subscribers' applications are taken as they were at subscription).
	apps func() (map[string]App, error)
}

func newHub(apps func() (map[string]App, error)) *hub {
	return &hub{subs: map[*subscriber]struct{}{}, apps: apps}
}

func (h *hub) subscribe(app *App) *subscriber {
	s := &subscriber{tokenHash: app.TokenHash, app: *app, ch: make(chan []byte, subscriberBuffer), done: make(chan struct{})}
	h.mu.Lock()
	h.subs[s] = struct{}{}
	h.mu.Unlock()
	return s
}

func (h *hub) unsubscribe(s *subscriber) {
	h.mu.Lock()
	delete(h.subs, s)
	h.mu.Unlock()
	s.kill("")
}

// current returns the subscriber's application as the pairing store has it
// now, or false when it is no longer paired (unpaired, or re-paired with a
// new token). An unreadable store counts as unpaired: fail closed.
func current(s *subscriber, apps map[string]App, appsErr error, checked bool) (App, bool) {
	if !checked {
		return s.app, true
	}
	if appsErr != nil {
		return App{}, false
	}
	a, ok := apps[s.tokenHash]
	return a, ok
}

// publish numbers the event and sends each subscriber its own rendering,
// under the grants its application has now.
func (h *hub) publish(e Event) {
	var apps map[string]App
	var appsErr error
	if h.apps != nil {
		apps, appsErr = h.apps()
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.seq++
	e.Seq = h.seq
	for s := range h.subs {
		app, ok := current(s, apps, appsErr, h.apps != nil)
		if !ok {
			delete(h.subs, s)
			s.kill(closeUnpaired)
			continue
		}
		s.mu.Lock()
		s.app = app
		s.mu.Unlock()
		if e.grant != "" && !app.Granted(e.grant) {
			continue // not this application's to see
		}
		b, err := json.Marshal(e.render(&app))
		if err != nil {
			continue
		}
		select {
		case s.ch <- b:
		default:
			delete(h.subs, s) // too slow: drop it rather than stall the card loop
			s.kill(closeTooSlow)
		}
	}
}

// revalidate closes the sockets of applications no longer paired and
// records grant changes, without waiting for the next event.
func (h *hub) revalidate() {
	if h.apps == nil {
		return
	}
	apps, err := h.apps()
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		app, ok := current(s, apps, err, true)
		if !ok {
			delete(h.subs, s)
			s.kill(closeUnpaired)
			continue
		}
		s.mu.Lock()
		s.app = app
		s.mu.Unlock()
	}
}

// closeAll ends every subscription (the agent is stopping: its hijacked
// sockets are not closed by the HTTP server's shutdown).
func (h *hub) closeAll(reason string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		delete(h.subs, s)
		s.kill(reason)
	}
}

func (h *hub) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}
