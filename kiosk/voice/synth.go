package voice

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
)

// Synth turns a sentence into a WAV file.
type Synth interface {
	// Synthesize writes text spoken as a 16-bit PCM WAV file at path.
	Synthesize(ctx context.Context, text, path string) error
	// ID names the engine, voice and settings: a cached clip is reused
	// only by the same ID.
	ID() string
}

// ErrNoSynth: espeak-ng is not installed.
var ErrNoSynth = errors.New("espeak-ng not found on PATH (Debian package espeak-ng)")

// Espeak is espeak-ng (Debian package espeak-ng) with a Vietnamese voice.
type Espeak struct {
	Path  string // espeak-ng binary
	Voice string // "vi" (northern), "vi-vn-x-central" or "vi-vn-x-south"
	Speed int    // words per minute; 140 is unhurried
	once  sync.Once
	ver   string
}

// Voices espeak-ng offers for Vietnamese.
var Voices = []string{"vi", "vi-vn-x-central", "vi-vn-x-south"}

// NewEspeak finds espeak-ng on PATH. voice "" is "vi", speed 0 is 140.
func NewEspeak(voice string, speed int) (*Espeak, error) {
	if voice == "" {
		voice = "vi"
	}
	ok := false
	for _, v := range Voices {
		ok = ok || v == voice
	}
	if !ok {
		return nil, fmt.Errorf("voice: %q is not a Vietnamese espeak-ng voice (%s)", voice, strings.Join(Voices, ", "))
	}
	if speed == 0 {
		speed = 140
	}
	if speed < 80 || speed > 260 {
		return nil, fmt.Errorf("voice: speed %d words/min out of 80..260", speed)
	}
	p, err := exec.LookPath("espeak-ng")
	if err != nil {
		return nil, ErrNoSynth
	}
	return &Espeak{Path: p, Voice: voice, Speed: speed}, nil
}

// ID implements Synth: engine version, voice and speed.
func (e *Espeak) ID() string {
	e.once.Do(func() {
		out, err := exec.Command(e.Path, "--version").Output()
		e.ver = strings.TrimSpace(string(out))
		if err != nil {
			e.ver = "unknown"
		}
	})
	return e.ver + "|" + e.Voice + "|" + strconv.Itoa(e.Speed)
}

// Synthesize implements Synth. The text goes as an argument, never
// through a shell.
func (e *Espeak) Synthesize(ctx context.Context, text, path string) error {
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, e.Path, "-v", e.Voice, "-s", strconv.Itoa(e.Speed), "-w", path, "--", text)
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("espeak-ng: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

// cache keeps synthesized clips on disk (across restarts) and in memory.
//
// Clips are synthesized at run time into this cache, not prerecorded at
// build time: the build machines (also cross-compiling for Windows) need
// no espeak-ng, no binary audio sits in git, the operator's voice choice
// (northern, central, southern) and speed apply without a rebuild, and
// Warm at start-up makes the first spoken step a cache hit anyway. A
// kiosk whose cache is warm keeps speaking if espeak-ng is later removed.
type cache struct {
	dir   string
	synth Synth // nil: only what is already cached can play
	mu    sync.Mutex
	mem   map[string][]byte
}

func (c *cache) key(text string) string {
	id := "none"
	if c.synth != nil {
		id = c.synth.ID()
	}
	h := sha256.Sum256([]byte(id + "\x00" + text))
	return hex.EncodeToString(h[:12])
}

// get returns the clip for text, synthesizing it on a miss.
func (c *cache) get(ctx context.Context, text string) ([]byte, bool, error) {
	k := c.key(text)
	c.mu.Lock()
	b, ok := c.mem[k]
	c.mu.Unlock()
	if ok {
		return b, true, nil
	}
	path := filepath.Join(c.dir, k+".wav")
	if b, err := os.ReadFile(path); err == nil {
		if _, err := parseWAV(b); err == nil {
			c.put(k, b)
			return b, true, nil
		}
	}
	if c.synth == nil {
		return nil, false, ErrNoSynth
	}
	if err := os.MkdirAll(c.dir, 0o755); err != nil {
		return nil, false, fmt.Errorf("voice cache: %w", err)
	}
	tmp, err := os.CreateTemp(c.dir, k+".*.tmp")
	if err != nil {
		return nil, false, fmt.Errorf("voice cache: %w", err)
	}
	tmp.Close()
	defer os.Remove(tmp.Name())
	if err := c.synth.Synthesize(ctx, text, tmp.Name()); err != nil {
		return nil, false, err
	}
	b, err = os.ReadFile(tmp.Name())
	if err != nil {
		return nil, false, fmt.Errorf("voice cache: %w", err)
	}
	if _, err := parseWAV(b); err != nil {
		return nil, false, fmt.Errorf("espeak-ng output: %w", err)
	}
	// Rename is atomic: a concurrent reader sees the old clip or the new.
	if err := os.Rename(tmp.Name(), path); err != nil {
		return nil, false, fmt.Errorf("voice cache: %w", err)
	}
	c.put(k, b)
	return b, false, nil
}

func (c *cache) put(k string, b []byte) {
	c.mu.Lock()
	c.mem[k] = b
	c.mu.Unlock()
}

// forget drops the in-memory copies (the disk cache stays).
func (c *cache) forget() {
	c.mu.Lock()
	c.mem = map[string][]byte{}
	c.mu.Unlock()
}
