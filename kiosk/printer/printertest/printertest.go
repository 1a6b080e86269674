// Package printertest is a fake ESC/POS printer on loopback TCP for tests
// and benchmarks: it parses the byte stream the way a printer does
// (initialise, align, feed, GS v 0 raster, GS ( k QR, GS V cut, DLE EOT
// status), records each connection as a Job, answers status queries from
// settable paper/cover/offline flags, and refuses what a printer cannot
// execute (unknown commands, malformed raster or QR, a QR printed with
// nothing stored) by recording it in Job.Errors.
package printertest

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"motcua/kiosk/printer"
)

// Item is one printed element, in order.
type Item struct {
	Raster *printer.Bitmap // GS v 0 image
	QR     string          // a QR the printer drew (GS ( k fn 81)
	Text   string          // a run of plain text bytes
	Cut    bool            // GS V
}

// Job is everything received on one connection.
type Job struct {
	Items    []Item
	Inits    int    // ESC @
	Statuses []byte // DLE EOT n queries, n in order
	QRModel  byte   // last GS ( k fn 65 model (49..51)
	QRModule byte   // last fn 67 module size
	QREC     byte   // last fn 69 error correction (48..51)
	Errors   []string
}

// Rasters returns the job's raster images in order.
func (j Job) Rasters() []printer.Bitmap {
	var out []printer.Bitmap
	for _, it := range j.Items {
		if it.Raster != nil {
			out = append(out, *it.Raster)
		}
	}
	return out
}

// QRs returns the QR payloads the printer drew.
func (j Job) QRs() []string {
	var out []string
	for _, it := range j.Items {
		if it.QR != "" {
			out = append(out, it.QR)
		}
	}
	return out
}

// Cuts counts the cut commands.
func (j Job) Cuts() int {
	n := 0
	for _, it := range j.Items {
		if it.Cut {
			n++
		}
	}
	return n
}

// Printed reports whether the job put anything on paper.
func (j Job) Printed() bool { return len(j.Items) > 0 }

// Printer is the fake printer. Set its flags any time.
type Printer struct {
	ln net.Listener
	mu sync.Mutex
	// flags, guarded by mu
	paperEnd, nearEnd, coverOpen, offline, mute bool
	jobs                                        []Job
	arrived                                     chan struct{}
	wg                                          sync.WaitGroup
}

// Start listens on 127.0.0.1 at a free port.
func Start() (*Printer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Printer{ln: ln, arrived: make(chan struct{}, 1024)}
	p.wg.Add(1)
	go p.serve()
	return p, nil
}

// Addr is the printer address for printer.Config.
func (p *Printer) Addr() string { return "tcp://" + p.ln.Addr().String() }

// Close stops listening and waits for open connections to end.
func (p *Printer) Close() error {
	err := p.ln.Close()
	p.wg.Wait()
	return err
}

// SetPaperEnd empties (true) or refills (false) the paper roll.
func (p *Printer) SetPaperEnd(v bool) { p.set(&p.paperEnd, v) }

// SetNearEnd sets the paper-near-end sensor.
func (p *Printer) SetNearEnd(v bool) { p.set(&p.nearEnd, v) }

// SetCoverOpen opens or closes the cover.
func (p *Printer) SetCoverOpen(v bool) { p.set(&p.coverOpen, v) }

// SetMute makes the printer read everything and never answer status,
// like a printer whose back channel is dead.
func (p *Printer) SetMute(v bool) { p.set(&p.mute, v) }

func (p *Printer) set(f *bool, v bool) {
	p.mu.Lock()
	*f = v
	p.mu.Unlock()
}

// Jobs returns the finished jobs.
func (p *Printer) Jobs() []Job {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Job(nil), p.jobs...)
}

// Wait waits until n jobs have finished, or d has passed.
func (p *Printer) Wait(n int, d time.Duration) ([]Job, error) {
	deadline := time.After(d)
	for {
		if j := p.Jobs(); len(j) >= n {
			return j, nil
		}
		select {
		case <-p.arrived:
		case <-deadline:
			return p.Jobs(), fmt.Errorf("printertest: %d jobs after %v, want %d", len(p.Jobs()), d, n)
		}
	}
}

func (p *Printer) serve() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			defer c.Close()
			// A job that stalls is ended: tests stay bounded.
			_ = c.SetDeadline(time.Now().Add(30 * time.Second))
			j := p.parse(bufio.NewReader(c), c)
			p.mu.Lock()
			p.jobs = append(p.jobs, j)
			p.mu.Unlock()
			p.arrived <- struct{}{}
		}()
	}
}

// answer is the status byte for DLE EOT n.
func (p *Printer) answer(n byte) (byte, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.mute {
		return 0, false
	}
	b := byte(0x12)
	switch n {
	case 1:
		if p.paperEnd || p.coverOpen || p.offline {
			b |= 0x08
		}
	case 2:
		if p.coverOpen {
			b |= 0x04
		}
		if p.paperEnd {
			b |= 0x20
		}
	case 3:
	case 4:
		if p.nearEnd || p.paperEnd {
			b |= 0x0c
		}
		if p.paperEnd {
			b |= 0x60
		}
	}
	return b, true
}

var errStop = errors.New("stop")

// parse reads one connection's stream until EOF.
func (p *Printer) parse(r *bufio.Reader, w io.Writer) Job {
	var j Job
	var text []byte
	var stored []byte
	put := func(it Item) {
		p.mu.Lock()
		out := p.paperEnd
		p.mu.Unlock()
		if out && !it.Cut {
			j.Errors = append(j.Errors, "print data received while out of paper")
		}
		j.Items = append(j.Items, it)
	}
	flush := func() {
		if len(text) > 0 {
			put(Item{Text: string(text)})
			text = nil
		}
	}
	bad := func(f string, a ...any) { j.Errors = append(j.Errors, fmt.Sprintf(f, a...)) }
	read := func(n int) []byte {
		b := make([]byte, n)
		if _, err := io.ReadFull(r, b); err != nil {
			panic(errStop)
		}
		return b
	}
	one := func() byte { return read(1)[0] }
	defer func() {
		if e := recover(); e != nil && e != errStop {
			panic(e)
		}
		flush()
	}()
	for {
		c, err := r.ReadByte()
		if err != nil {
			return j
		}
		switch {
		case c == 0x1b: // ESC
			switch k := one(); k {
			case '@':
				flush()
				j.Inits++
			case 'a':
				if n := one(); n > 2 && (n < 48 || n > 50) {
					bad("ESC a %d: bad alignment", n)
				}
			case 'd', 'J':
				one()
			default:
				bad("unknown command ESC %#02x", k)
			}
		case c == 0x1d: // GS
			switch k := one(); k {
			case 'v':
				if m := read(2); m[0] != '0' || m[1] > 3 && (m[1] < 48 || m[1] > 51) {
					bad("GS v %q: bad raster mode", m)
				}
				h := read(4)
				wb, rows := int(h[0])|int(h[1])<<8, int(h[2])|int(h[3])<<8
				if wb == 0 || rows == 0 || wb > 256 || rows > 2303 {
					bad("GS v 0: raster %d bytes × %d rows out of range", wb, rows)
					return j
				}
				flush()
				put(Item{Raster: &printer.Bitmap{WidthBytes: wb, Rows: rows, Bits: read(wb * rows)}})
			case '(':
				if fn := one(); fn != 'k' {
					bad("unknown command GS ( %#02x", fn)
					continue
				}
				l := read(2)
				n := int(l[0]) | int(l[1])<<8
				if n < 2 {
					bad("GS ( k: length %d", n)
					return j
				}
				body := read(n)
				if body[0] != 49 {
					bad("GS ( k: symbol %d is not QR (49)", body[0])
					continue
				}
				prm := body[2:]
				switch body[1] {
				case 65:
					if len(prm) != 2 || prm[0] < 49 || prm[0] > 51 {
						bad("QR model %v", prm)
					} else {
						j.QRModel = prm[0]
					}
				case 67:
					if len(prm) != 1 || prm[0] < 1 || prm[0] > 16 {
						bad("QR module size %v", prm)
					} else {
						j.QRModule = prm[0]
					}
				case 69:
					if len(prm) != 1 || prm[0] < 48 || prm[0] > 51 {
						bad("QR error correction %v", prm)
					} else {
						j.QREC = prm[0]
					}
				case 80:
					if len(prm) < 2 || prm[0] != 48 || len(prm)-1 > 7089 {
						bad("QR store: %d bytes", len(prm))
					} else {
						stored = append([]byte(nil), prm[1:]...)
					}
				case 81:
					if len(stored) == 0 {
						bad("QR print with nothing stored")
					} else {
						flush()
						put(Item{QR: string(stored)})
					}
				default:
					bad("QR function %d", body[1])
				}
			case 'V':
				m := one()
				switch m {
				case 0, 1, 48, 49:
				case 65, 66, 97, 98, 103, 104:
					one()
				default:
					bad("GS V %d: bad cut mode", m)
				}
				flush()
				put(Item{Cut: true})
			default:
				bad("unknown command GS %#02x", k)
			}
		case c == 0x10: // DLE
			k, n := one(), one()
			if k != 0x04 || n < 1 || n > 4 {
				bad("unknown command DLE %#02x %d", k, n)
				continue
			}
			j.Statuses = append(j.Statuses, n)
			if b, ok := p.answer(n); ok {
				if _, err := w.Write([]byte{b}); err != nil {
					return j
				}
			}
		case c == '\n' || c == '\r' || c >= 0x20:
			text = append(text, c)
		default:
			bad("unknown control byte %#02x", c)
		}
	}
}
