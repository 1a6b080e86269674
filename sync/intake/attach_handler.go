package intake

import (
	"errors"
	"net/http"
	"strconv"
	"time"
)

// attachmentJSON is the answer to an attachment upload.
type attachmentJSON struct {
	IdempotencyKey string `json:"idempotency_key"`
	Name           string `json:"name"`
	Size           int64  `json:"size"`
	SHA256         string `json:"sha256"`
	Replayed       bool   `json:"replayed,omitempty"`
	// Complete says whether the dossier now has every listed attachment.
	Complete bool `json:"complete"`
}

// putAttachment receives one listed attachment of a dossier. The file is
// stored once whatever the number of uploads; a file whose size or SHA-256
// differs from the list is refused (422) and not stored.
func (s *Server) putAttachment(w http.ResponseWriter, r *http.Request) {
	if r.Context().Value(adminKey) == true {
		writeError(w, http.StatusForbidden, "attachments are uploaded by devices, not with the operator token")
		return
	}
	ab, ok := s.store.(AttachmentBackend)
	if !ok {
		writeError(w, http.StatusNotImplemented, "this hub's store does not keep attachments yet")
		return
	}
	key, name := r.PathValue("key"), r.PathValue("name")
	if !validKey(key) {
		writeError(w, http.StatusBadRequest, "key must be a UUID")
		return
	}
	if h := r.Header.Get("X-Content-SHA256"); h != "" && !reSHA256.MatchString(h) {
		writeError(w, http.StatusBadRequest, "X-Content-SHA256 must be 64 lowercase hex digits")
		return
	}
	d, err := s.store.Lookup(r.Context(), key)
	if errors.Is(err, ErrNotFound) || err == nil && !mayAccess(r, d) {
		writeError(w, http.StatusNotFound, "no dossier with this Idempotency-Key")
		return
	}
	if err != nil {
		writeError(w, http.StatusInternalServerError, "store failure")
		return
	}
	i := d.attachmentIndex(name)
	if i < 0 {
		writeError(w, http.StatusNotFound, "the dossier lists no attachment of this name")
		return
	}
	if h := r.Header.Get("X-Content-SHA256"); h != "" && h != d.Attachments[i].SHA256 {
		writeError(w, http.StatusUnprocessableEntity, "X-Content-SHA256 differs from the listed SHA-256")
		return
	}
	if r.ContentLength > d.Attachments[i].Size {
		writeError(w, http.StatusRequestEntityTooLarge, "body is larger than the listed size")
		return
	}
	release, ok := s.claimInFlight(w, key+"/attachments/"+name, "an upload of this attachment is still being processed")
	if !ok {
		return
	}
	defer release()
	if f := s.currentFaults(); f.Delay > 0 {
		time.Sleep(f.Delay)
	}
	a, replayed, err := ab.PutAttachment(r.Context(), deviceOf(r), key, name, r.Body, s.now())
	switch {
	case errors.Is(err, ErrAttachmentMismatch):
		writeError(w, http.StatusUnprocessableEntity, "attachment does not match its listed size and SHA-256")
		return
	case errors.Is(err, ErrOtherDevice), errors.Is(err, ErrNotFound), errors.Is(err, ErrNoAttachment):
		writeError(w, http.StatusNotFound, "no such attachment")
		return
	case err != nil:
		// A body cut short lands here too: no definite answer, retried.
		s.log.Error("store attachment", "key", key, "err", err)
		writeError(w, http.StatusInternalServerError, "store failure")
		return
	}
	d, err = s.store.Lookup(r.Context(), key)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "store failure")
		return
	}
	s.log.Info("attachment", "device", deviceOf(r), "key", key, "index", strconv.Itoa(i), "replayed", replayed, "uploads", a.Uploads)
	if s.dice.hit(s.currentFaults().SilentAccept) {
		// Stored, but the answer is lost: the agent uploads again.
		s.log.Info("fault: silent accept", "key", key)
		hangUp(w, false)
		return
	}
	code := http.StatusCreated
	if replayed {
		code = http.StatusOK
	}
	writeJSON(w, code, attachmentJSON{IdempotencyKey: key, Name: a.Name, Size: a.Size, SHA256: a.SHA256,
		Replayed: replayed, Complete: d.Complete()})
}
