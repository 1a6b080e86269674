package office

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
	"strings"
	"sync"
	"time"
)

// Limits of the receiver (Config's zero values take them).
const (
	// MaxBody is the largest message body accepted: a call is ~250 bytes.
	MaxBody = 2048
	// DefaultSkew is how far a message's time may be from the receiver's
	// clock: the office's machines keep time by NTP or by hand, and a
	// minute covers a clock set by hand.
	DefaultSkew = 60 * time.Second
	// DefaultRate and DefaultBurst: messages per second per peer address,
	// and how many at once; a kiosk sends one call at a time.
	DefaultRate  = 2.0
	DefaultBurst = 10
	// DefaultTimeout bounds one send to one peer: on a LAN a peer that
	// does not answer in 3 s is not there.
	DefaultTimeout = 3 * time.Second
	maxNonces      = 4096
	maxPeerBuckets = 256
)

// Receiver is told of the messages accepted, on the request's goroutine
// (it returns quickly).
type Receiver interface {
	ReceiveHelp(Help)
	ReceiveAnswer(Answer)
}

// Config is what a link runs on.
type Config struct {
	// Name is this machine's name in its messages; Office the office's.
	Name, Office string
	Key          Key
	// Peers are the other machines' listen addresses (host:port).
	Peers []string
	Log   *slog.Logger
	Now   func() time.Time
	// Client sends to peers (nil: one with DefaultTimeout, no proxy: the
	// link never leaves the LAN through a proxy).
	Client *http.Client
	// Skew, Rate and Burst: zero takes the defaults.
	Skew  time.Duration
	Rate  float64
	Burst int
}

// Link is one machine's end of the office link: it sends signed messages
// to its peers and serves theirs.
type Link struct {
	cfg    Config
	key    Key
	nonces *nonces
	limit  *limiter
	log    *slog.Logger

	mu   sync.Mutex
	recv Receiver
}

// New makes a link; Attach gives it its receiver.
func New(cfg Config) (*Link, error) {
	if cfg.Key == (Key{}) {
		return nil, errors.New("office link: no key")
	}
	if !name(cfg.Name, false) || !name(cfg.Office, true) {
		return nil, fmt.Errorf("office link: name %q or office %q unusable (printable, at most 64 and 128 characters)", cfg.Name, cfg.Office)
	}
	for _, p := range cfg.Peers {
		if _, _, err := net.SplitHostPort(p); err != nil {
			return nil, fmt.Errorf("office link: peer %q: %w", p, err)
		}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Skew <= 0 {
		cfg.Skew = DefaultSkew
	}
	if cfg.Rate <= 0 {
		cfg.Rate = DefaultRate
	}
	if cfg.Burst <= 0 {
		cfg.Burst = DefaultBurst
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: DefaultTimeout, Transport: &http.Transport{Proxy: nil,
			DialContext: (&net.Dialer{Timeout: DefaultTimeout}).DialContext, MaxIdleConnsPerHost: 2,
			IdleConnTimeout: time.Minute}}
	}
	return &Link{cfg: cfg, key: cfg.Key, nonces: newNonces(maxNonces), limit: newLimiter(cfg.Rate, cfg.Burst, maxPeerBuckets),
		log: cfg.Log.With("component", "office")}, nil
}

// Attach sets who is told of accepted messages; until then messages are
// refused (ErrNotReady).
func (l *Link) Attach(r Receiver) {
	l.mu.Lock()
	l.recv = r
	l.mu.Unlock()
}

// Name is this machine's name on the link.
func (l *Link) Name() string { return l.cfg.Name }

// Office is the office's name on the link.
func (l *Link) Office() string { return l.cfg.Office }

// Peers is how many peers the link sends to.
func (l *Link) Peers() int { return len(l.cfg.Peers) }

// Handler serves the protocol (mount it at "/" or under PathPrefix).
func (l *Link) Handler() http.Handler { return http.HandlerFunc(l.serveHTTP) }

func (l *Link) serveHTTP(w http.ResponseWriter, r *http.Request) {
	peer, _, _ := net.SplitHostPort(r.RemoteAddr)
	typ, err := l.accept(r, peer)
	if err != nil {
		var ref *Refusal
		if !errors.As(err, &ref) {
			ref = ErrMalformed
		}
		// The reason and the peer only: never the body.
		l.log.Warn("office message refused", "reason", ref.Reason, "peer", peer, "type", typ)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(ref.Status)
		io.WriteString(w, ref.Reason+"\n")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// accept runs a request through every check and hands the message on.
func (l *Link) accept(r *http.Request, peer string) (string, error) {
	now := l.cfg.Now()
	if !l.limit.allow(peer, now) {
		return "", ErrRateLimited
	}
	if r.ContentLength > MaxBody {
		return "", ErrTooLarge
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBody+1))
	if err != nil {
		return "", ErrMalformed
	}
	if len(body) > MaxBody {
		return "", ErrTooLarge
	}
	if r.Method != http.MethodPost {
		return "", ErrMethod
	}
	nonce, err := verify(&l.key, r, body, now, l.cfg.Skew)
	if err != nil {
		return "", err
	}
	if err := l.nonces.add(nonce, now, now.Add(2*l.cfg.Skew+time.Second)); err != nil {
		return "", err
	}
	typ, ok := strings.CutPrefix(r.URL.Path, PathPrefix)
	if !ok || (typ != TypeHelp && typ != TypeAnswered) {
		return "", ErrUnknownType
	}
	l.mu.Lock()
	recv := l.recv
	l.mu.Unlock()
	if recv == nil {
		return typ, ErrNotReady
	}
	switch typ {
	case TypeHelp:
		var h Help
		if err := decode(body, &h); err != nil {
			return typ, ErrMalformed
		}
		l.log.Info("help call received", "call", h.ID, "from", h.From, "step", h.Step, "peer", peer)
		recv.ReceiveHelp(h)
	case TypeAnswered:
		var a Answer
		if err := decode(body, &a); err != nil {
			return typ, ErrMalformed
		}
		l.log.Info("help answer received", "call", a.ID, "from", a.From, "peer", peer)
		recv.ReceiveAnswer(a)
	}
	return typ, nil
}

// Delivery is what a send did: how many peers took the message, and why
// the others did not.
type Delivery struct {
	Peers  int
	Taken  int
	Failed []error // *PeerError each
}

// SendHelp sends a call to every peer at once and waits for them (each
// bounded by the client's timeout and ctx).
func (l *Link) SendHelp(ctx context.Context, h Help) (Delivery, error) {
	if err := h.Check(); err != nil {
		return Delivery{}, fmt.Errorf("office link: help: %w", err)
	}
	return l.send(ctx, TypeHelp, h)
}

// SendAnswer sends an answer to every peer: the kiosk that called, and
// the other desks, which clear the call.
func (l *Link) SendAnswer(ctx context.Context, a Answer) (Delivery, error) {
	if err := a.Check(); err != nil {
		return Delivery{}, fmt.Errorf("office link: answer: %w", err)
	}
	return l.send(ctx, TypeAnswered, a)
}

func (l *Link) send(ctx context.Context, typ string, msg any) (Delivery, error) {
	body, err := json.Marshal(msg)
	if err != nil {
		return Delivery{}, err
	}
	d := Delivery{Peers: len(l.cfg.Peers)}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, p := range l.cfg.Peers {
		wg.Go(func() {
			err := l.post(ctx, p, typ, body)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				d.Failed = append(d.Failed, &PeerError{Peer: p, Err: err})
				return
			}
			d.Taken++
		})
	}
	wg.Wait()
	return d, nil
}

// post signs and sends one message to one peer.
func (l *Link) post(ctx context.Context, peer, typ string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+peer+PathPrefix+typ, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if err := sign(&l.key, req, body, l.cfg.Now()); err != nil {
		return err
	}
	resp, err := l.cfg.Client.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 512))
	resp.Body.Close()
	if resp.StatusCode == http.StatusNoContent {
		return nil
	}
	if ref := refusalFor(resp.StatusCode); ref != nil {
		return ref
	}
	return fmt.Errorf("answered %s", resp.Status)
}

// Serve serves the link on ln until ctx ends.
func (l *Link) Serve(ctx context.Context, ln net.Listener) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // a failed Serve ends the shutdown goroutine too
	hs := &http.Server{Handler: l.Handler(), ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second,
		WriteTimeout: 10 * time.Second, IdleTimeout: time.Minute, MaxHeaderBytes: 8 << 10,
		ErrorLog: slog.NewLogLogger(l.log.Handler(), slog.LevelDebug)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		hs.Shutdown(sctx)
	}()
	err := hs.Serve(ln)
	cancel()
	<-done
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}
