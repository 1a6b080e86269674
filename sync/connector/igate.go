package connector

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// IGateConfig configures the iGate-style adapter.
type IGateConfig struct {
	// BaseURL is the provincial gateway (LGSP) base URL.
	BaseURL string
	// ClientID and ClientSecret are the OAuth client credentials.
	ClientID, ClientSecret string
	// Unit is the receiving unit code (MaDonViTiepNhan).
	Unit string
	// ApplicantBlock names the create body's applicant block that gets
	// MaTinh, MaXa and DiaChiChiTiet (REFERENCE.md section 9 lists the
	// block's fields, not one name for it); default "ChuHoSo".
	ApplicantBlock string
	// TLS configures CAs and an optional client certificate.
	TLS TLSConfig
	// Timeout bounds each request (default 30s).
	Timeout time.Duration
	// Now overrides the clock (NgayNop, token expiry).
	Now func() time.Time
}

// IGate delivers submissions through an iGate-style provincial flow:
//
//  1. POST /oauth/token (client credentials) → bearer token, cached
//  2. GET  /api/dossiers?MaThamChieu=UUID → look-up: an existing dossier
//     for this client reference is returned as the acceptance, so a retry
//     never creates a second dossier
//  3. POST /api/dossiers/next-code → MaHoSo
//  4. POST /api/files (multipart), once per attachment → file ID
//  5. POST /api/dossiers → create; 409 means it exists: look up again
//
// The applicant block (IGateConfig.ApplicantBlock, default ChuHoSo) gets
// MaTinh, MaXa and DiaChiChiTiet from a dossier document's address codes
// (revision 2): a dossier whose applicant commune is not known for sure is
// not sent (*HoldError, code commune_unconfirmed).
//
// The payload is a JSON object. Its optional "attachments" array
// ([{"name","mime","data" (base64)}]) is uploaded and listed as
// ThanhPhanHoSo, and so is every Submission.Attachments file (streamed); every other field goes into the create body as is, under
// the adapter's MaHoSo, MaTTHC, MaDonViTiepNhan, NgayNop and MaThamChieu.
type IGate struct {
	cfg  IGateConfig
	base *url.URL
	hc   *http.Client

	mu      sync.Mutex
	token   string
	expires time.Time
}

// NewIGate returns an iGate-style adapter.
func NewIGate(cfg IGateConfig) (*IGate, error) {
	u, err := CheckEndpoint(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	if cfg.ClientID == "" || cfg.ClientSecret == "" || cfg.Unit == "" {
		return nil, errors.New("connector: iGate needs client ID, client secret and unit code")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.ApplicantBlock == "" {
		cfg.ApplicantBlock = "ChuHoSo"
	}
	hc, err := NewHTTPClient(u, cfg.TLS, cfg.Timeout)
	if err != nil {
		return nil, err
	}
	return &IGate{cfg: cfg, base: u, hc: hc}, nil
}

// IGateDossier is the dossier summary the gateway returns.
type IGateDossier struct {
	MaHoSo    string `json:"MaHoSo"`
	TrangThai int    `json:"TrangThai"`
}

type igateAttachment struct {
	Name string `json:"name"`
	Mime string `json:"mime"`
	Data string `json:"data"`
}

// Submit runs the flow above.
func (g *IGate) Submit(ctx context.Context, s Submission) (Receipt, error) {
	var body map[string]json.RawMessage
	if err := json.Unmarshal(s.Payload, &body); err != nil || body == nil {
		return Receipt{}, &RejectedError{HTTPStatus: 0, Reason: "payload must be a JSON object for the iGate adapter"}
	}
	var atts []igateAttachment
	if raw, ok := body["attachments"]; ok {
		if err := json.Unmarshal(raw, &atts); err != nil {
			return Receipt{}, &RejectedError{Reason: "attachments must be [{name, mime, data}]"}
		}
		delete(body, "attachments")
	}
	// Before anything goes out: a dossier without a sure MaXa is held.
	if err := fillApplicant(body, g.cfg.ApplicantBlock); err != nil {
		return Receipt{}, err
	}
	if d, ok, err := g.lookup(ctx, s.UUID); err != nil {
		return Receipt{}, err
	} else if ok {
		return igateReceipt(d)
	}
	var next struct {
		MaHoSo string `json:"MaHoSo"`
	}
	if err := g.call(ctx, http.MethodPost, "/api/dossiers/next-code", "application/json",
		jsonBody(map[string]string{"MaTTHC": s.Service, "MaDonViTiepNhan": g.cfg.Unit}), "next-code", &next); err != nil {
		return Receipt{}, err
	}
	if next.MaHoSo == "" {
		return Receipt{}, &UnexpectedError{Reason: "next-code: empty MaHoSo"}
	}
	type part struct {
		TenGiayTo string `json:"TenGiayTo"`
		FileID    string `json:"FileId"`
	}
	parts := []part{}
	for i, a := range atts {
		data, err := base64.StdEncoding.DecodeString(a.Data)
		if err != nil || a.Name == "" {
			return Receipt{}, &RejectedError{Reason: fmt.Sprintf("attachment %d: needs a name and base64 data", i)}
		}
		id, err := g.upload(ctx, a.Name, a.Mime, data)
		if err != nil {
			return Receipt{}, err
		}
		parts = append(parts, part{TenGiayTo: a.Name, FileID: id})
	}
	// Attachments captured at the desk come from the outbox sealed store,
	// streamed (decrypted on the fly) into the multipart upload.
	for _, a := range s.Attachments {
		if a.Open == nil {
			return Receipt{}, &UnexpectedError{Reason: "attachment without a source"}
		}
		id, err := g.uploadStream(ctx, a.Name, a.Type, a.Open)
		if err != nil {
			return Receipt{}, err
		}
		parts = append(parts, part{TenGiayTo: a.Name, FileID: id})
	}
	fixed := map[string]any{
		"MaHoSo": next.MaHoSo, "MaTTHC": s.Service, "MaDonViTiepNhan": g.cfg.Unit,
		"NgayNop": g.cfg.Now().Format("20060102150405"), "MaThamChieu": s.UUID, "ThanhPhanHoSo": parts,
	}
	for k, v := range fixed {
		raw, _ := json.Marshal(v)
		body[k] = raw
	}
	var created IGateDossier
	err := g.call(ctx, http.MethodPost, "/api/dossiers", "application/json", jsonBody(body), "create", &created)
	if errors.Is(err, ErrInFlight) {
		// 409 on create: a dossier for this reference exists already.
		if d, ok, lerr := g.lookup(ctx, s.UUID); lerr != nil {
			return Receipt{}, lerr
		} else if ok {
			return igateReceipt(d)
		}
		return Receipt{}, ErrInFlight
	}
	if err != nil {
		return Receipt{}, err
	}
	if created.MaHoSo == "" {
		return Receipt{}, &UnexpectedError{Reason: "create: answer without MaHoSo"}
	}
	return igateReceipt(created)
}

// igateReceipt turns a dossier the province returned into a receipt: the
// province's MaHoSo is both the receiver's code and the official one.
func igateReceipt(d IGateDossier) (Receipt, error) {
	if err := checkOfficial(d.MaHoSo); err != nil {
		return Receipt{}, err
	}
	return Receipt{DossierCode: d.MaHoSo, OfficialCode: d.MaHoSo, Status: d.TrangThai}, nil
}

// Status returns the TrangThai of a dossier.
func (g *IGate) Status(ctx context.Context, uuid string, dossierCode string) (int, error) {
	p, err := g.Progress(ctx, uuid, dossierCode)
	return p.Status, err
}

// Progress reads the dossier (GET /api/dossiers/{MaHoSo}) and returns its
// TrangThai and MaHoSo. An answer for another MaHoSo is unexpected.
func (g *IGate) Progress(ctx context.Context, _ string, dossierCode string) (Progress, error) {
	var d IGateDossier
	if err := g.call(ctx, http.MethodGet, "/api/dossiers/"+url.PathEscape(dossierCode), "", nil, "status", &d); err != nil {
		return Progress{}, err
	}
	if d.MaHoSo != "" && d.MaHoSo != dossierCode {
		return Progress{}, &UnexpectedError{Reason: "status: answer is for another MaHoSo"}
	}
	return Progress{Status: d.TrangThai, OfficialCode: dossierCode}, nil
}

// lookup finds the dossier created for a client reference, if any.
func (g *IGate) lookup(ctx context.Context, ref string) (IGateDossier, bool, error) {
	var res struct {
		Items []IGateDossier `json:"items"`
	}
	if err := g.call(ctx, http.MethodGet, "/api/dossiers?MaThamChieu="+url.QueryEscape(ref), "", nil, "look-up", &res); err != nil {
		return IGateDossier{}, false, err
	}
	switch len(res.Items) {
	case 0:
		return IGateDossier{}, false, nil
	case 1:
		if res.Items[0].MaHoSo == "" {
			return IGateDossier{}, false, &UnexpectedError{Reason: "look-up: item without MaHoSo"}
		}
		return res.Items[0], true, nil
	}
	return IGateDossier{}, false, &UnexpectedError{Reason: fmt.Sprintf("look-up: %d dossiers share one client reference", len(res.Items))}
}

func (g *IGate) upload(ctx context.Context, name, mime string, data []byte) (string, error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	h := make(map[string][]string)
	h["Content-Disposition"] = []string{fmt.Sprintf(`form-data; name="file"; filename=%q`, name)}
	if mime == "" {
		mime = "application/octet-stream"
	}
	h["Content-Type"] = []string{mime}
	pw, err := mw.CreatePart(h)
	if err != nil {
		return "", err
	}
	pw.Write(data)
	mw.Close()
	var res struct {
		ID string `json:"id"`
	}
	if err := g.call(ctx, http.MethodPost, "/api/files", mw.FormDataContentType(), buf.Bytes(), "upload", &res); err != nil {
		return "", err
	}
	if res.ID == "" {
		return "", &UnexpectedError{Reason: "upload: answer without file id"}
	}
	return res.ID, nil
}

// uploadStream is upload for a file read from open: the multipart body is
// written through a pipe as the file is read, never whole in memory. A
// retry after a 401 opens the file again.
func (g *IGate) uploadStream(ctx context.Context, name, mime string, open func() (io.ReadCloser, error)) (string, error) {
	if mime == "" {
		mime = "application/octet-stream"
	}
	boundary := multipart.NewWriter(io.Discard).Boundary()
	body := func() (io.Reader, error) {
		src, err := open()
		if err != nil {
			return nil, &UnexpectedError{Reason: "attachment cannot be read from the outbox"}
		}
		pr, pw := io.Pipe()
		go func() {
			defer src.Close()
			mw := multipart.NewWriter(pw)
			mw.SetBoundary(boundary)
			h := make(map[string][]string)
			h["Content-Disposition"] = []string{fmt.Sprintf(`form-data; name="file"; filename=%q`, name)}
			h["Content-Type"] = []string{mime}
			part, err := mw.CreatePart(h)
			if err == nil {
				_, err = io.Copy(part, src)
			}
			if err == nil {
				err = mw.Close()
			}
			pw.CloseWithError(err)
		}()
		return pr, nil
	}
	var res struct {
		ID string `json:"id"`
	}
	ctype := "multipart/form-data; boundary=" + boundary
	if err := g.callBody(ctx, http.MethodPost, "/api/files", ctype, body, "upload", &res); err != nil {
		return "", err
	}
	if res.ID == "" {
		return "", &UnexpectedError{Reason: "upload: answer without file id"}
	}
	return res.ID, nil
}

// call sends one authorised request; on 401 it fetches a new token once.
func (g *IGate) call(ctx context.Context, method, path, ctype string, body []byte, op string, out any) error {
	var open func() (io.Reader, error)
	if body != nil {
		open = func() (io.Reader, error) { return bytes.NewReader(body), nil }
	}
	return g.callBody(ctx, method, path, ctype, open, op, out)
}

// callBody is call with a body made afresh for each try (nil: no body).
func (g *IGate) callBody(ctx context.Context, method, path, ctype string, body func() (io.Reader, error), op string, out any) error {
	for try := 0; ; try++ {
		tok, err := g.bearer(ctx, try > 0)
		if err != nil {
			return err
		}
		var rd io.Reader
		if body != nil {
			if rd, err = body(); err != nil {
				return err
			}
		}
		req, err := http.NewRequestWithContext(ctx, method, g.base.String()+path, rd)
		if err != nil {
			return err
		}
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Accept", "application/json")
		resp, err := g.hc.Do(req)
		if err != nil {
			return transportError(op, err)
		}
		data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		if err != nil {
			return transportError(op, err)
		}
		if resp.StatusCode == http.StatusUnauthorized && try == 0 {
			continue // token expired early or revoked: fetch a new one once
		}
		return classifyHTTP(op, resp.StatusCode, data, out)
	}
}

// bearer returns a cached token, or fetches one (client credentials).
func (g *IGate) bearer(ctx context.Context, refresh bool) (string, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !refresh && g.token != "" && g.cfg.Now().Before(g.expires) {
		return g.token, nil
	}
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {g.cfg.ClientID}, "client_secret": {g.cfg.ClientSecret}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.base.String()+"/oauth/token", strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := g.hc.Do(req)
	if err != nil {
		return "", transportError("token", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if err != nil {
		return "", transportError("token", err)
	}
	if resp.StatusCode == http.StatusBadRequest || resp.StatusCode == http.StatusUnauthorized {
		return "", fmt.Errorf("token: HTTP %d: %w", resp.StatusCode, ErrUnauthorized)
	}
	var tr struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	if err := classifyHTTP("token", resp.StatusCode, data, &tr); err != nil {
		return "", err
	}
	if tr.AccessToken == "" {
		return "", &UnexpectedError{Reason: "token: answer without access_token"}
	}
	g.token = tr.AccessToken
	life := time.Duration(tr.ExpiresIn) * time.Second
	if life <= 0 {
		life = 5 * time.Minute
	}
	g.expires = g.cfg.Now().Add(life * 9 / 10)
	return g.token, nil
}

func jsonBody(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}
