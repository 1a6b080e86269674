package voice

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"time"
)

// Player plays a WAV clip through the system's audio.
type Player interface {
	// Play plays the clip read from wav and returns when it has been
	// played or ctx is done.
	Play(ctx context.Context, wav io.Reader) error
	// Name names the player for the status line.
	Name() string
}

// ErrNoPlayer: none of the known audio players is installed.
var ErrNoPlayer = errors.New("no audio player on PATH (pw-play, paplay or aplay)")

// CmdPlayer runs a program that reads a WAV clip on its standard input.
type CmdPlayer struct {
	Argv []string
}

// knownPlayers in order of preference: PipeWire, then PulseAudio, then
// bare ALSA (which may collide with a running sound server).
var knownPlayers = [][]string{
	{"pw-play", "-"},
	{"paplay"},
	{"aplay", "-q", "-"},
}

// FindPlayer returns the first known player on PATH.
func FindPlayer() (*CmdPlayer, error) {
	for _, argv := range knownPlayers {
		if p, err := exec.LookPath(argv[0]); err == nil {
			return &CmdPlayer{Argv: append([]string{p}, argv[1:]...)}, nil
		}
	}
	return nil, ErrNoPlayer
}

// ParsePlayer makes a player from a configured command line, e.g.
// "aplay -q -D plughw:1,0 -" (split at spaces; the clip arrives on stdin).
func ParsePlayer(cmdline string) (*CmdPlayer, error) {
	argv := strings.Fields(cmdline)
	if len(argv) == 0 {
		return nil, fmt.Errorf("voice: empty player command")
	}
	p, err := exec.LookPath(argv[0])
	if err != nil {
		return nil, fmt.Errorf("voice: player %q: %w", argv[0], err)
	}
	argv[0] = p
	return &CmdPlayer{Argv: argv}, nil
}

// Name implements Player.
func (p *CmdPlayer) Name() string { return strings.Join(p.Argv, " ") }

// Play implements Player. Cancelling ctx kills the player; its output is
// discarded but its error text is kept for the status line.
func (p *CmdPlayer) Play(ctx context.Context, wav io.Reader) error {
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, p.Argv[0], p.Argv[1:]...)
	cmd.Stdin = wav
	cmd.Stderr = &stderr
	cmd.WaitDelay = time.Second // a player that ignores the kill does not hold us
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("%s: %w: %s", p.Argv[0], err, strings.TrimSpace(stderr.String()))
	}
	return nil
}
