package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	qrcode "github.com/skip2/go-qrcode"

	"motcua/kiosk/catalog"
	"motcua/kiosk/printer"
	"motcua/sync/outbox"
	"motcua/sync/receipt"
)

func init() {
	register("receipt", "reprint a dossier receipt: receipt print UUID [--qr-out FILE] [--printer ADDR]", func(a []string) int {
		return runReceipt(a, os.Stdout, os.Stderr)
	})
}

// receiptView is what a reprinted receipt shows: nothing personal, as on
// the kiosk's receipt (number, procedure, dates, how the result comes back)
// plus the official mã hồ sơ and its status once the province gave them.
type receiptView struct {
	Number         string    `json:"receipt_number"`
	UUID           string    `json:"uuid"`
	Service        string    `json:"service"`
	ServiceName    string    `json:"service_name"`
	Filed          time.Time `json:"filed_at"`
	Processing     string    `json:"processing_time,omitempty"`
	Delivery       string    `json:"delivery"`
	State          string    `json:"sync_state"`
	AcceptedAt     time.Time `json:"accepted_at,omitzero"`
	OfficialCode   string    `json:"official_code,omitempty"`
	Status         int       `json:"status,omitempty"`
	StatusVI       string    `json:"status_name,omitempty"`
	StatusEN       string    `json:"status_name_en,omitempty"`
	QR             string    `json:"qr"`
	QROfficial     bool      `json:"qr_official"`
	QRLabel        string    `json:"qr_label"`
	QRLabelEN      string    `json:"qr_label_en"`
	Demo           bool      `json:"demo,omitempty"`
	CatalogMissing bool      `json:"service_not_in_catalog,omitempty"`
	Due            time.Time `json:"expected_result,omitzero"`

	// What the slip is built from (printer.ReceiptFor, the app's too).
	rec outbox.Record
	svc *catalog.Service
	qr  receipt.QR
}

// runReceipt: `motcua receipt print UUID`.
func runReceipt(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "print" {
		fmt.Fprintln(stderr, "usage: motcua receipt print UUID [--data DIR] [--services DIR] [--qr-out FILE.png] [--printer ADDR] [--status-url TEMPLATE] [--json]")
		return 2
	}
	fs := newFlags("receipt print", "UUID [--config FILE] [--data DIR] [--qr-out FILE.png] [--printer ADDR] [--json]")
	fs.SetOutput(stderr)
	services := fs.String("services", "", "operator folder of service files (override or add to the built-in ones)")
	qrOut := fs.String("qr-out", "", "write the receipt's QR code as a PNG file")
	addr := fs.String("printer", "", `print on an ESC/POS printer: tcp://HOST:9100, usb:/dev/usb/lp0 or serial:/dev/ttyUSB0[?baud=N]`)
	width := fs.Int("width", 576, "printable width in dots: 576 (80 mm) or 384 (58 mm)")
	qrMode := fs.String("qr", printer.QRNative, "QR on the printer: native (GS ( k) or raster")
	noStatus := fs.Bool("no-status", false, "do not query the printer's status (one-way printers)")
	office := fs.String("office", os.Getenv("MOTCUA_OFFICE"), "receiving office printed at the top (e.g. UBND phường Bến Thành)")
	statusURL := fs.String("status-url", os.Getenv("MOTCUA_STATUS_URL"),
		"official QR target: https URL with {code} (default "+receipt.DefaultStatusURL+")")
	asJSON := fs.Bool("json", false, "JSON output")
	dir, opts, pos, code := outboxFlags(fs, args[1:])
	if code >= 0 {
		return code
	}
	if len(pos) != 1 || !outbox.ValidUUID(pos[0]) {
		fmt.Fprintln(stderr, "motcua receipt print: needs one dossier UUID")
		return 2
	}
	cfg := receipt.Config{StatusURL: *statusURL}
	if err := cfg.Check(); err != nil {
		fmt.Fprintf(stderr, "motcua receipt print: --status-url: %v\n", err)
		return 2
	}
	if !outboxExists(dir) {
		fmt.Fprintf(stderr, "motcua receipt print: no outbox in %s\n", dir)
		return 1
	}
	opts.ReadOnly = true
	s, err := openOutbox(dir, opts)
	if err != nil {
		fmt.Fprintf(stderr, "motcua receipt print: %v\n", err)
		return 1
	}
	rec, err := s.Get(pos[0])
	s.Close()
	if errors.Is(err, outbox.ErrNotFound) {
		fmt.Fprintf(stderr, "motcua receipt print: no dossier %s in this outbox\n", pos[0])
		return 1
	} else if err != nil {
		fmt.Fprintf(stderr, "motcua receipt print: %v\n", err)
		return 1
	}
	c, err := catalog.Load(*services)
	if err != nil {
		fmt.Fprintf(stderr, "motcua receipt print: %v\n", err)
		return 1
	}
	v, err := buildReceipt(rec, c, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "motcua receipt print: %v\n", err)
		return 1
	}
	if *qrOut != "" {
		png, err := qrcode.Encode(v.QR, qrcode.Medium, 320)
		if err == nil {
			err = os.WriteFile(*qrOut, png, 0o644)
		}
		if err != nil {
			fmt.Fprintf(stderr, "motcua receipt print: QR image: %v\n", err)
			return 1
		}
	}
	if *addr != "" {
		p, err := printer.New(printer.Config{Address: *addr, WidthDots: *width, QR: *qrMode, NoStatus: *noStatus})
		if err != nil {
			fmt.Fprintf(stderr, "motcua receipt print: %v\n", err)
			return 2
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err = p.Print(ctx, v.slip(*office))
		cancel()
		if err != nil {
			return printFail(stderr, err)
		}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(v); err != nil {
			return 1
		}
		return 0
	}
	v.writeText(stdout)
	if *qrOut != "" {
		fmt.Fprintf(stdout, "QR image:               %s\n", *qrOut)
	}
	if *addr != "" {
		fmt.Fprintf(stdout, "printed on %s\n", *addr)
	}
	return 0
}

// buildReceipt assembles the receipt of a record: the catalogue gives the
// procedure's name, time limit and delivery; the record the rest.
func buildReceipt(r outbox.Record, c *catalog.Catalog, cfg receipt.Config) (receiptView, error) {
	q, err := receipt.For(r, cfg)
	if err != nil {
		return receiptView{}, err
	}
	v := receiptView{Number: receipt.Number(r.UUID), UUID: r.UUID, Service: r.Service, ServiceName: r.Service,
		Filed: r.CreatedAt, Delivery: printer.DeliveryUnknown, State: string(r.State), AcceptedAt: r.AcceptedAt,
		OfficialCode: r.OfficialCode, QR: q.Content, QROfficial: q.Official, QRLabel: q.LabelVI, QRLabelEN: q.LabelEN, Demo: r.Demo,
		rec: r, qr: q}
	if st, ok := outbox.LookupStatus(r.ProvincialStatus); ok {
		v.Status, v.StatusVI, v.StatusEN = st.Code, st.VI, st.EN
	}
	if svc, ok := c.Service(r.Service); ok {
		v.ServiceName, v.Processing, v.svc = svc.NameVI, svc.Procedure.ProcessingVI, svc
		v.Due = printer.ExpectedResult(svc, r.CreatedAt)
		if ds := svc.Procedure.DeliveryWays(false); len(ds) > 0 {
			v.Delivery = strings.Join(ds, "; ")
		}
	} else {
		v.CatalogMissing = true
	}
	return v, nil
}

func (v receiptView) slip(office string) printer.Receipt {
	return printer.ReceiptFor(v.rec, v.svc, v.qr, office)
}

func (v receiptView) writeText(w io.Writer) {
	fmt.Fprintln(w, "GIẤY BIÊN NHẬN HỒ SƠ (dossier receipt)")
	if v.Demo {
		fmt.Fprintln(w, "HỒ SƠ MẪU (demo dossier: synthetic data, never sent to a provider)")
	}
	fmt.Fprintf(w, "Số biên nhận (receipt): %s\n", v.Number)
	fmt.Fprintf(w, "Thủ tục (procedure):    %s %s\n", v.Service, v.ServiceName)
	fmt.Fprintf(w, "Ngày nộp (filed):       %s\n", v.Filed.Local().Format("15:04 02/01/2006"))
	if v.Processing != "" {
		fmt.Fprintf(w, "Thời hạn (time limit):  %s\n", v.Processing)
	}
	if !v.Due.IsZero() {
		fmt.Fprintf(w, "Dự kiến trả (expected): %s\n", v.Due.Format("02/01/2006"))
	}
	fmt.Fprintf(w, "Nhận kết quả (result):  %s\n", v.Delivery)
	fmt.Fprintf(w, "Gửi đi (sync):          %s", v.State)
	if !v.AcceptedAt.IsZero() {
		fmt.Fprintf(w, " %s", v.AcceptedAt.Local().Format("15:04 02/01/2006"))
	}
	fmt.Fprintln(w)
	if v.OfficialCode != "" {
		fmt.Fprintf(w, "Mã hồ sơ (official):    %s\n", v.OfficialCode)
	} else {
		fmt.Fprintln(w, "Mã hồ sơ (official):    chưa có (not known yet)")
	}
	if v.Status != 0 {
		fmt.Fprintf(w, "Tình trạng (status):    %d %s (%s)\n", v.Status, v.StatusVI, v.StatusEN)
	}
	fmt.Fprintf(w, "QR:                     %s (%s)\n", v.QRLabel, v.QRLabelEN)
	fmt.Fprintf(w, "QR content:             %s\n", v.QR)
}
