package localapi

import (
	"bufio"
	"bytes"
	"testing"
)

// FuzzReadFrame: arbitrary client bytes never panic the frame reader, and
// an accepted frame is bounded and was masked.
func FuzzReadFrame(f *testing.F) {
	f.Add([]byte{0x81, 0x82, 1, 2, 3, 4, 'h' ^ 1, 'i' ^ 2})
	f.Add([]byte{0x88, 0x82, 0, 0, 0, 0, 0x03, 0xE8})
	f.Add([]byte{0x81, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF})
	f.Add([]byte{0x81, 0x02, 'h', 'i'}) // unmasked: refused
	f.Fuzz(func(t *testing.T, data []byte) {
		ws := &wsConn{br: bufio.NewReader(bytes.NewReader(data))}
		for range 8 {
			_, op, p, err := ws.readFrame()
			if err != nil {
				return
			}
			if len(p) > maxClientFrame || op >= opClose && len(p) > 125 {
				t.Fatalf("oversized frame accepted: op %x len %d", op, len(p))
			}
		}
	})
}
