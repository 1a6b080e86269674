// Package wire is the heartbeat's wire format (POST /v1/heartbeat in
// sync/intake/openapi.yaml) and its validation, shared by the agent's sender
// (sync/heartbeat) and the hub (sync/intake). It imports nothing of the
// project, so both sides can use it without cycles.
package wire

import (
	"fmt"
	"time"
	"unicode"
)

// Reader states an agent may report.
const (
	ReaderOK      = "ok"      // a reader is connected and answering
	ReaderAbsent  = "absent"  // no reader attached
	ReaderError   = "error"   // a reader is attached but failing
	ReaderUnknown = "unknown" // the agent does not know (e.g. a desk without reader support)
)

// Count families of Counts, used as keys by Counter.Add.
const (
	// Procedures counts dossiers by national procedure code (mã TTHC).
	Procedures = "procedures"
	// Verdicts counts dossiers by the applicant's verification:
	// chip_verified, chip_unverified, qr, typed.
	Verdicts = "verdicts"
	// Channels counts identity reads by channel: chip, qr.
	Channels = "channels"
	// BHYT counts health-insurance look-ups by result: found, not_found,
	// error (the look-up result code, never the card data).
	BHYT = "bhyt"
)

// Limits of a report, so that a heartbeat stays small and cannot carry
// free text.
const (
	maxLabels    = 64
	maxLabelLen  = 32
	maxCount     = 1_000_000
	maxVersion   = 64
	MaxBodyBytes = 16 << 10 // the largest heartbeat body the hub reads
)

// Report is one heartbeat.
type Report struct {
	// Version is the agent's version string.
	Version string `json:"version"`
	// Reader is one of the Reader* states.
	Reader string `json:"reader"`
	// Outbox is the outbox depth by state.
	Outbox Outbox `json:"outbox"`
	// LastSyncAt is when the agent last had a definite answer from the
	// hub (nil: never).
	LastSyncAt *time.Time `json:"last_sync_at,omitempty"`
	// Since is the start of the period the counts cover.
	Since time.Time `json:"since"`
	// Counts are the events since Since.
	Counts Counts `json:"counts"`
}

// Outbox is the agent's outbox depth.
type Outbox struct {
	Pending        int `json:"pending"`
	Sending        int `json:"sending"`
	NeedsAttention int `json:"needs_attention"`
	Rejected       int `json:"rejected"`
	// OldestPendingSeconds is the age of the oldest pending record (0: none).
	OldestPendingSeconds int64 `json:"oldest_pending_seconds"`
}

// Counts are event counts by family (Procedures, Verdicts, Channels,
// BHYT), each a map from a code to a count.
type Counts map[string]map[string]int

// Validate checks a report: known reader state and count families, short
// code labels (letters, digits, '.', '-', '_', never a run of 9 or more
// digits, so no ID number can travel as a label), bounded counts. It is what
// keeps personal data out of heartbeats.
func (r *Report) Validate() error {
	if len(r.Version) == 0 || len(r.Version) > maxVersion {
		return fmt.Errorf("heartbeat: version must be 1..%d characters", maxVersion)
	}
	for _, c := range r.Version {
		if c > unicode.MaxASCII || !unicode.IsPrint(c) {
			return fmt.Errorf("heartbeat: version must be printable ASCII")
		}
	}
	switch r.Reader {
	case ReaderOK, ReaderAbsent, ReaderError, ReaderUnknown:
	default:
		return fmt.Errorf("heartbeat: reader %q is not one of ok, absent, error, unknown", r.Reader)
	}
	o := r.Outbox
	for _, n := range []int{o.Pending, o.Sending, o.NeedsAttention, o.Rejected} {
		if n < 0 || n > 100*maxCount {
			return fmt.Errorf("heartbeat: outbox count %d out of range", n)
		}
	}
	if o.OldestPendingSeconds < 0 {
		return fmt.Errorf("heartbeat: negative oldest pending age")
	}
	for fam, m := range r.Counts {
		switch fam {
		case Procedures, Verdicts, Channels, BHYT:
		default:
			return fmt.Errorf("heartbeat: unknown count family %q", fam)
		}
		if len(m) > maxLabels {
			return fmt.Errorf("heartbeat: %s has %d labels (at most %d)", fam, len(m), maxLabels)
		}
		for label, n := range m {
			if !ValidLabel(label) {
				return fmt.Errorf("heartbeat: %s label is not a code", fam)
			}
			if n < 0 || n > maxCount {
				return fmt.Errorf("heartbeat: %s count %d out of range", fam, n)
			}
		}
	}
	return nil
}

// ValidLabel reports whether s may be a count label: 1..32 of [0-9A-Za-z._-]
// with no run of 9 or more digits.
func ValidLabel(s string) bool {
	if len(s) == 0 || len(s) > maxLabelLen {
		return false
	}
	run := 0
	for _, c := range s {
		switch {
		case '0' <= c && c <= '9':
			run++
			if run >= 9 {
				return false
			}
			continue
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', c == '.', c == '-', c == '_':
		default:
			return false
		}
		run = 0
	}
	return true
}

// Add adds other into c.
func (c Counts) Add(other Counts) {
	for fam, m := range other {
		if c[fam] == nil {
			c[fam] = map[string]int{}
		}
		for k, n := range m {
			c[fam][k] += n
		}
	}
}
