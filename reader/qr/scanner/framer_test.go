package scanner

import (
	"reflect"
	"strings"
	"testing"
)

func TestFramer(t *testing.T) {
	tests := []struct {
		name    string
		chunks  []string
		max     int
		want    []string
		pending int
		dropped int
	}{
		{"CR", []string{"abc\r"}, 0, []string{"abc"}, 0, 0},
		{"LF", []string{"abc\n"}, 0, []string{"abc"}, 0, 0},
		{"CRLF is one end", []string{"abc\r\ndef\r\n"}, 0, []string{"abc", "def"}, 0, 0},
		{"split across reads", []string{"ab", "c\r", "\nd", "ef\n"}, 0, []string{"abc", "def"}, 0, 0},
		{"CR and LF in separate reads", []string{"abc\r", "\n"}, 0, []string{"abc"}, 0, 0},
		{"blank lines skipped", []string{"\r\n\r\n\nabc\n\n"}, 0, []string{"abc"}, 0, 0},
		{"unterminated stays pending", []string{"abc\ndef"}, 0, []string{"abc"}, 3, 0},
		{"UTF-8 kept whole", []string{"Nguy\xe1\xbb", "\x85n\r\n"}, 0, []string{"Nguyễn"}, 0, 0},
		{"overlong dropped whole", []string{"0123456789\nabc\n"}, 5, []string{"abc"}, 0, 1},
		{"exactly max kept", []string{"01234\n"}, 5, []string{"01234"}, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := Framer{MaxFrame: tc.max}
			var got []string
			for _, c := range tc.chunks {
				got = append(got, f.Feed([]byte(c))...)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("codes %q, want %q", got, tc.want)
			}
			if f.Pending() != tc.pending || f.Dropped() != tc.dropped {
				t.Errorf("pending %d dropped %d, want %d %d", f.Pending(), f.Dropped(), tc.pending, tc.dropped)
			}
		})
	}
	var f Framer
	f.Feed([]byte("abc"))
	if c, ok := f.Flush(); !ok || c != "abc" {
		t.Errorf("Flush = %q %v", c, ok)
	}
	if _, ok := f.Flush(); ok {
		t.Error("second Flush returned a code")
	}
}

// FuzzFramer checks that however the bytes are split, the framer yields
// the same codes, none holding a terminator or longer than MaxFrame.
func FuzzFramer(f *testing.F) {
	f.Add([]byte("abc\r\ndef\n\n\rghi"), uint8(3), uint8(8))
	f.Add([]byte("0123456789\nab\n"), uint8(1), uint8(5))
	f.Fuzz(func(t *testing.T, data []byte, split, max uint8) {
		whole := Framer{MaxFrame: int(max)}
		want := whole.Feed(data)
		parts := Framer{MaxFrame: int(max)}
		var got []string
		step := int(split) + 1
		for i := 0; i < len(data); i += step {
			got = append(got, parts.Feed(data[i:min(len(data), i+step)])...)
		}
		if !reflect.DeepEqual(got, want) && !(len(got) == 0 && len(want) == 0) {
			t.Fatalf("split every %d: %q, whole: %q", step, got, want)
		}
		limit := int(max)
		if limit == 0 {
			limit = DefaultMaxFrame
		}
		for _, c := range want {
			if c == "" || len(c) > limit || strings.ContainsAny(c, "\r\n") {
				t.Fatalf("bad code %q", c)
			}
		}
		if whole.Pending() != parts.Pending() || whole.Dropped() != parts.Dropped() {
			t.Fatal("state differs with the split")
		}
	})
}
