package agent

import (
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
	return printer.New(printer.Config{Address: cfg.Kiosk.Printer})
}
