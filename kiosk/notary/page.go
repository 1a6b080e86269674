package notary

import (
	"bytes"
	_ "embed"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"strings"

	"github.com/skip2/go-qrcode"

	xdraw "golang.org/x/image/draw"
	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"motcua/reader/cccd"
	"motcua/reader/lds"
)

// notoSans is Noto Sans Regular (SIL OFL 1.1, font/OFL.txt): every
// Vietnamese letter, without linking a GUI toolkit for a font.
//
//go:embed font/NotoSans-Regular.ttf
var notoSans []byte

// Page size: A4 at 100 dpi.
const (
	pageW = 827
	pageH = 1169
)

// faces loads the bundled Noto Sans (it covers every Vietnamese letter) at
// the sizes the page uses.
func faces() (title, body font.Face, err error) {
	f, err := opentype.Parse(notoSans)
	if err != nil {
		return nil, nil, err
	}
	title, err = opentype.NewFace(f, &opentype.FaceOptions{Size: 22, DPI: 100, Hinting: font.HintingFull})
	if err != nil {
		return nil, nil, err
	}
	body, err = opentype.NewFace(f, &opentype.FaceOptions{Size: 13, DPI: 100, Hinting: font.HintingFull})
	return title, body, err
}

// PNG renders the record as a printable page: each party with the chip
// photo shown to the notary, the identity, and an honest verification badge.
func (r *Record) PNG() ([]byte, error) {
	titleFace, bodyFace, err := faces()
	if err != nil {
		return nil, fmt.Errorf("font: %w", err)
	}
	img := image.NewRGBA(image.Rect(0, 0, pageW, pageH))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	text := func(face font.Face, x, y int, c color.Color, s string) {
		d := font.Drawer{Dst: img, Src: image.NewUniform(c), Face: face, Dot: fixed.P(x, y)}
		d.DrawString(s)
	}
	black := color.Black
	text(titleFace, 60, 70, black, "PHIẾU XÁC MINH DANH TÍNH")
	text(bodyFace, 60, 96, black, "Identity verification record")
	y := 130
	for _, line := range []string{
		"Số công chứng (act): " + r.ActRef,
		"Công chứng viên (notary): " + r.NotaryID + "   Tổ chức (office): " + r.Office,
		"Thời điểm (time): " + r.At.Format("02/01/2006 15:04:05 MST") + "   Thiết bị (device): " + r.Device,
	} {
		text(bodyFace, 60, y, black, line)
		y += 24
	}
	if e := r.EDocument; e != nil {
		// The electronic notarial document: its QR (as issued) top right,
		// its link under the header.
		if content := orText(e.QR, e.Link); content != "" {
			if q, err := qrcode.New(content, qrcode.Medium); err == nil {
				q.DisableBorder = false
				qi := q.Image(110)
				draw.Draw(img, image.Rect(pageW-170, 30, pageW-60, 140), qi, image.Point{}, draw.Src)
			}
		}
		if e.Link != "" {
			text(bodyFace, 60, y, black, "Văn bản công chứng điện tử: "+clip(e.Link, 80))
			y += 24
		}
	}
	band := 0
	if len(r.SigningPhotos) > 0 {
		band = 250
	}
	y += 16
	for i, p := range r.Parties {
		if y > pageH-260-band {
			// One page: the JSON record carries every party; say so.
			text(bodyFace, 60, y+10, black, fmt.Sprintf("… và %d người khác (xem bản ghi điện tử) / %d more in the electronic record", len(r.Parties)-i, len(r.Parties)-i))
			break
		}
		top := y
		// Photo box 150x200.
		box := image.Rect(60, top, 210, top+200)
		draw.Draw(img, box, image.NewUniform(color.Gray{0xEE}), image.Point{}, draw.Src)
		if len(p.photo) > 0 {
			// A photo refused by the budget leaves the grey box and a note.
			if ph, err := lds.DecodePhoto(p.photo); err == nil {
				xdraw.CatmullRom.Scale(img, box, ph, ph.Bounds(), draw.Over, nil)
			} else {
				text(bodyFace, 66, top+100, black, "Không hiển thị được ảnh")
			}
		}
		vi, en, ok := verdictText(p)
		badge := color.RGBA{0xB0, 0x00, 0x20, 0xFF}
		if ok {
			badge = color.RGBA{0x00, 0x70, 0x30, 0xFF}
		}
		x := 240
		ly := top + 20
		text(bodyFace, x, ly, black, "Vai trò (role): "+p.Role)
		ly += 24
		for _, line := range []string{
			"Họ và tên: " + p.FullName,
			idLine(p),
			"Ngày sinh: " + dmy(p.DateOfBirth) + "   Giới tính: " + p.Sex + "   Quốc tịch: " + p.Nationality,
			"Nơi thường trú: " + p.Residence,
			"Ngày cấp: " + dmy(p.DateOfIssue) + "   Có giá trị đến: " + orText(dmy(p.DateOfExpiry), "không thời hạn"),
		} {
			text(bodyFace, x, ly, black, line)
			ly += 22
		}
		ly += 8
		text(bodyFace, x, ly, badge, vi)
		ly += 22
		text(bodyFace, x, ly, badge, en)
		y = top + 230
		draw.Draw(img, image.Rect(60, y-12, pageW-60, y-11), image.NewUniform(color.Gray{0xAA}), image.Point{}, draw.Src)
	}
	if band > 0 {
		r.drawSigningPhotos(img, bodyFace, pageH-80-band, text)
	}
	text(bodyFace, 60, pageH-60, black, "Ảnh lấy từ chip của thẻ căn cước (DG2). Photo read from the ID card chip.")
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// drawSigningPhotos prints the signing photos in a band from top: each
// scaled into its box for printing (the stored photo is untouched), with
// the start of its SHA-256 and who it shows.
func (r *Record) drawSigningPhotos(img *image.RGBA, face font.Face, top int, text func(font.Face, int, int, color.Color, string)) {
	text(face, 60, top+16, color.Black, "Ảnh ghi nhận việc ký (signing photos), SHA-256 trong bản ghi:")
	n := len(r.SigningPhotos)
	w := (pageW - 120 - (n-1)*12) / n
	for i, ph := range r.SigningPhotos {
		x := 60 + i*(w+12)
		box := image.Rect(x, top+28, x+w, top+28+160)
		draw.Draw(img, box, image.NewUniform(color.Gray{0xEE}), image.Point{}, draw.Src)
		if src, _, err := image.Decode(bytes.NewReader(ph.data)); err == nil {
			b := src.Bounds()
			// Keep the aspect ratio inside the box.
			sw, sh := box.Dx(), box.Dx()*b.Dy()/b.Dx()
			if sh > box.Dy() {
				sh, sw = box.Dy(), box.Dy()*b.Dx()/b.Dy()
			}
			at := image.Pt(box.Min.X+(box.Dx()-sw)/2, box.Min.Y+(box.Dy()-sh)/2)
			dst := image.Rectangle{Min: at, Max: at.Add(image.Pt(sw, sh))}
			xdraw.ApproxBiLinear.Scale(img, dst, src, b, draw.Over, nil)
		} else {
			text(face, x+6, top+100, color.Black, "Không hiển thị được ảnh")
		}
		text(face, x, top+206, color.Black, clip(ph.SHA256, 17))
		text(face, x, top+226, color.Black, clip(strings.Join(ph.Shows, ", "), w/9))
	}
}

// clip shortens s to at most n runes, marking the cut.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n || n < 2 {
		return s
	}
	return string(r[:n-1]) + "…"
}

func orText(v, alt string) string {
	if v == "" {
		return alt
	}
	return v
}

// dmy shows YYYY-MM-DD as dd/mm/yyyy, the way Vietnamese documents print dates.
func dmy(iso string) string {
	if len(iso) != 10 {
		return iso
	}
	return iso[8:10] + "/" + iso[5:7] + "/" + iso[0:4]
}

// idLine is the party's document number: the ID number, or a passport's
// number (and the holder's ID number when the passport carries one).
func idLine(p Party) string {
	if p.Document != cccd.DocumentPassport {
		return "Số định danh: " + p.IDNumber
	}
	line := "Hộ chiếu số: " + p.DocumentNumber
	if p.IDNumber != "" {
		line += "   Số định danh: " + p.IDNumber
	}
	return line
}
