package connector

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// IntakeConfig configures the motcua intake API client.
type IntakeConfig struct {
	// Endpoint is the base URL, e.g. https://intake.example.vn or
	// http://127.0.0.1:8080 (plain http only to loopback).
	Endpoint string
	// Token is the bearer token.
	Token string
	// TLS configures CAs and an optional client certificate.
	TLS TLSConfig
	// Timeout bounds each request (default 30s).
	Timeout time.Duration
}

// Intake is the client of the motcua intake API (sync/intake/openapi.yaml).
type Intake struct {
	base  *url.URL
	token string
	hc    *http.Client
}

// NewIntake returns an intake API client.
func NewIntake(cfg IntakeConfig) (*Intake, error) {
	u, err := CheckEndpoint(cfg.Endpoint)
	if err != nil {
		return nil, err
	}
	if cfg.Token == "" {
		return nil, errors.New("connector: intake token is empty")
	}
	hc, err := NewHTTPClient(u, cfg.TLS, cfg.Timeout)
	if err != nil {
		return nil, err
	}
	return &Intake{base: u, token: cfg.Token, hc: hc}, nil
}

// SubmitRequest is the JSON body of POST /v1/dossiers.
type SubmitRequest struct {
	Service string          `json:"service"`
	Payload json.RawMessage `json:"payload"`
	// Attachments lists the files that follow (API 1.2); omitted when none.
	Attachments []Attachment `json:"attachments,omitempty"`
}

// DossierResponse is the JSON body of a successful submit or status call.
type DossierResponse struct {
	IdempotencyKey string `json:"idempotency_key"`
	DossierCode    string `json:"dossier_code"`
	Status         int    `json:"status"`
	Service        string `json:"service,omitempty"`
	Submissions    int    `json:"submissions,omitempty"`
	Replayed       bool   `json:"replayed,omitempty"`
	// ProvincialDossierCode is the provincial system's mã hồ sơ once the
	// hub forwarded the dossier (API 1.1); absent before, and from a 1.0 hub.
	ProvincialDossierCode string `json:"provincial_dossier_code,omitempty"`
	// Attachments and Complete (API 1.2) say which listed files arrived.
	Attachments []ReceivedAttachment `json:"attachments,omitempty"`
	Complete    bool                 `json:"complete,omitempty"`
}

// ReceivedAttachment is a listed attachment in a dossier answer.
type ReceivedAttachment struct {
	Name     string `json:"name"`
	SHA256   string `json:"sha256"`
	Received bool   `json:"received"`
}

// ErrorResponse is the JSON body of an error answer.
type ErrorResponse struct {
	Error string `json:"error"`
}

// Submit posts the submission with its UUID as the Idempotency-Key.
func (c *Intake) Submit(ctx context.Context, s Submission) (Receipt, error) {
	body, err := json.Marshal(SubmitRequest{Service: s.Service, Payload: s.Payload, Attachments: s.Attachments})
	if err != nil {
		return Receipt{}, &UnexpectedError{Reason: "payload cannot be encoded as JSON"}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base.String()+"/v1/dossiers", bytes.NewReader(body))
	if err != nil {
		return Receipt{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", s.UUID)
	var dr DossierResponse
	if err := c.do(req, "submit", &dr); err != nil {
		return Receipt{}, err
	}
	if dr.DossierCode == "" {
		return Receipt{}, &UnexpectedError{Reason: "acceptance without a dossier code"}
	}
	if dr.IdempotencyKey != "" && dr.IdempotencyKey != s.UUID {
		return Receipt{}, &UnexpectedError{Reason: "answer is for another idempotency key"}
	}
	if err := checkOfficial(dr.ProvincialDossierCode); err != nil {
		return Receipt{}, err
	}
	if err := c.uploadAttachments(ctx, s, dr); err != nil {
		return Receipt{}, err
	}
	return Receipt{DossierCode: dr.DossierCode, OfficialCode: dr.ProvincialDossierCode, Status: dr.Status}, nil
}

// uploadAttachments sends every listed attachment the intake has not yet
// received (a retry after a crash sends only what is missing; the intake
// keeps one file per name anyway), streamed from the outbox.
func (c *Intake) uploadAttachments(ctx context.Context, s Submission, dr DossierResponse) error {
	have := map[string]string{}
	for _, a := range dr.Attachments {
		if a.Received {
			have[a.Name] = a.SHA256
		}
	}
	for _, a := range s.Attachments {
		if have[a.Name] == a.SHA256 {
			continue
		}
		if err := c.UploadAttachment(ctx, s.UUID, a); err != nil {
			return err
		}
	}
	return nil
}

// AttachmentReceipt is the answer to an attachment upload.
type AttachmentReceipt struct {
	IdempotencyKey string `json:"idempotency_key"`
	Name           string `json:"name"`
	Size           int64  `json:"size"`
	SHA256         string `json:"sha256"`
	Replayed       bool   `json:"replayed,omitempty"`
	Complete       bool   `json:"complete"`
}

// UploadAttachment sends one attachment of the dossier with idempotency
// key uuid (PUT /v1/dossiers/{key}/attachments/{name}), streamed with its
// length and SHA-256 declared. Errors are classified as for Submit.
func (c *Intake) UploadAttachment(ctx context.Context, uuid string, a Attachment) error {
	if a.Open == nil {
		return &UnexpectedError{Reason: "attachment without a source"}
	}
	rc, err := a.Open()
	if err != nil {
		return &UnexpectedError{Reason: "attachment cannot be read from the outbox"}
	}
	u := c.base.String() + "/v1/dossiers/" + url.PathEscape(uuid) + "/attachments/" + url.PathEscape(a.Name)
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, u, rc)
	if err != nil {
		rc.Close()
		return err
	}
	req.ContentLength = a.Size
	if a.Size == 0 {
		req.Body = http.NoBody
		rc.Close()
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	req.Header.Set("X-Content-SHA256", a.SHA256)
	var ar AttachmentReceipt
	if err := c.doWith(c.uploadClient(a.Size), req, "attachment", &ar); err != nil {
		return err
	}
	if ar.SHA256 != a.SHA256 || ar.Name != a.Name {
		return &UnexpectedError{Reason: "attachment answer is for another file"}
	}
	return nil
}

// Status returns the national status code of the dossier with this key.
func (c *Intake) Status(ctx context.Context, uuid, code string) (int, error) {
	p, err := c.Progress(ctx, uuid, code)
	return p.Status, err
}

// Progress returns the status of the dossier with this key and the
// provincial mã hồ sơ once the hub has forwarded it.
func (c *Intake) Progress(ctx context.Context, uuid, _ string) (Progress, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base.String()+"/v1/dossiers/"+url.PathEscape(uuid), nil)
	if err != nil {
		return Progress{}, err
	}
	var dr DossierResponse
	if err := c.do(req, "status", &dr); err != nil {
		return Progress{}, err
	}
	if dr.IdempotencyKey != "" && dr.IdempotencyKey != uuid {
		return Progress{}, &UnexpectedError{Reason: "status: answer is for another idempotency key"}
	}
	if err := checkOfficial(dr.ProvincialDossierCode); err != nil {
		return Progress{}, err
	}
	return Progress{Status: dr.Status, OfficialCode: dr.ProvincialDossierCode}, nil
}

// MinUploadRate is the slowest upload rate an attachment is given time for:
// the request timeout grows by one second per this many bytes, so a large
// scan on a slow commune link is not cut off by a timeout sized for JSON.
const MinUploadRate = 128 << 10

// uploadClient is the client with its timeout stretched for size bytes.
func (c *Intake) uploadClient(size int64) *http.Client {
	if c.hc.Timeout == 0 {
		return c.hc
	}
	hc := *c.hc
	hc.Timeout += time.Duration(size) * time.Second / MinUploadRate
	return &hc
}

// do sends req and classifies the answer; a 2xx body is decoded into out.
func (c *Intake) do(req *http.Request, op string, out any) error {
	return c.doWith(c.hc, req, op, out)
}

// doWith is do with another client (a longer timeout for uploads).
func (c *Intake) doWith(hc *http.Client, req *http.Request, op string, out any) error {
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return transportError(op, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return transportError(op, err)
	}
	return classifyHTTP(op, resp.StatusCode, data, out)
}

// classifyHTTP turns a complete HTTP answer into nil (2xx, decoded into
// out) or a classified error.
func classifyHTTP(op string, code int, body []byte, out any) error {
	switch {
	case code >= 200 && code < 300:
		if err := json.Unmarshal(body, out); err != nil {
			return &UnexpectedError{Reason: fmt.Sprintf("%s: HTTP %d with a body that is not the expected JSON", op, code)}
		}
		return nil
	case code == http.StatusConflict:
		return ErrInFlight
	case code == http.StatusUnauthorized, code == http.StatusForbidden:
		return fmt.Errorf("%s: HTTP %d: %w", op, code, ErrUnauthorized)
	case code == http.StatusNotFound && op == "status":
		return ErrNotFound
	case code == http.StatusBadRequest, code == http.StatusUnprocessableEntity, code == http.StatusRequestEntityTooLarge:
		return &RejectedError{HTTPStatus: code, Reason: errorReason(body)}
	case code == http.StatusRequestTimeout, code == http.StatusTooManyRequests, code >= 500:
		return &TemporaryError{Op: op, Err: &httpStatusError{code}}
	}
	return &UnexpectedError{Reason: fmt.Sprintf("%s: HTTP %d", op, code), HTTPStatus: code}
}

// errorReason extracts the "error" field of an error body, bounded. It is
// the receiver's text: the worker seals it with the record and never logs
// it (see Code).
func errorReason(body []byte) string {
	var er ErrorResponse
	if json.Unmarshal(body, &er) == nil && strings.TrimSpace(er.Error) != "" {
		r := er.Error
		if len(r) > 2000 {
			r = r[:2000]
		}
		return strings.ToValidUTF8(r, "?")
	}
	return "no reason given"
}
