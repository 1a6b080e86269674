package main

import (
	"context"
	"log/slog"
	"testing"

	"fyne.io/fyne/v2/test"

	"motcua/internal/agent"
	"motcua/internal/config"
	"motcua/kiosk/printer"
)

// The [kiosk] printer keys make the receipt's slip printer; a bad printer
// or status URL stops the app with the key named, before anything runs.
func TestAppReceiptPrinterConfig(t *testing.T) {
	cfg := config.Defaults()
	if p, err := agent.Printer(&cfg); p != nil || err != nil {
		t.Fatalf("no printer configured: %v %v", p, err)
	}
	cfg.Kiosk.Printer, cfg.Kiosk.PrinterWidth, cfg.Kiosk.PrinterQR = "tcp://127.0.0.1:9100", 384, printer.QRRaster
	p, err := agent.Printer(&cfg)
	if err != nil || p == nil {
		t.Fatal(err)
	}
	if c := p.Config(); c.Address != "tcp://127.0.0.1:9100" || c.WidthDots != 384 || c.QR != printer.QRRaster {
		t.Errorf("printer settings %+v", c)
	}
	cfg.Kiosk.PrinterWidth = 500
	if _, err := agent.Printer(&cfg); err == nil {
		t.Error("a width that is no multiple of 8 was taken")
	}

	for _, bad := range []func(*config.Config){
		func(c *config.Config) { c.Kiosk.Printer, c.Kiosk.PrinterQR = "tcp://127.0.0.1:9100", "laser" },
		func(c *config.Config) { c.Kiosk.StatusURL = "http://portal.example/{code}" },
	} {
		cfg := config.Defaults()
		cfg.Agent.DataDir = t.TempDir()
		bad(&cfg)
		_, cleanup, err := startApp(context.Background(), test.NewTempApp(t), &cfg, appChoice{Demo: true, QueueOnly: true, Log: slog.New(slog.DiscardHandler)})
		if err == nil {
			cleanup()
			t.Errorf("started with kiosk.printer_qr %q, status_url %q", cfg.Kiosk.PrinterQR, cfg.Kiosk.StatusURL)
		}
	}
	good := config.Defaults()
	good.Agent.DataDir = t.TempDir()
	good.Kiosk.Printer, good.Kiosk.StatusURL = "tcp://127.0.0.1:9100", "https://dichvucong.gov.vn/p/home/dvc-tra-cuu-ho-so.html#{code}"
	_, cleanup, err := startApp(context.Background(), test.NewTempApp(t), &good, appChoice{Demo: true, QueueOnly: true, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	cleanup()
}
