// Package connector delivers outbox submissions to a provincial one-stop
// system. Every provider sits behind the one Connector interface; the
// errors it returns tell the worker whether an answer was definite.
//
// Two providers are here: Intake speaks the motcua intake API
// (sync/intake/openapi.yaml), and IGate speaks an iGate-style flow (token,
// look-up, next dossier code, attachments, create).
package connector

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Submission is one outbox record to deliver.
type Submission struct {
	// UUID is the client reference, sent as the idempotency key.
	UUID string
	// Service is the national procedure code (mã TTHC).
	Service string
	// Payload is the JSON document to deliver.
	Payload json.RawMessage
	// Attachments are the files delivered with the dossier (may be empty).
	// A connector reports a Receipt only once every one has arrived.
	Attachments []Attachment
}

// Attachment is one file of a submission: what the dossier lists about it,
// and how to read it (streamed; each call opens it afresh, so a retried
// upload starts from the beginning).
type Attachment struct {
	Name   string `json:"name"`
	Type   string `json:"type"`
	Pages  int    `json:"pages,omitempty"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
	// Open returns the file's bytes. The reader fails (and the upload with
	// it) if the stored file does not match Size and SHA256.
	Open func() (io.ReadCloser, error) `json:"-"`
}

// Receipt is a definite acceptance.
type Receipt struct {
	// DossierCode is the receiver's code for the dossier: the provincial
	// mã hồ sơ for a provider that is the provincial system (iGate), the
	// hub's own code for the intake hub.
	DossierCode string
	// OfficialCode is the provincial system's mã hồ sơ, the code the
	// national portal knows the dossier by: "" while it is not known yet
	// (a hub that has not forwarded the dossier).
	OfficialCode string
	// Status is the national dossier status code (1..10), 0 if unknown.
	Status int
}

// Progress is what a status look-up learns of a delivered dossier.
type Progress struct {
	// Status is the national dossier status code (1..10), 0 if unknown.
	Status int
	// OfficialCode is the provincial mã hồ sơ, "" while not known.
	OfficialCode string
}

// Tracker is implemented by connectors whose status look-up also returns
// the official mã hồ sơ (which a hub learns only after it forwarded the
// dossier). The worker prefers it to Connector.Status.
type Tracker interface {
	Progress(ctx context.Context, uuid, dossierCode string) (Progress, error)
}

// Connector delivers submissions and reads dossier status. Implementations
// must be idempotent on Submission.UUID: delivering the same UUID again
// returns the first dossier, never creates a second.
//
// Submit returns a Receipt and nil only for a definite acceptance. Errors
// are classified: *RejectedError (definite refusal, do not retry),
// ErrInFlight (the receiver is still processing this key: retry later),
// ErrUnauthorized (credentials refused: stop and tell the operator),
// *TemporaryError (no definite answer: retry), *UnexpectedError (an answer
// that fits no rule: needs attention).
type Connector interface {
	Submit(ctx context.Context, s Submission) (Receipt, error)
	// Status returns the national status code of a delivered dossier.
	Status(ctx context.Context, uuid, dossierCode string) (int, error)
}

var (
	// ErrInFlight means the receiver is still processing the same
	// idempotency key (HTTP 409): retry later.
	ErrInFlight = errors.New("connector: receiver still processing this submission")
	// ErrUnauthorized means the receiver refused the credentials.
	ErrUnauthorized = errors.New("connector: credentials refused")
	// ErrNotFound means the receiver does not know the dossier.
	ErrNotFound = errors.New("connector: dossier not found")
)

// RejectedError is a definite refusal of the submission itself (a
// validation error): it is final and never retried.
type RejectedError struct {
	// HTTPStatus is the status code of the answer.
	HTTPStatus int
	// Reason is the receiver's reason, as it sent it: untrusted text that
	// may name the citizen. It is kept only sealed with the record; logs
	// and clear metadata carry Code(err).
	Reason string
}

// Error does not include Reason, so an error printed or logged by mistake
// carries no text from the receiver.
func (e *RejectedError) Error() string {
	return fmt.Sprintf("rejected (HTTP %d)", e.HTTPStatus)
}

// TemporaryError is a delivery without a definite answer: a timeout, a
// reset or dropped connection, a 5xx. The submission may or may not have
// arrived; retrying with the same UUID is safe.
type TemporaryError struct {
	// Op says what failed.
	Op string
	// NotSent is true when the request certainly never reached the
	// receiver (the connection could not be made).
	NotSent bool
	// Err is the cause.
	Err error
}

func (e *TemporaryError) Error() string {
	if e.NotSent {
		return fmt.Sprintf("%s: not sent: %v", e.Op, e.Err)
	}
	return fmt.Sprintf("%s: no definite answer: %v", e.Op, e.Err)
}

func (e *TemporaryError) Unwrap() error { return e.Err }

// HoldError means the submission was not sent because it cannot be sent as
// it is: a value the provider requires is not known for sure (the
// applicant's commune, MaXa, when an old commune was split and nobody
// picked). Nothing reached the receiver; retrying changes nothing until a
// person settles it, so the record waits with Code.
type HoldError struct {
	// Code says what is missing, e.g. "commune_unconfirmed" (a code: clear
	// metadata and logs carry it).
	Code string
	// Reason says it in the connector's words (never personal data).
	Reason string
}

func (e *HoldError) Error() string { return "not sent: " + e.Code + ": " + e.Reason }

// UnexpectedError is an answer that is neither an acceptance nor a refusal
// nor a known transient condition.
type UnexpectedError struct {
	// Reason describes the answer in the connector's own words (never the
	// receiver's text).
	Reason string
	// HTTPStatus is the status of the answer, 0 when it was not an HTTP
	// status problem.
	HTTPStatus int
}

func (e *UnexpectedError) Error() string { return "unexpected answer: " + e.Reason }
