package printertest

import (
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// The double must refuse what a printer cannot execute, or the printer
// tests would pass on a broken stream.
func TestPrintFakeRefusesMalformedStreams(t *testing.T) {
	p, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	for i, tc := range []struct {
		stream string
		want   string
	}{
		{"\x1bz", "unknown command ESC"},
		{"\x1d(k\x03\x001Q0", "QR print with nothing stored"},
		{"\x1d(k\x03\x002Q0", "not QR"},
		{"\x1dV\x07", "bad cut mode"},
		{"\x1dv0\x00\x00\x00\x01\x00", "out of range"},
		{"\x07", "unknown control byte"},
		{"\x10\x04\x09", "unknown command DLE"},
	} {
		c, err := net.Dial("tcp", strings.TrimPrefix(p.Addr(), "tcp://"))
		if err != nil {
			t.Fatal(err)
		}
		c.Write([]byte(tc.stream))
		c.Close()
		jobs, err := p.Wait(i+1, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if e := strings.Join(jobs[i].Errors, "; "); !strings.Contains(e, tc.want) {
			t.Errorf("%q: errors %q, want %q", tc.stream, e, tc.want)
		}
	}
	// Status is answered at once, from the flags.
	p.SetPaperEnd(true)
	c, err := net.Dial("tcp", strings.TrimPrefix(p.Addr(), "tcp://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte("\x10\x04\x01\x10\x04\x04"))
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	ans := make([]byte, 2)
	if _, err := io.ReadFull(c, ans); err != nil || ans[0] != 0x1a || ans[1] != 0x7e {
		t.Fatalf("status answers % x, %v", ans, err)
	}
}
