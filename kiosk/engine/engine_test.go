package engine

import (
	"bytes"
	"errors"
	"image"
	"image/jpeg"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"motcua/hwtest/simcard"
	"motcua/kiosk/cardloop"
	"motcua/kiosk/clinic"
	"motcua/kiosk/clinic/gatewaytest"
	"motcua/kiosk/prefill"
	"motcua/reader/cccd"
	"motcua/sync/outbox"
)

func value(v View, field string) string {
	for _, val := range v.Values {
		if val.Field.ID == field {
			return val.Text
		}
	}
	return ""
}

// TestKioskVisit: card, typed CAN, chip read with progress, identity
// verified, service, form (only the missing values asked), review,
// consent, durable submit, worker told, receipt; the card leaves and the
// visit is wiped.
func TestKioskVisit(t *testing.T) {
	r := newRig(t, Kiosk, nil)
	r.insert(cardGenuine)
	if ev := r.event(CardInserted); !ev.NeedsKey {
		t.Fatal("a card with no key waiting did not ask for one")
	}
	r.step(StepKey)
	if err := r.e.TypedKey(simcard.ReferenceProfile().CAN()); err != nil {
		t.Fatal(err)
	}
	v := r.step(StepIdentity)
	if v.Person == nil || v.Person.Provenance != prefill.ChipVerified || v.PhotoState != PhotoShown || v.Photo == nil {
		t.Fatalf("identity: %+v photo %v", v.Person, v.PhotoState)
	}
	// Events reach subscribers on their own goroutine: the view can be at
	// the identity step before the last progress event is delivered.
	for deadline := time.Now().Add(2 * time.Second); r.count(CardProgress) < 6 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	if n := r.count(CardProgress); n != 6 {
		t.Fatalf("%d progress events, want one per file (6)", n)
	}
	if ev := r.event(CardRead); ev.Read == nil || ev.Read.IDNumber != simcard.ReferenceProfile().Identity.IDNumber {
		t.Fatal("card_read event without its read")
	}
	if n := r.count(CardProgress); n != 6 {
		t.Fatalf("%d progress events, want one per file (6)", n)
	}
	r.e.Continue()
	r.step(StepServices)
	if err := r.e.ChooseService("1.000466"); err != nil {
		t.Fatal(err)
	}
	v = r.step(StepForm)
	if value(v, "ho_ten") == "" || value(v, "so_dinh_danh") != simcard.ReferenceProfile().Identity.IDNumber {
		t.Fatal("the form is not prefilled from the chip")
	}
	r.e.Review()
	v = r.e.View()
	if v.Step != StepForm || len(v.Problems) == 0 {
		t.Fatalf("an incomplete form went to review: %s %v", v.Step, v.Problems)
	}
	if err := r.e.SetField("applicant", "dien_thoai", 0, "0912345678"); err != nil {
		t.Fatal(err)
	}
	if err := r.e.SetField("", "ly_do", 0, "Làm thủ tục"); err != nil {
		t.Fatal(err)
	}
	r.e.Review()
	r.step(StepReview)
	r.e.Submit()
	if v := r.e.View(); v.Notice != NoticeNeedAgree || v.Step != StepReview {
		t.Fatalf("submitted without consent: %s %s", v.Step, v.Notice)
	}
	r.e.Submit(r.e.View().AllAgree()...)
	v = r.step(StepReceipt)
	sub := r.event(Submitted)
	recs, err := r.box.List(outbox.Filter{})
	if err != nil || len(recs) != 1 || recs[0].UUID != v.Receipt || recs[0].UUID != sub.UUID || sub.Service != "1.000466" {
		t.Fatalf("outbox %+v, receipt %q, event %+v, %v", recs, v.Receipt, sub, err)
	}
	payload, err := r.box.Payload(recs[0].UUID)
	if err != nil || !bytes.Contains(payload, []byte("Làm thủ tục")) || !bytes.Contains(payload, []byte("motcua.dossier/v1")) {
		t.Fatalf("stored dossier: %v", err)
	}
	if r.worker.n.Load() == 0 {
		t.Fatal("the sync worker was not told")
	}
	// The stream tells the visit in order (progress, sync and the reader's readiness left out).
	want := []string{"card_inserted→attract", "step_changed→key", "step_changed→reading", "card_reading→reading",
		"card_identified→reading", "card_identified→reading", // the identity, then the photo, ahead of the verdict
		"card_read→identity", "step_changed→identity", "step_changed→services", "step_changed→form",
		"step_changed→form", "step_changed→review", "changed→review", "changed→review",
		"submitted→receipt", "step_changed→receipt"}
	if got := r.kinds(); got != strings.Join(want, " ") {
		t.Fatalf("events:\n got %s\nwant %s", got, strings.Join(want, " "))
	}
	r.deck.Remove()
	if ev := r.event(VisitWiped); ev.Why != WipeRemoved {
		t.Fatalf("wiped for %s", ev.Why)
	}
	// The receipt stays (code, service, time) with the personal data gone,
	// until ReceiptLinger after the card left.
	v = r.step(StepReceipt)
	if v.Person != nil || v.Details != nil || v.Photo != nil || v.Values != nil {
		t.Fatalf("card data survived the end of the visit: %+v", v)
	}
	if v.Receipt == "" || v.ReceiptFor == nil || v.ReceiptFor.Code != "1.000466" || !v.CardLeft || v.ReceiptAt.IsZero() {
		t.Fatalf("the receipt did not stay: %q %v %v", v.Receipt, v.ReceiptFor, v.CardLeft)
	}
	r.clock.Add(ReceiptLinger)
	r.e.Tick()
	v = r.step(StepAttract)
	if v.Receipt != "" || v.ReceiptFor != nil {
		t.Fatalf("the receipt outlived its time: %+v", v)
	}
}

// TestDeskMultiParty: the first spouse's QR is scanned before the card;
// marriage asks for the second spouse's card, the form keeps its data
// while cards change, and each card is filed under the role its holder's
// sex fills (the reference citizen is a man: the groom, spouse_2; the
// second card is a woman's: the bride, spouse_1), whatever the order.
func TestDeskMultiParty(t *testing.T) {
	r := newRig(t, Desk, nil)
	r.e.Scanned(r.deck.QR(cardGenuine))
	if v := r.step(StepAttract); v.Notice != NoticeQRFirst || !v.QRWaiting {
		t.Fatalf("a QR with no card: %q", v.Notice)
	}
	r.insert(cardGenuine) // keys are waiting: no key step
	r.step(StepIdentity)
	r.e.Continue()
	r.step(StepServices)
	if err := r.e.ChooseService("1.000894"); err != nil {
		t.Fatal(err)
	}
	v := r.step(StepForm)
	if v.WaitingFor != "spouse_1" {
		t.Fatalf("waiting for %q, want spouse_1 (the man's card is the groom's)", v.WaitingFor)
	}
	if err := r.e.SetField("", "ghi_chu_khong_co", 0, "x"); err == nil {
		t.Fatal("a field the form does not have was accepted")
	}
	r.deck.Remove()
	r.event(CardRemoved)
	if v := r.step(StepForm); v.Person == nil {
		t.Fatal("removing the first card lost the visit")
	}
	r.insert(cardSecond)
	r.step(StepKey)
	r.e.Scanned(r.deck.QR(cardSecond))
	ev := r.event(PartyAdded)
	if ev.Role != "spouse_1" {
		t.Fatalf("second card filed under %q", ev.Role)
	}
	v = r.until("second spouse on the form", func(v View) bool { return v.Step == StepForm && v.WaitingFor == "" })
	second := simcard.NewProfile(7).Identity.IDNumber
	found := false
	for _, val := range v.Values {
		if val.Party == "spouse_1" && val.Text == second {
			found = true
		}
	}
	if !found {
		t.Fatal("the second spouse's ID is not on the form")
	}
}

// TestDeskQROnly: a desk may continue from the QR alone (marked as such);
// a kiosk may not.
func TestDeskQROnly(t *testing.T) {
	r := newRig(t, Desk, nil)
	r.e.Scanned(r.deck.QR(cardGenuine))
	if v := r.step(StepAttract); !v.QROnly {
		t.Fatal("the desk is not offered the QR-only visit")
	}
	r.e.ContinueQROnly()
	v := r.step(StepIdentity)
	if v.Person.Provenance != prefill.QR || v.Person.Verification != nil || v.Details != nil {
		t.Fatalf("QR-only identity: %+v", v.Person)
	}

	k := newRig(t, Kiosk, nil)
	k.e.Scanned(k.deck.QR(cardGenuine))
	if v := k.step(StepAttract); v.QROnly || !v.QRWaiting {
		t.Fatal("a kiosk offers a visit from the QR alone")
	}
	k.e.ContinueQROnly()
	if v := k.e.View(); v.Step != StepAttract || v.Person != nil {
		t.Fatal("a kiosk started a visit from the QR alone")
	}
}

// TestWrongKey: a wrong CAN asks again for the same card; the right one reads.
func TestWrongKey(t *testing.T) {
	r := newRig(t, Kiosk, nil)
	r.insert(cardGenuine)
	r.step(StepKey)
	if err := r.e.TypedKey("12"); !errors.Is(err, ErrTypedKey) || r.e.View().Notice != NoticeKeyInvalid {
		t.Fatalf("two digits: %v", err)
	}
	wrong := "000000"
	if wrong == simcard.ReferenceProfile().CAN() {
		wrong = "111111"
	}
	r.e.TypedKey(wrong)
	ev := r.event(CardFailed)
	if !ev.NeedsKey || ev.Reason != cardloop.ReasonWrongKey {
		t.Fatalf("wrong key: %+v", ev)
	}
	if v := r.step(StepKey); v.Notice != NoticeWrongKey {
		t.Fatalf("notice %q", v.Notice)
	}
	r.e.TypedKey(simcard.ReferenceProfile().Identity.IDNumber) // all 12 digits
	r.step(StepIdentity)
}

// TestRemovedMidRead: the read is dropped, the visitor told, nothing kept;
// the next tap works.
func TestRemovedMidRead(t *testing.T) {
	r := newRig(t, Kiosk, nil)
	slow, err := simcard.ReferenceProfile().Card(simcard.CardOptions{Fault: simcard.FaultSlow, Extended: true})
	if err != nil {
		t.Fatal(err)
	}
	r.reader.Insert(slow)
	r.step(StepKey)
	r.e.Scanned(r.deck.QR(cardGenuine))
	r.step(StepReading)
	r.deck.Remove()
	if ev := r.event(CardRemoved); !ev.MidRead {
		t.Fatal("removal mid-read not reported as such")
	}
	v := r.step(StepAttract)
	if v.Notice != NoticePulled || v.Person != nil || r.count(CardRead) != 0 {
		t.Fatalf("after a pulled card: notice %q person %v reads %d", v.Notice, v.Person, r.count(CardRead))
	}
	r.readCard(cardGenuine, StepIdentity)
}

// TestIdle: "still there?" after the idle time; an answer keeps the visit;
// silence wipes it, the chip read included.
func TestIdle(t *testing.T) {
	r := newRig(t, Kiosk, nil)
	r.readCard(cardGenuine, StepIdentity)
	res := r.e.read
	r.clock.Add(91 * time.Second)
	r.e.Tick()
	r.event(StillThere)
	if !r.e.View().StillThere {
		t.Fatal("the view does not ask")
	}
	r.e.StillHere()
	r.e.Tick()
	if v := r.e.View(); v.StillThere || v.Step != StepIdentity {
		t.Fatal("answering did not keep the visit")
	}
	r.clock.Add(121 * time.Second)
	r.e.Tick()
	r.e.Tick()
	if ev := r.event(VisitWiped); ev.Why != WipeIdle {
		t.Fatalf("wiped for %s", ev.Why)
	}
	v := r.step(StepAttract)
	if v.Person != nil || res.IDNumber != "" || len(res.Photo) != 0 {
		t.Fatal("idle did not wipe the card data")
	}
}

// TestForgedCards: an altered card and a clone are never chip-verified.
func TestForgedCards(t *testing.T) {
	for _, card := range []int{cardAltered, cardClone} {
		r := newRig(t, Desk, nil)
		v := r.readCard(card, StepIdentity)
		if v.Person.Provenance != prefill.ChipUnverified || v.Person.Verification.Verified() {
			t.Fatalf("card %d: %s", card, v.Person.Provenance)
		}
	}
}

// TestClinicCheckIn: the insurance look-up runs off the caller, the record
// is written, and the visit ends with the card.
func TestClinicCheckIn(t *testing.T) {
	gw := gatewaytest.New()
	gw.Accounts["clinic"] = "secret"
	gw.Staff["001190000001"] = "Lễ Tân Thử"
	now := time.Now()
	id := simcard.ReferenceProfile().Identity
	gw.People = []gatewaytest.Insured{{IDNumber: id.IDNumber, CardCode: "DN4010193047064", FullName: id.FullName,
		DOB: dmyOf(id.DateOfBirth), From: now.AddDate(-1, 0, 0), To: now.AddDate(1, 0, 0), Facility: "01001"}}
	srv := httptest.NewServer(gw)
	defer srv.Close()
	g, err := clinic.NewHTTPGateway(srv.URL, "clinic", "secret")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	r := newRig(t, Clinic, func(c *Config) {
		c.Clinic = ClinicConfig{Gateway: g, Staff: clinic.Staff{Name: "Lễ Tân Thử", IDNumber: "001190000001"}, Facility: "01001", Dir: dir}
	})
	r.readCard(cardGenuine, StepIdentity)
	r.e.Continue() // not for a clinic
	r.e.CheckIn()
	v := r.step(StepCheckIn)
	if v.CheckIn == nil || !v.CheckIn.BHYT.Valid || v.CheckIn.BHYT.CardCode != "DN4010193047064" || v.RecordFile == "" {
		t.Fatalf("check-in: %+v", v.CheckIn)
	}
	if ev := r.event(CheckedIn); ev.File != v.RecordFile {
		t.Fatal("checked_in event without the record")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "checkin-*.json"))
	if len(files) != 1 {
		t.Fatalf("records %v", files)
	}
	r.deck.Remove()
	if v := r.step(StepAttract); v.Person != nil || v.CheckIn != nil {
		t.Fatal("clinic kept card data after the card left")
	}
}

func dmyOf(iso string) string { return iso[8:10] + "/" + iso[5:7] + "/" + iso[0:4] }

// TestClinicWithoutGateway is a clear problem, not a hang.
func TestClinicWithoutGateway(t *testing.T) {
	r := newRig(t, Clinic, nil)
	r.readCard(cardGenuine, StepIdentity)
	r.e.CheckIn()
	if v := r.step(StepProblem); v.Notice != NoticeCheckIn {
		t.Fatalf("notice %q", v.Notice)
	}
}

// TestNotaryAct: two parties (one genuine, one altered) are checked card by
// card and filed together under the act number; nothing stays behind.
func TestNotaryAct(t *testing.T) {
	dir := t.TempDir()
	r := newRig(t, Notary, func(c *Config) { c.Notary = NotaryConfig{NotaryID: "CCV-0001", Office: "VPCC Thử", Dir: dir} })
	r.readCard(cardGenuine, StepNotary)
	if err := r.e.AnotherParty(); err != nil {
		t.Fatal(err)
	}
	v := r.step(StepAttract)
	if v.Notice != NoticeNextParty || len(v.Parties) != 1 || !v.Parties[0].Verified || v.Parties[0].Role != "Bên 1" {
		t.Fatalf("after the first party: %q %+v", v.Notice, v.Parties)
	}
	r.deck.Remove()
	r.event(CardRemoved)
	if v := r.e.View(); len(v.Parties) != 1 {
		t.Fatal("removing the first card dropped the party kept")
	}
	r.readCard(cardAltered, StepNotary)
	r.e.SaveNotary("bad ref!")
	if v := r.e.View(); v.Notice != NoticeActRef || len(v.Parties) != 1 {
		t.Fatalf("an odd act number: %q, parties %d", v.Notice, len(v.Parties))
	}
	r.e.SaveNotary("123/2026/CC")
	ev := r.event(NotarySaved)
	if ev.N != 2 {
		t.Fatalf("record of %d parties", ev.N)
	}
	v = r.until("saved notice", func(v View) bool { return v.Notice == NoticeSaved })
	b, err := os.ReadFile(ev.File)
	if err != nil {
		t.Fatal(err)
	}
	rec := string(b)
	if strings.Count(rec, `"verified": true`) != 1 || strings.Count(rec, `"verified": false`) != 1 ||
		!strings.Contains(rec, `"role": "Bên 2"`) || !strings.Contains(rec, "123/2026/CC") {
		t.Fatalf("record: %s", b)
	}
	if _, err := os.Stat(strings.TrimSuffix(ev.File, ".json") + ".png"); err != nil {
		t.Fatal("no printable page")
	}
	if len(v.Parties) != 0 || len(r.e.parties) != 0 {
		t.Fatal("parties kept after the record was filed")
	}
}

// TestNotaryPartiesWipedWhenIdle: a party kept for an act waits for the
// next card only twice the idle time.
func TestNotaryPartiesWipedWhenIdle(t *testing.T) {
	r := newRig(t, Notary, func(c *Config) { c.Notary = NotaryConfig{NotaryID: "CCV-0001", Dir: t.TempDir()} })
	r.readCard(cardGenuine, StepNotary)
	r.e.AnotherParty()
	r.deck.Remove()
	r.event(CardRemoved)
	r.clock.Add(time.Hour)
	r.e.Tick()
	if v := r.e.View(); len(v.Parties) != 0 {
		t.Fatal("a kept party outlived the idle time")
	}
}

// TestCancelWipesEverything: cancel drops the visit, waiting keys and a
// QR waiting alone.
func TestCancelWipesEverything(t *testing.T) {
	r := newRig(t, Desk, nil)
	r.e.Scanned(r.deck.QR(cardGenuine))
	r.step(StepAttract)
	r.e.Cancel()
	v := r.e.View()
	if v.QRWaiting || r.e.Keys().Waiting() || v.Notice != NoticeCancelled {
		t.Fatal("cancel left the scanned QR's keys behind")
	}
}

// TestWrongQRExplained: a payment URL is not a card's QR, and says what it is.
func TestWrongQRExplained(t *testing.T) {
	r := newRig(t, Kiosk, nil)
	r.e.Scanned("https://example.invalid/pay?amount=1")
	ev := r.event(QRRefused)
	v := r.e.View()
	if ev.Err == nil || v.Notice != NoticeNotCardQR || v.Detail == "" || r.e.Keys().Waiting() {
		t.Fatalf("notice %q %q", v.Notice, v.Detail)
	}
}

// TestSubmitFailureKeepsTheVisit: an outbox that cannot store leaves the
// visit on review with the reason; nothing is lost, no receipt is shown.
func TestSubmitFailureKeepsTheVisit(t *testing.T) {
	r := newRig(t, Kiosk, nil)
	r.readCard(cardGenuine, StepIdentity)
	r.e.Continue()
	r.e.ChooseService("1.000466")
	r.e.SetField("applicant", "dien_thoai", 0, "0912345678")
	r.e.SetField("", "ly_do", 0, "Thử")
	r.e.Review()
	r.step(StepReview)
	r.box.Close()
	r.e.Submit(r.e.View().AllAgree()...)
	r.event(SubmitFailed)
	v := r.until("save failed notice", func(v View) bool { return v.Notice == NoticeSaveFailed })
	if v.Step != StepReview || v.Receipt != "" || v.Person == nil || v.Busy {
		t.Fatalf("after a failed save: %s %q", v.Step, v.Receipt)
	}
}

// TestPhotoBombShownAsState: a chip photo declaring 65535×65535 pixels is
// refused before decoding and shown as a state, the visit goes on.
func TestPhotoBombShownAsState(t *testing.T) {
	r := newRig(t, Kiosk, nil)
	res := &cccd.ReadResult{Identity: simcard.ReferenceProfile().Identity, Access: "pace",
		Verification: &cccd.Verification{Passive: cccd.PassiveVerified}, Photo: photoBomb(t)}
	r.e.onCard(cardloop.Event{Type: cardloop.Read, Result: res})
	v := r.step(StepIdentity)
	if v.PhotoState != PhotoRefused || v.Photo != nil || v.Person == nil {
		t.Fatalf("photo %v", v.PhotoState)
	}
}

func photoBomb(t *testing.T) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, image.NewGray(image.Rect(0, 0, 8, 8)), nil); err != nil {
		t.Fatal(err)
	}
	out := b.Bytes()
	for i := 0; i+8 < len(out); i++ {
		if out[i] == 0xFF && out[i+1] == 0xC0 {
			out[i+5], out[i+6], out[i+7], out[i+8] = 0xFF, 0xFF, 0xFF, 0xFF
			return out
		}
	}
	t.Fatal("no SOF0")
	return nil
}

// TestAdminPINBackOff: three wrong PINs lock attempts for 30 s (the right
// PIN too), then each further failure doubles the wait; the right PIN
// after the wait opens the operator screen and wipes the visit.
func TestAdminPINBackOff(t *testing.T) {
	r := newRig(t, Kiosk, nil)
	r.readCard(cardGenuine, StepIdentity)
	for i := 0; i < 2; i++ {
		if err := r.e.OpenAdmin("000000"); !errors.Is(err, ErrWrongPIN) {
			t.Fatalf("try %d: %v", i+1, err)
		}
	}
	var locked *PINLockedError
	if err := r.e.OpenAdmin("000000"); !errors.As(err, &locked) || locked.Until.Sub(r.clock.Now()) != 30*time.Second {
		t.Fatalf("third wrong PIN: %v", err)
	}
	if err := r.e.OpenAdmin("246813"); !errors.As(err, &locked) {
		t.Fatalf("the right PIN during the lock: %v", err)
	}
	r.clock.Add(31 * time.Second)
	if err := r.e.OpenAdmin("000000"); !errors.As(err, &locked) || locked.Until.Sub(r.clock.Now()) != time.Minute {
		t.Fatalf("fourth wrong PIN: %v", err)
	}
	if ev := r.event(AdminRefused); ev.Err == nil {
		t.Fatal("admin_refused without its reason")
	}
	if v := r.e.View(); v.Person == nil {
		t.Fatal("a refused PIN touched the visit")
	}
	r.clock.Add(61 * time.Second)
	if err := r.e.OpenAdmin("246813"); err != nil {
		t.Fatal(err)
	}
	v := r.step(StepAdmin)
	if v.Person != nil {
		t.Fatal("the operator screen opened over a citizen's data")
	}
	r.e.CloseAdmin()
	r.step(StepAttract)
}

func TestPINPolicyCapped(t *testing.T) {
	pol := PINPolicy{Free: 3, First: 30 * time.Second, Max: 15 * time.Minute}
	var g pinGuard
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var waits []time.Duration
	for i := 0; i < 10; i++ {
		err := g.check(pol, "246813", "1", now)
		var le *PINLockedError
		if errors.As(err, &le) {
			waits = append(waits, le.Until.Sub(now))
			now = le.Until
		}
	}
	want := []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 15 * time.Minute, 15 * time.Minute, 15 * time.Minute}
	if len(waits) != len(want) {
		t.Fatalf("waits %v", waits)
	}
	for i := range want {
		if waits[i] != want[i] {
			t.Fatalf("waits %v, want %v", waits, want)
		}
	}
	if err := g.check(pol, "", "", now); !errors.Is(err, ErrNoPIN) {
		t.Fatal("no PIN configured must keep the screen shut")
	}
}

// TestDemoDossierMarked: a dossier filed in the demo is marked in the
// outbox (the worker never sends it to a real provider); outside the demo
// it is not.
func TestDemoDossierMarked(t *testing.T) {
	for _, demo := range []bool{true, false} {
		r := newRig(t, Kiosk, func(c *Config) { c.Demo = demo })
		r.insert(cardGenuine)
		r.step(StepKey)
		if err := r.e.TypedKey(simcard.ReferenceProfile().CAN()); err != nil {
			t.Fatal(err)
		}
		r.step(StepIdentity)
		r.e.Continue()
		r.step(StepServices)
		if err := r.e.ChooseService("1.000466"); err != nil {
			t.Fatal(err)
		}
		r.step(StepForm)
		r.e.SetField("applicant", "dien_thoai", 0, "0912345678")
		r.e.SetField("", "ly_do", 0, "Làm thủ tục")
		r.e.Review()
		r.step(StepReview)
		r.e.Submit(r.e.View().AllAgree()...)
		r.step(StepReceipt)
		recs, err := r.box.List(outbox.Filter{})
		if err != nil || len(recs) != 1 || recs[0].Demo != demo {
			t.Fatalf("demo=%v: %+v %v", demo, recs, err)
		}
	}
}
