package engine

import "fmt"

// Mode is who the machine serves. The visit is the same engine in every
// mode; the modes differ in what follows a card read.
type Mode int

// Modes.
const (
	Kiosk  Mode = iota // citizens on their own: the service tiles, the form, the receipt
	Desk               // an officer: the same, with details, unlocks, QR-only visits, the outbox
	Clinic             // a receptionist: health-insurance check-in
	Notary             // a notary: identity verification record of each party of an act
)

var modeNames = [...]string{"kiosk", "desk", "clinic", "notary"}

// String names the mode as the configuration does.
func (m Mode) String() string {
	if m >= 0 && int(m) < len(modeNames) {
		return modeNames[m]
	}
	return fmt.Sprintf("mode(%d)", int(m))
}

// ParseMode reads a mode name.
func ParseMode(s string) (Mode, error) {
	for i, n := range modeNames {
		if n == s {
			return Mode(i), nil
		}
	}
	return 0, fmt.Errorf("unknown mode %q (kiosk, desk, clinic or notary)", s)
}
