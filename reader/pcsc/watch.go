package pcsc

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ebfe/scard"
)

// EventKind says what happened in an Event.
type EventKind int

// Event kinds, in the order Watch reports a reader's life: added, card in,
// card out, removed.
const (
	ReaderAdded EventKind = iota + 1
	ReaderRemoved
	CardInserted
	CardRemoved
)

// String names the kind.
func (k EventKind) String() string {
	switch k {
	case ReaderAdded:
		return "reader added"
	case ReaderRemoved:
		return "reader removed"
	case CardInserted:
		return "card inserted"
	case CardRemoved:
		return "card removed"
	}
	return fmt.Sprintf("EventKind(%d)", int(k))
}

// Event is a change in the readers or their cards.
type Event struct {
	Kind   EventKind
	Reader string
	// ATR of the card, for CardInserted (empty for a mute card).
	ATR []byte
	// Mute is set on CardInserted when the card did not answer reset
	// (inserted the wrong way round, or not a chip card): Connect will
	// fail with ErrNoCard.
	Mute bool
}

// pnpNotification is the pseudo-reader whose state changes when readers
// are attached or removed.
const pnpNotification = `\\?PnP?\Notification`

// pollTimeout bounds each GetStatusChange, so that a watcher notices ctx
// cancellation even where SCardCancel is unreliable, and so that the
// reader list is checked again on platforms without PnP notification.
const pollTimeout = 500 * time.Millisecond

// retryInterval is the pause before a watcher reconnects to a PC/SC
// service that stopped (Windows stops it with the last reader).
const retryInterval = time.Second

// Watch reports reader and card changes on events until ctx is done, then
// returns nil. It starts with the present state: ReaderAdded for every
// attached reader, then CardInserted for every reader that holds a card.
// A reader unplugged with a card in it gives CardRemoved, then
// ReaderRemoved. A card swapped faster than the events are consumed still
// gives CardRemoved then CardInserted (from the event counter PC/SC keeps
// in the upper 16 bits of the reader state).
//
// Sends block until received or ctx is done; Watch never closes events.
// If the PC/SC service stops, every reader is reported removed and Watch
// keeps trying to reconnect. It fails at once (ErrNoService) only when
// there is no service at the start.
func (c *Context) Watch(ctx context.Context, events chan<- Event) error {
	w := &watcher{ctx: ctx, out: events, readers: map[string]*cardTracker{}}
	return w.run()
}

type watcher struct {
	ctx     context.Context
	out     chan<- Event
	readers map[string]*cardTracker
	order   []string // reader names in the order reported, for states
}

func (w *watcher) emit(e Event) bool {
	select {
	case w.out <- e:
		return true
	case <-w.ctx.Done():
		return false
	}
}

func (w *watcher) run() error {
	first := true
	for w.ctx.Err() == nil {
		err := withContext(w.ctx, w.session)
		if w.ctx.Err() != nil {
			return nil
		}
		if !errors.Is(err, ErrNoService) {
			return err
		}
		if first && len(w.readers) == 0 {
			return err
		}
		first = false
		// The service went away and took every reader with it.
		if !w.sync(nil) {
			return nil
		}
		select {
		case <-time.After(retryInterval):
		case <-w.ctx.Done():
		}
	}
	return nil
}

// withContext runs f on a PC/SC context of its own, cancelled when ctx is
// done: a blocking GetStatusChange then wakes this watcher alone.
func withContext(ctx context.Context, f func(*scard.Context) error) error {
	wctx, err := scard.EstablishContext()
	if err != nil {
		return translate(err)
	}
	defer wctx.Release()
	stop := context.AfterFunc(ctx, func() { wctx.Cancel() })
	defer stop()
	return f(wctx)
}

// session follows the readers on one PC/SC context until ctx is done or
// the service fails.
func (w *watcher) session(wctx *scard.Context) error {
	states := []scard.ReaderState{}
	relist := true
	for w.ctx.Err() == nil {
		if relist {
			relist = false
			names, err := listReaders(wctx)
			if err != nil {
				return err
			}
			if !w.sync(names) {
				return nil
			}
			states = w.states(states)
		}
		err := wctx.GetStatusChange(states, pollTimeout)
		switch {
		case err == nil:
		case errors.Is(err, scard.ErrTimeout):
			relist = !pnpSupported
			continue
		case errors.Is(err, scard.ErrCancelled):
			continue // the loop condition sees ctx
		case errors.Is(err, scard.ErrUnknownReader), errors.Is(err, scard.ErrReaderUnavailable):
			// A reader left between listing and waiting. Pause a
			// little so a driver in trouble cannot make this spin.
			relist = true
			select {
			case <-time.After(pollTimeout / 10):
			case <-w.ctx.Done():
			}
			continue
		default:
			return translate(err)
		}
		for i := range states {
			st := &states[i]
			ev := st.EventState
			if ev&scard.StateChanged == 0 {
				continue
			}
			// Feed the whole word back, the event counter in the upper
			// 16 bits included: without it Windows reports a change at
			// once, forever.
			st.CurrentState = ev &^ scard.StateChanged
			if st.Reader == pnpNotification {
				relist = true
				continue
			}
			t := w.readers[st.Reader]
			if t == nil {
				continue
			}
			if ev&(scard.StateUnknown|scard.StateUnavailable) != 0 {
				relist = true
				ev &^= scard.StatePresent // whatever was in it is out of reach
			}
			if !w.card(st.Reader, t, ev, st.Atr) {
				return nil
			}
		}
	}
	return nil
}

// sync brings the reader set to names, reporting readers that left (their
// card first) and readers that arrived. It returns false when ctx is done.
func (w *watcher) sync(names []string) bool {
	now := make(map[string]bool, len(names))
	for _, n := range names {
		now[n] = true
	}
	kept := w.order[:0]
	for _, n := range w.order {
		if now[n] {
			kept = append(kept, n)
			continue
		}
		t := w.readers[n]
		delete(w.readers, n)
		if t.present && !w.emit(Event{Kind: CardRemoved, Reader: n}) {
			return false
		}
		if !w.emit(Event{Kind: ReaderRemoved, Reader: n}) {
			return false
		}
	}
	w.order = kept
	for _, n := range names {
		if _, ok := w.readers[n]; ok {
			continue
		}
		w.readers[n] = &cardTracker{}
		w.order = append(w.order, n)
		if !w.emit(Event{Kind: ReaderAdded, Reader: n}) {
			return false
		}
	}
	return true
}

// states builds the GetStatusChange list for the current readers, keeping
// the last known state of readers already followed.
func (w *watcher) states(old []scard.ReaderState) []scard.ReaderState {
	prev := make(map[string]scard.StateFlag, len(old))
	for _, s := range old {
		prev[s.Reader] = s.CurrentState
	}
	var out []scard.ReaderState
	if pnpSupported {
		out = append(out, scard.ReaderState{Reader: pnpNotification, CurrentState: prev[pnpNotification]})
	}
	for _, n := range w.order {
		out = append(out, scard.ReaderState{Reader: n, CurrentState: prev[n]}) // absent: StateUnaware (0)
	}
	return out
}

// card reports the card events of one reader's new state.
func (w *watcher) card(reader string, t *cardTracker, ev scard.StateFlag, atr []byte) bool {
	removed, inserted := t.step(ev)
	if removed && !w.emit(Event{Kind: CardRemoved, Reader: reader}) {
		return false
	}
	if inserted {
		e := Event{Kind: CardInserted, Reader: reader, Mute: ev&scard.StateMute != 0}
		if !e.Mute {
			e.ATR = append([]byte(nil), atr...)
		}
		return w.emit(e)
	}
	return true
}

// cardTracker follows the card in one reader from its state words.
type cardTracker struct {
	known   bool
	present bool
	counter uint16
}

// step takes the reader's new event state and says whether a card left
// and whether one arrived (both, when the event counter shows a removal
// and an insertion between two looks).
func (t *cardTracker) step(ev scard.StateFlag) (removed, inserted bool) {
	present := ev&scard.StatePresent != 0
	counter := uint16(uint32(ev) >> 16)
	switch {
	case !t.known:
		inserted = present
	case present != t.present:
		removed, inserted = t.present, present
	case present && counter-t.counter >= 2:
		// The counter goes up on every insertion and removal; an
		// unchanged presence with two or more events between is a swap.
		removed, inserted = true, true
	}
	t.known, t.present, t.counter = true, present, counter
	return removed, inserted
}
