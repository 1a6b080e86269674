package capture

import (
	"errors"
	"fmt"
)

var (
	// ErrUnreadable is returned for a page or file that cannot be decoded.
	ErrUnreadable = errors.New("capture: page cannot be read")
	// ErrNoPages is returned when a document to assemble has no page.
	ErrNoPages = errors.New("capture: no pages")
	// ErrNoScanner is returned when scanimage is missing or the device is
	// not found.
	ErrNoScanner = errors.New("capture: scanner not available")
)

// PageTooLargeError is returned when a page does not fit its limits even
// at the lowest quality the package accepts, or its pixels pass MaxPixels.
type PageTooLargeError struct {
	// Page is the 1-based page number (0: not yet in a document).
	Page int
	// Bytes is the smallest encoding reached, Limit the limit.
	Bytes, Limit int
	// Why says which limit.
	Why string
}

func (e *PageTooLargeError) Error() string {
	if e.Why != "" {
		return fmt.Sprintf("capture: page %d is too large: %s", e.Page, e.Why)
	}
	return fmt.Sprintf("capture: page %d is too large: %d bytes at the lowest quality, limit %d; scan at a lower resolution or in grey", e.Page, e.Bytes, e.Limit)
}
