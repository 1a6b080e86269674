// Package cardloop watches one reader slot and reads each card put on it:
// a card arrives, the loop waits for its keys (a QR scan, a typed ID or
// CAN), reads the chip with progress reports, retries when the key was
// wrong (its own retry policy, AsksForKey), and says when the card leaves.
// kiosk/engine runs it, for the app and the local API alike.
package cardloop

import (
	"context"
	"errors"
	"fmt"
	"time"

	"motcua/reader"
	"motcua/reader/cccd"
	"motcua/reader/lds"
	"motcua/reader/qr"
)

// EventType says what happened on the reader.
type EventType int

// Event types, in the order a card's life produces them.
const (
	// Inserted: a card arrived. NeedsKey says no key is waiting for it.
	Inserted EventType = iota
	// Reading: keys are at hand and the chip read has begun.
	Reading
	// Progress: one file of the chip has arrived (File, Bytes, Done of Total).
	Progress
	// Read: the chip was read; Result holds it (the receiver owns it and
	// must Wipe it when done).
	Read
	// Failed: the read failed (Err, Reason). NeedsKey says the loop waits
	// for another key for the same card (the key was wrong or missing).
	Failed
	// Removed: the card left; any read of it has been stopped.
	Removed
	// ReaderGone: the reader disappeared; the loop watches for it again.
	ReaderGone
	// Identified: during the read, the identity (DG13 and DG1) has
	// arrived, unverified (Early); it comes again with the photo once DG2
	// has. Read or Failed follows (or Removed). The receiver owns Early
	// and must wipe it when the read ends, whichever way.
	Identified
)

var eventNames = [...]string{"inserted", "reading", "progress", "read", "failed", "removed", "reader_gone", "identified"}

// String names the event type.
func (t EventType) String() string {
	if int(t) < len(eventNames) {
		return eventNames[t]
	}
	return fmt.Sprintf("event(%d)", int(t))
}

// Event is one thing that happened on the reader.
type Event struct {
	Type EventType
	// File, Bytes, Done and Total describe a Progress event: the file that
	// arrived, its size, and how many of the files to be read have arrived.
	File        lds.FileID
	Bytes       int
	Done, Total int
	Result      *cccd.ReadResult
	Err         error
	Reason      string // Reason* for Failed
	NeedsKey    bool
	// QR is the payload the keys came from (nil when they were typed).
	QR *qr.Payload
	// Early is the unverified identity of an Identified event.
	Early *reader.Early
}

// Loop reads the cards put on one terminal. Set the fields, then Run.
type Loop struct {
	Terminal reader.Terminal
	Keys     *KeyBox
	// Options are the read options; Keys and OnFile are set per read.
	Options reader.Options
	// OnEvent receives every event, on the loop's goroutines, in order for
	// one card. It must not block for long (hand the work to a UI thread).
	OnEvent func(Event)
	// Beat, when set, is called at least once a second while the loop is
	// alive (a watchdog heartbeat).
	Beat func()
	// RetryPause is how long to wait before watching a vanished reader
	// again (default 1 s).
	RetryPause time.Duration
}

// Run watches the terminal until ctx is done.
func (l *Loop) Run(ctx context.Context) error {
	if l.Terminal == nil || l.Keys == nil || l.OnEvent == nil {
		return errors.New("card loop: terminal, keys and event handler are required")
	}
	beat := l.Beat
	if beat == nil {
		beat = func() {}
	}
	pause := l.RetryPause
	if pause <= 0 {
		pause = time.Second
	}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()

	present := false
	var cardCancel context.CancelFunc
	var cardDone chan struct{}
	removed := func() {
		if cardCancel != nil {
			cardCancel()
			<-cardDone
			cardCancel, cardDone = nil, nil
		}
		if present {
			present = false
			l.Keys.Clear()
			l.OnEvent(Event{Type: Removed})
		}
	}
	defer removed()

	for ctx.Err() == nil {
		wctx, stopWatch := context.WithCancel(ctx)
		ch := l.Terminal.Watch(wctx)
		beat()
	watch:
		for {
			select {
			case <-ctx.Done():
				break watch
			case <-tick.C:
				beat()
			case now, ok := <-ch:
				beat()
				if !ok {
					l.OnEvent(Event{Type: ReaderGone})
					break watch
				}
				switch {
				case now && !present:
					present = true
					l.OnEvent(Event{Type: Inserted, NeedsKey: !l.Keys.Waiting()})
					cctx, cancel := context.WithCancel(ctx)
					cardCancel, cardDone = cancel, make(chan struct{})
					go func(done chan struct{}) {
						defer close(done)
						l.readCard(cctx)
					}(cardDone)
				case !now && present:
					removed()
				}
			}
		}
		stopWatch()
		removed()
		if ctx.Err() == nil {
			select {
			case <-ctx.Done():
			case <-time.After(pause):
			}
		}
	}
	return nil
}

// readCard waits for keys and reads, asking for new keys after a wrong
// key, until the card is read, fails for good, leaves, or ctx ends.
func (l *Loop) readCard(ctx context.Context) {
	for ctx.Err() == nil {
		keys, q, err := l.Keys.Wait(ctx)
		if err != nil {
			return
		}
		l.OnEvent(Event{Type: Reading, QR: q})
		res, err := l.readOnce(ctx, keys, q)
		if ctx.Err() != nil { // the card left mid-read: drop what was read
			if res != nil {
				res.Wipe()
			}
			return
		}
		if err == nil {
			l.Keys.Clear()
			l.OnEvent(Event{Type: Read, Result: res, QR: q})
			return
		}
		reason := Classify(err)
		if reason == ReasonCardRemoved && l.removalFollows(ctx) {
			return // the watcher reports the removal; the read is simply gone
		}
		retry := AsksForKey(reason)
		if retry {
			l.Keys.Clear()
		}
		l.OnEvent(Event{Type: Failed, Err: err, Reason: reason, NeedsKey: retry, QR: q})
		if !retry {
			return // wait for the card to be removed
		}
	}
}

// removalFollows waits briefly for the reader to report the removal a
// read just ran into (the read often sees it before the status change
// arrives), so a pulled card is one Removed event, not a failure first.
func (l *Loop) removalFollows(ctx context.Context) bool {
	select {
	case <-ctx.Done():
		return true
	case <-time.After(2 * time.Second):
		return false
	}
}

// readOnce connects and reads with keys, cross-checking the QR they came from.
func (l *Loop) readOnce(ctx context.Context, keys []reader.Key, q *qr.Payload) (*cccd.ReadResult, error) {
	conn, err := l.Terminal.Connect()
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	defer conn.Close()
	opts := l.Options
	opts.Keys = keys
	total := 6 // DG13, DG1, SOD, DG14, DG15, DG2
	if opts.SkipPhoto {
		total--
	}
	done := 0
	opts.OnFile = func(f lds.FileID, raw []byte) {
		if ctx.Err() != nil {
			return
		}
		done++
		l.OnEvent(Event{Type: Progress, File: f, Bytes: len(raw), Done: min(done, total), Total: total})
	}
	opts.OnEarly = func(e *reader.Early) {
		if ctx.Err() != nil { // the card left: nobody shows it
			e.Wipe()
			return
		}
		l.OnEvent(Event{Type: Identified, Early: e, QR: q})
	}
	res, err := reader.Read(conn, opts)
	if err != nil {
		return nil, err
	}
	if res == nil {
		return nil, errors.New("reader returned no result")
	}
	if q != nil {
		for _, m := range qr.CrossCheck(q, res.Identity) {
			res.Warnings = append(res.Warnings, "QR vs chip: "+m.Message)
		}
	}
	return res, nil
}
