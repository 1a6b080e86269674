package engine

import (
	"context"
	"testing"
	"time"

	"motcua/hwtest/simcard"
	"motcua/kiosk/dossier"
	"motcua/reader/cccd"
	"motcua/sync/outbox"
)

// TestHeadlessAttachLater: an engine started without a reader beats and
// says so; the reader attached later is announced; a second Attach is
// refused.
func TestHeadlessAttachLater(t *testing.T) {
	r := newRig(t, Kiosk, func(c *Config) { c.Terminal, c.Headless = nil, true })
	for i := 0; r.e.LoopHealthy(context.Background()) != nil; i++ {
		if i == 500 {
			t.Fatal("the card loop does not beat while waiting for a reader")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if v := r.e.View(); v.Reader != "" || v.ReaderReady || v.Card.State != SlotEmpty {
		t.Fatalf("view without a reader: %+v", v.Card)
	}
	if err := r.e.Attach(r.reader); err != nil {
		t.Fatal(err)
	}
	r.event(ReaderReady)
	if v := r.e.View(); v.Reader != r.reader.Name() || !v.ReaderReady {
		t.Fatalf("view with the reader: %q %v", v.Reader, v.ReaderReady)
	}
	if err := r.e.Attach(r.reader); err != ErrReaderAttached {
		t.Fatalf("second Attach: %v", err)
	}
	r.insert(cardGenuine)
	if ev := r.event(CardInserted); ev.Session == "" || !ev.NeedsKey {
		t.Fatalf("inserted: %+v", ev)
	}
}

// TestHeadlessCardSlot: headless, the card's read is served through
// WithCard under its card session, an intent's event precedes the read it
// started (QR accepted before reading, in every run), and the card's
// leaving wipes the visit: no "still there?" keeps it, the card does.
func TestHeadlessCardSlot(t *testing.T) {
	r := newRig(t, Kiosk, func(c *Config) { c.Headless = true })
	r.insert(cardGenuine)
	ins := r.event(CardInserted)
	r.until("slot waits for the key", func(v View) bool { return v.Card.State == SlotWaitingKey })
	if _, err := r.e.ScanQR("not a card"); err == nil {
		t.Fatal("a code that is not a card's QR gave keys")
	}
	p, err := r.e.ScanQR(r.deck.QR(cardGenuine))
	if err != nil || p == nil {
		t.Fatal(err)
	}
	read := r.event(CardRead)
	if read.Session != ins.Session || read.Read == nil {
		t.Fatalf("card_read session %q, inserted %q", read.Session, ins.Session)
	}
	r.mu.Lock()
	qrAt, readingAt := -1, -1
	for i, ev := range r.events {
		switch {
		case ev.Kind == QRAccepted && qrAt < 0:
			qrAt = i
		case ev.Kind == CardReading && readingAt < 0:
			readingAt = i
		}
	}
	r.mu.Unlock()
	if qrAt < 0 || readingAt < qrAt {
		t.Fatalf("qr_accepted at %d, card_reading at %d: %s", qrAt, readingAt, r.kinds())
	}
	var id string
	r.e.WithCard(func(s CardSlot, res *cccd.ReadResult) {
		if s.Session == ins.Session && s.State == SlotRead && s.Read && res != nil {
			id = res.IDNumber
		}
	})
	if id == "" {
		t.Fatal("the read card is not served by WithCard")
	}
	r.clock.Add(10 * time.Minute) // no "still there?" headless: the card keeps the visit
	r.e.Tick()
	if r.count(StillThere) != 0 || r.count(VisitWiped) != 0 {
		t.Fatalf("headless visit idled: %s", r.kinds())
	}
	r.deck.Remove()
	if ev := r.event(VisitWiped); ev.Why != WipeRemoved {
		t.Fatalf("wiped for %s", ev.Why)
	}
	r.e.WithCard(func(s CardSlot, res *cccd.ReadResult) {
		if res != nil || s.Session != "" || s.State != SlotEmpty {
			t.Errorf("the card's read outlived the card: %+v", s)
		}
	})
	if v := r.e.View(); v.Person != nil {
		t.Fatal("the visit outlived the card")
	}
}

// TestQueueDossier: a dossier built elsewhere goes the visit's way out:
// the outbox, then the worker.
func TestQueueDossier(t *testing.T) {
	r := newRig(t, Kiosk, nil)
	svc, ok := r.e.Catalog().Service("1.003781")
	if !ok {
		t.Fatal("no service 1.003781")
	}
	d := &dossier.Dossier{Schema: dossier.SchemaV1, ServiceCode: svc.Code, ServiceName: svc.NameVI,
		CreatedAt: r.clock.Now(), Device: r.e.Device(), Consent: dossier.Consent{Text: svc.ConsentVI, AcceptedAt: r.clock.Now()}}
	uuid, err := r.e.QueueDossier(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := r.box.List(outbox.Filter{})
	if err != nil || len(recs) != 1 || recs[0].UUID != uuid || r.worker.n.Load() == 0 {
		t.Fatalf("outbox %+v, worker told %d, %v", recs, r.worker.n.Load(), err)
	}
	if _, err := r.e.QueueDossier(context.Background(), nil); err == nil {
		t.Fatal("a nil dossier was queued")
	}
}

// TestQueueDossierFoundByCard: a dossier queued through the local API
// names its guest by ID number; that person's card finds it at the kiosk's
// look-up (the outbox keeps a keyed tag, never the number).
func TestQueueDossierFoundByCard(t *testing.T) {
	r := newRig(t, Kiosk, nil)
	svc, ok := r.e.Catalog().Service("1.003781")
	if !ok {
		t.Fatal("no service 1.003781")
	}
	id := ""
	for _, f := range svc.Fields {
		if f.Type == "id12" || f.Source == "card:id_number" {
			id = f.ID
		}
	}
	if id == "" {
		t.Fatal("1.003781 has no ID number field")
	}
	number := simcard.ReferenceProfile().Identity.IDNumber
	d := &dossier.Dossier{Schema: dossier.SchemaV1, ServiceCode: svc.Code, ServiceName: svc.NameVI,
		CreatedAt: r.clock.Now(), Device: r.e.Device(), Consent: dossier.Consent{Text: svc.ConsentVI, AcceptedAt: r.clock.Now()},
		Parties: []dossier.Party{{Role: svc.Parties[0].Role, Provenance: "typed",
			Fields: map[string]dossier.Value{id: {Value: number, Provenance: "typed"}}}}}
	uuid, err := r.e.QueueDossier(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := r.box.Owned(number)
	if err != nil || len(recs) != 1 || recs[0].UUID != uuid {
		t.Fatalf("owned by the guest: %+v, %v", recs, err)
	}
	if other, _ := r.box.Owned("079203004321"); len(other) != 0 {
		t.Fatalf("another number finds the dossier: %+v", other)
	}
}

// TestTagOlderDossiers: dossiers queued without owner tags (an older
// store's) are named once from their payloads' ID fields, so a card tap
// finds them; a payload that is no dossier is skipped, never changed.
func TestTagOlderDossiers(t *testing.T) {
	r := newRig(t, Kiosk, nil)
	svc, _ := r.e.Catalog().Service("1.003781")
	id := ""
	for _, f := range svc.Fields {
		if f.Type == "id12" || f.Source == "card:id_number" {
			id = f.ID
		}
	}
	number := simcard.ReferenceProfile().Identity.IDNumber
	d := &dossier.Dossier{Schema: dossier.SchemaV1, ServiceCode: svc.Code, ServiceName: svc.NameVI,
		CreatedAt: r.clock.Now(), Device: r.e.Device(), Consent: dossier.Consent{Text: svc.ConsentVI, AcceptedAt: r.clock.Now()},
		Parties: []dossier.Party{{Role: svc.Parties[0].Role, Provenance: "typed",
			Fields: map[string]dossier.Value{id: {Value: number, Provenance: "typed"}}}}}
	payload, err := d.JSON()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	old, err := r.box.Add(ctx, svc.Code, payload) // no owners: as an older agent stored it
	if err != nil {
		t.Fatal(err)
	}
	junk, _ := r.box.Add(ctx, svc.Code, []byte(`{"not":"a dossier"}`))
	if recs, _ := r.box.Owned(number); len(recs) != 0 {
		t.Fatalf("found before tagging: %+v", recs)
	}
	n, err := r.e.TagOlderDossiers(ctx)
	if err != nil || n != 1 {
		t.Fatalf("TagOlderDossiers = %d, %v; want 1", n, err)
	}
	if recs, err := r.box.Owned(number); err != nil || len(recs) != 1 || recs[0].UUID != old {
		t.Fatalf("owned after tagging: %+v %v", recs, err)
	}
	if left, _ := r.box.Untagged(); len(left) != 1 || left[0] != junk {
		t.Fatalf("untagged left: %v, want the junk record %s", left, junk)
	}
	if n, _ := r.e.TagOlderDossiers(ctx); n != 0 {
		t.Fatalf("a second pass tagged %d", n)
	}
}
