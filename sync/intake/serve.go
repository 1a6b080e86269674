package intake

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/net/netutil"
)

// Config configures a running intake.
type Config struct {
	// Addr is HOST:PORT to listen on (port 0 picks a free port).
	Addr string
	// DataDir holds the embedded (bbolt) store, used when DB is empty. The
	// running server also answers the operator routes on the unix socket
	// AdminSocket in it, so list and report work while it runs.
	DataDir string
	// DB is a PostgreSQL URL (postgres://...); several replicas may share it.
	DB string
	// DBMaxConns bounds this replica's database connections (0: default).
	DBMaxConns int32
	// Forwarding marks new dossiers for forwarding to the provincial
	// system (PostgreSQL only; sync/hub/forward does the forwarding).
	Forwarding bool
	// Token is the shared bearer token of the single pilot device (empty:
	// only enrolled devices).
	Token string
	// AdminToken authorises the operator routes over TCP (/v1/admin/*,
	// /fleet, /metrics); empty: only over the data directory's socket.
	AdminToken string
	// HeartbeatEvery and OfflineAfter: see Server.SetHeartbeat.
	HeartbeatEvery, OfflineAfter time.Duration
	// Rate (requests/s, < 0: unlimited) and Burst per device (0: defaults).
	Rate  float64
	Burst int
	// TLSCert and TLSKey are PEM files; without them the intake speaks
	// plain HTTP, which is allowed only on a loopback address.
	TLSCert, TLSKey string
	// TLSClientCA, when set, makes the intake require client certificates
	// signed by a CA in this PEM file. Without it a client may still
	// present a (self-signed) certificate: it identifies a device only if
	// its fingerprint is enrolled.
	TLSClientCA string
	// Faults to inject.
	Faults Faults
	// Logger receives one line per request (never payload data).
	Logger *slog.Logger
	// Limits bound what one connection or request may cost (zero fields
	// take the defaults of DefaultLimits).
	Limits Limits
}

// Limits bound the network-facing side: how long a client may take to send
// its request, how long an answer may take, how long an idle keep-alive
// connection stays open, and how large headers and bodies may be.
type Limits struct {
	// ReadHeaderTimeout bounds reading the request headers.
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds reading the whole request, body included.
	ReadTimeout time.Duration
	// WriteTimeout bounds the time from the end of the headers to the end
	// of the answer (it must exceed any injected delay).
	WriteTimeout time.Duration
	// IdleTimeout closes keep-alive connections idle for this long.
	IdleTimeout time.Duration
	// MaxHeaderBytes bounds the request line and headers.
	MaxHeaderBytes int
	// MaxBody bounds a submission body.
	MaxBody int64
	// MaxConns bounds the open connections; more wait in the kernel's
	// accept queue.
	MaxConns int
}

// DefaultLimits are the limits of a production intake: generous for a
// kiosk on a slow rural link (a 32 MiB dossier at 1 Mbit/s takes ~4.5 min),
// tight for a client that opens a connection and sends nothing.
var DefaultLimits = Limits{
	ReadHeaderTimeout: 10 * time.Second,
	ReadTimeout:       5 * time.Minute,
	WriteTimeout:      6 * time.Minute,
	IdleTimeout:       90 * time.Second,
	MaxHeaderBytes:    16 << 10,
	MaxBody:           MaxBody,
	MaxConns:          4096,
}

// withDefaults fills zero fields from DefaultLimits.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	if l.ReadHeaderTimeout > 0 {
		d.ReadHeaderTimeout = l.ReadHeaderTimeout
	}
	if l.ReadTimeout > 0 {
		d.ReadTimeout = l.ReadTimeout
	}
	if l.WriteTimeout > 0 {
		d.WriteTimeout = l.WriteTimeout
	}
	if l.IdleTimeout > 0 {
		d.IdleTimeout = l.IdleTimeout
	}
	if l.MaxHeaderBytes > 0 {
		d.MaxHeaderBytes = l.MaxHeaderBytes
	}
	if l.MaxBody > 0 {
		d.MaxBody = l.MaxBody
	}
	if l.MaxConns > 0 {
		d.MaxConns = l.MaxConns
	}
	return d
}

// ListenAndServe runs the intake until ctx is cancelled. ready, if not nil,
// is called with the listening URL once the socket is open.
func ListenAndServe(ctx context.Context, cfg Config, ready func(url string)) error {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	tlsOn := cfg.TLSCert != "" || cfg.TLSKey != ""
	host, _, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return fmt.Errorf("intake: --addr: %w", err)
	}
	if !tlsOn {
		ip := net.ParseIP(host)
		if host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return errors.New("intake: plain HTTP only on a loopback address; give --tls-cert and --tls-key")
		}
	}
	var tcfg *tls.Config
	if tlsOn {
		cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
		if err != nil {
			return fmt.Errorf("intake: TLS certificate: %w", err)
		}
		tcfg = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}
		if cfg.TLSClientCA != "" {
			pem, err := os.ReadFile(cfg.TLSClientCA)
			if err != nil {
				return fmt.Errorf("intake: client CA: %w", err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return fmt.Errorf("intake: client CA %s holds no PEM certificate", cfg.TLSClientCA)
			}
			tcfg.ClientCAs = pool
			tcfg.ClientAuth = tls.RequireAndVerifyClientCert
		} else {
			// The handshake still proves the key (CertificateVerify);
			// the fingerprint must be enrolled to count.
			tcfg.ClientAuth = tls.RequestClientCert
		}
	} else if cfg.TLSClientCA != "" {
		return errors.New("intake: --tls-client-ca needs --tls-cert and --tls-key")
	}

	var store Backend
	switch {
	case cfg.DB != "":
		var pg *PGStore
		if pg, err = OpenPG(ctx, cfg.DB, cfg.DBMaxConns); err == nil {
			pg.SetForwarding(cfg.Forwarding)
			store = pg
		}
	case cfg.Forwarding:
		err = errors.New("intake: forwarding needs the PostgreSQL store (--db)")
	case cfg.DataDir != "":
		store, err = OpenStore(cfg.DataDir)
	default:
		err = errors.New("intake: give a data directory or a database URL")
	}
	if err != nil {
		return err
	}
	defer store.Close()
	srv, err := NewServer(store, cfg.Token, cfg.Faults, log)
	if err != nil {
		return err
	}
	srv.SetAdminToken(cfg.AdminToken)
	srv.SetHeartbeat(cfg.HeartbeatEvery, cfg.OfflineAfter)
	switch {
	case cfg.Rate < 0:
		srv.SetRateLimit(0, 0)
	case cfg.Rate > 0 || cfg.Burst > 0:
		rate, burst := cfg.Rate, cfg.Burst
		if rate == 0 {
			rate = DefaultRate
		}
		if burst == 0 {
			burst = DefaultBurst
		}
		srv.SetRateLimit(rate, burst)
	}
	if cfg.DB == "" {
		// The admin socket is an operator convenience (list and report while
		// serve holds the bbolt lock): a system without unix sockets (Wine,
		// older Windows) serves without it, and says so.
		if stopAdmin, err := serveAdminSocket(filepath.Join(cfg.DataDir, AdminSocket), srv, log); err != nil {
			log.Warn("no admin socket: list and report need the server stopped", "err", err)
		} else {
			defer stopAdmin()
		}
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("intake: listen: %w", err)
	}
	lim := cfg.Limits.withDefaults()
	srv.maxBody = lim.MaxBody
	ln = netutil.LimitListener(ln, lim.MaxConns)
	hs := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: lim.ReadHeaderTimeout,
		ReadTimeout:       lim.ReadTimeout,
		WriteTimeout:      lim.WriteTimeout,
		IdleTimeout:       lim.IdleTimeout,
		MaxHeaderBytes:    lim.MaxHeaderBytes,
		// HTTP/1.1 only, so the drop and reset faults can hijack.
		TLSNextProto: map[string]func(*http.Server, *tls.Conn, http.Handler){},
		ErrorLog:     slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
	scheme := "http"
	if tcfg != nil {
		hs.TLSConfig = tcfg
		ln = tls.NewListener(ln, tcfg)
		scheme = "https"
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	if ready != nil {
		ready(scheme + "://" + ln.Addr().String())
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		hs.Shutdown(sctx)
		return nil
	}
}
