package localapi

import (
	"bufio"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// A minimal RFC 6455 server: the handshake, unfragmented text frames to the
// client, and reading (masked) client frames for ping, pong and close.
// Events are small JSON documents; nothing here needs more.

const wsGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// WebSocket opcodes.
const (
	opContinuation = 0x0
	opText         = 0x1
	opBinary       = 0x2
	opClose        = 0x8
	opPing         = 0x9
	opPong         = 0xA
)

// maxClientFrame bounds what a client may send (its messages are ignored;
// only control frames matter).
const maxClientFrame = 64 << 10

var errNotWebSocket = errors.New("not a WebSocket upgrade request")

type wsConn struct {
	c  net.Conn
	br *bufio.Reader

	wmu    sync.Mutex
	closed bool
}

// headerHas reports whether a comma-separated header contains token.
func headerHas(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// wsAccept is the Sec-WebSocket-Accept value for a key.
func wsAccept(key string) string {
	h := sha1.Sum([]byte(key + wsGUID))
	return base64.StdEncoding.EncodeToString(h[:])
}

// upgrade checks the handshake and switches the connection to WebSocket,
// answering with protocol as the chosen subprotocol when not empty.
func upgrade(w http.ResponseWriter, r *http.Request, protocol string) (*wsConn, error) {
	if r.Method != http.MethodGet || !headerHas(r.Header, "Connection", "upgrade") ||
		!headerHas(r.Header, "Upgrade", "websocket") {
		return nil, errNotWebSocket
	}
	if r.Header.Get("Sec-WebSocket-Version") != "13" {
		w.Header().Set("Sec-WebSocket-Version", "13")
		return nil, fmt.Errorf("%w: version must be 13", errNotWebSocket)
	}
	key := r.Header.Get("Sec-WebSocket-Key")
	if k, err := base64.StdEncoding.DecodeString(key); err != nil || len(k) != 16 {
		return nil, fmt.Errorf("%w: bad Sec-WebSocket-Key", errNotWebSocket)
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		return nil, errors.New("websocket: connection cannot be hijacked")
	}
	c, brw, err := hj.Hijack()
	if err != nil {
		return nil, fmt.Errorf("websocket: %w", err)
	}
	var b strings.Builder
	b.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n")
	b.WriteString("Sec-WebSocket-Accept: " + wsAccept(key) + "\r\n")
	if protocol != "" {
		b.WriteString("Sec-WebSocket-Protocol: " + protocol + "\r\n")
	}
	b.WriteString("\r\n")
	c.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write([]byte(b.String())); err != nil {
		c.Close()
		return nil, fmt.Errorf("websocket: %w", err)
	}
	c.SetWriteDeadline(time.Time{})
	return &wsConn{c: c, br: brw.Reader}, nil
}

// writeFrame sends one unmasked, final frame.
func (ws *wsConn) writeFrame(op byte, payload []byte) error {
	ws.wmu.Lock()
	defer ws.wmu.Unlock()
	if ws.closed {
		return net.ErrClosed
	}
	hdr := make([]byte, 2, 10)
	hdr[0] = 0x80 | op
	switch n := len(payload); {
	case n < 126:
		hdr[1] = byte(n)
	case n <= 0xFFFF:
		hdr[1] = 126
		hdr = binary.BigEndian.AppendUint16(hdr, uint16(n))
	default:
		hdr[1] = 127
		hdr = binary.BigEndian.AppendUint64(hdr, uint64(n))
	}
	ws.c.SetWriteDeadline(time.Now().Add(10 * time.Second))
	defer ws.c.SetWriteDeadline(time.Time{})
	if _, err := ws.c.Write(append(hdr, payload...)); err != nil {
		return err
	}
	if op == opClose {
		ws.closed = true
	}
	return nil
}

// WriteText sends a text message.
func (ws *wsConn) WriteText(b []byte) error { return ws.writeFrame(opText, b) }

// Close sends a close frame with code and closes the connection.
func (ws *wsConn) Close(code uint16, reason string) error {
	p := binary.BigEndian.AppendUint16(nil, code)
	if len(reason) > 120 {
		reason = reason[:120]
	}
	ws.writeFrame(opClose, append(p, reason...))
	return ws.c.Close()
}

// readFrame reads one client frame (which must be masked).
func (ws *wsConn) readFrame() (fin bool, op byte, payload []byte, err error) {
	var h [2]byte
	if _, err = io.ReadFull(ws.br, h[:]); err != nil {
		return
	}
	fin, op = h[0]&0x80 != 0, h[0]&0x0F
	if h[0]&0x70 != 0 {
		return false, 0, nil, errors.New("websocket: reserved bits set")
	}
	if h[1]&0x80 == 0 {
		return false, 0, nil, errors.New("websocket: client frame not masked")
	}
	n := uint64(h[1] & 0x7F)
	switch n {
	case 126:
		var b [2]byte
		if _, err = io.ReadFull(ws.br, b[:]); err != nil {
			return
		}
		n = uint64(binary.BigEndian.Uint16(b[:]))
	case 127:
		var b [8]byte
		if _, err = io.ReadFull(ws.br, b[:]); err != nil {
			return
		}
		n = binary.BigEndian.Uint64(b[:])
	}
	if n > maxClientFrame || op >= opClose && n > 125 {
		return false, 0, nil, errors.New("websocket: frame too large")
	}
	var mask [4]byte
	if _, err = io.ReadFull(ws.br, mask[:]); err != nil {
		return
	}
	payload = make([]byte, n)
	if _, err = io.ReadFull(ws.br, payload); err != nil {
		return
	}
	for i := range payload {
		payload[i] ^= mask[i%4]
	}
	return fin, op, payload, nil
}

// readLoop answers pings and closes, discards data messages, and returns
// when the client closes or the connection fails.
func (ws *wsConn) readLoop() error {
	for {
		_, op, p, err := ws.readFrame()
		if err != nil {
			ws.Close(1002, "protocol error")
			return err
		}
		switch op {
		case opPing:
			ws.writeFrame(opPong, p)
		case opClose:
			code := uint16(1000)
			if len(p) >= 2 {
				code = binary.BigEndian.Uint16(p)
			}
			ws.Close(code, "")
			return nil
		case opText, opBinary, opContinuation, opPong:
			// Clients have nothing to say on this socket.
		default:
			ws.Close(1002, "unknown opcode")
			return fmt.Errorf("websocket: unknown opcode %#x", op)
		}
	}
}
