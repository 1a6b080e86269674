package ui

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"motcua/kiosk/engine"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	qrcode "github.com/skip2/go-qrcode"
)

// receiptPayload is what the receipt's QR code holds: the client reference
// (the outbox UUID), the procedure code and the device, so the desk (or the
// citizen's follow-up) can find the dossier and its provincial code. No
// personal data goes into it.
func receiptPayload(uuid, service, device string) string {
	return strings.Join([]string{"MOTCUA1", uuid, service, device}, "|")
}

// shortRef is the receipt number people read aloud: the UUID's first
// group, upper case.
func shortRef(uuid string) string {
	ref, _, _ := strings.Cut(uuid, "-")
	return strings.ToUpper(ref)
}

// receiptQR draws payload as a QR code: the on-screen image and the PNG
// for a printer. Medium error correction survives a creased paper slip.
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
	c.SetMinSize(fyne.NewSize(240, 240))
	return c
}

// showReceipt is the end of a visit: the receipt number and a QR code to
// follow the dossier, then "take your card".
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
	code := ""
	parts := []fyne.CanvasObject{big(T(a.lang, "receipt.title"))}
	if svc != nil {
		code = svc.Code
		parts = append(parts, para(a.serviceName(svc)))
	}
	if !v.ReceiptAt.IsZero() {
		parts = append(parts, para(T(a.lang, "receipt.date")+": "+v.ReceiptAt.Format("02/01/2006 15:04")))
	}
	if v.CardLeft {
		if left := time.Until(v.ReceiptEnds).Round(time.Second); left > 0 {
			parts = append(parts, para(fmt.Sprintf(T(a.lang, "receipt.closes"), int(left.Seconds()))))
		}
	} else {
		parts = append(parts, para(T(a.lang, "receipt.takecard")))
	}
	img, png := receiptQR(receiptPayload(uuid, code, a.eng.Device()))
	ref := widget.NewLabelWithStyle(shortRef(uuid), fyne.TextAlignCenter, fyne.TextStyle{Bold: true, Monospace: true})
	ref.SizeName = theme.SizeNameHeadingText
	parts = append(parts, para(T(a.lang, "receipt.code")), ref)
	if b := a.receiptBundle(v); b != nil { // a combined visit: every agency's dossier (h1)
		parts = append(parts, b)
	}
	if img != nil {
		parts = append(parts, container.NewCenter(img), para(T(a.lang, "receipt.scan")))
	}
	if !v.Sync.Worker || v.Sync.Offline {
		parts = append(parts, para(T(a.lang, "receipt.offline")))
	}
	buttons := container.NewHBox(action(T(a.lang, "receipt.done"), true, a.eng.Done))
	if a.cfg.Print != nil && png != nil {
		buttons.Add(action(T(a.lang, "receipt.print"), false, func() {
			a.goIO(func() {
				err := a.cfg.Print(png)
				a.do(func() {
					a.printMsg = T(a.lang, "receipt.printed")
					if err != nil {
						a.printMsg = err.Error()
					}
					a.render()
				})
			})
		}))
	}
	if a.printMsg != "" {
		parts = append(parts, para(a.printMsg))
		a.printMsg = ""
	}
	a.show("receipt", container.NewBorder(nil, container.NewCenter(buttons), nil, nil,
		container.NewVScroll(container.NewVBox(parts...))))
}
