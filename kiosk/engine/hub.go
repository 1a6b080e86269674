package engine

import "sync"

// hub hands every event to every subscriber in order, each on its own
// goroutine with its own unbounded queue: a slow screen never blocks the
// card loop, and no event is dropped.
type hub struct {
	mu   sync.Mutex
	subs map[int]*sub
	next int
}

type sub struct {
	mu     sync.Mutex
	queue  []Event
	wake   chan struct{}
	closed bool
}

// publish queues e for every subscriber; it never blocks.
func (h *hub) publish(e Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, s := range h.subs {
		s.mu.Lock()
		s.queue = append(s.queue, e)
		s.mu.Unlock()
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
}

// subscribe calls f with each event on a goroutine of its own until the
// returned function is called.
func (h *hub) subscribe(f func(Event)) func() {
	s := &sub{wake: make(chan struct{}, 1)}
	h.mu.Lock()
	if h.subs == nil {
		h.subs = map[int]*sub{}
	}
	id := h.next
	h.next++
	h.subs[id] = s
	h.mu.Unlock()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range s.wake {
			for {
				s.mu.Lock()
				if s.closed {
					s.mu.Unlock()
					return
				}
				if len(s.queue) == 0 {
					s.mu.Unlock()
					break
				}
				e := s.queue[0]
				s.queue[0] = Event{}
				s.queue = s.queue[1:]
				s.mu.Unlock()
				f(e)
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			h.mu.Lock()
			delete(h.subs, id)
			h.mu.Unlock()
			s.mu.Lock()
			s.closed, s.queue = true, nil
			s.mu.Unlock()
			close(s.wake)
			<-done
		})
	}
}
