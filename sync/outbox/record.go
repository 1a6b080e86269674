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
// can be listed and synced without the key; it never holds payload data.
type Record struct {
	UUID     string `json:"uuid"`
	Service  string `json:"service"`
	State    State  `json:"state"`
	Attempts int    `json:"attempts"`
	// Device is the device identifier configured when the record was added.
	Device    string    `json:"device,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// NextAttemptAt is when a pending record is next due.
	NextAttemptAt time.Time `json:"next_attempt_at,omitzero"`
	// AcceptedAt is when the provincial system's acceptance was recorded.
	AcceptedAt time.Time `json:"accepted_at,omitzero"`
	// DossierCode is the provincial dossier code (mã hồ sơ), once accepted.
	DossierCode string `json:"dossier_code,omitempty"`
	// ProvincialStatus is the national dossier status code (1..10) last
	// seen, and StatusCheckedAt when it was seen.
	ProvincialStatus int       `json:"provincial_status,omitempty"`
	StatusCheckedAt  time.Time `json:"status_checked_at,omitzero"`
	// Reason is the provincial rejection reason or why the record needs
	// attention (redacted: long digit runs masked).
	Reason string `json:"reason,omitempty"`
	// LastError is the last transient delivery error (redacted).
	LastError string `json:"last_error,omitempty"`
	// KeyID is the encryption key the payload is sealed with.
	KeyID uint32 `json:"key_id"`
	// PayloadSize is the plaintext payload length in bytes.
	PayloadSize int `json:"payload_size"`
	// PurgedAt is when the payload was removed after retention.
	PurgedAt time.Time `json:"purged_at,omitzero"`

	seq uint64
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
	Attempts    int       `json:"attempts"`
}

// StatusName returns the Vietnamese name of a national dossier status code
// (1..10), or "" for an unknown code.
func StatusName(code int) string {
	switch code {
	case 1:
		return "mới đăng ký"
	case 2:
		return "được tiếp nhận"
	case 3:
		return "không được tiếp nhận"
	case 4:
		return "đang xử lý"
	case 5:
		return "yêu cầu bổ sung"
	case 6:
		return "yêu cầu nghĩa vụ tài chính"
	case 7:
		return "công dân rút hồ sơ"
	case 8:
		return "dừng xử lý"
	case 9:
		return "đã xử lý xong"
	case 10:
		return "đã trả kết quả"
	}
	return ""
}

// StatusFinal reports whether a national dossier status code ends the
// dossier's life, so the worker stops polling it.
func StatusFinal(code int) bool {
	switch code {
	case 3, 7, 8, 10:
		return true
	}
	return false
}
