package ui

import (
	"image/color"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"

	"motcua/kiosk/catalog"
)

// Service pictograms (issue 19): a large picture per group of services,
// drawn with canvas shapes (no image files), so a person who reads
// slowly finds "the house" or "the car" before the words.

// group is a family of services that share a pictogram.
type group int

const (
	groupOther     group = iota
	groupResidence       // thường trú, tạm trú, tạm vắng, lưu trú
	groupFamily          // khai sinh, khai tử, kết hôn
	groupIdentity        // căn cước, CMND, hộ chiếu, lý lịch tư pháp
	groupVehicle         // giấy phép lái xe, xe máy, phạt nguội
	groupPower           // điện
	groupInsurance       // bảo hiểm, trợ cấp
	groupLand            // đất
	groupSchool          // thi, tốt nghiệp
	groupMoney           // thuế, con dấu, lệ phí
)

// groupWords are folded name words per group, the first match wins (the
// order puts the combined birth/death visits with the family).
var groupWords = []struct {
	g     group
	words []string
}{
	{groupFamily, []string{"khai sinh", "khai tu", "ket hon"}},
	{groupPower, []string{"dien"}},
	{groupLand, []string{"dat"}},
	{groupVehicle, []string{"lai xe", "xe mo to", "phat nguoi", "bien so"}},
	{groupInsurance, []string{"bao hiem", "tro cap"}},
	{groupSchool, []string{"thi tot nghiep", "du thi"}},
	{groupResidence, []string{"thuong tru", "tam tru", "tam vang", "luu tru"}},
	{groupIdentity, []string{"can cuoc", "chung minh", "ho chieu", "ly lich"}},
	{groupMoney, []string{"thue", "con dau", "dau noi"}},
}

// groupOf puts a service in its group by the words of its name.
func groupOf(s *catalog.Service) group {
	name := " " + catalog.Fold(s.NameVI) + " "
	for _, gw := range groupWords {
		for _, w := range gw.words {
			if strings.Contains(name, " "+w+" ") {
				return gw.g
			}
		}
	}
	return groupOther
}

var groupColour = map[group]color.NRGBA{
	groupOther:     {R: 0x55, G: 0x5b, B: 0x66, A: 0xff},
	groupResidence: {R: 0x1f, G: 0x6f, B: 0xb2, A: 0xff},
	groupFamily:    {R: 0xb0, G: 0x3a, B: 0x6e, A: 0xff},
	groupIdentity:  {R: 0x2e, G: 0x5e, B: 0x8c, A: 0xff},
	groupVehicle:   {R: 0x9a, G: 0x5b, B: 0x00, A: 0xff},
	groupPower:     {R: 0xb3, G: 0x6b, B: 0x00, A: 0xff},
	groupInsurance: {R: 0x1b, G: 0x7a, B: 0x2e, A: 0xff},
	groupLand:      {R: 0x5d, G: 0x6b, B: 0x1f, A: 0xff},
	groupSchool:    {R: 0x5b, G: 0x3f, B: 0x9e, A: 0xff},
	groupMoney:     {R: 0x8c, G: 0x4a, B: 0x2e, A: 0xff},
}

// pictoSize is the pictogram's side.
const pictoSize = 72

// pictogram draws the group's picture, white on its colour.
func pictogram(g group) fyne.CanvasObject {
	bg := canvas.NewRectangle(groupColour[g])
	bg.CornerRadius = 14
	bg.Resize(fyne.NewSize(pictoSize, pictoSize))
	objs := []fyne.CanvasObject{bg}
	white := color.White
	rect := func(x, y, w, h, r float32, fill bool) {
		o := canvas.NewRectangle(color.Transparent)
		if fill {
			o.FillColor = white
		} else {
			o.StrokeColor, o.StrokeWidth = white, 3
		}
		o.CornerRadius = r
		o.Resize(fyne.NewSize(w, h))
		o.Move(fyne.NewPos(x, y))
		objs = append(objs, o)
	}
	circle := func(x, y, d float32, fill bool) {
		o := canvas.NewCircle(color.Transparent)
		if fill {
			o.FillColor = white
		} else {
			o.StrokeColor, o.StrokeWidth = white, 3
		}
		o.Resize(fyne.NewSize(d, d))
		o.Move(fyne.NewPos(x, y))
		objs = append(objs, o)
	}
	line := func(x1, y1, x2, y2 float32) {
		l := canvas.NewLine(white)
		l.StrokeWidth = 4
		l.Position1, l.Position2 = fyne.NewPos(x1, y1), fyne.NewPos(x2, y2)
		objs = append(objs, l)
	}
	switch g {
	case groupResidence: // a house
		line(14, 36, 36, 16)
		line(36, 16, 58, 36)
		rect(20, 34, 32, 24, 2, false)
		rect(32, 44, 9, 14, 1, true)
	case groupFamily: // two people
		circle(17, 14, 14, true)
		rect(13, 31, 22, 26, 9, true)
		circle(41, 14, 14, true)
		rect(37, 31, 22, 26, 9, true)
	case groupIdentity: // an ID card
		rect(12, 18, 48, 34, 5, false)
		circle(18, 27, 12, true)
		rect(34, 27, 20, 4, 1, true)
		rect(34, 36, 16, 4, 1, true)
		rect(18, 43, 34, 3, 1, true)
	case groupVehicle: // a car
		rect(20, 22, 32, 16, 6, true)
		rect(10, 34, 52, 14, 5, true)
		circle(16, 44, 13, false)
		circle(43, 44, 13, false)
	case groupPower: // a lightning bolt
		line(42, 10, 26, 38)
		line(26, 38, 44, 36)
		line(44, 36, 30, 62)
	case groupInsurance: // a cross in a shield
		rect(31, 16, 10, 40, 2, true)
		rect(16, 31, 40, 10, 2, true)
	case groupLand: // a plot with its boundaries
		rect(12, 16, 48, 40, 3, false)
		line(36, 16, 36, 56)
		line(12, 36, 60, 36)
	case groupSchool: // an open book
		rect(12, 20, 23, 32, 2, false)
		rect(37, 20, 23, 32, 2, false)
		rect(17, 28, 13, 3, 1, true)
		rect(42, 28, 13, 3, 1, true)
	case groupMoney: // a coin
		circle(16, 16, 40, false)
		t := canvas.NewText("₫", white)
		t.TextSize, t.TextStyle.Bold = 26, true
		t.Move(fyne.NewPos(27, 19))
		objs = append(objs, t)
	default: // a form with lines
		rect(20, 12, 32, 46, 3, false)
		for i := range 3 {
			rect(26, 22+float32(i)*9, 20, 3, 1, true)
		}
	}
	return container.NewGridWrap(fyne.NewSize(pictoSize, pictoSize), container.NewWithoutLayout(objs...))
}
