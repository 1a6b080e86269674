package printer

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	qrcode "github.com/skip2/go-qrcode"
)

// Slip is something the printer prints.
type Slip interface {
	// Render returns the ESC/POS bytes of the slip for the settings.
	Render(cfg Config) ([]byte, error)
}

// Type sizes in dots (203 dpi: 26 dots ≈ 3.3 mm, legible for old eyes).
const (
	pxTitle  = 34
	pxBody   = 26
	pxNumber = 120
)

// maxQR bounds a QR payload: a receipt QR is a short reference, and
// model 2 at level M holds 2331 bytes at most.
const maxQR = 1000

// Receipt is the dossier receipt (giấy biên nhận). It carries no personal
// data: the receipt number and the QR let the citizen look the dossier up.
type Receipt struct {
	Office   string    // receiving office, e.g. "UBND phường Bến Thành"
	Number   string    // receipt number (số biên nhận)
	Service  string    // service name, e.g. "Đăng ký tạm trú"
	Filed    time.Time // when the dossier was filed
	Due      time.Time // expected result date; zero: "theo thông báo"
	Delivery string    // how the result comes back, e.g. "Trực tiếp tại Bộ phận Một cửa"
	QR       string    // lookup payload (URL or receipt reference)
	// OfficialCode is the provincial mã hồ sơ and Status the dossier's
	// status in words, both printed only when known.
	OfficialCode string
	Status       string
	// QRLabel is printed under the QR; "" prints the generic caption.
	QRLabel string
}

// Ticket is a clinic queue ticket (phiếu số thứ tự).
type Ticket struct {
	Office string    // clinic or office name
	Number string    // queue number, e.g. "A012"
	Desk   string    // where to wait, e.g. "Phòng khám Nội"; optional
	Issued time.Time // when it was taken
	Ahead  int       // people ahead; negative: not shown
}

func checkText(what, s string, required bool) error {
	if required && strings.TrimSpace(s) == "" {
		return fail(ErrConfig, what+" is empty", nil)
	}
	if !utf8.ValidString(s) {
		return fail(ErrConfig, what+" is not UTF-8", nil)
	}
	if m, err := Missing(s); err != nil {
		return err
	} else if len(m) > 0 {
		return fail(ErrConfig, fmt.Sprintf("%s has characters the printer font cannot draw: %q", what, string(m)), nil)
	}
	return nil
}

// date formats a day the Vietnamese way.
func date(t time.Time) string { return t.Format("02/01/2006") }

// Render implements Slip.
func (r Receipt) Render(cfg Config) ([]byte, error) {
	cfg, err := cfg.withDefaultsNoAddress()
	if err != nil {
		return nil, err
	}
	for _, f := range []struct {
		what, s string
		req     bool
	}{{"office", r.Office, false}, {"receipt number", r.Number, true}, {"service", r.Service, true}, {"delivery", r.Delivery, true},
		{"official code", r.OfficialCode, false}, {"status", r.Status, false}, {"QR label", r.QRLabel, false}} {
		if err := checkText(f.what, f.s, f.req); err != nil {
			return nil, err
		}
	}
	if r.Filed.IsZero() {
		return nil, fail(ErrConfig, "receipt has no filing time", nil)
	}
	if len(r.QR) > maxQR {
		return nil, fail(ErrConfig, fmt.Sprintf("QR payload of %d bytes (max %d)", len(r.QR), maxQR), nil)
	}
	d := newDoc(cfg)
	if r.Office != "" {
		d.text(r.Office, pxBody, Center)
	}
	d.text("GIẤY BIÊN NHẬN HỒ SƠ", pxTitle, Center)
	d.gap(12)
	d.text("Số biên nhận: "+r.Number, pxBody, Left)
	d.text("Thủ tục: "+r.Service, pxBody, Left)
	d.text("Ngày nộp: "+r.Filed.Format("15:04 02/01/2006"), pxBody, Left)
	due := "theo thông báo của cơ quan"
	if !r.Due.IsZero() {
		due = date(r.Due)
	}
	d.text("Ngày hẹn trả kết quả: "+due, pxBody, Left)
	d.text("Nhận kết quả: "+r.Delivery, pxBody, Left)
	if r.OfficialCode != "" {
		d.text("Mã hồ sơ: "+r.OfficialCode, pxBody, Left)
	}
	if r.Status != "" {
		d.text("Tình trạng: "+r.Status, pxBody, Left)
	}
	if r.QR != "" {
		d.gap(16)
		d.qr(r.QR)
		label := r.QRLabel
		if label == "" {
			label = "Quét mã để tra cứu hồ sơ"
		}
		d.text(label, pxBody, Center)
	}
	d.cut()
	return d.bytes()
}

// Render implements Slip.
func (t Ticket) Render(cfg Config) ([]byte, error) {
	cfg, err := cfg.withDefaultsNoAddress()
	if err != nil {
		return nil, err
	}
	if err := checkText("office", t.Office, false); err != nil {
		return nil, err
	}
	if err := checkText("queue number", t.Number, true); err != nil {
		return nil, err
	}
	if err := checkText("desk", t.Desk, false); err != nil {
		return nil, err
	}
	if t.Issued.IsZero() {
		return nil, fail(ErrConfig, "ticket has no time", nil)
	}
	d := newDoc(cfg)
	if t.Office != "" {
		d.text(t.Office, pxBody, Center)
	}
	d.text("SỐ THỨ TỰ CỦA BẠN", pxTitle, Center)
	d.text(t.Number, pxNumber, Center)
	if t.Desk != "" {
		d.text(t.Desk, pxBody, Center)
	}
	if t.Ahead >= 0 {
		d.text(fmt.Sprintf("Trước bạn: %d người", t.Ahead), pxBody, Center)
	}
	d.text(t.Issued.Format("15:04 02/01/2006"), pxBody, Center)
	d.cut()
	return d.bytes()
}

// withDefaultsNoAddress fills defaults for rendering alone (a slip can be
// rendered without a printer, e.g. for a preview or a test).
func (c Config) withDefaultsNoAddress() (Config, error) {
	if c.Address == "" {
		c.Address = "tcp://unset:9100"
	}
	return c.withDefaults()
}

// doc accumulates a slip; the first error sticks.
type doc struct {
	cfg Config
	b   []byte
	err error
}

func newDoc(cfg Config) *doc { return &doc{cfg: cfg, b: append([]byte(nil), cmdInit...)} }

// text wraps s to the paper and sends each line as its own raster, so a
// printer with a small buffer never gets a large image.
func (d *doc) text(s string, px float64, al Align) {
	if d.err != nil {
		return
	}
	lines, err := Wrap(s, px, d.cfg.WidthDots)
	if err != nil {
		d.err = err
		return
	}
	for _, l := range lines {
		bm, err := RenderLine(l, px, d.cfg.WidthDots, al)
		if err != nil {
			d.err = err
			return
		}
		d.b = append(d.b, raster(bm.WidthBytes, bm.Rows, bm.Bits)...)
	}
}

// gap feeds n dots (ESC J n).
func (d *doc) gap(n byte) { d.b = append(d.b, esc, 'J', n) }

// qr prints the payload centred, by the printer or as a raster.
func (d *doc) qr(payload string) {
	if d.err != nil {
		return
	}
	module := byte(6)
	if d.cfg.WidthDots < 576 {
		module = 4
	}
	d.b = append(d.b, align(1)...)
	if d.cfg.QR == QRNative {
		d.b = append(d.b, qrNative([]byte(payload), module)...)
	} else {
		bm, err := QRBitmap(payload, int(module), d.cfg.WidthDots)
		if err != nil {
			d.err = err
			return
		}
		d.b = append(d.b, raster(bm.WidthBytes, bm.Rows, bm.Bits)...)
	}
	d.b = append(d.b, align(0)...)
}

func (d *doc) cut() { d.b = append(append(d.b, feed(3)...), cutCmd(0)...) }

func (d *doc) bytes() ([]byte, error) { return d.b, d.err }

// QRBitmap draws payload as a QR symbol (level M, 4-module quiet zone),
// module dots per module, centred across width dots.
func QRBitmap(payload string, module, width int) (Bitmap, error) {
	q, err := qrcode.New(payload, qrcode.Medium)
	if err != nil {
		return Bitmap{}, fail(ErrConfig, "QR payload", err)
	}
	m := q.Bitmap()
	n := len(m)
	for module > 1 && n*module > width {
		module--
	}
	if n*module > width {
		return Bitmap{}, fail(ErrConfig, fmt.Sprintf("QR of %d modules does not fit %d dots", n, width), nil)
	}
	bm := Bitmap{WidthBytes: width / 8, Rows: n * module}
	bm.Bits = make([]byte, bm.WidthBytes*bm.Rows)
	left := (width - n*module) / 2
	for y := 0; y < bm.Rows; y++ {
		for x := 0; x < n*module; x++ {
			if m[y/module][x/module] {
				px := left + x
				bm.Bits[y*bm.WidthBytes+px/8] |= 0x80 >> (px % 8)
			}
		}
	}
	return bm, nil
}
