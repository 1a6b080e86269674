package intake

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// AdminSocket is the unix socket, inside the data directory, on which a
// running bbolt-backed intake answers the operator routes without a token:
// whoever can open it can read the database file anyway (both are the
// owner's only). It lets `list` and `report` work while `serve` holds the
// bbolt lock.
const AdminSocket = "admin.sock"

// serveAdminSocket answers the operator routes on a unix socket (mode 0600).
func serveAdminSocket(path string, srv *Server, log *slog.Logger) (stop func(), err error) {
	os.Remove(path) // a stale socket of a killed server; bbolt's lock says we own the directory
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("intake: admin socket: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("intake: admin socket: %w", err)
	}
	mux := http.NewServeMux()
	asAdmin := func(h http.HandlerFunc) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			h(w, r.WithContext(context.WithValue(r.Context(), adminKey, true)))
		}
	}
	mux.HandleFunc("GET /v1/admin/dossiers", asAdmin(srv.adminDossiers))
	mux.HandleFunc("GET /v1/admin/devices", asAdmin(srv.adminDevices))
	mux.HandleFunc("POST /v1/admin/devices", asAdmin(srv.adminAddDevice))
	mux.HandleFunc("POST /v1/admin/devices/{id}/revoke", asAdmin(srv.adminRevokeDevice))
	mux.HandleFunc("GET /v1/admin/report", asAdmin(srv.adminReport))
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 30 * time.Second,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelDebug)}
	go hs.Serve(ln)
	return func() { hs.Close(); os.Remove(path) }, nil
}

// AdminClient reads a running intake's operator routes, over its data
// directory's socket or over HTTP(S) with the operator token.
type AdminClient struct {
	base  string
	token string
	hc    *http.Client
}

// NewSocketAdminClient talks to the intake serving dataDir.
func NewSocketAdminClient(dataDir string) *AdminClient {
	path := filepath.Join(dataDir, AdminSocket)
	tr := &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", path)
	}}
	return &AdminClient{base: "http://intake", hc: &http.Client{Transport: tr, Timeout: 5 * time.Minute}}
}

// ErrNotServing is returned when no intake answers on the data directory's
// socket.
var ErrNotServing = errors.New("intake: no running intake answers on the data directory's admin socket")

func (c *AdminClient) get(ctx context.Context, path string, q url.Values, out any) error {
	u := c.base + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return c.do(ctx, http.MethodGet, u, nil, out)
}

func (c *AdminClient) do(ctx context.Context, method, u string, body any, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	path := strings.TrimPrefix(u, c.base)
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return err
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		var op *net.OpError
		if errors.As(err, &op) && op.Op == "dial" {
			return fmt.Errorf("%w: %v", ErrNotServing, err)
		}
		return fmt.Errorf("intake: admin request: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return fmt.Errorf("intake: admin %s: %d %s", path, resp.StatusCode, b)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// Dossiers lists the dossiers (see Backend.Dossiers).
func (c *AdminClient) Dossiers(ctx context.Context, from, to time.Time, payloads bool) ([]Dossier, error) {
	q := url.Values{}
	if !from.IsZero() {
		q.Set("from", from.Format(time.RFC3339Nano))
	}
	if !to.IsZero() {
		q.Set("to", to.Format(time.RFC3339Nano))
	}
	if payloads {
		q.Set("payloads", "true")
	}
	var out []Dossier
	return out, c.get(ctx, "/v1/admin/dossiers", q, &out)
}

// Devices lists the devices (no credentials).
func (c *AdminClient) Devices(ctx context.Context) ([]Device, error) {
	var out []Device
	return out, c.get(ctx, "/v1/admin/devices", nil, &out)
}

// Report fetches the monthly report.
func (c *AdminClient) Report(ctx context.Context, month string) (*Report, error) {
	var out Report
	return &out, c.get(ctx, "/v1/admin/report", url.Values{"month": {month}}, &out)
}

// AddDevice enrols a device with credential hashes; the server picks the ID.
func (c *AdminClient) AddDevice(ctx context.Context, name string, creds []string) (Device, error) {
	var out Device
	return out, c.do(ctx, http.MethodPost, c.base+"/v1/admin/devices", map[string]any{"name": name, "credentials": creds}, &out)
}

// RevokeDevice revokes a device.
func (c *AdminClient) RevokeDevice(ctx context.Context, id string) error {
	var out map[string]bool
	return c.do(ctx, http.MethodPost, c.base+"/v1/admin/devices/"+url.PathEscape(id)+"/revoke", nil, &out)
}
