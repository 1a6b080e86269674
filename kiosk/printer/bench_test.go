package printer_test

import (
	"context"
	"testing"
	"time"

	"motcua/kiosk/printer"
	"motcua/kiosk/printer/printertest"
)

// BenchmarkPrintSlip measures the time from a print request to the slip
// parsed by the fake printer on loopback (status before, slip, status
// after), for a receipt with the printer's QR, with a raster QR, and a
// queue ticket; against, in the same run, a request that only hands over
// to a goroutine (noop) and rendering the receipt's bytes alone.
//
//	go test ./kiosk/printer/ -run '^$' -bench PrintSlip -benchtime 50x
func BenchmarkPrintSlip(b *testing.B) {
	b.Run("noop", func(b *testing.B) {
		for range b.N {
			done := make(chan struct{})
			go func() { close(done) }()
			<-done
		}
	})
	b.Run("render-receipt", func(b *testing.B) {
		for range b.N {
			if _, err := receipt.Render(printer.Config{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	fp, err := printertest.Start()
	if err != nil {
		b.Fatal(err)
	}
	defer fp.Close()
	n := 0
	run := func(name string, cfg printer.Config, s printer.Slip) {
		b.Run(name, func(b *testing.B) {
			cfg.Address = fp.Addr()
			p, err := printer.New(cfg)
			if err != nil {
				b.Fatal(err)
			}
			for range b.N {
				if err := p.Print(context.Background(), s); err != nil {
					b.Fatal(err)
				}
				n++
				if _, err := fp.Wait(n, 5*time.Second); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	run("receipt-native-qr", printer.Config{}, receipt)
	run("receipt-raster-qr", printer.Config{QR: printer.QRRaster}, receipt)
	run("ticket", printer.Config{}, ticket)
	if j := fp.Jobs(); len(j) > 0 && len(j[len(j)-1].Errors) > 0 {
		b.Fatalf("printer refused: %v", j[len(j)-1].Errors)
	}
}
