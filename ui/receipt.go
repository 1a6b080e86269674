package ui

import (
	"bytes"
	"image"
	"image/png"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
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
