// Package tlv reads and writes BER-TLV as used on smart cards (ISO 7816-4
// and ICAO 9303): multi-byte tags held as their raw big-endian bytes in a
// uint32 (0x5F1F, 0x7F61), definite lengths up to four bytes.
package tlv

import (
	"errors"
	"fmt"
)

// ErrTruncated reports a TLV that claims more bytes than are present.
var ErrTruncated = errors.New("tlv: truncated")

// TLV is one decoded object. Value aliases the input buffer.
type TLV struct {
	Tag   uint32
	Value []byte
}

// Constructed reports whether the tag's constructed bit is set.
func (t TLV) Constructed() bool { return Constructed(t.Tag) }

// Constructed reports whether a tag denotes a constructed object.
func Constructed(tag uint32) bool {
	first := tag
	for first > 0xFF {
		first >>= 8
	}
	return first&0x20 != 0
}

// ParseTag reads a tag and returns it with the bytes that follow.
func ParseTag(b []byte) (uint32, []byte, error) {
	if len(b) == 0 {
		return 0, nil, fmt.Errorf("tlv: tag: %w", ErrTruncated)
	}
	tag := uint32(b[0])
	i := 1
	if b[0]&0x1F == 0x1F {
		for {
			if i >= len(b) {
				return 0, nil, fmt.Errorf("tlv: multi-byte tag: %w", ErrTruncated)
			}
			if i >= 4 {
				return 0, nil, errors.New("tlv: tag longer than 4 bytes")
			}
			tag = tag<<8 | uint32(b[i])
			i++
			if b[i-1]&0x80 == 0 {
				break
			}
		}
	}
	return tag, b[i:], nil
}

// ParseLength reads a definite length and returns it with the bytes that follow.
func ParseLength(b []byte) (int, []byte, error) {
	if len(b) == 0 {
		return 0, nil, fmt.Errorf("tlv: length: %w", ErrTruncated)
	}
	if b[0] < 0x80 {
		return int(b[0]), b[1:], nil
	}
	n := int(b[0] & 0x7F)
	if n == 0 {
		return 0, nil, errors.New("tlv: indefinite length not allowed")
	}
	if n > 4 {
		return 0, nil, fmt.Errorf("tlv: length of %d bytes not supported", n)
	}
	if len(b) < 1+n {
		return 0, nil, fmt.Errorf("tlv: length: %w", ErrTruncated)
	}
	l := 0
	for _, c := range b[1 : 1+n] {
		l = l<<8 | int(c)
	}
	if l < 0 || l > 1<<24 {
		return 0, nil, fmt.Errorf("tlv: length %d out of range", l)
	}
	return l, b[1+n:], nil
}

// Next decodes the first object in b and returns it with the bytes after it.
func Next(b []byte) (TLV, []byte, error) {
	tag, rest, err := ParseTag(b)
	if err != nil {
		return TLV{}, nil, err
	}
	l, rest, err := ParseLength(rest)
	if err != nil {
		return TLV{}, nil, fmt.Errorf("tag %X: %w", tag, err)
	}
	if l > len(rest) {
		return TLV{}, nil, fmt.Errorf("tlv: tag %X wants %d bytes, %d left: %w", tag, l, len(rest), ErrTruncated)
	}
	return TLV{Tag: tag, Value: rest[:l]}, rest[l:], nil
}

// HeaderLen returns the number of tag and length bytes at the start of b and
// the value length they announce. It lets a file reader learn a file's size
// from its first few bytes.
func HeaderLen(b []byte) (header, value int, err error) {
	_, rest, err := ParseTag(b)
	if err != nil {
		return 0, 0, err
	}
	l, rest2, err := ParseLength(rest)
	if err != nil {
		return 0, 0, err
	}
	return len(b) - len(rest2), l, nil
}

// ParseAll decodes a sequence of objects that fills b exactly. Zero padding
// bytes (00 or FF) between objects are skipped, as ISO 7816-4 allows.
func ParseAll(b []byte) ([]TLV, error) {
	var out []TLV
	for len(b) > 0 {
		if b[0] == 0x00 || b[0] == 0xFF {
			b = b[1:]
			continue
		}
		t, rest, err := Next(b)
		if err != nil {
			return out, err
		}
		out = append(out, t)
		b = rest
	}
	return out, nil
}

// Find returns the value of the first object with the tag among the
// top-level objects of b.
func Find(b []byte, tag uint32) ([]byte, bool) {
	all, _ := ParseAll(b)
	for _, t := range all {
		if t.Tag == tag {
			return t.Value, true
		}
	}
	return nil, false
}

// Unwrap decodes b as exactly one object with the given tag and returns its value.
func Unwrap(b []byte, tag uint32) ([]byte, error) {
	t, rest, err := Next(b)
	if err != nil {
		return nil, err
	}
	if t.Tag != tag {
		return nil, fmt.Errorf("tlv: tag %X, want %X", t.Tag, tag)
	}
	if len(rest) != 0 && !allPadding(rest) {
		return nil, fmt.Errorf("tlv: %d bytes after tag %X", len(rest), tag)
	}
	return t.Value, nil
}

func allPadding(b []byte) bool {
	for _, c := range b {
		if c != 0 && c != 0xFF {
			return false
		}
	}
	return true
}

// AppendTag appends the encoding of tag.
func AppendTag(dst []byte, tag uint32) []byte {
	switch {
	case tag > 0xFFFFFF:
		return append(dst, byte(tag>>24), byte(tag>>16), byte(tag>>8), byte(tag))
	case tag > 0xFFFF:
		return append(dst, byte(tag>>16), byte(tag>>8), byte(tag))
	case tag > 0xFF:
		return append(dst, byte(tag>>8), byte(tag))
	}
	return append(dst, byte(tag))
}

// AppendLength appends a DER definite length.
func AppendLength(dst []byte, n int) []byte {
	switch {
	case n < 0x80:
		return append(dst, byte(n))
	case n <= 0xFF:
		return append(dst, 0x81, byte(n))
	case n <= 0xFFFF:
		return append(dst, 0x82, byte(n>>8), byte(n))
	case n <= 0xFFFFFF:
		return append(dst, 0x83, byte(n>>16), byte(n>>8), byte(n))
	}
	return append(dst, 0x84, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
}

// Encode returns tag || length || the concatenated values.
func Encode(tag uint32, values ...[]byte) []byte {
	n := 0
	for _, v := range values {
		n += len(v)
	}
	out := make([]byte, 0, 4+5+n)
	out = AppendTag(out, tag)
	out = AppendLength(out, n)
	for _, v := range values {
		out = append(out, v...)
	}
	return out
}
