package capture

import (
	"io"

	"motcua/sync/outbox"
)

// MediaPDF is the media type of an assembled attachment.
const MediaPDF = "application/pdf"

// Attachment returns the document as an outbox attachment: the PDF is
// written into a pipe that the outbox reads and seals as it goes, so the
// assembled file is never held whole in memory on its way to disk (the
// pages themselves are, a few hundred KB each).
func (d *Document) Attachment() outbox.AttachmentSource {
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(d.WritePDF(pw)) }()
	return outbox.AttachmentSource{Name: d.Name, Type: MediaPDF, Pages: d.Len(), R: pr}
}
