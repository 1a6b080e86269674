package agent

import (
	"context"
	"fmt"
	"log/slog"
	"net"

	"motcua/internal/config"
	"motcua/kiosk/office"
)

// Office is the office link of the configuration ([office], issue 19), or
// nil when office.listen is empty. The key file is read and checked now;
// the link listens when ServeOffice starts it. Its name is office.name
// (else the device's), its office kiosk.office.
func Office(cfg *config.Config, log *slog.Logger) (*office.Link, error) {
	o := cfg.Office
	if o.Listen == "" {
		return nil, nil
	}
	key, err := office.LoadKeyFile(o.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("config: office.key_file: %w", err)
	}
	l, err := office.New(office.Config{Name: cfg.OfficeName(), Office: cfg.Kiosk.Office, Key: key, Peers: o.Peers, Log: log})
	if err != nil {
		return nil, fmt.Errorf("config: [office]: %w", err)
	}
	return l, nil
}

// ServeOffice listens on office.listen and serves l until ctx ends; stop
// waits for it to end.
func ServeOffice(ctx context.Context, cfg *config.Config, l *office.Link, log *slog.Logger) (stop func(), err error) {
	ln, err := net.Listen("tcp", cfg.Office.Listen)
	if err != nil {
		return nil, fmt.Errorf("office link: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := l.Serve(ctx, ln); err != nil {
			log.Error("office link stopped", "err", err)
		}
	}()
	log.Info("office link listening", "listen", ln.Addr().String(), "machine", l.Name(), "peers", l.Peers())
	return func() { cancel(); <-done }, nil
}
