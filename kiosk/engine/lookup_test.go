package engine

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"motcua/hwtest/simcard"
	"motcua/sync/outbox"
	"motcua/sync/receipt"
)

// submitOne files a 1.000466 dossier with card i and ends the visit with
// the card off the reader; it returns the receipt's UUID.
func submitOne(t *testing.T, r *rig, i int) string {
	t.Helper()
	r.readCard(i, StepIdentity)
	r.e.Continue()
	if err := r.e.ChooseService("1.000466"); err != nil {
		t.Fatal(err)
	}
	r.e.SetField("applicant", "dien_thoai", 0, "0912345678")
	r.e.SetField("", "ly_do", 0, "Tra cứu")
	r.e.Review()
	r.step(StepReview)
	r.e.Submit(r.e.View().AllAgree()...)
	v := r.step(StepReceipt)
	r.e.Done()
	r.step(StepAttract)
	r.deck.Remove()
	r.until("card off", func(v View) bool { return !v.CardPresent })
	return v.Receipt
}

// lookupBy opens the look-up, taps card i and waits for the answer.
func lookupBy(t *testing.T, r *rig, i int) View {
	t.Helper()
	r.e.Lookup()
	r.step(StepLookup)
	r.readCard(i, StepLookup)
	return r.until("look-up answer", func(v View) bool {
		return v.Lookup != nil && v.Lookup.Result != LookupBusy && v.Lookup.Result != LookupWaiting
	})
}

// A forged or cloned card could claim anybody's number: it lists nothing.
// A genuine card lists its own dossiers only, with no personal data on
// screen, and the answer goes LookupLinger after the card left.
func TestLookupByCard(t *testing.T) {
	r := newRig(t, Kiosk, nil)
	mine := submitOne(t, r, cardGenuine)
	for _, forged := range []int{cardAltered, cardClone, 4 /* unknown signer */} {
		v := lookupBy(t, r, forged)
		if v.Lookup.Result != LookupRefused || len(v.Lookup.Items) != 0 {
			t.Errorf("card %d: %s %d items", forged, v.Lookup.Result, len(v.Lookup.Items))
		}
		if v.Person != nil {
			t.Errorf("card %d: the look-up kept the card's data", forged)
		}
		r.e.Done()
		r.step(StepAttract)
		r.deck.Remove()
		r.until("card off", func(v View) bool { return !v.CardPresent })
	}

	v := lookupBy(t, r, cardSecond)
	if v.Lookup.Result != LookupNothing {
		t.Errorf("another citizen: %s", v.Lookup.Result)
	}
	r.e.Done()
	r.deck.Remove()
	r.until("card off", func(v View) bool { return !v.CardPresent })

	v = lookupBy(t, r, cardGenuine)
	if v.Lookup.Result != LookupFound || len(v.Lookup.Items) != 1 {
		t.Fatalf("own card: %s %+v", v.Lookup.Result, v.Lookup.Items)
	}
	it := v.Lookup.Items[0]
	if it.UUID != mine || it.Number != receipt.Number(mine) || it.Service == nil || it.Code != "1.000466" || it.State != outbox.Pending {
		t.Errorf("item %+v", it)
	}
	if v.Person != nil || v.Values != nil || v.Photo != nil || v.Details != nil {
		t.Error("the card's data survived its look-up")
	}
	b, _ := json.Marshal(v.Lookup)
	id := simcard.ReferenceProfile().Identity
	if strings.Contains(string(b), id.IDNumber) || strings.Contains(string(b), id.FullName) {
		t.Error("the look-up's answer holds personal data")
	}
	if v.Lookup.Ends.IsZero() || !v.Lookup.ByCard {
		t.Errorf("no countdown: %+v", v.Lookup)
	}
	r.deck.Remove()
	v = r.until("countdown after the card left", func(v View) bool {
		return v.Lookup != nil && v.Lookup.Ends.Equal(r.clock.Now().Add(LookupLinger))
	})
	r.clock.Add(LookupLinger)
	r.e.Tick()
	r.step(StepAttract)
	if v := r.e.View(); v.Lookup != nil {
		t.Error("the answer outlived its time")
	}
}

// A receipt's QR, scanned at the attract screen, shows that dossier; its
// official code once the province gave it; a receipt of another machine
// says so; a card's QR still opens the card.
func TestLookupByReceiptQR(t *testing.T) {
	r := newRig(t, Kiosk, nil)
	id := submitOne(t, r, cardGenuine)
	rec, _ := r.box.Get(id)
	cfg := receipt.Config{}
	q, _ := receipt.For(rec, cfg)
	if q.Official || !strings.HasPrefix(q.Content, receipt.LocalPrefix+"|") {
		t.Fatalf("before sync the QR is the local reference: %+v", q)
	}
	r.e.Scanned(q.Content)
	v := r.until("answer", func(v View) bool { return v.Lookup != nil && v.Lookup.Result == LookupFound })
	if v.Step != StepLookup || v.Lookup.ByCard || len(v.Lookup.Items) != 1 || v.Lookup.Items[0].UUID != id {
		t.Fatalf("by receipt: %s %+v", v.Step, v.Lookup)
	}

	// Synced: the province's code and status; its official QR finds it.
	if _, err := r.box.Claim(time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := r.box.MarkAccepted(id, "MC-1", 2); err != nil {
		t.Fatal(err)
	}
	if err := r.box.SetProgress(id, 4, "000.00.22.H40-261130-0001"); err != nil {
		t.Fatal(err)
	}
	rec, _ = r.box.Get(id)
	q, _ = receipt.For(rec, cfg)
	if !q.Official || !strings.HasPrefix(q.Content, "https://") {
		t.Fatalf("after sync: %+v", q)
	}
	r.e.Scanned(q.Content)
	v = r.until("official", func(v View) bool {
		return v.Lookup != nil && v.Lookup.Result == LookupFound && v.Lookup.Items[0].Status == 4
	})
	if v.Lookup.Items[0].OfficialCode != "000.00.22.H40-261130-0001" || v.Lookup.Items[0].State != outbox.Accepted {
		t.Errorf("official item %+v", v.Lookup.Items[0])
	}
	other, _ := receipt.OfficialPayload("000.00.22.H40-261130-9999", cfg)
	r.e.Scanned(other)
	v = r.until("not here", func(v View) bool { return v.Lookup != nil && v.Lookup.Result == LookupNotHere })
	if v.Lookup.Code != "000.00.22.H40-261130-9999" {
		t.Errorf("code %q", v.Lookup.Code)
	}
	// Somebody else's local receipt (not in this outbox).
	r.e.Scanned(receipt.LocalPayload("0a1b2c3d-0000-4000-8000-000000000000", "1.000466", "other-kiosk"))
	r.until("not here (local)", func(v View) bool { return v.Lookup != nil && v.Lookup.Result == LookupNotHere })

	// Idle: the look-up closes by itself.
	r.clock.Add(LookupIdle)
	r.e.Tick()
	r.step(StepAttract)
	// A card's QR is not a receipt: it waits for its card as before.
	r.e.Scanned(r.deck.QR(cardGenuine))
	if v := r.step(StepAttract); v.Notice != NoticeQRFirst {
		t.Errorf("card QR: %q", v.Notice)
	}
}

// The receipt on screen picks up the province's code as soon as the sync
// worker stores it.
func TestReceiptLearnsOfficialCode(t *testing.T) {
	r := newRig(t, Kiosk, nil)
	r.readCard(cardGenuine, StepIdentity)
	r.e.Continue()
	r.e.ChooseService("1.000466")
	r.e.SetField("applicant", "dien_thoai", 0, "0912345678")
	r.e.SetField("", "ly_do", 0, "Thử")
	r.e.Review()
	r.step(StepReview)
	r.e.Submit(r.e.View().AllAgree()...)
	v := r.step(StepReceipt)
	v = r.until("record read", func(v View) bool { return v.ReceiptDossier != nil })
	if v.ReceiptDossier.OfficialCode != "" || v.ReceiptDossier.State != outbox.Pending {
		t.Fatalf("before sync %+v", v.ReceiptDossier)
	}
	r.box.Claim(time.Now().Add(time.Minute))
	r.box.MarkAccepted(v.Receipt, "000.00.22.H40-261130-0002", 1)
	r.box.SetProgress(v.Receipt, 2, "000.00.22.H40-261130-0002")
	r.e.SyncNow()
	v = r.until("official code on the receipt", func(v View) bool {
		return v.ReceiptDossier != nil && v.ReceiptDossier.OfficialCode == "000.00.22.H40-261130-0002"
	})
	if v.ReceiptDossier.ProvincialStatus != 2 || v.Step != StepReceipt {
		t.Errorf("%+v", v.ReceiptDossier)
	}
	// The card leaves: personal data goes, the receipt and its record stay.
	r.deck.Remove()
	v = r.until("card left", func(v View) bool { return v.CardLeft })
	if v.Person != nil || v.ReceiptDossier == nil || v.Receipt == "" {
		t.Errorf("after the card left: person %v dossier %v", v.Person != nil, v.ReceiptDossier)
	}
}

// A card's QR scanned on the look-up keeps the look-up (the card follows);
// nobody's next visit is taken for a look-up once it is closed.
func TestLookupQRThenCard(t *testing.T) {
	r := newRig(t, Kiosk, nil)
	mine := submitOne(t, r, cardGenuine)
	r.e.Lookup()
	r.step(StepLookup)
	r.e.Scanned(r.deck.QR(cardGenuine))
	if v := r.step(StepLookup); v.Notice != NoticeQRFirst || v.Lookup == nil {
		t.Fatalf("QR on the look-up: %s %q", v.Step, v.Notice)
	}
	r.insert(cardGenuine)
	v := r.until("answer", func(v View) bool { return v.Lookup != nil && v.Lookup.Result == LookupFound })
	if len(v.Lookup.Items) != 1 || v.Lookup.Items[0].UUID != mine {
		t.Fatalf("%+v", v.Lookup)
	}
	r.e.Done()
	r.step(StepAttract)
	r.deck.Remove()
	r.until("card off", func(v View) bool { return !v.CardPresent })
	// The next card opens a visit, not a look-up.
	r.readCard(cardSecond, StepIdentity)
}
