package jp2_test

import (
	"errors"
	"testing"

	"motcua/reader/jp2"
)

// TestUnavailable: a build without the decoder refuses with ErrUnavailable
// (never a blank image); a build with it never says so.
func TestUnavailable(t *testing.T) {
	_, err := jp2.Decode([]byte{0xFF, 0x4F, 0xFF, 0x51, 0, 0, 0, 0, 0, 0, 0, 0}, 100)
	if got := errors.Is(err, jp2.ErrUnavailable); got == jp2.Available {
		t.Fatalf("Available %v but err %v", jp2.Available, err)
	}
}
