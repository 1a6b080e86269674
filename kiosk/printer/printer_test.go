package printer_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"motcua/kiosk/printer"
	"motcua/kiosk/printer/printertest"
)

// Synthetic slip data only.
var (
	filed   = time.Date(2026, 11, 30, 8, 45, 0, 0, time.FixedZone("ICT", 7*3600))
	receipt = printer.Receipt{
		Office:   "UBND phường Bến Thành",
		Number:   "BN-000123",
		Service:  "Đăng ký tạm trú",
		Filed:    filed,
		Due:      filed.AddDate(0, 0, 3),
		Delivery: "Trực tiếp tại Bộ phận Một cửa",
		QR:       "https://dichvucong.example/tra-cuu?so=BN-000123",
	}
	ticket = printer.Ticket{Office: "Trạm y tế phường", Number: "A012", Desk: "Phòng khám Nội", Issued: filed, Ahead: 4}
)

type line struct {
	text string
	px   float64
	al   printer.Align
}

// receiptLines is what a 80 mm receipt must carry, in order.
func receiptLines(r printer.Receipt) []line {
	return []line{
		{r.Office, 26, printer.Center},
		{"GIẤY BIÊN NHẬN HỒ SƠ", 34, printer.Center},
		{"Số biên nhận: " + r.Number, 26, printer.Left},
		{"Thủ tục: " + r.Service, 26, printer.Left},
		{"Ngày nộp: 08:45 30/11/2026", 26, printer.Left},
		{"Ngày hẹn trả kết quả: 03/12/2026", 26, printer.Left},
		{"Nhận kết quả: " + r.Delivery, 26, printer.Left},
		{"Quét mã để tra cứu hồ sơ", 26, printer.Center},
	}
}

// wrapped breaks the lines the way the paper width does; long lines
// (service names, delivery) must arrive whole, over several rasters.
func wrapped(t *testing.T, ls []line, width int) []line {
	t.Helper()
	var out []line
	for _, l := range ls {
		ws, err := printer.Wrap(l.text, l.px, width)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(ws, " ") != l.text {
			t.Fatalf("wrap lost text: %q -> %q", l.text, ws)
		}
		out = append(out, wrapOne(ws, l)...)
	}
	return out
}

func wrapOne(ws []string, l line) []line {
	var out []line
	for _, w := range ws {
		out = append(out, line{w, l.px, l.al})
	}
	return out
}

func start(t *testing.T) *printertest.Printer {
	t.Helper()
	fp, err := printertest.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fp.Close() })
	return fp
}

func newPrinter(t *testing.T, cfg printer.Config) *printer.Printer {
	t.Helper()
	p, err := printer.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func printOne(t *testing.T, fp *printertest.Printer, cfg printer.Config, s printer.Slip) (printertest.Job, error) {
	t.Helper()
	cfg.Address = fp.Addr()
	before := len(fp.Jobs())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := newPrinter(t, cfg).Print(ctx, s)
	jobs, werr := fp.Wait(before+1, 5*time.Second)
	if werr != nil {
		t.Fatal(werr)
	}
	return jobs[len(jobs)-1], err
}

// containsInOrder checks that each expected line's raster was sent, in
// order: the exact dots meant are the dots the printer got.
func containsInOrder(t *testing.T, got []printer.Bitmap, want []line, width int) {
	t.Helper()
	i := 0
	for _, w := range want {
		exp, err := printer.RenderLine(w.text, w.px, width, w.al)
		if err != nil {
			t.Fatal(err)
		}
		for i < len(got) && !bytes.Equal(got[i].Bits, exp.Bits) {
			i++
		}
		if i == len(got) {
			t.Fatalf("line %q not printed (in order)", w.text)
		}
		i++
	}
}

func checkEnd(t *testing.T, j printertest.Job) {
	t.Helper()
	if len(j.Errors) > 0 {
		t.Fatalf("printer refused: %v", j.Errors)
	}
	if j.Cuts() != 1 || !j.Items[len(j.Items)-1].Cut {
		t.Fatalf("want one cut at the end, got %d cuts", j.Cuts())
	}
	if string(j.Statuses) != "\x01\x02\x04\x01\x02\x04" {
		t.Fatalf("status queries %v, want DLE EOT 1,2,4 before and after", j.Statuses)
	}
}

func TestPrintReceiptNativeQR(t *testing.T) {
	fp := start(t)
	j, err := printOne(t, fp, printer.Config{}, receipt)
	if err != nil {
		t.Fatal(err)
	}
	checkEnd(t, j)
	containsInOrder(t, j.Rasters(), wrapped(t, receiptLines(receipt), 576), 576)
	if q := j.QRs(); len(q) != 1 || q[0] != receipt.QR {
		t.Fatalf("QR payloads %q, want %q", q, receipt.QR)
	}
	if j.QRModel != 50 || j.QREC != 49 || j.QRModule == 0 {
		t.Fatalf("QR model %d ec %d module %d", j.QRModel, j.QREC, j.QRModule)
	}
	for _, it := range j.Items {
		if it.Text != "" {
			t.Fatalf("plain text %q sent: all text must be raster", it.Text)
		}
	}
}

// decodeQR reads a raster with the project's QR decoder library.
func decodeQR(bm printer.Bitmap) (string, error) {
	img := image.NewGray(image.Rect(0, 0, bm.WidthBytes*8+40, bm.Rows+40))
	for y := range img.Bounds().Dy() {
		for x := range img.Bounds().Dx() {
			c := color.Gray{255}
			if bm.Black(x-20, y-20) {
				c = color.Gray{0}
			}
			img.SetGray(x, y, c)
		}
	}
	src, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		return "", err
	}
	res, err := qrcode.NewQRCodeReader().Decode(src, nil)
	if err != nil {
		return "", err
	}
	return res.GetText(), nil
}

func TestPrintReceiptRasterQR58mm(t *testing.T) {
	fp := start(t)
	j, err := printOne(t, fp, printer.Config{QR: printer.QRRaster, WidthDots: 384}, receipt)
	if err != nil {
		t.Fatal(err)
	}
	checkEnd(t, j)
	if len(j.QRs()) != 0 {
		t.Fatal("raster mode used the printer's QR command")
	}
	containsInOrder(t, j.Rasters(), wrapped(t, receiptLines(receipt), 384), 384)
	found := 0
	for _, bm := range j.Rasters() {
		if bm.WidthBytes != 48 {
			t.Fatalf("raster %d bytes wide on 384-dot paper", bm.WidthBytes)
		}
		if s, err := decodeQR(bm); err == nil {
			if s != receipt.QR {
				t.Fatalf("QR raster says %q", s)
			}
			found++
		}
	}
	if found != 1 {
		t.Fatalf("%d decodable QR rasters, want 1", found)
	}
}

func TestPrintTicket(t *testing.T) {
	fp := start(t)
	j, err := printOne(t, fp, printer.Config{}, ticket)
	if err != nil {
		t.Fatal(err)
	}
	checkEnd(t, j)
	containsInOrder(t, j.Rasters(), []line{
		{"Trạm y tế phường", 26, printer.Center},
		{"SỐ THỨ TỰ CỦA BẠN", 34, printer.Center},
		{"A012", 120, printer.Center},
		{"Phòng khám Nội", 26, printer.Center},
		{"Trước bạn: 4 người", 26, printer.Center},
	}, 576)
	if len(j.QRs()) != 0 {
		t.Fatal("ticket printed a QR")
	}
}

func TestPrintVietnameseGlyphs(t *testing.T) {
	all := "aàáảãạăằắẳẵặâầấẩẫậeèéẻẽẹêềếểễệiìíỉĩịoòóỏõọôồốổỗộơờớởỡợuùúủũụưừứửữựyỳýỷỹỵđ"
	all += strings.ToUpper(all)
	m, err := printer.Missing(all)
	if err != nil {
		t.Fatal(err)
	}
	if len(m) > 0 {
		t.Fatalf("font lacks %q", string(m))
	}
	// Tone marks reach the paper: with and without them differ.
	a, _ := printer.RenderLine("Đăng ký tạm trú", 26, 576, printer.Left)
	b, _ := printer.RenderLine("Dang ky tam tru", 26, 576, printer.Left)
	if bytes.Equal(a.Bits, b.Bits) || a.Ink() <= b.Ink() {
		t.Fatalf("diacritics not drawn (ink %d vs %d)", a.Ink(), b.Ink())
	}
	if _, err := (printer.Receipt{Number: "1", Service: "名字", Filed: filed, Delivery: "x"}).Render(printer.Config{}); !errors.Is(err, printer.ErrConfig) {
		t.Fatalf("text the font cannot draw: %v, want ErrConfig", err)
	}
}

func TestPrintOutOfPaper(t *testing.T) {
	fp := start(t)
	fp.SetPaperEnd(true)
	j, err := printOne(t, fp, printer.Config{}, receipt)
	if !errors.Is(err, printer.ErrOutOfPaper) {
		t.Fatalf("err %v, want ErrOutOfPaper", err)
	}
	var pe *printer.Error
	if !errors.As(err, &pe) || !strings.Contains(pe.MessageVI(), "hết giấy") || !strings.Contains(pe.MessageVI(), "màn hình") {
		t.Fatalf("message %v", err)
	}
	if j.Printed() || len(j.Statuses) == 0 {
		t.Fatalf("sent a slip to a printer without paper (items %d, statuses %v)", len(j.Items), j.Statuses)
	}
	// Refilled, the same printer prints.
	fp.SetPaperEnd(false)
	fp.SetNearEnd(true)
	j, err = printOne(t, fp, printer.Config{}, ticket)
	if err != nil || !j.Printed() {
		t.Fatalf("near end should still print: %v", err)
	}
}

func TestPrintCoverOpen(t *testing.T) {
	fp := start(t)
	fp.SetCoverOpen(true)
	_, err := printOne(t, fp, printer.Config{}, ticket)
	if !errors.Is(err, printer.ErrOffline) || !strings.Contains(err.Error(), "cover open") {
		t.Fatalf("err %v, want ErrOffline: cover open", err)
	}
	st, err := newPrinter(t, printer.Config{Address: fp.Addr()}).Status(context.Background())
	if err != nil || !st.CoverOpen || !st.Offline {
		t.Fatalf("status %v %v", st, err)
	}
}

func TestPrintSilentPrinterTimesOut(t *testing.T) {
	fp := start(t)
	fp.SetMute(true)
	start := time.Now()
	_, err := printOne(t, fp, printer.Config{StatusTimeout: 200 * time.Millisecond}, receipt)
	if !errors.Is(err, printer.ErrNoAnswer) {
		t.Fatalf("err %v, want ErrNoAnswer", err)
	}
	// Bounded: the 10 s context did not have to end it.
	if time.Since(start) > 9*time.Second {
		t.Fatalf("status timeout not applied")
	}
}

func TestPrintStalledPeerBoundedByContext(t *testing.T) {
	// A peer that accepts and never reads nor answers.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan []net.Conn)
	go func() {
		var held []net.Conn
		for {
			c, err := ln.Accept()
			if err != nil {
				accepted <- held
				return
			}
			held = append(held, c)
		}
	}()
	defer func() {
		ln.Close()
		for _, c := range <-accepted {
			c.Close()
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	p := newPrinter(t, printer.Config{Address: "tcp://" + ln.Addr().String(), StatusTimeout: time.Minute})
	if err := p.Print(ctx, receipt); !errors.Is(err, printer.ErrNoAnswer) {
		t.Fatalf("err %v, want ErrNoAnswer", err)
	}
}

func TestPrintUnreachableAndBadConfig(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	p := newPrinter(t, printer.Config{Address: "tcp://" + addr, StatusTimeout: time.Second})
	if err := p.Print(context.Background(), ticket); !errors.Is(err, printer.ErrUnreachable) {
		t.Fatalf("closed port: %v", err)
	}
	p = newPrinter(t, printer.Config{Address: "usb:/nonexistent/lp9"})
	if err := p.Print(context.Background(), ticket); !errors.Is(err, printer.ErrUnreachable) {
		t.Fatalf("missing device: %v", err)
	}
	for _, bad := range []printer.Config{
		{Address: ""}, {Address: "lpt1"}, {Address: "tcp://host"}, {Address: "ftp://x:1"},
		{Address: "usb:lp0"}, {Address: "serial:/dev/ttyS0?baud=fast"},
		{Address: "tcp://h:9100", QR: "laser"}, {Address: "tcp://h:9100", WidthDots: 100},
	} {
		p, err := printer.New(bad)
		if err == nil {
			err = p.Print(context.Background(), ticket)
		}
		if !errors.Is(err, printer.ErrConfig) {
			t.Errorf("%+v: %v, want ErrConfig", bad, err)
		}
	}
	for _, s := range []printer.Slip{
		printer.Receipt{Service: "x", Filed: filed, Delivery: "x"},
		printer.Receipt{Number: "1", Service: "x", Delivery: "x"},
		printer.Receipt{Number: "1", Service: "x", Filed: filed, Delivery: "x", QR: strings.Repeat("a", 2000)},
		printer.Ticket{Issued: filed},
	} {
		if _, err := s.Render(printer.Config{}); !errors.Is(err, printer.ErrConfig) {
			t.Errorf("%+v: %v, want ErrConfig", s, err)
		}
	}
}

func TestPrintGarbledStatus(t *testing.T) {
	// A device that answers status with bytes no ESC/POS printer sends.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		buf := make([]byte, 3)
		c.Read(buf)
		c.Write([]byte("HTTP/1.1 400"))
		time.Sleep(100 * time.Millisecond)
	}()
	p := newPrinter(t, printer.Config{Address: "tcp://" + ln.Addr().String()})
	if err := p.Print(context.Background(), ticket); !errors.Is(err, printer.ErrNoAnswer) || !strings.Contains(err.Error(), "not an ESC/POS status") {
		t.Fatalf("err %v", err)
	}
}
