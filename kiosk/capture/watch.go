package capture

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Dropped is one file taken from the drop folder: a page (an image), a
// whole PDF (a scanner's own PDF, attached as it is), or why it could not
// be taken (Err: ErrUnreadable or a *PageTooLargeError, the file is left
// in the folder for the officer to look at).
type Dropped struct {
	File string // base name
	Page *Page
	PDF  []byte
	// PDFPages is the PDF's page count as its page tree gives it
	// (PDFPages); 0 when it cannot be read.
	PDFPages int
	Err      error
}

// DropWatcher takes the files a desk scanner drops into a shared folder.
// A scanner writes a file over some time: a file is taken only once its
// size and modification time are the same on two polls in a row, so a
// page is never read half-written. A file taken is removed from the folder
// (it holds a citizen's papers; the visit owns the copy now); a file that
// cannot be read stays, reported once.
type DropWatcher struct {
	Folder Folder
	// DPI is what the folder's images are scanned at (0: unknown).
	DPI    int
	Limits Limits
	// MaxPDFBytes bounds a PDF taken whole (0: MaxFileBytes).
	MaxPDFBytes int64

	seen     map[string]fileStamp // size and time at the last poll
	reported map[string]fileStamp // unreadable files already reported
}

type fileStamp struct {
	size int64
	mod  time.Time
}

// Poll looks at the folder once and returns the files that became
// complete since the last poll, oldest first.
func (w *DropWatcher) Poll() ([]Dropped, error) {
	files, err := w.Folder.Files()
	if err != nil {
		return nil, err
	}
	if w.seen == nil {
		w.seen, w.reported = map[string]fileStamp{}, map[string]fileStamp{}
	}
	now := map[string]fileStamp{}
	var out []Dropped
	for _, path := range files {
		fi, err := os.Stat(path)
		if err != nil {
			continue // removed meanwhile
		}
		st := fileStamp{fi.Size(), fi.ModTime()}
		now[path] = st
		if prev, ok := w.seen[path]; !ok || prev != st || st.size == 0 {
			continue // new or still growing: look again next time
		}
		if rep, ok := w.reported[path]; ok && rep == st {
			continue // unreadable, said already; a rewrite is looked at again
		}
		d := w.take(path)
		if d.Err != nil {
			w.reported[path] = st
		} else if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			d = Dropped{File: d.File, Err: fmt.Errorf("capture: %s was read but cannot be removed from the folder: %w", d.File, err)}
			w.reported[path] = st
		}
		out = append(out, d)
	}
	w.seen = now
	return out, nil
}

func (w *DropWatcher) take(path string) Dropped {
	name := filepath.Base(path)
	if strings.EqualFold(filepath.Ext(path), ".pdf") {
		size, err := CheckPDF(path, w.MaxPDFBytes)
		if err != nil {
			return Dropped{File: name, Err: err}
		}
		f, err := os.Open(path)
		if err != nil {
			return Dropped{File: name, Err: err}
		}
		defer f.Close()
		b := make([]byte, size)
		if _, err := io.ReadFull(f, b); err != nil {
			return Dropped{File: name, Err: fmt.Errorf("%w: %s: %v", ErrUnreadable, name, err)}
		}
		n, _ := PDFPages(b) // unknown (0) is listed as such, the PDF still taken
		return Dropped{File: name, PDF: b, PDFPages: n}
	}
	p, err := ImportImage(path, w.DPI, w.Limits)
	return Dropped{File: name, Page: p, Err: err}
}
