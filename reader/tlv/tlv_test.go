package tlv

import (
	"bytes"
	"errors"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	for _, n := range []int{0, 1, 127, 128, 255, 256, 65535, 70000} {
		for _, tag := range []uint32{0x04, 0x5F1F, 0x7F61, 0x5F2E} {
			v := bytes.Repeat([]byte{0x5A}, n)
			enc := Encode(tag, v)
			got, rest, err := Next(enc)
			if err != nil || got.Tag != tag || !bytes.Equal(got.Value, v) || len(rest) != 0 {
				t.Fatalf("tag %X len %d: %v", tag, n, err)
			}
			h, l, err := HeaderLen(enc[:min(len(enc), 8)])
			if err != nil || l != n || h+l != len(enc) {
				t.Fatalf("HeaderLen tag %X len %d: %d %d %v", tag, n, h, l, err)
			}
		}
	}
}

func TestMalformed(t *testing.T) {
	tests := map[string][]byte{
		"empty":             {},
		"truncated value":   {0x04, 0x05, 1, 2},
		"truncated length":  {0x04, 0x82, 0x01},
		"indefinite length": {0x30, 0x80, 0x00, 0x00},
		"long tag":          {0x5F, 0x9F, 0x9F, 0x9F, 0x01, 0x00},
		"5-byte length":     {0x04, 0x85, 1, 1, 1, 1, 1},
	}
	for name, b := range tests {
		if _, _, err := Next(b); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
	if _, _, err := Next([]byte{0x04, 0x05, 1}); !errors.Is(err, ErrTruncated) {
		t.Error("truncation not typed")
	}
	if _, err := Unwrap(append(Encode(0x30, []byte{1}), 0x01), 0x30); err == nil {
		t.Error("trailing data accepted by Unwrap")
	}
	if _, err := Unwrap(append(Encode(0x30, []byte{1}), 0x00, 0x00), 0x30); err != nil {
		t.Error("padding refused by Unwrap")
	}
}

func TestFindAndConstructed(t *testing.T) {
	b := append(Encode(0x80, []byte{1}), Encode(0x7F49, Encode(0x86, []byte{2}))...)
	if v, ok := Find(b, 0x7F49); !ok || !Constructed(0x7F49) || Constructed(0x80) {
		t.Fatal("Find/Constructed")
	} else if inner, ok := Find(v, 0x86); !ok || inner[0] != 2 {
		t.Fatal("nested Find")
	}
}

func FuzzNext(f *testing.F) {
	f.Add(Encode(0x7F61, Encode(0x02, []byte{1})))
	f.Fuzz(func(t *testing.T, b []byte) {
		all, _ := ParseAll(b)
		for _, x := range all {
			_ = Encode(x.Tag, x.Value)
		}
	})
}
