package localapi

import (
	"encoding/json"
	"sync"
)

// subscriberBuffer is how many events a slow WebSocket client may lag
// before it is disconnected (the card loop never waits for a client).
const subscriberBuffer = 64

type subscriber struct {
	app  *App
	ch   chan []byte
	once sync.Once
}

func (s *subscriber) close() { s.once.Do(func() { close(s.ch) }) }

// hub fans events out to WebSocket subscribers.
type hub struct {
	mu   sync.Mutex
	subs map[*subscriber]struct{}
	seq  uint64
}

func newHub() *hub { return &hub{subs: map[*subscriber]struct{}{}} }

func (h *hub) subscribe(app *App) *subscriber {
	s := &subscriber{app: app, ch: make(chan []byte, subscriberBuffer)}
	h.mu.Lock()
	h.subs[s] = struct{}{}
	h.mu.Unlock()
	return s
}

func (h *hub) unsubscribe(s *subscriber) {
	h.mu.Lock()
	delete(h.subs, s)
	h.mu.Unlock()
	s.close()
}

// publish numbers the event and sends each subscriber its own rendering.
func (h *hub) publish(e Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.seq++
	e.Seq = h.seq
	for s := range h.subs {
		b, err := json.Marshal(e.render(s.app))
		if err != nil {
			continue
		}
		select {
		case s.ch <- b:
		default:
			delete(h.subs, s) // too slow: drop it rather than stall the card loop
			s.close()
		}
	}
}

func (h *hub) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}
