// Package printer prints kiosk slips (dossier receipts and clinic queue
// tickets) on ESC/POS thermal printers over TCP port 9100, a Linux usblp
// device or a serial port. Text is printed as raster images drawn with an
// embedded font, so Vietnamese prints the same on every printer (see
// raster.go); the QR uses the printer's own GS ( k command, or a raster
// image where the printer has none. Before and after a slip the printer's
// real-time status (DLE EOT) is read with a timeout: out of paper, offline
// or silent gives an *Error the caller shows while keeping the receipt on
// screen. No UI here: an engine calls Print from its own goroutine.
package printer

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// QR modes.
const (
	QRNative = "native" // GS ( k: the printer draws the symbol
	QRRaster = "raster" // the symbol is drawn here and sent as GS v 0
)

// Config is the [kiosk] printer settings.
type Config struct {
	// Address: tcp://HOST:9100, usb:/dev/usb/lp0 or serial:/dev/ttyUSB0[?baud=N].
	Address string
	// WidthDots is the printable width: 576 for 80 mm paper (default),
	// 384 for 58 mm.
	WidthDots int
	// QR is QRNative (default) or QRRaster for printers without GS ( k.
	QR string
	// StatusTimeout bounds each status answer (default 2 s).
	StatusTimeout time.Duration
	// WriteTimeout bounds sending one slip (default 15 s).
	WriteTimeout time.Duration
	// NoStatus skips the status queries, for printers whose link is
	// one-way (some usblp devices never answer). Out of paper is then not
	// detected: set it only after `motcua print -status` timed out.
	NoStatus bool
}

func (c Config) withDefaults() (Config, error) {
	if c.WidthDots == 0 {
		c.WidthDots = 576
	}
	if c.WidthDots < 128 || c.WidthDots > 2048 || c.WidthDots%8 != 0 {
		return c, fail(ErrConfig, fmt.Sprintf("width %d dots: want a multiple of 8 (384 for 58 mm, 576 for 80 mm)", c.WidthDots), nil)
	}
	switch c.QR {
	case "":
		c.QR = QRNative
	case QRNative, QRRaster:
	default:
		return c, fail(ErrConfig, fmt.Sprintf("qr %q: want native or raster", c.QR), nil)
	}
	if c.StatusTimeout <= 0 {
		c.StatusTimeout = 2 * time.Second
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = 15 * time.Second
	}
	if c.Address == "" {
		return c, fail(ErrConfig, "no printer address ([kiosk] printer)", nil)
	}
	return c, nil
}

// Printer prints slips on one configured printer. Safe for concurrent
// use: slips are printed one at a time.
type Printer struct {
	cfg  Config
	jobs chan struct{}
}

// New checks the settings; nothing is opened until a slip is printed.
func New(cfg Config) (*Printer, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	return &Printer{cfg: c, jobs: make(chan struct{}, 1)}, nil
}

// Config returns the settings in use (defaults filled in).
func (p *Printer) Config() Config { return p.cfg }

// Print sends one slip: status first (nothing is sent to a printer that
// cannot print), then the slip, then status again (paper that ran out
// mid-slip is reported). Every step is bounded by the timeouts and ctx.
func (p *Printer) Print(ctx context.Context, s Slip) error {
	doc, err := s.Render(p.cfg)
	if err != nil {
		return err
	}
	return p.send(ctx, doc)
}

// send prints an already-rendered document.
func (p *Printer) send(ctx context.Context, doc []byte) error {
	select {
	case p.jobs <- struct{}{}:
		defer func() { <-p.jobs }()
	case <-ctx.Done():
		return fail(ErrNoAnswer, "waiting for the previous slip", ctx.Err())
	}
	c, err := dial(ctx, p.cfg.Address, p.cfg.StatusTimeout)
	if err != nil {
		return err
	}
	// Closing on cancel unblocks a read or write stuck on a dead link.
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-ctx.Done():
			c.Close()
		case <-done:
		}
	}()
	defer c.Close()
	if !p.cfg.NoStatus {
		st, err := p.status(c)
		if err != nil {
			return err
		}
		if err := st.check(); err != nil {
			return err
		}
	}
	c.setWriteDeadline(time.Now().Add(p.cfg.WriteTimeout))
	if _, err := c.Write(doc); err != nil {
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		return fail(ErrWrite, fmt.Sprintf("%d bytes", len(doc)), err)
	}
	if !p.cfg.NoStatus {
		st, err := p.status(c)
		if err != nil {
			return err
		}
		if err := st.check(); err != nil {
			var pe *Error
			if errors.As(err, &pe) {
				pe.Detail += " after the slip was sent (it may be incomplete)"
			}
			return err
		}
	}
	return nil
}

// Status opens the printer and reads its status.
func (p *Printer) Status(ctx context.Context) (Status, error) {
	c, err := dial(ctx, p.cfg.Address, p.cfg.StatusTimeout)
	if err != nil {
		return Status{}, err
	}
	defer c.Close()
	return p.status(c)
}

// status asks DLE EOT 1, 2 and 4 and reads the three answers.
func (p *Printer) status(c conn) (Status, error) {
	c.setWriteDeadline(time.Now().Add(p.cfg.StatusTimeout))
	q := append(append(statusQuery(statusPrinter), statusQuery(statusOffline)...), statusQuery(statusPaper)...)
	if _, err := c.Write(q); err != nil {
		return Status{}, fail(ErrNoAnswer, "status query", err)
	}
	var ans [3]byte
	for i := range ans {
		b, err := c.readByte(p.cfg.StatusTimeout)
		if errors.Is(err, errTimeout) {
			return Status{}, fail(ErrNoAnswer, fmt.Sprintf("no status answer within %v", p.cfg.StatusTimeout), nil)
		}
		if err != nil {
			return Status{}, fail(ErrNoAnswer, "status answer", err)
		}
		if !validStatus(b) {
			return Status{}, fail(ErrNoAnswer, fmt.Sprintf("status answer %#02x is not an ESC/POS status byte", b), nil)
		}
		ans[i] = b
	}
	return Status{
		Offline:      ans[0]&0x08 != 0,
		CoverOpen:    ans[1]&0x04 != 0,
		PaperEnd:     ans[1]&0x20 != 0 || ans[2]&0x60 != 0,
		PaperNearEnd: ans[2]&0x0c != 0,
		Failed:       ans[1]&0x40 != 0,
	}, nil
}
