package agent

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"motcua/internal/config"
	"motcua/sync/connector"
	"motcua/sync/intake"
)

// Delivery is where the agent's dossiers go.
type Delivery struct {
	// Conn is nil when dossiers only queue (no provider, or a queue-only demo).
	Conn connector.Connector
	// Describe names the receiver for status screens and logs.
	Describe string
	stop     func()
}

// Stop stops what the delivery started (the demo's loopback intake).
func (d *Delivery) Stop() {
	if d != nil && d.stop != nil {
		d.stop()
		d.stop = nil
	}
}

// ProviderConnector is the connector of the configured provider
// (provider.kind "intake" or "igate"), or nil when none is configured.
func ProviderConnector(cfg *config.Config) (connector.Connector, error) {
	p := cfg.Provider
	tlsc := connector.TLSConfig{CAFile: p.CAFile, CertFile: p.CertFile, KeyFile: p.KeyFile}
	switch p.Kind {
	case "intake":
		token := p.Token
		if t := os.Getenv("MOTCUA_SYNC_TOKEN"); t != "" {
			token = t
		}
		return connector.NewIntake(connector.IntakeConfig{Endpoint: p.Endpoint, Token: token, TLS: tlsc, Timeout: p.Timeout.Duration})
	case "igate":
		return connector.NewIGate(connector.IGateConfig{BaseURL: p.Endpoint, ClientID: p.ClientID, ClientSecret: p.ClientSecret,
			Unit: p.Unit, TLS: tlsc, Timeout: p.Timeout.Duration})
	}
	return nil, nil
}

// Deliver builds the delivery of the agent. A demo never delivers to the
// configured provider: it starts an intake on loopback under its own data
// directory (or only queues, with queueOnly). Anything else delivers to the
// configured provider, or queues when there is none.
func (a *Agent) Deliver(ctx context.Context, queueOnly bool) (*Delivery, error) {
	if !a.Demo {
		if a.Config.Reader.Simulated && a.Config.Provider.Kind != "" && !loopbackURL(a.Config.Provider.Endpoint) {
			return nil, fmt.Errorf("the simulated reader's synthetic dossiers never go to a provider off this machine (%s): "+
				"use a loopback intake for tests, or unset provider.kind", a.Config.Provider.Endpoint)
		}
		c, err := ProviderConnector(a.Config)
		if err != nil || c == nil {
			return &Delivery{}, err
		}
		return &Delivery{Conn: c, Describe: a.Config.Provider.Endpoint}, nil
	}
	if a.Config.Provider.Kind != "" {
		a.Log.Warn("DEMO: the configured provider is ignored; demo dossiers never leave this machine", "provider", a.Config.Provider.Endpoint)
	}
	if queueOnly {
		return &Delivery{Describe: "DEMO: queued only"}, nil
	}
	return demoIntake(ctx, a.DataDir, a.Log)
}

// demoIntake starts the reference intake on loopback for the demo.
func demoIntake(ctx context.Context, dir string, log *slog.Logger) (*Delivery, error) {
	tok := make([]byte, 16)
	if _, err := rand.Read(tok); err != nil {
		return nil, err
	}
	token := hex.EncodeToString(tok)
	ictx, cancel := context.WithCancel(ctx)
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- intake.ListenAndServe(ictx, intake.Config{Addr: "127.0.0.1:0", DataDir: filepath.Join(dir, "intake"), Token: token,
			Logger: log.With("component", "demo-intake")}, func(url string) { ready <- url })
	}()
	select {
	case url := <-ready:
		c, err := connector.NewIntake(connector.IntakeConfig{Endpoint: url, Token: token})
		if err != nil {
			cancel()
			<-done
			return nil, err
		}
		return &Delivery{Conn: c, Describe: url + " (DEMO intake on loopback)", stop: func() { cancel(); <-done }}, nil
	case err := <-done:
		cancel()
		return nil, fmt.Errorf("demo intake: %w", err)
	case <-time.After(10 * time.Second):
		cancel()
		<-done
		return nil, errors.New("demo intake did not start within 10s")
	}
}

// loopbackURL reports whether u names a loopback host.
func loopbackURL(u string) bool {
	p, err := url.Parse(u)
	if err != nil {
		return false
	}
	h := p.Hostname()
	if strings.EqualFold(h, "localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}
