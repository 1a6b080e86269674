package capture

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/go-pdf/fpdf"
)

// WritePDF assembles the document's pages into one PDF, one page per
// captured page at its physical size, the JPEG embedded as it is (no
// re-encoding: the PDF is the pages plus about a kilobyte).
//
// go-pdf/fpdf is used: a maintained, pure-Go PDF writer with no
// dependencies that embeds JPEG streams directly (DCTDecode).
func (d *Document) WritePDF(w io.Writer) error {
	if len(d.pages) == 0 {
		return ErrNoPages
	}
	if d.At.IsZero() {
		d.At = time.Now()
	}
	pdf := fpdf.NewCustom(&fpdf.InitType{UnitStr: "mm", Size: fpdf.SizeType{Wd: 210, Ht: 297}})
	pdf.SetCreator("motcua capture", true)
	pdf.SetTitle(d.Label, true)
	pdf.SetAutoPageBreak(false, 0)
	pdf.SetCompression(true)
	pdf.SetCreationDate(d.At)
	pdf.SetModificationDate(d.At)
	for i, p := range d.pages {
		wmm, hmm := p.WidthMM(), p.HeightMM()
		// "P" takes the size as given (width, height); "L" would swap it.
		pdf.AddPageFormat("P", fpdf.SizeType{Wd: wmm, Ht: hmm})
		name := "p" + strconv.Itoa(i)
		pdf.RegisterImageOptionsReader(name, fpdf.ImageOptions{ImageType: "JPG"}, bytes.NewReader(p.JPEG))
		pdf.ImageOptions(name, 0, 0, wmm, hmm, false, fpdf.ImageOptions{ImageType: "JPG"}, 0, "")
		if err := pdf.Error(); err != nil {
			return fmt.Errorf("capture: page %d: %w", i+1, err)
		}
	}
	return pdf.Output(w)
}

// Digest assembles the PDF without keeping it and returns its length and
// hex SHA-256: what the dossier lists before the same bytes are streamed
// into the outbox (WritePDF is deterministic once At is set).
func (d *Document) Digest() (size int64, sum string, err error) {
	h := sha256.New()
	cw := &countWriter{w: h}
	if err := d.WritePDF(cw); err != nil {
		return 0, "", err
	}
	return cw.n, hex.EncodeToString(h.Sum(nil)), nil
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
