package ui

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	qrcode "github.com/skip2/go-qrcode"

	"motcua/kiosk/catalog"
	"motcua/kiosk/engine"
	"motcua/kiosk/printer"
	"motcua/sync/outbox"
	"motcua/sync/receipt"
)

// shortRef is the receipt number people read aloud: the UUID's first
// group, upper case (receipt.Number).
func shortRef(uuid string) string { return receipt.Number(uuid) }

// receiptQR draws payload as a QR code: the on-screen image and the PNG
// for a print command. Medium error correction survives a creased slip.
func receiptQR(payload string) (fyne.CanvasObject, []byte) {
	q, err := qrcode.New(payload, qrcode.Medium)
	if err != nil {
		return nil, nil
	}
	b, err := q.PNG(320)
	if err != nil {
		return nil, nil
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, nil
	}
	return qrImage(img), b
}

func qrImage(img image.Image) fyne.CanvasObject {
	c := canvas.NewImageFromImage(img)
	c.FillMode = canvas.ImageFillContain
	c.ScaleMode = canvas.ImageScalePixels
	c.SetMinSize(fyne.NewSize(220, 220))
	return c
}

// receiptRecord is the dossier's record as the engine last read it, or
// what the receipt knows before that (a dossier waiting to be sent).
func receiptRecord(v engine.View, svc *catalog.Service, device string) outbox.Record {
	if v.ReceiptDossier != nil {
		return *v.ReceiptDossier
	}
	r := outbox.Record{UUID: v.Receipt, State: outbox.Pending, Device: device, CreatedAt: v.ReceiptAt}
	if svc != nil {
		r.Service = svc.Code
	}
	return r
}

// qrCaption says plainly what the receipt's QR is: the official dossier QR
// (a link to the national portal's look-up) or, before the province gave
// the dossier its code, the receipt number in a QR (no link: a phone shows
// text), to show at the desk or scan at the kiosk's look-up.
func (a *App) qrCaption(official bool) string {
	if official {
		return T(a.lang, "receipt.qr.official")
	}
	return T(a.lang, "receipt.qr.local")
}

// statusWords is a dossier's delivery state and national status (REFERENCE
// s.9, codes 1..10) in plain words, with what to do where there is something.
func (a *App) statusWords(r outbox.Record) string {
	switch r.State {
	case outbox.Pending, outbox.Sending:
		return T(a.lang, "dossier.waiting")
	case outbox.Rejected:
		return T(a.lang, "dossier.rejected")
	case outbox.NeedsAttention:
		return T(a.lang, "dossier.attention")
	}
	if _, ok := outbox.LookupStatus(r.ProvincialStatus); ok {
		return T(a.lang, "dstatus."+strconv.Itoa(r.ProvincialStatus))
	}
	return T(a.lang, "dossier.sent")
}

// vnd writes an amount the Vietnamese way: 50.000 đ.
func vnd(n int64) string {
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(c)
	}
	return b.String() + " đ"
}

// procFees is what the procedure costs, one line per fee.
func (a *App) procFees(p catalog.Procedure) string {
	if p.Free() {
		return T(a.lang, "proc.free")
	}
	var lines []string
	for _, f := range p.Fees {
		label := f.LabelVI
		if a.lang == English && f.LabelEN != "" {
			label = f.LabelEN
		}
		switch {
		case f.Varies && a.lang == English:
			lines = append(lines, label+": "+T(a.lang, "proc.varies"))
		case f.Varies:
			lines = append(lines, label+": "+f.NoteVI)
		case f.AmountVND == 0:
			lines = append(lines, label+": "+T(a.lang, "proc.free"))
		default:
			lines = append(lines, label+": "+vnd(f.AmountVND))
		}
	}
	return strings.Join(lines, "\n")
}

// procDelivery is how the result comes back, one way each, in the
// screen's language.
func procDelivery(p catalog.Procedure, lang Lang) []string { return p.DeliveryWays(lang == English) }

// due is the expected result date, zero when the catalogue does not say.
func due(svc *catalog.Service, filed time.Time) time.Time { return printer.ExpectedResult(svc, filed) }

// procedureInfo is the filing date and the procedure's public information
// on the receipt: time limit and the expected date, fees, how the result
// comes back (svc nil: the date alone).
func (a *App) procedureInfo(svc *catalog.Service, filed time.Time) fyne.CanvasObject {
	rows := container.New(layout.NewFormLayout())
	if !filed.IsZero() {
		rows.Add(widget.NewLabelWithStyle(T(a.lang, "receipt.date"), fyne.TextAlignTrailing, fyne.TextStyle{Bold: true}))
		rows.Add(widget.NewLabel(filed.Local().Format("02/01/2006 15:04")))
	}
	if svc == nil {
		return rows
	}
	add := func(k, val string) { addRow(rows, T(a.lang, k), val) }
	p := svc.Procedure
	add("proc.time", a.processingText(p))
	if d := due(svc, filed); !d.IsZero() {
		add("proc.due", d.Format("02/01/2006")+" "+T(a.lang, "proc.expected"))
	}
	add("proc.fees", a.procFees(p))
	add("proc.delivery", strings.Join(procDelivery(p, a.lang), "; "))
	return rows
}

// showReceipt is the end of a visit: the receipt number, the service and
// its procedure information, the QR (official once the province gave the
// dossier its code), "take your card", then a countdown once it is taken.
func (a *App) showReceipt(v engine.View) {
	uuid := v.Receipt
	if uuid == "" {
		a.showAttract(v)
		return
	}
	svc := v.ReceiptFor
	if svc == nil {
		svc = v.Service
	}
	rec := receiptRecord(v, svc, a.eng.Device())
	// Above: what happened and what to do now; left: the numbers and the
	// procedure; right: the QR, then what it is. Side by side, the QR
	// stays in view without scrolling.
	// What matters first stays in view on the smallest screen: what to do
	// now, then the receipt number; the rest scrolls.
	head := []fyne.CanvasObject{big(T(a.lang, "receipt.title"))}
	// "Take your card", then the countdown ticking each second.
	count := para(T(a.lang, "receipt.takecard"))
	count.Importance = widget.HighImportance
	head = append(head, count)
	ref := widget.NewLabelWithStyle(shortRef(uuid), fyne.TextAlignCenter, fyne.TextStyle{Bold: true, Monospace: true})
	ref.SizeName = theme.SizeNameHeadingText
	refLabel := widget.NewLabel(T(a.lang, "receipt.code") + ":")
	refLabel.SizeName = theme.SizeNameSubHeadingText
	left := []fyne.CanvasObject{container.NewCenter(container.NewHBox(refLabel, ref))}
	if b := a.receiptBundle(v); b != nil { // a combined visit: every agency's dossier
		left = append(left, b)
	}
	if svc != nil {
		left = append(left, para(a.serviceName(svc)))
	}
	if rec.OfficialCode != "" {
		left = append(left, para(T(a.lang, "receipt.official")+": "+rec.OfficialCode))
	}
	if rec.State == outbox.Accepted || rec.State == outbox.Rejected {
		left = append(left, para(T(a.lang, "lookup.status")+": "+a.statusWords(rec)))
	}
	left = append(left, a.procedureInfo(svc, v.ReceiptAt))
	if rec.State == outbox.Pending && (!v.Sync.Worker || v.Sync.Offline) {
		left = append(left, para(T(a.lang, "receipt.offline")))
	}
	// The QR sits right of the numbers at a fixed size; its caption runs
	// under both (a wrapped label in a column of a grid would double its
	// width and widen the window).
	var png []byte
	var qrBox fyne.CanvasObject
	var caption []fyne.CanvasObject
	q, err := a.eng.ReceiptQR(rec)
	if err == nil {
		var img fyne.CanvasObject
		img, png = receiptQR(q.Content)
		if img != nil {
			qrBox = container.NewVBox(img)
			l := widget.NewLabelWithStyle(a.qrCaption(q.Official), fyne.TextAlignCenter, fyne.TextStyle{})
			l.Wrapping = fyne.TextWrapWord
			caption = append(caption, l)
		}
	}
	parts := append(head, container.NewBorder(nil, nil, nil, qrBox, container.NewVBox(left...)))
	parts = append(parts, caption...)
	buttons := container.NewHBox(action(T(a.lang, "receipt.done"), true, a.eng.Done))
	switch {
	case a.cfg.Printer != nil && err == nil:
		slip := a.slip(rec, svc, q)
		buttons.Add(action(T(a.lang, "receipt.print"), false, func() { a.printSlip(slip) }))
	case a.cfg.Print != nil && png != nil:
		buttons.Add(action(T(a.lang, "receipt.print"), false, func() {
			a.goIO(func() {
				err := a.cfg.Print(png)
				a.do(func() {
					a.printMsg = T(a.lang, "receipt.printed")
					if err != nil {
						a.printMsg = T(a.lang, "print.failed")
					}
					a.render()
				})
			})
		}))
	}
	// The printer's answer sits just above the buttons, always in view.
	bottom := container.NewVBox(container.NewCenter(buttons))
	if a.printMsg != "" {
		msg := para(a.printMsg)
		if a.printMsg != T(a.lang, "receipt.printed") && a.printMsg != T(a.lang, "print.busy") {
			msg.Importance = widget.DangerImportance
		}
		bottom.Objects = append([]fyne.CanvasObject{msg}, bottom.Objects...)
		a.printMsg = ""
	}
	content := container.NewBorder(nil, bottom, nil, nil,
		touchVScroll(container.NewVBox(parts...)))
	a.show("receipt", content)
	if v.CardLeft {
		a.countdown(content, count, v.ReceiptEnds, "receipt.closes")
	}
}

// countdown rewrites label each second with the seconds left until ends,
// while content is the screen on show (at most until ends, or Stop).
// Called on the UI goroutine.
func (a *App) countdown(content fyne.CanvasObject, label *widget.Label, ends time.Time, key string) {
	set := func() int {
		left := max(0, int(time.Until(ends).Round(time.Second).Seconds()))
		label.SetText(fmt.Sprintf(T(a.lang, key), left))
		return left
	}
	if set() == 0 {
		return
	}
	if a.tickStop == nil {
		a.tickStop = make(chan struct{})
	}
	stop := a.tickStop
	a.goIO(func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-stop: // the app stops
				return
			case <-t.C:
			}
			done := false
			a.do(func() {
				if len(a.body.Objects) == 0 || a.body.Objects[0] != content {
					done = true // another screen (or this one redrawn) took over
					return
				}
				done = set() == 0
			})
			if done {
				return
			}
		}
	})
}

// slip is the printed receipt (printer.ReceiptFor: the same slip the
// desk's `motcua receipt print` prints again).
func (a *App) slip(rec outbox.Record, svc *catalog.Service, q receipt.QR) printer.Receipt {
	return printer.ReceiptFor(rec, svc, q, a.cfg.Office)
}

// printSlip prints the slip off the UI goroutine; a printer out of paper,
// offline or silent gives a plain message and the receipt stays.
func (a *App) printSlip(s printer.Receipt) {
	a.printMsg = T(a.lang, "print.busy")
	a.render()
	a.goIO(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err := a.cfg.Printer.Print(ctx, s)
		cancel()
		a.do(func() {
			a.printMsg = a.printError(err)
			a.render()
		})
	})
}

// printError is a print outcome in plain words.
func (a *App) printError(err error) string {
	var pe *printer.Error
	switch {
	case err == nil:
		return T(a.lang, "receipt.printed")
	case !errors.As(err, &pe):
		return T(a.lang, "print.failed")
	case errors.Is(err, printer.ErrOutOfPaper):
		return T(a.lang, "print.paper")
	case errors.Is(err, printer.ErrOffline):
		return T(a.lang, "print.offline")
	case errors.Is(err, printer.ErrNoAnswer), errors.Is(err, printer.ErrUnreachable):
		return T(a.lang, "print.noanswer")
	case errors.Is(err, printer.ErrWrite):
		return T(a.lang, "print.partial")
	}
	return T(a.lang, "print.failed")
}
