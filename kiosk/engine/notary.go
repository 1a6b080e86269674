package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"

	xdraw "golang.org/x/image/draw"

	"motcua/kiosk/capture"
	"motcua/kiosk/notary"
	"motcua/kiosk/session"
)

// actRef is what a notarial act number may look like (letters, digits and
// the separators offices use).
var actRef = regexp.MustCompile(`^[\p{L}0-9/._-]{1,40}$`)

// ErrNoChipRead is returned when a notary action needs a chip read and the
// visit has none (a QR visit, or the card has gone).
var ErrNoChipRead = errors.New("a notarial party needs a chip read with its verification")

// notaryDraft is the act being put together: its number (kept across the
// parties' cards), the role of the card on the reader, the signing photos
// and the electronic notarial document. Wiped with the act (Done, Cancel,
// idle); kept when one party's card gives way to the next.
type notaryDraft struct {
	actRef    string
	role      string // the card on the reader: "" is the next "Bên N"
	photos    []notary.SigningPhoto
	thumbs    []image.Image
	eQR, eURL string
	photoBusy bool
	photoErr  string
	// rec and base are a record whose writing failed: a retry writes the
	// same record under the same name (never a second one).
	rec  *notary.Record
	base string
	seq  uint64 // numbers the act (NotaryView.Act)
}

// draftSeq numbers the acts of the process.
var draftSeq atomic.Uint64

func (e *Engine) dropDraftLocked() {
	if e.draft.rec != nil {
		e.draft.rec.Wipe()
	}
	for i := range e.draft.photos {
		clear(e.draft.photos[i].Bytes())
	}
	e.draft = notaryDraft{}
}

// NotaryView is the notarial act's draft as the notary screen shows it.
type NotaryView struct {
	// Act numbers the act being put together: a front end's own state of
	// an act (fields typed, boxes ticked) goes when it changes.
	Act    uint64
	ActRef string
	// Role is the role of the card on the reader; Roles every role of the
	// act so far (the parties kept and the card on the reader).
	Role  string
	Roles []string
	// Photos are the signing photos taken; Missing the roles no photo
	// shows yet.
	Photos    []SigningPhotoView
	Missing   []string
	PhotoBusy bool
	PhotoErr  string
	// CanPhoto: a camera or a drop folder is configured.
	CanPhoto bool
	// EDocQR and EDocLink are the electronic notarial document's QR
	// content and link.
	EDocQR, EDocLink string
}

// SigningPhotoView is one signing photo on screen.
type SigningPhotoView struct {
	Thumb         image.Image
	SHA256        string
	Shows         []string
	Width, Height int
}

func (e *Engine) notaryViewLocked() *NotaryView {
	if e.cfg.Mode != Notary {
		return nil
	}
	d := &e.draft
	if d.seq == 0 {
		d.seq = draftSeq.Add(1)
	}
	v := &NotaryView{Act: d.seq, ActRef: d.actRef, Role: e.currentRoleLocked(), Roles: e.rolesLocked(), PhotoBusy: d.photoBusy,
		PhotoErr: d.photoErr, EDocQR: d.eQR, EDocLink: d.eURL,
		CanPhoto: e.cfg.Capture.OpenCamera != nil || e.cfg.Capture.Folder != ""}
	for i, p := range d.photos {
		v.Photos = append(v.Photos, SigningPhotoView{Thumb: d.thumbs[i], SHA256: p.SHA256, Shows: append([]string(nil), p.Shows...),
			Width: p.Width, Height: p.Height})
	}
	v.Missing = e.scratchRecordLocked().MissingFromPhotos()
	return v
}

// currentRoleLocked is the role the card on the reader will have.
func (e *Engine) currentRoleLocked() string {
	if e.draft.role != "" {
		return e.draft.role
	}
	return notary.PartyRole(e.signerCountLocked() + 1)
}

// signerCountLocked counts the parties kept who are parties of the act
// proper (witnesses and interpreters are not "Bên N").
func (e *Engine) signerCountLocked() int {
	n := 0
	for _, p := range e.parties {
		if p.Role != notary.RoleWitness && p.Role != notary.RoleInterpreter {
			n++
		}
	}
	return n
}

// rolesLocked lists the act's roles: the parties kept, and the card on
// the reader when there is one.
func (e *Engine) rolesLocked() []string {
	var out []string
	for _, p := range e.parties {
		out = append(out, p.Role)
	}
	if e.read != nil && e.step == StepNotary {
		out = append(out, e.currentRoleLocked())
	}
	return out
}

// scratchRecordLocked is a record of the roles and photos so far, to
// check a photo against (no personal data in it).
func (e *Engine) scratchRecordLocked() *notary.Record {
	r := &notary.Record{SigningPhotos: e.draft.photos}
	for _, role := range e.rolesLocked() {
		r.Parties = append(r.Parties, notary.Party{Role: role})
	}
	return r
}

// SetActRef keeps the act number as typed: it stays for every party's
// card of the act, and goes with the act.
func (e *Engine) SetActRef(ref string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.cfg.Mode == Notary {
		e.draft.actRef = strings.TrimSpace(ref)
	}
}

// SetPartyRole names the role of the card on the reader: a party of the
// act ("" for the next "Bên N", or the office's own name for it),
// notary.RoleWitness or notary.RoleInterpreter.
func (e *Engine) SetPartyRole(role string) error {
	e.mu.Lock()
	if e.cfg.Mode != Notary || e.step != StepNotary || e.busy {
		e.mu.Unlock()
		return session.ErrState
	}
	role = strings.TrimSpace(role)
	if len([]rune(role)) > 40 || strings.ContainsFunc(role, func(r rune) bool { return r < 0x20 }) {
		e.mu.Unlock()
		return errors.New("engine: a role is at most 40 printable characters")
	}
	before := e.currentRoleLocked()
	e.draft.role = role
	// The photos taken show this person: they show them under the new name.
	if after := e.currentRoleLocked(); after != before {
		for i := range e.draft.photos {
			for j, s := range e.draft.photos[i].Shows {
				if s == before {
					e.draft.photos[i].Shows[j] = after
				}
			}
		}
	}
	ev := e.changed()
	e.unlockEmit(ev)
	return nil
}

// TakeSigningPhoto takes a photo of the signing from the camera (or, with
// none, the oldest photo in the drop folder), off the caller's goroutine,
// showing the notary and the given roles. The photo is kept as the camera
// gave it: a camera frame is encoded once as JPEG and never touched again;
// a file is kept byte for byte.
func (e *Engine) TakeSigningPhoto(shows []string) {
	e.mu.Lock()
	if e.cfg.Mode != Notary || e.step != StepNotary || e.busy || e.draft.photoBusy || e.recordFile != "" {
		e.mu.Unlock()
		return
	}
	e.draft.photoBusy, e.draft.photoErr = true, ""
	gen := e.gen
	c := e.cfg.Capture
	ev := e.changed()
	e.unlockEmit(ev)
	shows = append([]string(nil), shows...)
	e.goIO(func(ctx context.Context) {
		data, from, err := signingPhotoFrom(ctx, c)
		e.mu.Lock()
		if gen != e.gen {
			e.mu.Unlock()
			return
		}
		e.draft.photoBusy = false
		if err == nil {
			err = e.addSigningPhotoLocked(data, shows)
		}
		if err != nil {
			e.draft.photoErr = err.Error()
		}
		ev := e.changed()
		e.unlockEmit(ev)
		if err == nil && from != "" {
			os.Remove(from) // taken into the act: not left in the shared folder
		}
	})
}

// signingPhotoFrom gets a photo's bytes: a camera frame encoded once, or
// the oldest image in the drop folder as it is (from: its path).
func signingPhotoFrom(ctx context.Context, c CaptureConfig) (data []byte, from string, err error) {
	if c.OpenCamera != nil {
		cam, err := c.OpenCamera()
		if err != nil {
			return nil, "", fmt.Errorf("camera: %w", err)
		}
		defer cam.Close()
		img, err := cam.Next(ctx)
		if err != nil {
			return nil, "", fmt.Errorf("camera: %w", err)
		}
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 92}); err != nil {
			return nil, "", err
		}
		return buf.Bytes(), "", nil
	}
	if c.Folder == "" {
		return nil, "", errors.New("no camera and no photo folder configured")
	}
	files, err := capture.Folder{Dir: c.Folder}.Files()
	if err != nil {
		return nil, "", err
	}
	for _, f := range files {
		switch strings.ToLower(filepath.Ext(f)) {
		case ".jpg", ".jpeg", ".png":
			fi, err := os.Stat(f)
			if err != nil {
				continue
			}
			if fi.Size() > notary.MaxSigningPhotoBytes {
				return nil, "", fmt.Errorf("%s is %d bytes, limit %d", filepath.Base(f), fi.Size(), notary.MaxSigningPhotoBytes)
			}
			b, err := os.ReadFile(f)
			return b, f, err
		}
	}
	return nil, "", fmt.Errorf("no photo in %s yet", c.Folder)
}

// AddSigningPhoto adds a photo of the signing (JPEG or PNG, unedited)
// showing the notary and the given roles of the act.
func (e *Engine) AddSigningPhoto(data []byte, shows []string) error {
	e.mu.Lock()
	if e.cfg.Mode != Notary || e.step != StepNotary || e.busy || e.recordFile != "" {
		e.mu.Unlock()
		return session.ErrState
	}
	err := e.addSigningPhotoLocked(data, shows)
	if err != nil {
		e.draft.photoErr = err.Error()
	} else {
		e.draft.photoErr = ""
	}
	ev := e.changed()
	e.unlockEmit(ev)
	return err
}

func (e *Engine) addSigningPhotoLocked(data []byte, shows []string) error {
	r := e.scratchRecordLocked()
	if err := r.AddSigningPhoto(data, shows, e.cfg.Now()); err != nil {
		return err
	}
	e.draft.photos = r.SigningPhotos
	e.draft.thumbs = append(e.draft.thumbs, photoThumb(data))
	return nil
}

// photoThumb is a small copy for the screen (the photo is not touched).
func photoThumb(data []byte) image.Image {
	src, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil
	}
	b := src.Bounds()
	w, h := 240, 240*b.Dy()/max(b.Dx(), 1)
	if h > 240 {
		w, h = 240*b.Dx()/max(b.Dy(), 1), 240
	}
	dst := image.NewRGBA(image.Rect(0, 0, max(w, 1), max(h, 1)))
	xdraw.ApproxBiLinear.Scale(dst, dst.Bounds(), src, b, xdraw.Src, nil)
	return dst
}

// RemoveSigningPhoto drops signing photo i (0-based) before the record is saved.
func (e *Engine) RemoveSigningPhoto(i int) error {
	e.mu.Lock()
	if e.cfg.Mode != Notary || e.busy || e.recordFile != "" || i < 0 || i >= len(e.draft.photos) {
		e.mu.Unlock()
		return session.ErrState
	}
	clear(e.draft.photos[i].Bytes())
	e.draft.photos = append(e.draft.photos[:i:i], e.draft.photos[i+1:]...)
	e.draft.thumbs = append(e.draft.thumbs[:i:i], e.draft.thumbs[i+1:]...)
	ev := e.changed()
	e.unlockEmit(ev)
	return nil
}

// SetElectronicDocument records the electronic notarial document's QR
// content and/or link (both empty: none).
func (e *Engine) SetElectronicDocument(qr, link string) error {
	qr, link = strings.TrimSpace(qr), strings.TrimSpace(link)
	e.mu.Lock()
	if e.cfg.Mode != Notary || e.recordFile != "" {
		e.mu.Unlock()
		return session.ErrState
	}
	if qr != "" || link != "" {
		if err := (&notary.Record{}).SetElectronicDocument(qr, link); err != nil {
			e.mu.Unlock()
			return err
		}
	}
	e.draft.eQR, e.draft.eURL = qr, link
	ev := e.changed()
	e.unlockEmit(ev)
	return nil
}

// keepPartyLocked records the card on the reader as the next party of the act.
func (e *Engine) keepPartyLocked() error {
	if e.read == nil {
		return ErrNoChipRead
	}
	party, err := notary.PartyFromRead(e.currentRoleLocked(), e.read)
	if err != nil {
		return err
	}
	e.parties = append(e.parties, party)
	e.partiesAt = e.cfg.Now()
	e.draft.role = ""
	return nil
}

// AnotherParty keeps the party on the reader for the act and waits for the
// next party's card (notary mode). The card's own visit ends; the act's
// number, photos and document stay.
func (e *Engine) AnotherParty() error {
	e.mu.Lock()
	if e.cfg.Mode != Notary || e.step != StepNotary || e.busy || e.recordFile != "" {
		e.mu.Unlock()
		return session.ErrState
	}
	if err := e.keepPartyLocked(); err != nil {
		e.notice, e.detail = NoticeError, err.Error()
		ev := e.changed()
		e.unlockEmit(ev)
		return err
	}
	n := len(e.parties)
	e.endVisitLocked()
	e.keys.Clear()
	evs := []Event{{Kind: NotaryPartyKept, N: n, Step: StepAttract}, e.setStep(StepAttract, NoticeNextParty, "")}
	e.unlockEmit(evs...)
	return nil
}

// SaveNotary files the record of every party of the act (those kept and
// the card on the reader) under the act number, with the signing photos
// and the electronic document: the photos as taken, a printable PNG and
// the JSON, written off the caller's goroutine and synced before
// NotarySaved. ref, when not empty, is the act number (else the one set
// with SetActRef). Saving is idempotent: once saved, saving again writes
// nothing; a save that failed is retried as the same record under the
// same name, never as a second one.
func (e *Engine) SaveNotary(ref string) {
	e.mu.Lock()
	// Saved already (recordFile set): a second tap writes nothing new.
	if e.cfg.Mode != Notary || e.step != StepNotary || e.busy || e.recordFile != "" {
		e.mu.Unlock()
		return
	}
	fail := func(n Notice, detail string) {
		e.notice, e.detail = n, detail
		ev := e.changed()
		e.unlockEmit(ev)
	}
	if ref = strings.TrimSpace(ref); ref != "" {
		e.draft.actRef = ref
	}
	c := e.cfg.Notary
	rec := e.draft.rec
	if rec == nil {
		if !actRef.MatchString(e.draft.actRef) {
			fail(NoticeActRef, "")
			return
		}
		if err := e.keepPartyLocked(); err != nil {
			fail(NoticeError, err.Error())
			return
		}
		var err error
		rec, err = e.buildRecordLocked()
		if err != nil {
			e.parties = e.parties[:len(e.parties)-1] // the card on the reader is kept again on the next try
			fail(NoticeError, err.Error())
			return
		}
		e.parties = nil // the record owns them now and wipes them
		e.draft.rec = rec
	}
	e.busy = true
	gen := e.gen
	ev := e.changed()
	e.unlockEmit(ev)
	e.goIO(func(context.Context) {
		e.mu.Lock()
		base := e.draft.base
		e.mu.Unlock()
		path, base, err := writeNotaryRecord(c.Dir, base, rec)
		n := len(rec.Parties)
		e.mu.Lock()
		var evs []Event
		if err != nil {
			evs = []Event{{Kind: NotaryFailed, Err: err, Step: e.step}}
		} else {
			evs = []Event{{Kind: NotarySaved, File: path, N: n, Step: e.step}}
		}
		if gen == e.gen {
			e.busy = false
			e.draft.base = base
			if err != nil {
				e.notice, e.detail = NoticeSaveFailed, err.Error()
			} else {
				e.notice, e.detail, e.recordFile = NoticeSaved, filepath.Base(path), path
				rec.Wipe()
				e.draft.rec = nil
			}
			evs = append(evs, e.changed())
		} else {
			rec.Wipe() // the act was wiped meanwhile
		}
		e.unlockEmit(evs...)
	})
}

// buildRecordLocked makes the record of the act from the parties kept
// (the card on the reader included), with the photos and the document.
func (e *Engine) buildRecordLocked() (*notary.Record, error) {
	c := e.cfg.Notary
	rec, err := notary.New(e.draft.actRef, c.NotaryID, c.Office, e.cfg.Device, e.cfg.Now(), e.parties...)
	if err != nil {
		return nil, err
	}
	for i, p := range e.draft.photos {
		if err := rec.AddSigningPhoto(p.Bytes(), p.Shows, p.At); err != nil {
			return nil, fmt.Errorf("signing photo %d: %w", i+1, err)
		}
	}
	if e.draft.eQR != "" || e.draft.eURL != "" {
		if err := rec.SetElectronicDocument(e.draft.eQR, e.draft.eURL); err != nil {
			return nil, err
		}
	}
	return rec, nil
}

// writeNotaryRecord writes the signing photos (as taken), the printable
// page and, last, the JSON: the JSON's presence says the record is whole.
// base is the name of an earlier attempt ("" picks a new one); files an
// earlier failed attempt left are replaced; a JSON already there means it
// was saved, and nothing is written again.
func writeNotaryRecord(dir, base string, rec *notary.Record) (path, outBase string, err error) {
	if dir == "" {
		return "", base, errors.New("no folder configured for notary records")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", base, fmt.Errorf("notary record: %w", err)
	}
	if base == "" {
		stamp := rec.At.UTC().Format("20060102T150405.000000000Z")
		for i := 0; ; i++ {
			base = filepath.Join(dir, "notary-"+stamp)
			if i > 0 {
				base = fmt.Sprintf("%s-%d", base, i)
			}
			if _, err := os.Stat(base + ".json"); os.IsNotExist(err) {
				break
			}
			if i >= 100 {
				return "", "", errors.New("notary record: no free file name")
			}
		}
	}
	path = base + ".json"
	if _, err := os.Stat(path); err == nil {
		return path, base, nil // written by the earlier attempt
	}
	put := func(p string, b []byte) error {
		os.Remove(p) // a part of an earlier attempt
		return writeFileSync(p, b)
	}
	for i, ph := range rec.SigningPhotos {
		ext := ".jpg"
		if ph.Type == "image/png" {
			ext = ".png"
		}
		if err := put(fmt.Sprintf("%s-photo%d%s", base, i+1, ext), ph.Bytes()); err != nil {
			return "", base, fmt.Errorf("notary record: signing photo %d: %w", i+1, err)
		}
	}
	page, err := rec.PNG()
	if err != nil {
		return "", base, fmt.Errorf("notary record: page: %w", err)
	}
	if err := put(base+".png", page); err != nil {
		return "", base, fmt.Errorf("notary record: page: %w", err)
	}
	b, err := rec.JSON()
	if err != nil {
		return "", base, err
	}
	defer clear(b)
	if err := writeFileSync(path, b); err != nil {
		return "", base, fmt.Errorf("notary record: %w", err)
	}
	return path, base, nil
}
