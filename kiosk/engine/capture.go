package engine

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"image"
	"io"
	"log/slog"
	"sync"
	"time"

	"motcua/kiosk/capture"
	"motcua/kiosk/catalog"
	"motcua/kiosk/dossier"
	"motcua/kiosk/session"
	"motcua/reader/qr/camera"
	"motcua/sync/outbox"
)

// Capture sources (CaptureConfig.Source).
const (
	SourceScanner = "scanner" // a document scanner through SANE
	SourceCamera  = "camera"  // a document camera (V4L2), the QR reader's kind of source
	SourceFolder  = "folder"  // a shared folder a desk scanner drops files into
)

// Defaults of CaptureConfig.
const (
	DefaultMaxCapturePages = 50
	DefaultMaxCaptureBytes = 20 << 20
	thumbSide              = 160
)

// CaptureConfig is how the desk digitises a dossier's attachments.
type CaptureConfig struct {
	// Source is SourceScanner, SourceCamera or SourceFolder; "" offers no
	// capture (the form lists the attachments without it).
	Source string
	// Scanner scans through SANE (Source "scanner"); its Limits are the
	// page limits of every source.
	Scanner capture.Scanner
	// OpenCamera opens the document camera for one capture (Source
	// "camera"; notary signing photos too). CameraDPI says what one of
	// its pixels is worth on paper (0: the limit's DPI).
	OpenCamera func() (camera.Source, error)
	CameraDPI  int
	// Folder is the drop folder (Source "folder"; notary signing photos
	// when there is no camera); FolderDPI the resolution of its images.
	Folder    string
	FolderDPI int
	// MaxPages and MaxBytes bound one attachment (defaults 50 pages,
	// 20 MiB of pages).
	MaxPages int
	MaxBytes int64
	// Poll is how often the drop folder is looked at while an attachment
	// is open (default 1 s).
	Poll time.Duration
}

// CaptureProblem says why the last capture did not give a page.
type CaptureProblem string

// Capture problems.
const (
	CaptureOK         CaptureProblem = ""
	CaptureUnreadable CaptureProblem = "unreadable" // the page or file cannot be read
	CaptureTooLarge   CaptureProblem = "too_large"  // a page over its limits (Detail: which)
	CaptureNoSource   CaptureProblem = "no_source"  // no scanner, camera or folder (Detail: why)
	CaptureLimit      CaptureProblem = "limit"      // the attachment has as many pages or bytes as allowed
	CaptureFailed     CaptureProblem = "failed"     // anything else (Detail)
)

// ErrCaptureLimit is returned when an attachment would pass its page or
// byte limit.
var ErrCaptureLimit = errors.New("capture: the attachment has reached its page or size limit")

// CaptureView is what the desk's capture screens show: every attachment
// the service asks for with what was captured, the ones not asked (the
// state holds them) with the reason, and the open attachment's pages.
type CaptureView struct {
	Source   string
	Items    []CaptureItem
	NotAsked []catalog.Attachment
	// Open is the attachment being captured ("": the list).
	Open  string
	Pages []CapturedPage
	// PDF is the open attachment's file when it is a scanner's own PDF
	// (its size; pages are not listed then) and its page count (0:
	// the file's page tree could not be read).
	PDF      int
	PDFName  string
	PDFPages int
	Busy     bool // a scan or camera capture is under way
	Problem  CaptureProblem
	Detail   string
}

// CaptureItem is one attachment the service asks for, with what it holds.
type CaptureItem struct {
	Attachment catalog.Attachment
	Pages      int
	Bytes      int64 // pages' bytes, or the PDF's
	PDF        bool
}

// CapturedPage is one page of the open attachment, as listed on screen.
type CapturedPage struct {
	Thumb              image.Image // at most 160 pixels on its longer side
	Width, Height, DPI int
	Bytes              int
	Source             string
}

// captured is one attachment's capture: pages, or a scanner's PDF taken
// whole from the drop folder.
type captured struct {
	doc      capture.Document
	thumbs   map[*capture.Page]image.Image
	pdf      []byte
	pdfName  string
	pdfPages int // 0: unknown
}

func (c *captured) bytes() int64 {
	if c.pdf != nil {
		return int64(len(c.pdf))
	}
	var n int64
	for _, p := range c.doc.Pages() {
		n += int64(len(p.JPEG))
	}
	return n
}

func (c *captured) empty() bool { return c.pdf == nil && c.doc.Len() == 0 }

// captureState is the visit's capture; wiped with the visit.
type captureState struct {
	service string // the service the documents are for
	docs    map[string]*captured
	open    string
	busy    bool
	problem CaptureProblem
	detail  string
	watcher *dropWatch
}

// dropWatch is the drop folder's watcher; the officer's tap and the watch
// loop both poll it.
type dropWatch struct {
	mu sync.Mutex
	w  capture.DropWatcher
}

func (d *dropWatch) poll() ([]capture.Dropped, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.w.Poll()
}

// dropCaptureLocked forgets every page of the visit.
func (e *Engine) dropCaptureLocked() {
	for _, c := range e.capt.docs {
		clear(c.pdf)
	}
	e.capt = captureState{}
}

// captureDocsLocked are the documents for the current service (a service
// chosen anew starts with none).
func (e *Engine) captureDocsLocked() (*catalog.Service, map[string]*captured) {
	f := e.sess.Current()
	if f == nil {
		return nil, nil
	}
	if e.capt.service != f.Service.Code {
		e.dropCaptureLocked()
		e.capt.service = f.Service.Code
	}
	if e.capt.docs == nil {
		e.capt.docs = map[string]*captured{}
	}
	return f.Service, e.capt.docs
}

func (e *Engine) captureAllowedLocked() bool {
	return e.cfg.Mode == Desk && e.step == StepForm && e.sess.Current() != nil
}

// OpenCapture opens an attachment of the chosen service for capture (desk,
// on the form). An attachment the catalogue does not ask for (replaced by
// data the state holds) is refused.
func (e *Engine) OpenCapture(id string) error {
	e.mu.Lock()
	if !e.captureAllowedLocked() {
		e.mu.Unlock()
		return session.ErrState
	}
	svc, docs := e.captureDocsLocked()
	if !capture.Offered(svc, id) {
		e.mu.Unlock()
		return fmt.Errorf("engine: attachment %q is not asked for by %s", id, svc.Code)
	}
	if docs[id] == nil {
		a := attachmentOf(svc, id)
		docs[id] = &captured{doc: capture.Document{Name: id, Label: a.LabelVI}, thumbs: map[*capture.Page]image.Image{}}
	}
	e.capt.open, e.capt.problem, e.capt.detail = id, CaptureOK, ""
	watch := e.cfg.Capture.Source == SourceFolder && e.capt.watcher == nil
	if watch {
		c := e.cfg.Capture
		e.capt.watcher = &dropWatch{w: capture.DropWatcher{Folder: capture.Folder{Dir: c.Folder}, DPI: c.FolderDPI, Limits: c.Scanner.Limits}}
	}
	gen, dw := e.gen, e.capt.watcher
	ev := e.changed()
	e.unlockEmit(ev)
	if watch {
		e.goIO(func(ctx context.Context) { e.watchFolder(ctx, gen, dw) })
	}
	return nil
}

// CloseCapture goes back from an attachment to the list; its pages stay.
// Not while a page is being captured: the form could go to review and the
// dossier be stored without the page on its way.
func (e *Engine) CloseCapture() {
	e.mu.Lock()
	if e.capt.busy {
		e.mu.Unlock()
		return
	}
	e.capt.open, e.capt.problem, e.capt.detail = "", CaptureOK, ""
	ev := e.changed()
	e.unlockEmit(ev)
}

func attachmentOf(s *catalog.Service, id string) catalog.Attachment {
	for _, a := range s.Attachments {
		if a.ID == id {
			return a
		}
	}
	return catalog.Attachment{ID: id}
}

// CapturePage captures one page (or the scanner's batch) from the
// configured source into the open attachment, off the caller's goroutine.
// The outcome shows in the view: new pages, or the problem.
func (e *Engine) CapturePage() { e.captureInto(-1) }

// RetakePage captures page i (0-based) of the open attachment again.
func (e *Engine) RetakePage(i int) { e.captureInto(i) }

func (e *Engine) captureInto(retake int) {
	e.mu.Lock()
	if !e.captureAllowedLocked() || e.capt.open == "" || e.capt.busy {
		e.mu.Unlock()
		return
	}
	id, gen := e.capt.open, e.gen
	c := e.capt.docs[id]
	if retake >= c.doc.Len() || (retake < 0 && e.fullLocked(c, 0)) {
		if retake < 0 {
			e.capt.problem, e.capt.detail = CaptureLimit, ""
		}
		ev := e.changed()
		e.unlockEmit(ev)
		return
	}
	e.capt.busy, e.capt.problem, e.capt.detail = true, CaptureOK, ""
	ev := e.changed()
	e.unlockEmit(ev)
	e.goIO(func(ctx context.Context) {
		pages, drops, err := e.capturePages(ctx)
		thumbs := thumbsOf(pages, drops)
		e.mu.Lock()
		if gen != e.gen { // the visit was wiped meanwhile: the pages go with it
			e.mu.Unlock()
			return
		}
		e.capt.busy = false
		if err == nil {
			err = e.takeLocked(id, retake, pages, drops, thumbs)
		}
		e.setCaptureProblemLocked(err)
		ev := e.changed()
		e.unlockEmit(ev)
	})
}

// capturePages runs the configured source once (no lock held).
func (e *Engine) capturePages(ctx context.Context) ([]*capture.Page, []capture.Dropped, error) {
	c := e.cfg.Capture
	switch c.Source {
	case SourceScanner:
		sc := c.Scanner
		pages, err := sc.Scan(ctx, 1)
		return pages, nil, err
	case SourceCamera:
		if c.OpenCamera == nil {
			return nil, nil, fmt.Errorf("%w: no camera configured", capture.ErrNoScanner)
		}
		cam, err := c.OpenCamera()
		if err != nil {
			return nil, nil, fmt.Errorf("%w: %v", capture.ErrNoScanner, err)
		}
		defer cam.Close()
		p, err := capture.FromCamera(ctx, cam, c.CameraDPI, c.Scanner.Limits)
		if err != nil {
			return nil, nil, err
		}
		return []*capture.Page{p}, nil, nil
	case SourceFolder:
		e.mu.Lock()
		w := e.capt.watcher
		e.mu.Unlock()
		if w == nil {
			return nil, nil, fmt.Errorf("%w: the drop folder is not watched", capture.ErrNoScanner)
		}
		drops, err := w.poll()
		return nil, drops, err
	}
	return nil, nil, fmt.Errorf("%w: no capture source configured", capture.ErrNoScanner)
}

// watchFolder takes the files the desk scanner drops while an attachment
// is open, into that attachment, until the visit ends.
func (e *Engine) watchFolder(ctx context.Context, gen uint64, dw *dropWatch) {
	every := e.cfg.Capture.Poll
	if every <= 0 {
		every = time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		e.mu.Lock()
		id := e.capt.open
		live := gen == e.gen && e.capt.watcher == dw && e.ctx.Err() == nil
		take := live && id != "" && e.captureAllowedLocked()
		e.mu.Unlock()
		if !live {
			return
		}
		if take { // files are taken (and removed) only for an open attachment
			drops, err := dw.poll()
			if err != nil || len(drops) > 0 {
				thumbs := thumbsOf(nil, drops)
				e.mu.Lock()
				if gen != e.gen {
					e.mu.Unlock()
					return
				}
				if err == nil {
					err = e.takeLocked(id, -1, nil, drops, thumbs)
				}
				e.setCaptureProblemLocked(err)
				ev := e.changed()
				e.unlockEmit(ev)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-e.ctx.Done():
			return
		case <-t.C:
		}
	}
}

func thumbsOf(pages []*capture.Page, drops []capture.Dropped) map[*capture.Page]image.Image {
	m := map[*capture.Page]image.Image{}
	add := func(p *capture.Page) {
		if img, err := p.Preview(thumbSide); err == nil {
			m[p] = img
		}
	}
	for _, p := range pages {
		add(p)
	}
	for _, d := range drops {
		if d.Page != nil {
			add(d.Page)
		}
	}
	return m
}

// maxCapturePages is the configured page limit of one attachment.
func (e *Engine) maxCapturePages() int {
	if e.cfg.Capture.MaxPages > 0 {
		return e.cfg.Capture.MaxPages
	}
	return DefaultMaxCapturePages
}

// fullLocked reports whether adding pages of extra bytes would pass the
// attachment's limits.
func (e *Engine) fullLocked(c *captured, extra int64) bool {
	maxPages, maxBytes := e.maxCapturePages(), e.cfg.Capture.MaxBytes
	if maxBytes <= 0 {
		maxBytes = DefaultMaxCaptureBytes
	}
	return c.pdf != nil || c.doc.Len() >= maxPages || c.bytes()+extra > maxBytes
}

// takeLocked puts captured pages (or a dropped PDF) into attachment id:
// appended, or replacing page retake. The first problem of a drop is
// returned after the good files are taken.
func (e *Engine) takeLocked(id string, retake int, pages []*capture.Page, drops []capture.Dropped, thumbs map[*capture.Page]image.Image) error {
	c := e.capt.docs[id]
	if c == nil {
		return session.ErrState
	}
	var firstErr error
	for _, d := range drops {
		switch {
		case d.Err != nil:
			if firstErr == nil {
				firstErr = d.Err
			}
		case d.PDF != nil:
			if c.doc.Len() > 0 || c.pdf != nil {
				if firstErr == nil {
					firstErr = fmt.Errorf("%w: %s is a whole PDF; delete the pages of this attachment first", ErrCaptureLimit, d.File)
				}
				continue
			}
			maxBytes := e.cfg.Capture.MaxBytes
			if maxBytes <= 0 {
				maxBytes = DefaultMaxCaptureBytes
			}
			if int64(len(d.PDF)) > maxBytes {
				firstErr = &capture.PageTooLargeError{Why: fmt.Sprintf("%s is %d bytes, limit %d", d.File, len(d.PDF), maxBytes)}
				continue
			}
			if maxPages := e.maxCapturePages(); d.PDFPages > maxPages {
				firstErr = &capture.PageTooLargeError{Why: fmt.Sprintf("%s has %d pages, limit %d", d.File, d.PDFPages, maxPages)}
				continue
			}
			c.pdf, c.pdfName, c.pdfPages = d.PDF, d.File, d.PDFPages
		default:
			pages = append(pages, d.Page)
		}
	}
	for i, p := range pages {
		if retake >= 0 && i == 0 {
			old := c.doc.Pages()
			if retake >= len(old) {
				return session.ErrState
			}
			delete(c.thumbs, old[retake])
			if err := c.doc.Retake(retake, p); err != nil {
				return err
			}
			c.thumbs[p] = thumbs[p]
			continue
		}
		if e.fullLocked(c, int64(len(p.JPEG))) {
			return ErrCaptureLimit
		}
		c.doc.Add(p)
		c.thumbs[p] = thumbs[p]
	}
	return firstErr
}

func (e *Engine) setCaptureProblemLocked(err error) {
	var tl *capture.PageTooLargeError
	switch {
	case err == nil:
		e.capt.problem, e.capt.detail = CaptureOK, ""
		return
	case errors.As(err, &tl):
		e.capt.problem = CaptureTooLarge
	case errors.Is(err, capture.ErrUnreadable):
		e.capt.problem = CaptureUnreadable
	case errors.Is(err, capture.ErrNoScanner):
		e.capt.problem = CaptureNoSource
	case errors.Is(err, ErrCaptureLimit):
		e.capt.problem = CaptureLimit
	default:
		e.capt.problem = CaptureFailed
	}
	e.capt.detail = err.Error()
	e.log.Info("capture problem", "problem", string(e.capt.problem))
}

// MovePage moves page from of the open attachment to position to.
func (e *Engine) MovePage(from, to int) error {
	return e.editOpen(func(c *captured) error { return c.doc.Move(from, to) })
}

// DeletePage removes page i of the open attachment (a scanner's PDF is
// page 0).
func (e *Engine) DeletePage(i int) error {
	return e.editOpen(func(c *captured) error {
		if c.pdf != nil {
			if i != 0 {
				return session.ErrState
			}
			clear(c.pdf)
			c.pdf, c.pdfName, c.pdfPages = nil, "", 0
			return nil
		}
		pages := c.doc.Pages()
		if err := c.doc.Delete(i); err != nil {
			return err
		}
		delete(c.thumbs, pages[i])
		return nil
	})
}

func (e *Engine) editOpen(f func(*captured) error) error {
	e.mu.Lock()
	if !e.captureAllowedLocked() || e.capt.open == "" || e.capt.busy {
		e.mu.Unlock()
		return session.ErrState
	}
	err := f(e.capt.docs[e.capt.open])
	if err == nil {
		e.capt.problem, e.capt.detail = CaptureOK, ""
	}
	ev := e.changed()
	e.unlockEmit(ev)
	return err
}

// captureViewLocked is the capture part of View (nil outside the desk's
// form and review, or for a service without attachments).
func (e *Engine) captureViewLocked() *CaptureView {
	if e.cfg.Mode != Desk || (e.step != StepForm && e.step != StepReview) {
		return nil
	}
	svc, docs := e.captureDocsLocked()
	if svc == nil || len(svc.Attachments) == 0 {
		return nil
	}
	v := &CaptureView{Source: e.cfg.Capture.Source, NotAsked: svc.AttachmentsNotAsked(), Open: e.capt.open,
		Busy: e.capt.busy, Problem: e.capt.problem, Detail: e.capt.detail}
	for _, a := range capture.Offer(svc) {
		it := CaptureItem{Attachment: a}
		if c := docs[a.ID]; c != nil {
			it.Pages, it.Bytes, it.PDF = c.doc.Len(), c.bytes(), c.pdf != nil
			if c.pdf != nil {
				it.Pages = c.pdfPages
			}
		}
		v.Items = append(v.Items, it)
	}
	if c := docs[e.capt.open]; c != nil {
		v.PDF, v.PDFName, v.PDFPages = len(c.pdf), c.pdfName, c.pdfPages
		for _, p := range c.doc.Pages() {
			v.Pages = append(v.Pages, CapturedPage{Thumb: c.thumbs[p], Width: p.Width, Height: p.Height, DPI: p.DPI,
				Bytes: len(p.JPEG), Source: p.Source})
		}
	}
	return v
}

// AttachmentOutbox is an outbox that stores attachments with a dossier
// (*outbox.Store is one).
type AttachmentOutbox interface {
	AddWithAttachments(ctx context.Context, service string, payload []byte, atts []outbox.AttachmentSource) (string, error)
}

// submitterLocked is what Submit stores the dossier through: the outbox
// itself, or, when attachments were captured, an adapter that lists them
// in the dossier (schema v2: name, type, pages, size, SHA-256) and stores
// them sealed with it. The pages are copied: the visit may be wiped while
// the save runs.
func (e *Engine) submitterLocked() session.Submitter {
	if e.cfg.Mode != Desk {
		return e.cfg.Outbox
	}
	svc, docs := e.captureDocsLocked()
	var list []captured
	for _, a := range capture.Offer(svc) {
		c := docs[a.ID]
		if c == nil || c.empty() {
			continue
		}
		cp := captured{doc: capture.Document{Name: c.doc.Name, Label: c.doc.Label, At: c.doc.At}, pdf: bytes.Clone(c.pdf), pdfName: c.pdfName, pdfPages: c.pdfPages}
		cp.doc.Add(c.doc.Pages()...)
		list = append(list, cp)
	}
	if len(list) == 0 {
		return e.cfg.Outbox
	}
	return &attachingSubmitter{out: e.cfg.Outbox, docs: list, log: e.log}
}

type attachingSubmitter struct {
	out  Outbox
	docs []captured
	log  *slog.Logger
}

// Add lists the attachments in the dossier, then streams each into the
// outbox, checking that the bytes stored are the bytes listed.
func (s *attachingSubmitter) Add(ctx context.Context, service string, payload []byte) (string, error) {
	ao, ok := s.out.(AttachmentOutbox)
	if !ok {
		return "", errors.New("engine: this outbox cannot store attachments")
	}
	var list []dossier.Attachment
	var srcs []outbox.AttachmentSource
	var sums []hash.Hash
	for i := range s.docs {
		c := &s.docs[i]
		a := dossier.Attachment{Name: c.doc.Name, Type: capture.MediaPDF}
		var src outbox.AttachmentSource
		if c.pdf != nil {
			sum := sha256.Sum256(c.pdf)
			a.Size, a.SHA256, a.Pages = int64(len(c.pdf)), hex.EncodeToString(sum[:]), c.pdfPages
			src = outbox.AttachmentSource{Name: a.Name, Type: a.Type, R: bytes.NewReader(c.pdf)}
		} else {
			size, sum, err := c.doc.Digest() // stamps At: the stream below is the same bytes
			if err != nil {
				return "", fmt.Errorf("attachment %q: %w", a.Name, err)
			}
			a.Size, a.SHA256, a.Pages = size, sum, c.doc.Len()
			src = c.doc.Attachment()
		}
		h := sha256.New()
		src.R = io.TeeReader(src.R, h)
		sums = append(sums, h)
		list = append(list, a)
		srcs = append(srcs, src)
	}
	d, err := dossier.Parse(payload)
	if err != nil {
		return "", err
	}
	if err := d.SetAttachments(list); err != nil {
		return "", err
	}
	b, err := d.JSON()
	if err != nil {
		return "", err
	}
	defer clear(b)
	id, err := ao.AddWithAttachments(ctx, service, b, srcs)
	if err != nil {
		return "", err
	}
	for i, h := range sums {
		if got := hex.EncodeToString(h.Sum(nil)); got != list[i].SHA256 {
			// Durable already: say it loudly; the receiver refuses the
			// mismatch, so nothing wrong is ever accepted.
			s.log.Error("attachment stored differs from the one listed", "uuid", id, "attachment", list[i].Name)
		}
	}
	return id, nil
}
