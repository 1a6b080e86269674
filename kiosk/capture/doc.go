// Package capture digitises a dossier's attachments at the desk: pages from
// a document scanner through SANE (the scanimage front end of libsane), from
// the camera source the QR reader already has (V4L2), or from image and PDF
// files a desk scanner drops into a shared folder. Pages are kept in a
// Document (add, retake, reorder, delete, preview), normalised (grey, at
// most the configured dpi, near-white borders cropped) and encoded as JPEG
// within a per-page byte limit, then assembled into one PDF per attachment.
// Only the attachments the catalogue asks for are offered (Offer).
package capture
