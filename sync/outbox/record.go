package outbox

import "time"

// State is where a submission is in its delivery.
type State string

// The states of a submission. See the package documentation for the
// transitions between them.
const (
	// Pending waits for delivery (first try or a retry after backoff).
	Pending State = "pending"
	// Sending is claimed by the worker; a delivery is in flight.
	Sending State = "sending"
	// Accepted got a dossier code from the provincial system. Final.
	Accepted State = "accepted"
	// Rejected got a definite validation refusal. Final; never retried.
	Rejected State = "rejected"
	// NeedsAttention exhausted its retries or got an unexpected answer;
	// only an operator's Requeue sends it again.
	NeedsAttention State = "needs_attention"
)

// Valid reports whether s is one of the five states.
func (s State) Valid() bool {
	switch s {
	case Pending, Sending, Accepted, Rejected, NeedsAttention:
		return true
	}
	return false
}

// Record is the metadata of one submission. It is stored unencrypted so it
// can be listed and synced without the key; it never holds payload data nor
// any text that came from a remote system: Reason and LastError are short
// codes (see ValidCode), and the texts behind them are sealed with the
// record's data key (Store.Detail).
type Record struct {
	UUID     string `json:"uuid"`
	Service  string `json:"service"`
	State    State  `json:"state"`
	Attempts int    `json:"attempts"`
	// Device is the device identifier configured when the record was added.
	Device string `json:"device,omitempty"`
	// Demo marks a dossier made in demo mode (synthetic card data). The
	// worker never sends it to a provider unless it is configured as a demo
	// sink.
	Demo      bool      `json:"demo,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// NextAttemptAt is when a pending record is next due.
	NextAttemptAt time.Time `json:"next_attempt_at,omitzero"`
	// AcceptedAt is when the provincial system's acceptance was recorded.
	AcceptedAt time.Time `json:"accepted_at,omitzero"`
	// DossierCode is the receiver's dossier code, once accepted: the
	// provincial mã hồ sơ from an iGate provider, the hub's code from the
	// intake hub.
	DossierCode string `json:"dossier_code,omitempty"`
	// OfficialCode is the provincial system's mã hồ sơ (the code the
	// national portal and the official dossier QR use), once known: at
	// acceptance from an iGate provider, from a later status poll when a
	// hub forwards the dossier. Not personal data; a code (see
	// ValidOfficialCode). Added within format 3 as an optional field: a
	// record without it reads as "not known yet".
	OfficialCode string `json:"official_code,omitempty"`
	// ProvincialStatus is the national dossier status code (1..10) last
	// seen, and StatusCheckedAt when it was seen.
	ProvincialStatus int       `json:"provincial_status,omitempty"`
	StatusCheckedAt  time.Time `json:"status_checked_at,omitzero"`
	// Reason is a code saying why the record was rejected or needs
	// attention (e.g. "rejected_http_422", "retries_exhausted"); the
	// receiver's own words are in Detail.
	Reason string `json:"reason,omitempty"`
	// LastError is a code for the last transient delivery error (e.g.
	// "no_answer_http_503", "unreachable").
	LastError string `json:"last_error,omitempty"`
	// PayloadSize is the plaintext payload length in bytes.
	PayloadSize int `json:"payload_size"`
	// PurgedAt is when the payload was removed after retention.
	PurgedAt time.Time `json:"purged_at,omitzero"`
	// Attachments lists the record's sealed attachment files (purged with
	// the payload: the list stays, the files and their key go).
	Attachments []Attachment `json:"attachments,omitempty"`

	seq uint64
}

// Detail is what a record's codes stand for, as the receiver or the
// transport said it. It may name a person (a receiver quoting the dossier),
// so it is sealed with the record's data key and destroyed with it.
type Detail struct {
	// Reason is the text behind Record.Reason.
	Reason string `json:"reason,omitempty"`
	// LastError is the text behind Record.LastError.
	LastError string `json:"last_error,omitempty"`
}

// ValidCode reports whether c may be stored as a code in clear metadata:
// 1 to 64 of [a-z0-9_.:-]. Free text (a receiver's reason) never is.
func ValidCode(c string) bool {
	if len(c) == 0 || len(c) > 64 {
		return false
	}
	for i := 0; i < len(c); i++ {
		ch := c[i]
		if !('a' <= ch && ch <= 'z' || '0' <= ch && ch <= '9' || ch == '_' || ch == '.' || ch == ':' || ch == '-') {
			return false
		}
	}
	return true
}

// Codes the outbox itself sets.
const (
	// CodeRetriesExhausted: MaxAttempts deliveries without a definite answer.
	CodeRetriesExhausted = "retries_exhausted"
	// CodeUndecryptable: the payload cannot be decrypted.
	CodeUndecryptable = "undecryptable"
	// CodeInterrupted: the process stopped while the record was being sent.
	CodeInterrupted = "interrupted"
	// CodeUnspecified replaces a code that was not a valid code (its text
	// goes to the sealed detail instead).
	CodeUnspecified = "unspecified"
	// CodeMigrated marks a reason written by a format-1/2 agent, whose text
	// was moved into the sealed detail by the format-3 migration.
	CodeMigrated = "migrated_reason"
)

// clearCode returns c when it is a valid code, else CodeUnspecified: free
// text never reaches clear metadata, whatever the caller passes.
func clearCode(c string) string {
	if c == "" || ValidCode(c) {
		return c
	}
	return CodeUnspecified
}

// AuditRecord is what stays of an accepted submission after its payload is
// purged: who, what, when, and the provincial dossier code.
type AuditRecord struct {
	UUID        string    `json:"uuid"`
	Service     string    `json:"service"`
	Device      string    `json:"device,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	AcceptedAt  time.Time `json:"accepted_at"`
	PurgedAt    time.Time `json:"purged_at,omitzero"`
	DossierCode string    `json:"dossier_code"`
	// OfficialCode is the provincial mã hồ sơ when known at acceptance.
	OfficialCode string `json:"official_code,omitempty"`
	Attempts     int    `json:"attempts"`
}
