package logx

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
)

// Options configure New.
type Options struct {
	// Level is "debug", "info", "warn" or "error" (default info).
	Level string
	// Output is "stderr" (default), "journal" (the systemd journal's native
	// socket) or an absolute file path (appended to, created 0640).
	Output string
	// Scrubber holds session values to remove (nil: a new one).
	Scrubber *Scrubber
	// JournalSocket overrides the journal socket path (tests).
	JournalSocket string
}

// Logger is a redacting JSON logger and what it writes to.
type Logger struct {
	*slog.Logger
	// Scrubber is where a session registers the card holder's values.
	Scrubber *Scrubber
	closer   io.Closer
}

// Close closes the log file or journal socket.
func (l *Logger) Close() error {
	if l.closer != nil {
		return l.closer.Close()
	}
	return nil
}

// ParseLevel maps a level name to its slog level.
func ParseLevel(s string) (slog.Level, error) {
	switch strings.ToLower(s) {
	case "debug":
		return slog.LevelDebug, nil
	case "", "info":
		return slog.LevelInfo, nil
	case "warn", "warning":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("log level %q is not debug, info, warn or error", s)
}

// New opens the output and returns a JSON logger behind a Redactor.
func New(o Options) (*Logger, error) {
	level, err := ParseLevel(o.Level)
	if err != nil {
		return nil, err
	}
	var w io.Writer
	var c io.Closer
	switch out := o.Output; {
	case out == "" || out == "stderr":
		w = os.Stderr
	case out == "journal":
		j, err := DialJournal(o.JournalSocket, "motcua")
		if err != nil {
			return nil, err
		}
		w, c = j, j
	case filepath.IsAbs(out):
		if err := os.MkdirAll(filepath.Dir(out), 0o750); err != nil {
			return nil, fmt.Errorf("log file: %w", err)
		}
		f, err := os.OpenFile(out, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
		if err != nil {
			return nil, fmt.Errorf("log file: %w", err)
		}
		w, c = f, f
	default:
		return nil, fmt.Errorf("log output %q is not stderr, journal or an absolute path", out)
	}
	sc := o.Scrubber
	if sc == nil {
		sc = NewScrubber()
	}
	h := NewRedactor(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level}), sc)
	return &Logger{Logger: slog.New(h), Scrubber: sc, closer: c}, nil
}
