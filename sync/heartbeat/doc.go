// Package heartbeat is the agent side of the hub's heartbeats: a Sender that
// reports, over the device's own authenticated channel and at a bounded
// rate, the agent's version, reader status, outbox depth, oldest pending
// age, last sync, and the counts since the last report (Counter), with no
// personal data. The wire format is sync/heartbeat/wire.
package heartbeat

import "motcua/sync/heartbeat/wire"

// The count families and reader states, re-exported for agents.
const (
	Procedures    = wire.Procedures
	Verdicts      = wire.Verdicts
	Channels      = wire.Channels
	BHYT          = wire.BHYT
	ReaderOK      = wire.ReaderOK
	ReaderAbsent  = wire.ReaderAbsent
	ReaderError   = wire.ReaderError
	ReaderUnknown = wire.ReaderUnknown
)
