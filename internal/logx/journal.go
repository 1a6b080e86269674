package logx

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"sync"
)

// DefaultJournalSocket is systemd-journald's native protocol socket.
const DefaultJournalSocket = "/run/systemd/journal/socket"

// maxDatagram keeps an entry within what a unix datagram carries without
// journald's memfd path; longer records are cut (and say so).
const maxDatagram = 128 << 10

// Journal writes log records to systemd-journald over its native datagram
// protocol: one Write (one JSON record from slog's JSONHandler) is one
// journal entry with MESSAGE, PRIORITY (from the record's level) and
// SYSLOG_IDENTIFIER.
type Journal struct {
	mu    sync.Mutex
	conn  *net.UnixConn
	ident string
}

// DialJournal connects to the journal socket ("" for the default).
func DialJournal(path, ident string) (*Journal, error) {
	if path == "" {
		path = DefaultJournalSocket
	}
	c, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		return nil, fmt.Errorf("systemd journal: %w (use log.output = \"stderr\" outside systemd)", err)
	}
	return &Journal{conn: c, ident: ident}, nil
}

// Write sends p as one journal entry.
func (j *Journal) Write(p []byte) (int, error) {
	msg := bytes.TrimRight(p, "\n")
	if len(msg) > maxDatagram {
		msg = append(msg[:maxDatagram:maxDatagram], " [truncated]"...)
	}
	var b bytes.Buffer
	field(&b, "PRIORITY", []byte(priority(msg)))
	field(&b, "SYSLOG_IDENTIFIER", []byte(j.ident))
	field(&b, "MESSAGE", msg)
	j.mu.Lock()
	defer j.mu.Unlock()
	if _, err := j.conn.Write(b.Bytes()); err != nil {
		return 0, fmt.Errorf("systemd journal: %w", err)
	}
	return len(p), nil
}

// Close closes the socket.
func (j *Journal) Close() error {
	if j == nil || j.conn == nil {
		return errors.New("journal not open")
	}
	return j.conn.Close()
}

// field appends KEY=value, or the binary form when value has a newline.
func field(b *bytes.Buffer, key string, v []byte) {
	if bytes.IndexByte(v, '\n') < 0 {
		b.WriteString(key)
		b.WriteByte('=')
		b.Write(v)
		b.WriteByte('\n')
		return
	}
	b.WriteString(key)
	b.WriteByte('\n')
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(len(v)))
	b.Write(n[:])
	b.Write(v)
	b.WriteByte('\n')
}

// priority maps slog's JSON level to a syslog priority.
func priority(rec []byte) string {
	switch {
	case bytes.Contains(rec, []byte(`"level":"ERROR`)):
		return "3"
	case bytes.Contains(rec, []byte(`"level":"WARN`)):
		return "4"
	case bytes.Contains(rec, []byte(`"level":"DEBUG`)):
		return "7"
	}
	return "6"
}
