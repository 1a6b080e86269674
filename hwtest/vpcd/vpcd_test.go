package vpcd

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// echoCard answers every APDU with its first byte and 9000, and can leave.
type echoCard struct {
	mu              sync.Mutex
	powered, resets int
	off             int
	fail            bool
	atr             []byte
}

func (c *echoCard) ATR() []byte {
	if c.atr != nil {
		return c.atr
	}
	return []byte{0x3B, 0x00}
}
func (c *echoCard) PowerOn()  { c.mu.Lock(); c.powered++; c.mu.Unlock() }
func (c *echoCard) PowerOff() { c.mu.Lock(); c.off++; c.mu.Unlock() }
func (c *echoCard) Reset()    { c.mu.Lock(); c.resets++; c.mu.Unlock() }
func (c *echoCard) Transmit(apdu []byte) ([]byte, error) {
	if c.fail {
		return nil, errors.New("pulled")
	}
	if len(apdu) < 4 {
		return []byte{0x67, 0x00}, nil
	}
	if len(apdu) > 4 && apdu[1] == 0xEE { // echo the whole command
		return append(append([]byte(nil), apdu...), 0x90, 0x00), nil
	}
	return []byte{apdu[0], 0x90, 0x00}, nil
}

// fakeVPCD plays vpcd's side of the protocol on a loopback listener.
type fakeVPCD struct {
	ln    net.Listener
	conns chan net.Conn
}

func newFakeVPCD(t *testing.T) *fakeVPCD {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeVPCD{ln: ln, conns: make(chan net.Conn, 4)}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for range 4 { // bounded: no test inserts more cards than this
			c, err := ln.Accept()
			if err != nil {
				return
			}
			f.conns <- c
		}
	}()
	return f
}

func (f *fakeVPCD) addr() string { return f.ln.Addr().String() }

// accept waits for the card to connect.
func (f *fakeVPCD) accept(t *testing.T) net.Conn {
	t.Helper()
	select {
	case c := <-f.conns:
		t.Cleanup(func() { c.Close() })
		c.SetDeadline(time.Now().Add(5 * time.Second))
		return c
	case <-time.After(5 * time.Second):
		t.Fatal("the card did not connect")
		return nil
	}
}

// send writes a frame in pieces of at most chunk bytes, each its own
// write, as vpcd does (it writes the length and the body separately).
func send(t *testing.T, c net.Conn, b []byte, chunk int) {
	t.Helper()
	frame := append([]byte{byte(len(b) >> 8), byte(len(b))}, b...)
	if chunk == 0 { // vpcd's way: length, then body
		if _, err := c.Write(frame[:2]); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Write(frame[2:]); err != nil {
			t.Fatal(err)
		}
		return
	}
	for len(frame) > 0 {
		n := min(chunk, len(frame))
		if _, err := c.Write(frame[:n]); err != nil {
			t.Fatal(err)
		}
		frame = frame[n:]
		time.Sleep(100 * time.Microsecond) // let the card see each piece on its own
	}
}

func expect(t *testing.T, c net.Conn, want []byte) {
	t.Helper()
	got, err := readFrame(c)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("got %X, %v; want %X", got, err, want)
	}
}

func TestServeProtocol(t *testing.T) {
	for _, tc := range []struct {
		name  string
		chunk int
		opts  Options
	}{
		{"vpcd writes", 0, Options{}},
		{"one byte at a time", 1, Options{}},
		{"three bytes at a time", 3, Options{}},
		{"delayed ACK", 0, Options{DelayedACK: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeVPCD(t)
			card := &echoCard{}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := make(chan error, 1)
			go func() { done <- ServeOptions(ctx, f.addr(), card, tc.opts) }()
			c := f.accept(t)
			send(t, c, []byte{ctrlOn}, tc.chunk)
			send(t, c, []byte{ctrlReset}, tc.chunk)
			send(t, c, []byte{0x7F}, tc.chunk) // unknown control code: ignored, no answer
			send(t, c, []byte{ctrlATR}, tc.chunk)
			expect(t, c, card.ATR())
			send(t, c, []byte{0x00, 0xA4, 0x04, 0x00}, tc.chunk)
			expect(t, c, []byte{0x00, 0x90, 0x00})
			big := make([]byte, 4000) // an extended APDU
			big[0], big[1] = 0x0C, 0xEE
			for i := 2; i < len(big); i++ {
				big[i] = byte(i)
			}
			send(t, c, big, tc.chunk*97)
			expect(t, c, append(big, 0x90, 0x00))
			send(t, c, []byte{ctrlOff}, tc.chunk)
			send(t, c, []byte{ctrlATR}, tc.chunk)
			expect(t, c, card.ATR())
			card.mu.Lock()
			if card.powered != 1 || card.resets != 1 || card.off != 1 {
				t.Errorf("power on %d, reset %d, off %d; want 1 each", card.powered, card.resets, card.off)
			}
			card.mu.Unlock()
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Fatal(err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("Serve did not return after cancel")
			}
			if _, err := readFrame(c); !errors.Is(err, io.EOF) {
				t.Fatalf("connection after cancel: %v, want EOF (card removed)", err)
			}
		})
	}
}

func TestServeClosesWhenCardLeaves(t *testing.T) {
	f := newFakeVPCD(t)
	card := &echoCard{fail: true}
	done := make(chan error, 1)
	go func() { done <- Serve(context.Background(), f.addr(), card) }()
	c := f.accept(t)
	send(t, c, []byte{0x00, 0xB0, 0x00, 0x00}, 0)
	if _, err := readFrame(c); err == nil {
		t.Fatal("a pulled card answered")
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestServeVPCDCloses(t *testing.T) {
	f := newFakeVPCD(t)
	done := make(chan error, 1)
	go func() { done <- Serve(context.Background(), f.addr(), &echoCard{}) }()
	c := f.accept(t)
	c.Close()
	if err := <-done; err != nil {
		t.Fatalf("vpcd closing between frames: %v, want nil", err)
	}

	// Closing in the middle of a frame is an error: vpcd broke down.
	go func() { done <- Serve(context.Background(), f.addr(), &echoCard{}) }()
	c = f.accept(t)
	c.Write([]byte{0x00, 0x10, 0x00, 0xA4})
	c.Close()
	if err := <-done; !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("vpcd closing mid-frame: %v, want ErrUnexpectedEOF", err)
	}
}

func TestServeResponseTooLong(t *testing.T) {
	f := newFakeVPCD(t)
	card := &echoCard{}
	done := make(chan error, 1)
	go func() { done <- Serve(context.Background(), f.addr(), card) }()
	c := f.accept(t)
	cmd := make([]byte, MaxFrame) // echoed with 9000: two bytes too many
	cmd[1] = 0xEE
	send(t, c, cmd, 0)
	if err := <-done; !errors.Is(err, ErrFrameTooLong) {
		t.Fatalf("oversized response: %v, want ErrFrameTooLong", err)
	}
}

func TestServeNoVPCD(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	if err := Serve(context.Background(), addr, &echoCard{}); err == nil {
		t.Fatal("no error without vpcd")
	}
	if err := NewSlot(addr, Options{}).Insert(&echoCard{}); err == nil {
		t.Fatal("slot insert without vpcd succeeded")
	}
}

func TestWriteFrameShortWrites(t *testing.T) {
	var buf bytes.Buffer
	w := &trickleWriter{w: &buf}
	if err := writeFrame(w, []byte{1, 2, 3, 4, 5}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), []byte{0, 5, 1, 2, 3, 4, 5}) {
		t.Fatalf("frame %X", buf.Bytes())
	}
	if err := writeFrame(stuckWriter{}, []byte{1}); !errors.Is(err, io.ErrShortWrite) {
		t.Fatalf("stuck writer: %v", err)
	}
}

// trickleWriter accepts two bytes per write.
type trickleWriter struct{ w io.Writer }

func (t *trickleWriter) Write(p []byte) (int, error) { return t.w.Write(p[:min(2, len(p))]) }

// stuckWriter accepts nothing and says nothing.
type stuckWriter struct{}

func (stuckWriter) Write([]byte) (int, error) { return 0, nil }

func TestSlotRemoveAndReinsert(t *testing.T) {
	f := newFakeVPCD(t)
	card := &echoCard{}
	s := NewSlot(f.addr(), Options{})
	if s.Inserted() {
		t.Fatal("new slot holds a card")
	}
	if err := s.Remove(); err != nil {
		t.Fatalf("remove from an empty slot: %v", err)
	}
	for round := range 2 {
		if err := s.Insert(card); err != nil {
			t.Fatal(err)
		}
		if err := s.Insert(card); !errors.Is(err, ErrOccupied) {
			t.Fatalf("round %d: second insert: %v", round, err)
		}
		c := f.accept(t)
		send(t, c, []byte{ctrlATR}, 0)
		expect(t, c, card.ATR())
		if !s.Inserted() {
			t.Fatal("slot does not know its card")
		}
		if err := s.Remove(); err != nil {
			t.Fatal(err)
		}
		if _, err := readFrame(c); !errors.Is(err, io.EOF) {
			t.Fatalf("round %d: after Remove vpcd reads %v, want EOF", round, err)
		}
		if s.Inserted() {
			t.Fatal("slot still holds the removed card")
		}
	}

	// A card that leaves on its own frees the slot.
	leaving := &echoCard{fail: true}
	if err := s.Insert(leaving); err != nil {
		t.Fatal(err)
	}
	c := f.accept(t)
	send(t, c, []byte{0x00, 0xB0, 0x00, 0x00}, 0)
	readFrame(c)
	deadline := time.Now().Add(5 * time.Second)
	for s.Inserted() && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if s.Inserted() {
		t.Fatal("slot still busy after its card left")
	}
	if err := s.Insert(card); err != nil {
		t.Fatalf("insert after the card left: %v", err)
	}
	f.accept(t)
	if err := s.Remove(); err != nil {
		t.Fatal(err)
	}
}

// replies counts the answers vpcd expects to the complete frames in b, up
// to the first one whose answer cannot be framed (Serve stops there).
func replies(b []byte) int {
	n := 0
	for len(b) >= 2 {
		l := int(b[0])<<8 | int(b[1])
		if len(b) < 2+l {
			break
		}
		msg := b[2 : 2+l]
		b = b[2+l:]
		switch {
		case l == 1 && msg[0] == ctrlATR, l >= 2:
			if l > 4 && msg[1] == 0xEE && l+2 > MaxFrame {
				return n
			}
			n++
		}
	}
	return n
}

// FuzzServe feeds arbitrary bytes from "vpcd": Serve never panics, answers
// exactly the frames that want an answer, and every answer is well formed.
func FuzzServe(f *testing.F) {
	f.Add([]byte{0, 1, 4})
	f.Add([]byte{0, 1, 1, 0, 1, 2, 0, 5, 0, 0xA4, 4, 0, 0})
	f.Add([]byte{0, 4, 0, 0xEE, 0, 0, 0, 1})
	f.Add([]byte{0, 0, 0, 2, 0, 0})
	f.Add([]byte{0xFF, 0xFF, 1, 2})
	f.Fuzz(func(t *testing.T, in []byte) {
		vpcdSide, cardSide := net.Pipe()
		defer vpcdSide.Close()
		done := make(chan error, 1)
		go func() { done <- serveConn(context.Background(), cardSide, &echoCard{}, Options{}) }()
		go vpcdSide.Write(in) // unblocked by Close at the latest
		vpcdSide.SetReadDeadline(time.Now().Add(5 * time.Second))
		want := replies(in)
		for i := range want {
			b, err := readFrame(vpcdSide)
			if err != nil {
				t.Fatalf("reply %d of %d: %v", i+1, want, err)
			}
			if len(b) < 2 {
				t.Fatalf("reply frame of %d bytes", len(b))
			}
		}
		vpcdSide.Close()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("serve did not stop")
		}
	})
}
