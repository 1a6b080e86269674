// Package voice speaks the kiosk's steps in Vietnamese: a fixed short
// sentence per step and error (messages.go), synthesized by espeak-ng
// into a cache and played through the system's audio player without
// blocking the caller. It has repeat ("Nghe lại"), volume and on/off, and
// is silent in desk mode. Callers pass a Message, never text, so nothing
// from a card is ever spoken. No UI here: an engine calls it.
package voice

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Mode is where the app runs.
type Mode int

// Modes: a kiosk speaks; an officer's desk stays silent.
const (
	Kiosk Mode = iota
	Desk
)

// Config is the [kiosk] voice settings plus the parts to use.
type Config struct {
	Enabled bool // voice = true
	Volume  int  // voice_volume, 0..100 (0 silent)
	Mode    Mode
	// CacheDir holds the synthesized clips; "" is the user cache dir
	// (~/.cache/motcua/voice).
	CacheDir string
	// Synth is the speech engine; nil finds espeak-ng (voice "vi", 140
	// words/min). When none is found, clips already cached still play.
	Synth Synth
	// Player plays clips; nil finds pw-play, paplay or aplay on PATH.
	Player Player
}

// Status says whether the guide can speak and, if not, why.
type Status struct {
	Speaking  bool    // a clip is playing now
	Active    bool    // on, kiosk mode, volume > 0 and a player found
	Player    string  // the player in use
	Reason    string  // why silent, when not Active
	LastError string  // the last synthesis or playback failure
	Last      Message // the last message asked for (what Repeat says)
	Enabled   bool    // the on/off setting (admin)
	Volume    int     // the volume setting, 0..100 (admin)
}

// Guide speaks messages. Safe for concurrent use.
type Guide struct {
	cache  *cache
	player Player
	noPlay string // why there is no player

	mu      sync.Mutex
	enabled bool
	volume  int
	mode    Mode
	last    Message
	lastErr string
	playing int           // plays in flight
	cancel  func()        // stops the current clip
	prev    chan struct{} // closed when the current clip's goroutine ends
	closed  bool
	wg      sync.WaitGroup
}

// New makes a guide. It never fails: what is missing makes it silent,
// and Status says why.
func New(cfg Config) *Guide {
	dir := cfg.CacheDir
	if dir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			base = os.TempDir()
		}
		dir = filepath.Join(base, "motcua", "voice")
	}
	g := &Guide{enabled: cfg.Enabled, mode: cfg.Mode, volume: clamp(cfg.Volume), player: cfg.Player}
	s := cfg.Synth
	if s == nil {
		if e, err := NewEspeak("", 0); err == nil {
			s = e
		} else {
			g.lastErr = err.Error()
		}
	}
	g.cache = &cache{dir: dir, synth: s, mem: map[string][]byte{}}
	if g.player == nil {
		if p, err := FindPlayer(); err == nil {
			g.player = p
		} else {
			g.noPlay = err.Error()
		}
	}
	return g
}

func clamp(v int) int { return max(0, min(100, v)) }

// SetEnabled turns the voice on or off (admin setting).
func (g *Guide) SetEnabled(on bool) {
	g.mu.Lock()
	g.enabled = on
	g.mu.Unlock()
	if !on {
		g.Stop()
	}
}

// SetVolume sets the volume, 0..100; it applies from the next clip.
func (g *Guide) SetVolume(v int) {
	g.mu.Lock()
	g.volume = clamp(v)
	g.mu.Unlock()
}

// SetMode switches between kiosk (speaks) and desk (silent).
func (g *Guide) SetMode(m Mode) {
	g.mu.Lock()
	g.mode = m
	g.mu.Unlock()
	if m == Desk {
		g.Stop()
	}
}

// silentReason is why nothing would play now ("" if it would); mu held.
func (g *Guide) silentReason() string {
	switch {
	case g.closed:
		return "closed"
	case g.mode == Desk:
		return "desk mode is silent"
	case !g.enabled:
		return "voice is off"
	case g.volume == 0:
		return "volume is 0"
	case g.player == nil:
		return g.noPlay
	}
	return ""
}

// Status reports the guide's state.
func (g *Guide) Status() Status {
	g.mu.Lock()
	defer g.mu.Unlock()
	st := Status{Speaking: g.playing > 0, Reason: g.silentReason(), LastError: g.lastErr, Last: g.last,
		Enabled: g.enabled, Volume: g.volume}
	st.Active = st.Reason == ""
	if g.player != nil {
		st.Player = g.player.Name()
	}
	return st
}

// Say speaks m, cutting off whatever was being said. It returns at once:
// synthesis and playback run in the background, and a player that hangs
// never holds the caller. An unknown message is recorded as an error and
// not spoken. The message is remembered for Repeat even when silent.
func (g *Guide) Say(m Message) {
	if !m.Valid() {
		g.mu.Lock()
		g.lastErr = fmt.Sprintf("unknown message %d not spoken", int(m))
		g.mu.Unlock()
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return
	}
	g.last = m
	g.startLocked(m, nil)
}

// Repeat says the last message again ("Nghe lại"); nothing if none yet.
func (g *Guide) Repeat() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.last == 0 || g.closed {
		return
	}
	g.startLocked(g.last, nil)
}

// Stop cuts off the clip being played, if any.
func (g *Guide) Stop() {
	g.mu.Lock()
	if g.cancel != nil {
		g.cancel()
		g.cancel = nil
	}
	g.mu.Unlock()
}

// firstSample, when set, is called as the first audio sample reaches the
// player (benchmarks).
type firstSample func()

// startLocked starts m in the background; mu held.
func (g *Guide) startLocked(m Message, hook firstSample) {
	if g.cancel != nil {
		g.cancel()
		g.cancel = nil
	}
	if g.silentReason() != "" {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	g.cancel = cancel
	prev, done := g.prev, make(chan struct{})
	g.prev = done
	vol, player := g.volume, g.player
	g.playing++
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		defer close(done)
		defer func() {
			g.mu.Lock()
			g.playing--
			g.mu.Unlock()
			cancel()
		}()
		err := g.play(ctx, prev, m, vol, player, hook)
		if err != nil && ctx.Err() == nil {
			g.mu.Lock()
			g.lastErr = fmt.Sprintf("%s: %v", m, err)
			g.mu.Unlock()
		}
	}()
}

// overlapWait is how long a new clip waits for the cut-off one's player
// to exit, so two clips do not sound together; a player that ignores
// being killed is not waited for longer.
const overlapWait = 300 * time.Millisecond

func (g *Guide) play(ctx context.Context, prev chan struct{}, m Message, vol int, p Player, hook firstSample) error {
	clip, _, err := g.cache.get(ctx, m.Text())
	if err != nil {
		return err
	}
	w, err := parseWAV(clip)
	if err != nil {
		return err
	}
	if prev != nil {
		select {
		case <-prev:
		case <-time.After(overlapWait):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return p.Play(ctx, &clipReader{b: clip, w: w, volume: vol, hook: hook})
}

// Warm synthesizes every message into the cache, so the first visit
// hears its steps without waiting for espeak-ng. It returns the first
// failure; the others are still tried.
func (g *Guide) Warm(ctx context.Context) error {
	var first error
	for _, m := range Messages() {
		if _, _, err := g.cache.get(ctx, m.Text()); err != nil && first == nil {
			first = fmt.Errorf("voice: %s: %w", m, err)
		}
	}
	return first
}

// Clip returns m's WAV clip (from the cache, synthesizing on a miss)
// and whether it was cached.
func (g *Guide) Clip(ctx context.Context, m Message) ([]byte, bool, error) {
	if !m.Valid() {
		return nil, false, fmt.Errorf("voice: unknown message %d", int(m))
	}
	return g.cache.get(ctx, m.Text())
}

// Close stops speaking and waits at most d for the background clips to
// end (a hung player is abandoned after d). It reports whether they did.
func (g *Guide) Close(d time.Duration) bool {
	g.mu.Lock()
	g.closed = true
	if g.cancel != nil {
		g.cancel()
		g.cancel = nil
	}
	g.mu.Unlock()
	done := make(chan struct{})
	go func() { g.wg.Wait(); close(done) }()
	select {
	case <-done:
		return true
	case <-time.After(d):
		return false
	}
}
