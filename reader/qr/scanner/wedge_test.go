package scanner

import (
	"reflect"
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)

// keys builds key events from text typed with a fixed gap starting at
// start; '\n' is Enter.
func keys(start time.Duration, gap time.Duration, text string) []Key {
	var out []Key
	at := t0.Add(start)
	for _, r := range text {
		out = append(out, Key{Rune: r, Enter: r == '\n', At: at})
		at = at.Add(gap)
	}
	return out
}

func TestWedge(t *testing.T) {
	ms := time.Millisecond
	code := "001093047064||Nguyễn Văn Thử|05011993|Nam|Hà Nội|10042021"
	tests := []struct {
		name  string
		keys  []Key
		flush time.Duration // Flush at t0+flush after the keys (0: no flush)
		want  []Run
	}{
		{"scanner burst 5ms", keys(0, 5*ms, code+"\n"), 0, []Run{{Scanned, code}}},
		{"scanner burst at the limit 50ms", keys(0, 50*ms, "ABCDEFGH\n"), 0, []Run{{Scanned, "ABCDEFGH"}}},
		{"human 120ms", keys(0, 120*ms, "hello\n"), 0, []Run{
			{Typed, "h"}, {Typed, "e"}, {Typed, "l"}, {Typed, "l"}, {Typed, "o"}, {Typed, "\n"}}},
		{"fast human short word with Enter", keys(0, 30*ms, "abc\n"), 0, []Run{{Typed, "abc\n"}}},
		{"fast burst without Enter then silence", keys(0, 5*ms, "ABCDEFGHIJ"), 200 * ms, []Run{{Typed, "ABCDEFGHIJ"}}},
		{"flush too early holds keys", keys(0, 5*ms, "ABC"), 40 * ms, nil},
		{"one slow key splits a burst", append(keys(0, 5*ms, "ABCD"), keys(100*ms, 5*ms, "EFGHIJKL\n")...), 0, []Run{
			{Typed, "ABCD"}, {Scanned, "EFGHIJKL"}}},
		{"human then scan", append(keys(0, 150*ms, "ab"), keys(1000*ms, 3*ms, "0123456789\n")...), 0, []Run{
			{Typed, "a"}, {Typed, "b"}, {Scanned, "0123456789"}}},
		{"two scans back to back", append(keys(0, 3*ms, "AAAAAAAA\n"), keys(30*ms, 3*ms, "BBBBBBBB\n")...), 0, []Run{
			{Scanned, "AAAAAAAA"}, {Scanned, "BBBBBBBB"}}},
		{"lone Enter", keys(0, 0, "\n"), 0, []Run{{Typed, "\n"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var w Wedge
			var got []Run
			for _, k := range tc.keys {
				got = append(got, w.Feed(k)...)
			}
			if tc.flush > 0 {
				last := tc.keys[len(tc.keys)-1].At
				got = append(got, w.Flush(last.Add(tc.flush))...)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %v\nwant %v", got, tc.want)
			}
		})
	}
}

func TestWedgeCustomLimits(t *testing.T) {
	w := Wedge{MaxGap: 10 * time.Millisecond, MinLen: 3}
	var got []Run
	for _, k := range keys(0, 20*time.Millisecond, "ABC\n") {
		got = append(got, w.Feed(k)...)
	}
	if len(got) != 4 || got[0].Origin != Typed {
		t.Errorf("20 ms keys with a 10 ms limit: %v", got)
	}
	got = nil
	for _, k := range keys(time.Second, 2*time.Millisecond, "ABC\n") {
		got = append(got, w.Feed(k)...)
	}
	if !reflect.DeepEqual(got, []Run{{Scanned, "ABC"}}) {
		t.Errorf("MinLen 3: %v", got)
	}
	if w.Pending() != 0 {
		t.Errorf("pending %d after a scan", w.Pending())
	}
}
