package localapi

import (
	"bufio"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// wsClient is a minimal RFC 6455 client for the tests (masked frames out,
// unmasked frames in).
type wsClient struct {
	c        net.Conn
	br       *bufio.Reader
	protocol string
}

// dialWS opens addr's events socket with the given headers and subprotocols.
func dialWS(addr string, header http.Header, protocols ...string) (*wsClient, *http.Response, error) {
	return dialWSPath(addr, "/v1/events", header, protocols...)
}

// dialWSPath opens a WebSocket to path on addr.
func dialWSPath(addr, path string, header http.Header, protocols ...string) (*wsClient, *http.Response, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, nil, err
	}
	var key [16]byte
	rand.Read(key[:])
	k := base64.StdEncoding.EncodeToString(key[:])
	var b strings.Builder
	fmt.Fprintf(&b, "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n", path, addr)
	fmt.Fprintf(&b, "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n", k)
	if len(protocols) > 0 {
		fmt.Fprintf(&b, "Sec-WebSocket-Protocol: %s\r\n", strings.Join(protocols, ", "))
	}
	for name, vs := range header {
		for _, v := range vs {
			fmt.Fprintf(&b, "%s: %s\r\n", name, v)
		}
	}
	b.WriteString("\r\n")
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, b.String()); err != nil {
		c.Close()
		return nil, nil, err
	}
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		c.Close()
		return nil, nil, err
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		c.Close()
		return nil, resp, fmt.Errorf("status %d", resp.StatusCode)
	}
	if resp.Header.Get("Sec-WebSocket-Accept") != wsAccept(k) {
		c.Close()
		return nil, resp, errors.New("bad Sec-WebSocket-Accept")
	}
	c.SetDeadline(time.Time{})
	return &wsClient{c: c, br: br, protocol: resp.Header.Get("Sec-WebSocket-Protocol")}, resp, nil
}

func (w *wsClient) send(op byte, p []byte) error {
	hdr := []byte{0x80 | op}
	switch n := len(p); {
	case n < 126:
		hdr = append(hdr, 0x80|byte(n))
	case n <= 0xFFFF:
		hdr = binary.BigEndian.AppendUint16(append(hdr, 0x80|126), uint16(n))
	default:
		hdr = binary.BigEndian.AppendUint64(append(hdr, 0x80|127), uint64(n))
	}
	mask := [4]byte{1, 2, 3, 4}
	hdr = append(hdr, mask[:]...)
	m := make([]byte, len(p))
	for i := range p {
		m[i] = p[i] ^ mask[i%4]
	}
	_, err := w.c.Write(append(hdr, m...))
	return err
}

// next reads the next frame.
func (w *wsClient) next(timeout time.Duration) (op byte, p []byte, err error) {
	w.c.SetReadDeadline(time.Now().Add(timeout))
	var h [2]byte
	if _, err = io.ReadFull(w.br, h[:]); err != nil {
		return
	}
	if h[1]&0x80 != 0 {
		return 0, nil, errors.New("server frame masked")
	}
	n := uint64(h[1] & 0x7F)
	switch n {
	case 126:
		var b [2]byte
		io.ReadFull(w.br, b[:])
		n = uint64(binary.BigEndian.Uint16(b[:]))
	case 127:
		var b [8]byte
		io.ReadFull(w.br, b[:])
		n = binary.BigEndian.Uint64(b[:])
	}
	p = make([]byte, n)
	_, err = io.ReadFull(w.br, p)
	return h[0] & 0x0F, p, err
}

// event reads the next text frame as an event.
func (w *wsClient) event(t testing.TB) Event {
	t.Helper()
	op, p, err := w.next(10 * time.Second)
	if err != nil {
		t.Fatalf("websocket read: %v", err)
	}
	if op != opText {
		t.Fatalf("opcode %#x, want text (%q)", op, p)
	}
	var e Event
	if err := json.Unmarshal(p, &e); err != nil {
		t.Fatalf("event %q: %v", p, err)
	}
	return e
}

// until reads events until one of type typ arrives (at most 20).
func (w *wsClient) until(t testing.TB, typ string) Event {
	t.Helper()
	for range 20 {
		if e := w.event(t); e.Type == typ {
			return e
		}
	}
	t.Fatalf("no %s event", typ)
	return Event{}
}

// untilRaw reads frames until an event of type typ arrives (at most 20
// frames; control frames are passed over) and returns it with its bytes,
// for checks on what the wire carries.
func (w *wsClient) untilRaw(t testing.TB, typ string) (Event, []byte) {
	t.Helper()
	for range 20 {
		op, p, err := w.next(10 * time.Second)
		if err != nil {
			t.Fatalf("websocket read: %v", err)
		}
		if op != opText {
			continue
		}
		var e Event
		if err := json.Unmarshal(p, &e); err != nil {
			t.Fatalf("event %q: %v", p, err)
		}
		if e.Type == typ {
			return e, p
		}
	}
	t.Fatalf("no %s event", typ)
	return Event{}, nil
}

func (w *wsClient) close() {
	w.send(opClose, []byte{0x03, 0xE8})
	w.c.Close()
}
