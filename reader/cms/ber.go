package cms

import (
	"errors"
	"fmt"
)

// maxBERDepth bounds the nesting ToDER follows; CMS needs about a dozen.
const maxBERDepth = 64

// ToDER re-encodes BER as DER where real issuers' EF.SODs differ from it:
// indefinite lengths become definite, constructed OCTET STRINGs become
// primitive (their chunks concatenated), and lengths become minimal. The
// order of elements is kept (SETs are not re-sorted: what was signed is
// compared byte for byte elsewhere). Input that is already DER comes back
// unchanged. Cost is linear in the input and nesting is bounded.
func ToDER(b []byte) ([]byte, error) {
	out, rest, err := toDER(b, 0)
	if err != nil {
		return nil, err
	}
	if len(rest) != 0 {
		return nil, malformed("%d bytes after the BER element", len(rest))
	}
	return out, nil
}

// toDER converts the element at the start of b and returns the bytes after it.
func toDER(b []byte, depth int) (out, rest []byte, err error) {
	if depth > maxBERDepth {
		return nil, nil, malformed("BER nested deeper than %d", maxBERDepth)
	}
	if len(b) < 2 {
		return nil, nil, malformed("BER element truncated")
	}
	// Identifier octets: one, or more for tag numbers >= 31.
	n := 1
	if b[0]&0x1F == 0x1F {
		for n < len(b) && b[n]&0x80 != 0 {
			n++
		}
		n++
		if n > 6 || n >= len(b) {
			return nil, nil, malformed("BER tag too long or truncated")
		}
	}
	ident := b[:n]
	constructed := b[0]&0x20 != 0
	b = b[n:]
	// Length octets.
	var content []byte
	indefinite := false
	switch l := b[0]; {
	case l < 0x80:
		if len(b) < 1+int(l) {
			return nil, nil, malformed("BER length %d exceeds the data", l)
		}
		content, rest = b[1:1+int(l)], b[1+int(l):]
	case l == 0x80:
		if !constructed {
			return nil, nil, malformed("indefinite length on a primitive element")
		}
		indefinite, rest = true, b[1:]
	default:
		k := int(l & 0x7F)
		if k > 4 || len(b) < 1+k {
			return nil, nil, malformed("BER length of %d bytes", k)
		}
		v := 0
		for _, c := range b[1 : 1+k] {
			v = v<<8 | int(c)
		}
		if v < 0 || len(b) < 1+k+v {
			return nil, nil, malformed("BER length %d exceeds the data", v)
		}
		content, rest = b[1+k:1+k+v], b[1+k+v:]
	}
	if !constructed {
		return encodeTLV(ident, content), rest, nil
	}
	// Children: up to the end of content, or up to the end-of-contents
	// octets of an indefinite length.
	var body []byte
	octets := len(ident) == 1 && ident[0] == 0x24 // constructed OCTET STRING
	src := content
	if indefinite {
		src = rest
	}
	for {
		if indefinite {
			if len(src) >= 2 && src[0] == 0 && src[1] == 0 {
				rest = src[2:]
				break
			}
			if len(src) == 0 {
				return nil, nil, malformed("indefinite length without end-of-contents")
			}
		} else if len(src) == 0 {
			break
		}
		child, after, err := toDER(src, depth+1)
		if err != nil {
			return nil, nil, err
		}
		if octets {
			if child[0] != 0x04 {
				return nil, nil, errors.New("cms: constructed OCTET STRING holds something else")
			}
			_, v, err := splitTLV(child)
			if err != nil {
				return nil, nil, err
			}
			child = v
		}
		body = append(body, child...)
		src = after
	}
	if octets {
		return encodeTLV([]byte{0x04}, body), rest, nil
	}
	return encodeTLV(ident, body), rest, nil
}

// splitTLV returns the header and value of one DER element.
func splitTLV(b []byte) (header, value []byte, err error) {
	if len(b) < 2 {
		return nil, nil, malformed("element truncated")
	}
	h := 2
	l := int(b[1])
	if b[1] >= 0x80 {
		k := int(b[1] & 0x7F)
		h = 2 + k
		if k == 0 || k > 4 || len(b) < h {
			return nil, nil, malformed("element length")
		}
		l = 0
		for _, c := range b[2:h] {
			l = l<<8 | int(c)
		}
	}
	if len(b) < h+l {
		return nil, nil, fmt.Errorf("%w: element shorter than its length", ErrMalformed)
	}
	return b[:h], b[h : h+l], nil
}

// encodeTLV writes identifier octets, a minimal DER length and the content.
func encodeTLV(ident, content []byte) []byte {
	n := len(content)
	out := make([]byte, 0, len(ident)+5+n)
	out = append(out, ident...)
	switch {
	case n < 0x80:
		out = append(out, byte(n))
	case n <= 0xFF:
		out = append(out, 0x81, byte(n))
	case n <= 0xFFFF:
		out = append(out, 0x82, byte(n>>8), byte(n))
	case n <= 0xFFFFFF:
		out = append(out, 0x83, byte(n>>16), byte(n>>8), byte(n))
	default:
		out = append(out, 0x84, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
	return append(out, content...)
}

// IndefiniteBER re-encodes DER the way some issuers write EF.SOD: every
// constructed element with an indefinite length, and every OCTET STRING of
// more than 16 bytes as a constructed string of two chunks. It exists for
// the simulated card and tests; ToDER undoes it.
func IndefiniteBER(der []byte) ([]byte, error) {
	out, rest, err := toBER(der, 0)
	if err != nil {
		return nil, err
	}
	if len(rest) != 0 {
		return nil, malformed("%d bytes after the DER element", len(rest))
	}
	return out, nil
}

func toBER(b []byte, depth int) (out, rest []byte, err error) {
	if depth > maxBERDepth {
		return nil, nil, malformed("nested deeper than %d", maxBERDepth)
	}
	n := 1
	if len(b) > 0 && b[0]&0x1F == 0x1F {
		for n < len(b) && b[n]&0x80 != 0 {
			n++
		}
		n++
	}
	if len(b) < n+1 {
		return nil, nil, malformed("element truncated")
	}
	ident := b[:n]
	h, v, err := splitTLV(append([]byte{0}, b[n:]...)) // splitTLV reads one identifier byte
	if err != nil {
		return nil, nil, err
	}
	rest = b[n+len(h)-1+len(v):]
	switch {
	case b[0]&0x20 != 0:
		out = append(append([]byte(nil), ident...), 0x80)
		for src := v; len(src) > 0; {
			child, after, err := toBER(src, depth+1)
			if err != nil {
				return nil, nil, err
			}
			out = append(out, child...)
			src = after
		}
		return append(out, 0, 0), rest, nil
	case len(ident) == 1 && ident[0] == 0x04 && len(v) > 16:
		half := len(v) / 2
		out = append([]byte{0x24, 0x80}, encodeTLV([]byte{0x04}, v[:half])...)
		out = append(out, encodeTLV([]byte{0x04}, v[half:])...)
		return append(out, 0, 0), rest, nil
	}
	return b[:n+len(h)-1+len(v)], rest, nil
}
