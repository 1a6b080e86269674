package vnkey

import "testing"

// TestMarkKeys: the letter first, then its mark, in either method; a mark
// again takes it off; a mark with nothing to mark does nothing.
func TestMarkKeys(t *testing.T) {
	for _, m := range []Method{Telex, VNI} {
		for _, c := range []struct {
			keys []rune
			want string
		}{
			{[]rune{'N', 'g', 'u', 'y', 'e', MarkHat, 'n', MarkNga}, "Nguyễn"},
			{[]rune{'d', MarkD, 'a', 'n', 'g', MarkHuyen}, "đàng"},
			{[]rune{'t', 'r', 'u', 'o', 'n', 'g', MarkMoc, MarkHuyen}, "trường"},
			{[]rune{'t', 'a', 'm', MarkTrang}, "tăm"},
			{[]rune{'h', 'o', MarkMoc, 'i', MarkSac}, "hới"},
			{[]rune{'t', 'h', 'u', MarkMoc, MarkSac}, "thứ"},
			{[]rune{'v', 'i', 'e', MarkHat, 't', MarkNang}, "việt"},
			{[]rune{'c', 'a', MarkHoi}, "cả"},
			{[]rune{'c', 'a', MarkHoi, MarkHoi}, "ca"},
			{[]rune{'c', 'a', MarkHat, MarkHat}, "ca"},
			{[]rune{'c', 'a', MarkSac, MarkHuyen}, "cà"},
			{[]rune{'b', 'c', MarkSac, MarkHat}, "bc"},
			{[]rune{MarkSac, 'a'}, "a"},
			{[]rune{'a', ' ', MarkSac}, "a "},
		} {
			e := Editor{Method: m}
			for _, k := range c.keys {
				e.Type(k)
			}
			if got := e.Text(); got != c.want {
				t.Errorf("method %d: %q gives %q, want %q", m, string(c.keys), got, c.want)
			}
		}
	}
}

// TestMarkReachesTextSetBefore: a mark key reaches the last word of text
// the field already had, and replays it literally (Telex does not read
// "ss" in a word it did not compose).
func TestMarkReachesTextSetBefore(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{"Nguyen", "Nguyén"},
		{"Hà Nôi", "Hà Nối"},
		{"Đường", "Đướng"},
		{"Bass", "Báss"},
		{"12 ", "12 "},
	} {
		e := Editor{}
		e.SetText(c.text)
		e.Type(MarkSac)
		if got := e.Text(); got != c.want {
			t.Errorf("%q + sắc = %q, want %q", c.text, got, c.want)
		}
	}
	e := Editor{}
	e.SetText("Đường")
	e.Type(MarkD)
	if got := e.Text(); got != "Dường" {
		t.Errorf("Đường + gạch = %q", got)
	}
}
