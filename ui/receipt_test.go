package ui

import (
	"net"
	"strings"
	"testing"
	"time"

	"motcua/kiosk/printer"
	"motcua/kiosk/printer/printertest"
	"motcua/sync/outbox"
	"motcua/sync/receipt"
)

// toReceipt files a tạm trú dossier (a fee, 3 working days, two ways to
// get the result) and returns its record.
func toReceipt(t *testing.T, r *rig) outbox.Record {
	t.Helper()
	r.submitService(mustService(t, "1.004194"))
	r.wait("receipt")
	recs, err := r.box.List(outbox.Filter{})
	if err != nil || len(recs) != 1 {
		t.Fatalf("outbox: %v %v", recs, err)
	}
	return recs[0]
}

// The receipt names the procedure's time limit, expected date, fee and
// delivery; its QR says plainly it is only a receipt number until the
// province gives the official code, then becomes the official QR; the
// countdown ticks down once the card left; the personal data is gone.
func TestReceiptScreen(t *testing.T) {
	r := newRig(t, Kiosk, nil)
	rec := toReceipt(t, r)
	dueDay := receipt.ExpectedResult(rec.CreatedAt.Local(), 3).Format("02/01/2006")
	for _, s := range []string{shortRef(rec.UUID), "Không quá 03 ngày làm việc", dueDay, "15.000 đ",
		"Nhận tại bộ phận một cửa", w("receipt.qr.local"), w("receipt.takecard")} {
		r.see(s)
	}
	if r.sees(w("receipt.qr.official")) {
		t.Fatal("an official QR claimed before the province gave a code")
	}
	q, _ := r.app.eng.ReceiptQR(rec)
	if q.Official || !strings.HasPrefix(q.Content, receipt.LocalPrefix+"|"+rec.UUID+"|") {
		t.Fatalf("local QR %+v", q)
	}

	// The province answers: the official code, status and QR appear.
	const code = "000.00.22.H40-261130-0007"
	if _, err := r.box.Claim(time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	r.box.MarkAccepted(rec.UUID, "MC-7", 2)
	r.box.SetProgress(rec.UUID, 2, code)
	r.app.eng.SyncNow()
	r.see(code)
	r.see(w("receipt.qr.official"))
	r.see(w("dstatus.2"))
	if r.sees(w("receipt.qr.local")) {
		t.Error("the local caption stayed with the official QR")
	}

	// The card leaves: the countdown ticks, the receipt stays.
	r.deck.Remove()
	prefix := strings.Split(w("receipt.closes"), "%d")[0]
	r.see(prefix)
	first := r.countdownText(prefix)
	r.waitFor(func() bool { return r.countdownText(prefix) != first })
	if got := r.countdownText(prefix); got == first || got == "" {
		t.Fatalf("the countdown did not tick: %q then %q", first, got)
	}
	if v := r.app.eng.View(); v.Person != nil || v.Values != nil || v.Receipt == "" {
		t.Error("after the card left: personal data kept or receipt lost")
	}
	if r.app.Screen() != "receipt" || !r.sees(shortRef(rec.UUID)) {
		t.Fatal("the receipt did not stay")
	}
	r.tapFirst(w("receipt.done"))
	r.wait("attract")
}

func (r *rig) countdownText(prefix string) string {
	for _, s := range r.texts() {
		if strings.HasPrefix(s, prefix) {
			return s
		}
	}
	return ""
}

// jobOf sends doc to the fake printer as a raw stream and returns the job
// it parsed: the expected slip, parsed by the same parser.
func jobOf(t *testing.T, p *printertest.Printer, doc []byte, n int) printertest.Job {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(p.Addr(), "tcp://"))
	if err != nil {
		t.Fatal(err)
	}
	c.Write(doc)
	c.Close()
	jobs, err := p.Wait(n, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return jobs[n-1]
}

// The print button prints the slip on an ESC/POS printer: the fake
// printer receives exactly the slip of this receipt (number, service,
// date, expected date, delivery, QR, cut); out of paper, nothing is sent,
// the screen says so plainly and the receipt stays.
func TestReceiptPrintsSlip(t *testing.T) {
	fake, err := printertest.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()
	p, err := printer.New(printer.Config{Address: fake.Addr(), StatusTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	r := newRig(t, Kiosk, nil)
	r.ui(func() { r.app.cfg.Printer, r.app.cfg.Office = p, "UBND phường Thử Nghiệm" })
	rec := toReceipt(t, r)

	// Out of paper first: a plain message, the receipt stays, nothing printed.
	fake.SetPaperEnd(true)
	r.tap(w("receipt.print"))
	r.see(w("print.paper"))
	if r.app.Screen() != "receipt" || !r.sees(shortRef(rec.UUID)) {
		t.Fatal("the receipt left after a failed print")
	}
	jobs, _ := fake.Wait(1, 10*time.Second)
	if len(jobs) != 1 || jobs[0].Printed() {
		t.Fatalf("out of paper, something was printed: %+v", jobs)
	}

	fake.SetPaperEnd(false)
	r.tap(w("receipt.print"))
	r.see(w("receipt.printed"))
	jobs, err = fake.Wait(2, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	got := jobs[1]
	if len(got.Errors) > 0 || got.Cuts() != 1 {
		t.Fatalf("printed job: errors %v, %d cuts", got.Errors, got.Cuts())
	}
	if qrs := got.QRs(); len(qrs) != 1 || qrs[0] != receipt.LocalPayload(rec.UUID, "1.004194", "test-kiosk") {
		t.Fatalf("QR on the slip: %q", qrs)
	}
	// The slip we expect, written out here, rendered and parsed the same way.
	want := printer.Receipt{Office: "UBND phường Thử Nghiệm", Number: shortRef(rec.UUID), Service: "Đăng ký tạm trú",
		Filed: rec.CreatedAt.Local(), Due: receipt.ExpectedResult(rec.CreatedAt.Local(), 3),
		Delivery: "Trực tuyến (bản điện tử, VNeID / Cổng DVC quốc gia); Nhận tại bộ phận một cửa",
		QR:       got.QRs()[0], QRLabel: receipt.LocalLabelVI}
	svc := mustService(t, "1.004194")
	want.Service = svc.NameVI
	doc, err := want.Render(p.Config())
	if err != nil {
		t.Fatal(err)
	}
	exp := jobOf(t, fake, doc, 3)
	gr, er := got.Rasters(), exp.Rasters()
	if len(gr) != len(er) {
		t.Fatalf("slip has %d text lines, want %d", len(gr), len(er))
	}
	for i := range gr {
		if string(gr[i].Bits) != string(er[i].Bits) {
			t.Fatalf("slip line %d differs from the expected slip", i)
		}
	}
	r.tapFirst(w("receipt.done"))
	r.wait("attract")
}
