package intake

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"
)

// Attachments (API 1.2): a submission may list its attachments (name, media
// type, pages, size, SHA-256); each file is then uploaded on its own with
// PUT /v1/dossiers/{key}/attachments/{name}, bound to the dossier's
// idempotency key. A file is kept once per listed name whatever the number
// of uploads, and only when its size and SHA-256 match the list; the
// dossier is complete when every listed attachment has arrived.

// MaxAttachment is the largest attachment the intake accepts by default.
const MaxAttachment = 64 << 20

// AttachmentSpec is one attachment as the submission lists it.
type AttachmentSpec struct {
	Name   string `json:"name"`
	Type   string `json:"type"`
	Pages  int    `json:"pages,omitempty"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// AttachmentState is a listed attachment and whether its file arrived.
type AttachmentState struct {
	AttachmentSpec
	Received   bool      `json:"received"`
	ReceivedAt time.Time `json:"received_at,omitzero"`
	// Uploads counts the uploads of this name (retries included); the file
	// is stored once.
	Uploads int `json:"uploads,omitempty"`
}

// Complete reports whether every listed attachment has arrived.
func (d Dossier) Complete() bool {
	for _, a := range d.Attachments {
		if !a.Received {
			return false
		}
	}
	return true
}

var (
	// ErrNoAttachment is returned for an upload of a name the dossier
	// does not list.
	ErrNoAttachment = errors.New("intake: the dossier lists no attachment of this name")
	// ErrAttachmentMismatch is returned when an uploaded file's size or
	// SHA-256 differs from the listed one; nothing is stored.
	ErrAttachmentMismatch = errors.New("intake: attachment does not match its listed size and SHA-256")
	// ErrAttachmentsUnsupported is returned by a backend that does not keep
	// attachments.
	ErrAttachmentsUnsupported = errors.New("intake: this backend does not keep attachments")
)

// AttachmentBackend is a Backend that keeps attachments. Both the bbolt
// Store (files beside the database) and the PostgreSQL store (chunks in the
// database) implement it; a backend that does not gets 501 from the server,
// which the agent retries.
type AttachmentBackend interface {
	// SubmitWithAttachments is SubmitFrom for a submission listing
	// attachments; the list is part of the body compared on a repeated key.
	SubmitWithAttachments(ctx context.Context, device, key, service string, payload []byte, atts []AttachmentSpec, now time.Time) (Dossier, bool, error)
	// PutAttachment stores the upload of a listed attachment read from
	// body; replayed is true when it had already arrived (body unread).
	PutAttachment(ctx context.Context, device, key, name string, body io.Reader, now time.Time) (a AttachmentState, replayed bool, err error)
	// OpenAttachment returns a stored attachment's file.
	OpenAttachment(ctx context.Context, key, name string) (io.ReadCloser, AttachmentState, error)
}

var reSHA256 = regexp.MustCompile(`^[0-9a-f]{64}$`)

// checkSpecs validates a submission's attachment list.
func checkSpecs(atts []AttachmentSpec, max int64) error {
	if len(atts) > 64 {
		return errors.New("more than 64 attachments")
	}
	seen := map[string]bool{}
	for _, a := range atts {
		switch {
		case a.Name == "" || len(a.Name) > 128 || !utf8.ValidString(a.Name) || strings.ContainsAny(a.Name, "/\\\x00"):
			return fmt.Errorf("attachment name %q", a.Name)
		case seen[a.Name]:
			return fmt.Errorf("attachment %q listed twice", a.Name)
		case !strings.Contains(a.Type, "/") || len(a.Type) > 100:
			return fmt.Errorf("attachment %q: media type", a.Name)
		case a.Size < 0 || a.Size > max:
			return fmt.Errorf("attachment %q: size %d outside 0..%d", a.Name, a.Size, max)
		case a.Pages < 0:
			return fmt.Errorf("attachment %q: pages", a.Name)
		case !reSHA256.MatchString(a.SHA256):
			return fmt.Errorf("attachment %q: sha256 must be 64 lowercase hex digits", a.Name)
		}
		seen[a.Name] = true
	}
	return nil
}

// bodyHashWith extends BodyHash with the attachment list; without one it
// is BodyHash, so dossiers stored before 1.2 compare as they did.
func bodyHashWith(service string, payload []byte, atts []AttachmentSpec) string {
	if len(atts) == 0 {
		return BodyHash(service, payload)
	}
	list, _ := json.Marshal(atts)
	h := sha256.New()
	h.Write([]byte(BodyHash(service, payload)))
	h.Write([]byte("\x00attachments\x00"))
	h.Write(list)
	return hex.EncodeToString(h.Sum(nil))
}

// attachFile is where the bbolt store keeps an attachment's file: named by
// the hash of the key and name, so no name reaches the file system.
func (s *Store) attachFile(key, name string) string {
	h := sha256.Sum256([]byte(key + "\x00" + name))
	return filepath.Join(s.dir, "attachments", key, hex.EncodeToString(h[:16]))
}

// SubmitWithAttachments implements AttachmentBackend.
func (s *Store) SubmitWithAttachments(ctx context.Context, device, key, service string, payload []byte, atts []AttachmentSpec, now time.Time) (Dossier, bool, error) {
	return s.submit(device, key, service, payload, atts, now)
}

// PutAttachment implements AttachmentBackend: the body is streamed to a
// temporary file (hashed on the way, at most the listed size plus one byte
// read), fsynced and renamed into place, and the arrival committed.
func (s *Store) PutAttachment(_ context.Context, device, key, name string, body io.Reader, now time.Time) (AttachmentState, bool, error) {
	d, err := s.Lookup(context.Background(), key)
	if err != nil {
		return AttachmentState{}, false, err
	}
	if ownerOf(d.Device) != device {
		return AttachmentState{}, false, ErrOtherDevice
	}
	i := d.attachmentIndex(name)
	if i < 0 {
		return AttachmentState{}, false, ErrNoAttachment
	}
	if d.Attachments[i].Received {
		a, err := s.countUpload(key, name, now)
		return a, true, err
	}
	want := d.Attachments[i]
	dst := s.attachFile(key, name)
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return AttachmentState{}, false, err
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".upload-*")
	if err != nil {
		return AttachmentState{}, false, err
	}
	defer os.Remove(tmp.Name())
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), io.LimitReader(body, want.Size+1))
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return AttachmentState{}, false, fmt.Errorf("intake: receive attachment: %w", err)
	}
	if n != want.Size || hex.EncodeToString(h.Sum(nil)) != want.SHA256 {
		return AttachmentState{}, false, ErrAttachmentMismatch
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return AttachmentState{}, false, err
	}
	if err := syncDir(filepath.Dir(dst)); err != nil {
		return AttachmentState{}, false, err
	}
	var a AttachmentState
	replayed := false
	err = s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bDossiers)
		var d Dossier
		if err := json.Unmarshal(b.Get([]byte(key)), &d); err != nil {
			return err
		}
		p := &d.Attachments[d.attachmentIndex(name)]
		replayed = p.Received
		if !p.Received {
			p.Received, p.ReceivedAt = true, now.UTC()
		}
		p.Uploads++
		a = *p
		return putJSON(b, key, d)
	})
	return a, replayed, err
}

func (s *Store) countUpload(key, name string, _ time.Time) (AttachmentState, error) {
	var a AttachmentState
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bDossiers)
		var d Dossier
		if err := json.Unmarshal(b.Get([]byte(key)), &d); err != nil {
			return err
		}
		p := &d.Attachments[d.attachmentIndex(name)]
		p.Uploads++
		a = *p
		return putJSON(b, key, d)
	})
	return a, err
}

// OpenAttachment implements AttachmentBackend.
func (s *Store) OpenAttachment(ctx context.Context, key, name string) (io.ReadCloser, AttachmentState, error) {
	d, err := s.Lookup(ctx, key)
	if err != nil {
		return nil, AttachmentState{}, err
	}
	i := d.attachmentIndex(name)
	if i < 0 || !d.Attachments[i].Received {
		return nil, AttachmentState{}, ErrNoAttachment
	}
	f, err := os.Open(s.attachFile(key, name))
	if err != nil {
		return nil, AttachmentState{}, fmt.Errorf("intake: attachment file: %w", err)
	}
	return f, d.Attachments[i], nil
}

func (d Dossier) attachmentIndex(name string) int {
	for i, a := range d.Attachments {
		if a.Name == name {
			return i
		}
	}
	return -1
}

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// Dir returns the store's data directory.
func (s *Store) Dir() string { return s.dir }
