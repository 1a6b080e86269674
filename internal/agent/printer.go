package agent

import (
	"fmt"

	"motcua/internal/config"
	"motcua/kiosk/printer"
)

// Printer is the ESC/POS printer of the configuration (kiosk.printer) for
// receipts and clinic queue tickets, or nil when none is configured. The
// settings are checked now; the printer is opened for each slip.
func Printer(cfg *config.Config) (*printer.Printer, error) {
	if cfg.Kiosk.Printer == "" {
		return nil, nil
	}
	k := cfg.Kiosk
	p, err := printer.New(printer.Config{Address: k.Printer, WidthDots: k.PrinterWidth, QR: k.PrinterQR, NoStatus: k.PrinterNoStatus})
	if err != nil {
		return nil, fmt.Errorf("config: kiosk.printer: %w", err)
	}
	return p, nil
}
