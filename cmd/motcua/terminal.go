package main

import (
	"context"

	"motcua/hwtest/simcard"
	"motcua/reader"
)

// terminalChoice says which reader the user asked for.
type terminalChoice struct {
	Name     string // PC/SC reader name; "" for automatic
	Sim      bool   // force the simulated reader
	SimCard  string // profile JSON for the simulated card
	SimFault string
}

// terminal is the reader a command works with.
type terminal struct {
	reader.Terminal
	demoQR string
	close  func()
}

// DemoQR is the QR payload of the simulated card ("" for a real reader): a
// demo has no citizen to scan it, so the CLI uses it as if scanned.
func (t *terminal) DemoQR() string { return t.demoQR }

// WaitAndConnect waits for a card and connects.
func (t *terminal) WaitAndConnect(ctx context.Context) (reader.Conn, error) {
	return reader.WaitAndConnect(ctx, t.Terminal)
}

// Close releases the reader.
func (t *terminal) Close() {
	if t.close != nil {
		t.close()
	}
}

// openTerminal picks the reader: the named PC/SC reader, else the first
// PC/SC reader, else (or with --sim) the simulated reader with a card in it.
func openTerminal(ctx context.Context, c terminalChoice) (*terminal, error) {
	if !c.Sim {
		t, err := openPCSC(ctx, c.Name)
		if err != nil {
			return nil, err
		}
		if t != nil {
			return t, nil
		}
	}
	return openSim(c)
}

func openSim(c terminalChoice) (*terminal, error) {
	p := simcard.ReferenceProfile()
	if c.SimCard != "" {
		var err error
		if p, err = simcard.LoadProfile(c.SimCard); err != nil {
			return nil, err
		}
	}
	fault := simcard.Fault(c.SimFault)
	if err := simcard.CheckFault(fault); err != nil {
		return nil, err
	}
	card, err := p.Card(simcard.CardOptions{Fault: fault, Extended: true})
	if err != nil {
		return nil, err
	}
	r := simcard.NewReader("Simulated reader (motcua)")
	r.Insert(card)
	return &terminal{Terminal: r, demoQR: p.QRPayload()}, nil
}
