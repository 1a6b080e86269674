package capture

import (
	"fmt"
	"time"
)

// Document is the pages of one attachment being captured, in order. The
// screens drive it: add a page, retake one (replace it), move one, delete
// one, look at a preview. It is not safe for concurrent use.
type Document struct {
	// Name is the catalogue attachment ID, Label its display name.
	Name, Label string
	// At is the document's date inside its PDF (CreationDate): set once,
	// so that the PDF is the same bytes each time it is assembled (its
	// SHA-256 is listed in the dossier before the file is streamed to
	// the outbox). Zero: stamped the first time the PDF is written.
	At    time.Time
	pages []*Page
}

// Pages returns the pages in order.
func (d *Document) Pages() []*Page { return append([]*Page(nil), d.pages...) }

// Len returns the page count.
func (d *Document) Len() int { return len(d.pages) }

// Add appends pages.
func (d *Document) Add(p ...*Page) { d.pages = append(d.pages, p...) }

func (d *Document) check(i int) error {
	if i < 0 || i >= len(d.pages) {
		return fmt.Errorf("capture: page %d of %d", i+1, len(d.pages))
	}
	return nil
}

// Retake replaces page i (0-based) with p.
func (d *Document) Retake(i int, p *Page) error {
	if err := d.check(i); err != nil {
		return err
	}
	d.pages[i] = p
	return nil
}

// Delete removes page i.
func (d *Document) Delete(i int) error {
	if err := d.check(i); err != nil {
		return err
	}
	d.pages = append(d.pages[:i], d.pages[i+1:]...)
	return nil
}

// Move puts page from at position to, shifting the pages between.
func (d *Document) Move(from, to int) error {
	if err := d.check(from); err != nil {
		return err
	}
	if err := d.check(to); err != nil {
		return err
	}
	p := d.pages[from]
	d.pages = append(d.pages[:from], d.pages[from+1:]...)
	d.pages = append(d.pages[:to], append([]*Page{p}, d.pages[to:]...)...)
	return nil
}
