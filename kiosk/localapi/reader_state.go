package localapi

import (
	"motcua/kiosk/engine"
	"motcua/reader"
)

// Reader states (GET /v1/status reader_state, /healthz, reader.* events).
const (
	// ReaderNone: no reader attached yet; the API serves and says so.
	ReaderNone = "none"
	// ReaderReady: the reader answers (it reported card presence).
	ReaderReady = "ready"
	// ReaderGone: the reader went away (unplugged, PC/SC restarted); it is
	// watched again.
	ReaderGone = "gone"
)

// StateNoReader is the card state while there is no working reader.
const StateNoReader = "no_reader"

// ErrReaderAttached is returned by Attach when the engine has its reader.
var ErrReaderAttached = engine.ErrReaderAttached

// Attach gives the engine its reader when it was started without one (the
// reader appeared after start-up); its card loop starts watching it at once.
func (s *Server) Attach(t reader.Terminal) error { return s.eng.Attach(t) }
