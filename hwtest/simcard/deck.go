package simcard

import (
	"errors"
	"fmt"
	"sync"
)

// DeckCard is one synthetic card of a demo deck: a citizen and, for the
// forged ones, the forgery.
type DeckCard struct {
	Label   string
	Profile Profile
	Fault   Fault
}

// Deck is a set of synthetic cards to put on a simulated reader: the demo
// panel of the app and its UI tests. Each insertion builds the card afresh,
// as a new tap of a real card starts from power-up.
type Deck struct {
	reader *Reader
	cards  []DeckCard
	mu     sync.Mutex
}

// ErrSlotBusy is returned when a card is put on a reader that holds one.
var ErrSlotBusy = errors.New("take the card on the reader off first")

// NewDeck returns a deck of cards for r.
func NewDeck(r *Reader, cards ...DeckCard) *Deck { return &Deck{reader: r, cards: cards} }

// DemoDeck is the default demo set: two genuine citizens (two parties for
// a marriage, say), one card per forgery a notary must catch, a passport,
// and a PACE-CAM chip with its clone. New cards go at the end: tests and
// the walk pick cards by index.
func DemoDeck(r *Reader) *Deck {
	ref, other := ReferenceProfile(), NewProfile(7)
	name := func(p Profile) string { return p.Identity.FullName }
	return NewDeck(r,
		DeckCard{Label: name(ref) + " — thẻ thật", Profile: ref},
		DeckCard{Label: name(other) + " — thẻ thật", Profile: other},
		DeckCard{Label: name(ref) + " — GIẢ: dữ liệu bị sửa", Profile: ref, Fault: FaultDG13Altered},
		DeckCard{Label: name(ref) + " — GIẢ: chip sao chép", Profile: ref, Fault: FaultClone},
		DeckCard{Label: name(ref) + " — GIẢ: ký bởi nơi lạ", Profile: ref, Fault: FaultUntrustedSigner},
		DeckCard{Label: name(ref) + " — rút thẻ khi đang đọc", Profile: ref, Fault: FaultPulled},
		DeckCard{Label: "NGUYEN VAN THU — hộ chiếu", Profile: PassportProfile()},
		// The chips of newer cards prove themselves inside PACE (PACE-CAM);
		// the second is a clone that answers with a key of its own.
		DeckCard{Label: name(ref) + " — thẻ thật (PACE-CAM)", Profile: ref, Fault: FaultPACECAM},
		DeckCard{Label: name(ref) + " — GIẢ: PACE-CAM khóa lạ", Profile: ref, Fault: FaultCAMWrongKey},
	)
}

// Cards names the cards.
func (d *Deck) Cards() []string {
	out := make([]string, len(d.cards))
	for i, c := range d.cards {
		out[i] = c.Label
	}
	return out
}

// Card returns deck card i.
func (d *Deck) Card(i int) (DeckCard, error) {
	if i < 0 || i >= len(d.cards) {
		return DeckCard{}, fmt.Errorf("no demo card %d", i)
	}
	return d.cards[i], nil
}

// Insert puts card i on the reader.
func (d *Deck) Insert(i int) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	dc, err := d.Card(i)
	if err != nil {
		return err
	}
	if d.reader.Present() {
		return ErrSlotBusy
	}
	card, err := dc.Profile.Card(CardOptions{Fault: dc.Fault, Extended: !dc.Fault.Has(FaultShortOnly)})
	if err != nil {
		return fmt.Errorf("demo card %d: %w", i, err)
	}
	d.reader.Insert(card)
	return nil
}

// Remove takes the card off the reader.
func (d *Deck) Remove() { d.reader.Remove() }

// QR is card i's QR payload ("" for no such card); a passport's is its
// MRZ as a keyboard-wedge MRZ reader types it.
func (d *Deck) QR(i int) string {
	dc, err := d.Card(i)
	if err != nil {
		return ""
	}
	if pp := dc.Profile.Passport; pp != nil {
		mrz, _ := pp.MRZLines()
		return mrz
	}
	return dc.Profile.QRPayload()
}
