package cardloop

import (
	"context"
	"sync"
	"time"

	"motcua/reader"
	"motcua/reader/qr"
)

// KeyBox is the key source of the card loop: a QR scan (from a scanner, a
// camera or posted to the local API),
// an ID number typed by the operator (in the admin screen, or posted by a
// paired application) or a fixed demo key puts the keys for the next card
// in; the card loop waits for them. Keys expire after TTL (default 5 min),
// so a scan is not used for a different citizen's card much later.
type KeyBox struct {
	// Sticky keeps the keys after a read (the simulated reader's demo card).
	Sticky bool
	// TTL is how long keys wait for a card.
	TTL time.Duration

	mu      sync.Mutex
	keys    []reader.Key
	qr      *qr.Payload
	setAt   time.Time
	changed chan struct{}
	now     func() time.Time
}

// NewKeyBox returns an empty key box.
func NewKeyBox() *KeyBox {
	return &KeyBox{TTL: 5 * time.Minute, changed: make(chan struct{}), now: time.Now}
}

// Put replaces the waiting keys (q is the QR they came from, or nil).
func (b *KeyBox) Put(keys []reader.Key, q *qr.Payload) {
	b.mu.Lock()
	b.keys, b.qr, b.setAt = append([]reader.Key(nil), keys...), q, b.now()
	close(b.changed)
	b.changed = make(chan struct{})
	b.mu.Unlock()
}

// Clear drops the waiting keys (after a read, unless Sticky, or when the
// card is removed).
func (b *KeyBox) Clear() {
	b.mu.Lock()
	if !b.Sticky {
		b.keys, b.qr = nil, nil
	}
	b.mu.Unlock()
}

// Wait returns the keys as soon as there are fresh ones, or ctx's error.
func (b *KeyBox) Wait(ctx context.Context) ([]reader.Key, *qr.Payload, error) {
	for {
		b.mu.Lock()
		if len(b.keys) > 0 && (b.Sticky || b.TTL <= 0 || b.now().Sub(b.setAt) <= b.TTL) {
			k, q := append([]reader.Key(nil), b.keys...), b.qr
			b.mu.Unlock()
			return k, q, nil
		}
		ch := b.changed
		b.mu.Unlock()
		select {
		case <-ctx.Done():
			return nil, nil, ctx.Err()
		case <-ch:
		}
	}
}

// Waiting reports whether keys are waiting.
func (b *KeyBox) Waiting() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.keys) > 0
}
