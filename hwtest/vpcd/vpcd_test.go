package vpcd

import (
	"bytes"
	"context"
	"errors"
	"net"
	"testing"
	"time"
)

// echoCard answers every APDU with its first byte and 9000.
type echoCard struct {
	powered, resets int
	fail            bool
}

func (c *echoCard) ATR() []byte { return []byte{0x3B, 0x00} }
func (c *echoCard) PowerOn()    { c.powered++ }
func (c *echoCard) PowerOff()   {}
func (c *echoCard) Reset()      { c.resets++ }
func (c *echoCard) Transmit(apdu []byte) ([]byte, error) {
	if c.fail {
		return nil, errors.New("pulled")
	}
	return []byte{apdu[0], 0x90, 0x00}, nil
}

// fakeVPCD plays vpcd's side: it writes length and body separately, as vpcd does.
func fakeVPCD(t *testing.T) (addr string, conns chan net.Conn) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	conns = make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			conns <- c
		}
	}()
	return ln.Addr().String(), conns
}

func send(t *testing.T, c net.Conn, b []byte) {
	t.Helper()
	if _, err := c.Write([]byte{byte(len(b) >> 8), byte(len(b))}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write(b); err != nil {
		t.Fatal(err)
	}
}

func TestServeProtocol(t *testing.T) {
	addr, conns := fakeVPCD(t)
	card := &echoCard{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, addr, card) }()
	c := <-conns
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	send(t, c, []byte{ctrlOn})
	send(t, c, []byte{ctrlReset})
	send(t, c, []byte{ctrlATR})
	got, err := readFrame(c)
	if err != nil || !bytes.Equal(got, card.ATR()) {
		t.Fatalf("ATR %X, %v", got, err)
	}
	send(t, c, []byte{0x00, 0xA4, 0x04, 0x00})
	got, err = readFrame(c)
	if err != nil || !bytes.Equal(got, []byte{0x00, 0x90, 0x00}) {
		t.Fatalf("R-APDU %X, %v", got, err)
	}
	big := make([]byte, 4000) // an extended APDU
	big[0] = 0x0C
	send(t, c, big)
	if got, _ = readFrame(c); !bytes.Equal(got, []byte{0x0C, 0x90, 0x00}) {
		t.Fatalf("extended R-APDU %X", got)
	}
	if card.powered != 1 || card.resets != 1 {
		t.Fatalf("power %d reset %d", card.powered, card.resets)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after cancel")
	}
}

func TestServeClosesWhenCardLeaves(t *testing.T) {
	addr, conns := fakeVPCD(t)
	card := &echoCard{fail: true}
	done := make(chan error, 1)
	go func() { done <- Serve(context.Background(), addr, card) }()
	c := <-conns
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	send(t, c, []byte{0x00, 0xB0, 0x00, 0x00})
	if _, err := readFrame(c); err == nil {
		t.Fatal("a pulled card answered")
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestServeNoVPCD(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	if err := Serve(context.Background(), addr, &echoCard{}); err == nil {
		t.Fatal("no error without vpcd")
	}
}
