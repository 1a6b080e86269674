package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"motcua/hwtest/simcard"
	"motcua/reader/cccd"
	"motcua/sync/outbox"
	"motcua/sync/receipt"
)

// leaveReceipt ends the visit on the receipt with the card taken away.
func leaveReceipt(r *rig) {
	r.deck.Remove()
	r.tapFirst(w("receipt.done"))
	r.wait("attract")
}

// noPersonalData fails when the screen (not the demo panel, which names
// its synthetic cards) shows the reference citizen's name or ID number,
// whole or masked.
func (r *rig) noPersonalData(t *testing.T, what string) {
	t.Helper()
	id := simcard.ReferenceProfile().Identity
	r.ui(func() {
		for _, o := range test.LaidOutObjects(r.app.body) {
			l, ok := o.(*widget.Label)
			if !ok {
				continue
			}
			for _, bad := range []string{id.FullName, id.IDNumber, cccd.MaskID(id.IDNumber)} {
				if strings.Contains(l.Text, bad) {
					t.Errorf("%s shows personal data: %q", what, l.Text)
				}
			}
		}
	})
}

// A citizen taps "Tra cứu hồ sơ", then their card: their dossier with its
// state in plain words, no personal data; it closes after the card left.
// A forged card is refused; a receipt's QR finds its dossier; every
// look-up screen fits and speaks Vietnamese.
func TestKioskLookup(t *testing.T) {
	r := newRig(t, Kiosk, nil)
	rec := toReceipt(t, r)
	leaveReceipt(r)

	r.tap(w("lookup.open"))
	r.wait("lookup")
	r.see(w("lookup.ask"))
	if e := r.english(); len(e) > 0 {
		t.Errorf("look-up shows English: %q", e)
	}
	r.readCardTo(cardGenuine, "lookup")
	r.see(mustService(t, "1.004194").NameVI)
	r.see(shortRef(rec.UUID))
	r.see(w("dossier.waiting"))
	r.noPersonalData(t, "look-up answer")
	r.fits(t, "look-up answer")
	if e := r.english(); len(e) > 0 {
		t.Errorf("look-up answer shows English: %q", e)
	}
	r.deck.Remove()
	prefix := strings.Split(w("lookup.closes"), "%d")[0]
	r.see(prefix)
	r.tapFirst(w("receipt.done"))
	r.wait("attract")

	// A forged card lists nothing.
	r.tap(w("lookup.open"))
	r.wait("lookup")
	r.readCardTo(cardAltered, "lookup")
	r.see(w("lookup.refused"))
	if r.sees(shortRef(rec.UUID)) {
		t.Fatal("a forged card listed a dossier")
	}
	r.deck.Remove()
	r.tapFirst(w("receipt.done"))
	r.wait("attract")

	// The receipt's QR, scanned at the attract screen; then synced.
	q, _ := receipt.For(rec, receipt.Config{})
	r.app.Scanned(q.Content)
	r.wait("lookup")
	r.see(shortRef(rec.UUID))
	r.ui(func() { r.app.eng.Done() })
	r.wait("attract")
	r.box.Claim(time.Now().Add(time.Minute))
	r.box.MarkAccepted(rec.UUID, "MC-9", 5)
	r.box.SetProgress(rec.UUID, 5, "000.00.22.H40-261130-0009")
	rec, _ = r.box.Get(rec.UUID)
	q, _ = receipt.For(rec, receipt.Config{})
	r.app.Scanned(q.Content)
	r.wait("lookup")
	r.see(w("dstatus.5"))
	r.see("000.00.22.H40-261130-0009")
	r.fits(t, "look-up by the official QR")
}

// The desk's outbox shows the official code, the status in plain words,
// and the official QR on request.
func TestDeskOutboxOfficialCode(t *testing.T) {
	r := newRig(t, Desk, nil)
	rec := toReceipt(t, r)
	leaveReceipt(r)
	r.box.Claim(time.Now().Add(time.Minute))
	r.box.MarkAccepted(rec.UUID, "MC-3", 4)
	const code = "000.00.22.H40-261130-0003"
	r.box.SetProgress(rec.UUID, 4, code)
	r.ui(r.app.showOutbox)
	r.see(code)
	r.see(w("dstatus.4"))
	r.see(mustService(t, "1.004194").NameVI)
	if e := r.english(); len(e) > 0 {
		t.Errorf("outbox shows English: %q", e)
	}
	r.tap(w("desk.qr"))
	r.see(w("receipt.qr.official"))
	q, err := r.app.eng.ReceiptQR(outbox.Record{UUID: rec.UUID, OfficialCode: code})
	if err != nil || !q.Official || !strings.Contains(q.Content, code) {
		t.Fatalf("official QR %+v %v", q, err)
	}
}

// The receipt fits every window and text size, in both states of its QR.
func TestReceiptFits(t *testing.T) {
	if testing.Short() {
		t.Skip("renders the receipt 8 ways")
	}
	r := newRig(t, Kiosk, nil)
	rec := toReceipt(t, r)
	r.fits(t, "receipt")
	r.box.Claim(time.Now().Add(time.Minute))
	r.box.MarkAccepted(rec.UUID, "MC-1", 2)
	r.box.SetProgress(rec.UUID, 2, "000.00.22.H40-261130-0001")
	r.app.eng.SyncNow()
	r.see("000.00.22.H40-261130-0001")
	r.fits(t, "receipt with the official QR")
	if e := r.english(); len(e) > 0 {
		t.Errorf("receipt shows English: %q", e)
	}
	r.deck.Remove()
	r.see(strings.Split(w("receipt.closes"), "%d")[0])
	r.fits(t, "receipt after the card left")
}
