package voice

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// wavInfo locates the samples of a 16-bit PCM WAV file.
type wavInfo struct {
	channels, rate int
	dataOff        int // offset of the first sample
	dataLen        int
}

var errWAV = errors.New("not a 16-bit PCM WAV file")

// parseWAV reads the RIFF chunks of b.
func parseWAV(b []byte) (wavInfo, error) {
	var w wavInfo
	if len(b) < 12 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return w, errWAV
	}
	fmtSeen := false
	for off := 12; off+8 <= len(b); {
		id, n := string(b[off:off+4]), int(binary.LittleEndian.Uint32(b[off+4:off+8]))
		body := off + 8
		switch id {
		case "fmt ":
			if n < 16 || body+16 > len(b) {
				return w, fmt.Errorf("%w: short fmt chunk", errWAV)
			}
			f := b[body:]
			if binary.LittleEndian.Uint16(f[0:2]) != 1 || binary.LittleEndian.Uint16(f[14:16]) != 16 {
				return w, fmt.Errorf("%w: format %d, %d bits", errWAV, binary.LittleEndian.Uint16(f[0:2]), binary.LittleEndian.Uint16(f[14:16]))
			}
			w.channels = int(binary.LittleEndian.Uint16(f[2:4]))
			w.rate = int(binary.LittleEndian.Uint32(f[4:8]))
			fmtSeen = true
		case "data":
			if !fmtSeen {
				return w, fmt.Errorf("%w: data before fmt", errWAV)
			}
			// A streamed header may say "to the end" (0 or 0xffffffff).
			if n <= 0 || body+n > len(b) {
				n = len(b) - body
			}
			w.dataOff, w.dataLen = body, n&^1
			if w.channels == 0 || w.rate == 0 {
				return w, fmt.Errorf("%w: %d channels at %d Hz", errWAV, w.channels, w.rate)
			}
			return w, nil
		}
		off = body + n + n&1
	}
	return w, fmt.Errorf("%w: no data chunk", errWAV)
}

// clipReader hands a clip to the player, scaling samples by volume/100
// as they are read (not the whole clip up front: the first sample leaves
// as soon as possible), and calls hook once the first sample is out.
type clipReader struct {
	b      []byte
	w      wavInfo
	volume int
	off    int
	pend   []byte // rest of a sample split by a 1-byte read
	hook   func()
}

func (c *clipReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if len(c.pend) > 0 {
		n := copy(p, c.pend)
		c.pend = c.pend[n:]
		return n, nil
	}
	if c.off >= len(c.b) {
		return 0, io.EOF
	}
	end := c.w.dataOff + c.w.dataLen
	var n int
	switch {
	case c.off < c.w.dataOff: // header, verbatim
		n = copy(p, c.b[c.off:c.w.dataOff])
	case c.off >= end || c.volume >= 100: // after the samples, or full volume: verbatim
		n = copy(p, c.b[c.off:])
	default:
		var s [2]byte
		for n+1 < len(p) && c.off+n < end {
			c.scale(s[:], c.off+n)
			p[n], p[n+1] = s[0], s[1]
			n += 2
		}
		if n == 0 { // room for one byte only
			c.scale(s[:], c.off)
			p[0], c.pend = s[0], []byte{s[1]}
			n, c.off = 1, c.off+1 // the pending byte accounts for the other
		}
	}
	c.off += n
	if c.hook != nil && c.off > c.w.dataOff {
		c.hook()
		c.hook = nil
	}
	return n, nil
}

// scale writes the sample at i, scaled, into s.
func (c *clipReader) scale(s []byte, i int) {
	v := int32(int16(binary.LittleEndian.Uint16(c.b[i:]))) * int32(c.volume) / 100
	binary.LittleEndian.PutUint16(s, uint16(int16(v)))
}
