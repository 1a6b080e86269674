package outbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// AttachDir is the directory (inside the data directory) that holds the
// sealed attachment files, one sub-directory per record UUID.
const AttachDir = "attachments"

// Defaults for the attachment options.
const (
	DefaultMaxAttachment    = 64 << 20
	DefaultAttachmentBudget = 2 << 30
	// MaxAttachments is the most attachments one submission may carry.
	MaxAttachments = 64
)

// Attachment is one file of a submission as stored: clear metadata (the
// catalogue's attachment name, its media type, pages, plaintext size and
// SHA-256) listed with the record; the bytes are sealed on disk.
type Attachment struct {
	// Name is the catalogue's attachment name (thành phần hồ sơ).
	Name string `json:"name"`
	// Type is the media type, e.g. application/pdf.
	Type string `json:"type"`
	// Pages is the page count (0: not paged).
	Pages int `json:"pages,omitempty"`
	// Size is the plaintext length in bytes.
	Size int64 `json:"size"`
	// SHA256 is the hex SHA-256 of the plaintext.
	SHA256 string `json:"sha256"`
	// SealedSize is the length of the sealed file, counted in the budget.
	SealedSize int64 `json:"sealed_size"`
}

// AttachmentSource is an attachment to store: its bytes are read from R to
// its end, streamed through the cipher to disk.
type AttachmentSource struct {
	Name  string
	Type  string
	Pages int
	R     io.Reader
}

// ValidAttachmentName reports whether n may name an attachment: 1-128
// bytes of valid UTF-8 without control characters or path separators.
func ValidAttachmentName(n string) bool {
	if n == "" || len(n) > 128 || strings.ContainsAny(n, "/\\") || n == "." || n == ".." {
		return false
	}
	for _, r := range n {
		if r < 0x20 || r == 0x7f || r == 0xfffd {
			return false
		}
	}
	return true
}

func validMediaType(t string) bool {
	i := strings.IndexByte(t, '/')
	if i <= 0 || i == len(t)-1 || len(t) > 100 {
		return false
	}
	for _, c := range t {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || strings.ContainsRune("/.+-", c)) {
			return false
		}
	}
	return true
}

func (s *Store) attachRoot() string { return filepath.Join(s.dir, AttachDir) }

func (s *Store) attachPath(id string, index int) string {
	return filepath.Join(s.attachRoot(), id, strconv.Itoa(index)+".sealed")
}

// AddWithAttachments stores a submission with its attachments. Each
// attachment is streamed, sealed under the record's data key, into a
// staging directory and fsynced; the directory is renamed into place and
// only then is the record committed (fsynced), so a returned UUID always
// has all its attachments and a crash leaves at most an orphan directory
// that the next Open deletes (sealed under a key that was never stored).
// Attachment sizes count against Options.AttachmentBudget; a full disk or
// budget gives an error matching ErrDiskFull and stores nothing.
func (s *Store) AddWithAttachments(ctx context.Context, service string, payload []byte, atts []AttachmentSource) (string, error) {
	if len(atts) == 0 {
		return s.Add(ctx, service, payload)
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if s.readOnly {
		return "", fmt.Errorf("add: %w", ErrReadOnly)
	}
	if len(atts) > MaxAttachments {
		return "", fmt.Errorf("%w: %d attachments, limit %d", ErrInvalidInput, len(atts), MaxAttachments)
	}
	seen := map[string]bool{}
	for _, a := range atts {
		if !ValidAttachmentName(a.Name) || seen[a.Name] {
			return "", fmt.Errorf("%w: attachment name %q is empty, too long, has a path separator or is repeated", ErrInvalidInput, a.Name)
		}
		if !validMediaType(a.Type) {
			return "", fmt.Errorf("%w: attachment %q: media type %q", ErrInvalidInput, a.Name, a.Type)
		}
		if a.Pages < 0 || a.R == nil {
			return "", fmt.Errorf("%w: attachment %q has no reader or negative pages", ErrInvalidInput, a.Name)
		}
		seen[a.Name] = true
	}
	req, err := s.newAddReq(ctx, service, payload)
	if err != nil {
		return "", err
	}
	defer clear(req.dk)
	id := req.rec.UUID
	req.fixedID = true

	s.attMu.Lock()
	defer s.attMu.Unlock()
	used, err := s.AttachmentBytes()
	if err != nil {
		return "", fmt.Errorf("add: %w", err)
	}
	budget := s.opts.AttachmentBudget - used
	if err := os.MkdirAll(s.attachRoot(), 0o700); err != nil {
		return "", fmt.Errorf("add: attachments directory: %w", classifyIOError(err))
	}
	stage := filepath.Join(s.attachRoot(), ".stage-"+id)
	final := filepath.Join(s.attachRoot(), id)
	fail := func(err error) (string, error) {
		os.RemoveAll(stage)
		os.RemoveAll(final)
		return "", fmt.Errorf("add: %w", classifyIOError(err))
	}
	if err := os.Mkdir(stage, 0o700); err != nil {
		return fail(err)
	}
	for i, a := range atts {
		if err := ctx.Err(); err != nil {
			return fail(err)
		}
		st, err := s.writeSealedFile(filepath.Join(stage, strconv.Itoa(i)+".sealed"), req.dk, id, i, a, budget)
		if err != nil {
			return fail(err)
		}
		budget -= st.sealed
		req.rec.Attachments = append(req.rec.Attachments, Attachment{Name: a.Name, Type: a.Type, Pages: a.Pages,
			Size: st.size, SHA256: st.sha256, SealedSize: st.sealed})
	}
	if err := syncDir(stage); err != nil {
		return fail(err)
	}
	if err := os.Rename(stage, final); err != nil {
		return fail(err)
	}
	if err := syncDir(s.attachRoot()); err != nil {
		return fail(err)
	}
	if _, err := s.enqueue(req); err != nil {
		os.RemoveAll(final)
		return "", err
	}
	return id, nil
}

func (s *Store) writeSealedFile(path string, dk []byte, id string, index int, a AttachmentSource, budget int64) (sealedStats, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return sealedStats{}, err
	}
	st, err := sealStream(dk, id, index, a.Name, a.R, f, s.opts.MaxAttachment, budget)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return st, fmt.Errorf("attachment %q: %w", a.Name, err)
	}
	return st, nil
}

// AttachmentBytes returns the bytes the sealed attachments take on disk,
// every file under the attachments directory counted (orphans included),
// which is what Options.AttachmentBudget limits.
func (s *Store) AttachmentBytes() (int64, error) {
	var n int64
	err := filepath.WalkDir(s.attachRoot(), func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if d.Type().IsRegular() {
			fi, err := d.Info()
			if err != nil {
				return err
			}
			n += fi.Size()
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("attachments: %w", classifyIOError(err))
	}
	return n, nil
}

// OpenAttachment returns a reader of the plaintext of attachment index of
// record id, decrypted chunk by chunk (never whole in memory). The reader
// returns ErrAttachmentCorrupt for a chunk that fails authentication or,
// at the end, for a size or SHA-256 that differs from the record. A purged
// record's attachments are gone (ErrPayloadPurged).
func (s *Store) OpenAttachment(id string, index int) (io.ReadCloser, Attachment, error) {
	var (
		rc  io.ReadCloser
		att Attachment
	)
	err := s.withSealed(id, func(sr sealedRecord, kr *Keyring) error {
		if index < 0 || index >= len(sr.rec.Attachments) {
			return fmt.Errorf("%w: attachment %d of %s", ErrNotFound, index, id)
		}
		att = sr.rec.Attachments[index]
		if !sr.rec.PurgedAt.IsZero() {
			return ErrPayloadPurged
		}
		if sr.wrapped == nil {
			return errors.New("attachment without a data key")
		}
		dk, err := kr.unwrap(id, sr.wrapped)
		if err != nil {
			return err
		}
		f, err := os.Open(s.attachPath(id, index))
		if err != nil {
			clear(dk)
			if errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("%w: %q: file missing", ErrAttachmentCorrupt, att.Name)
			}
			return classifyIOError(err)
		}
		or, err := newOpenReader(dk, id, index, att, f)
		if err != nil {
			clear(dk)
			f.Close()
			return err
		}
		or.dk = dk
		rc = or
		return nil
	})
	if err != nil {
		return nil, att, fmt.Errorf("attachment %d of %s: %w", index, id, err)
	}
	return rc, att, nil
}

// VerifyAttachments decrypts every attachment of record id to the end
// (streamed, nothing kept) and checks it against its recorded size and
// SHA-256. The worker calls it before it sends anything, so a corrupt
// sealed attachment is reported and never half sent.
func (s *Store) VerifyAttachments(id string) error {
	rec, err := s.Get(id)
	if err != nil {
		return err
	}
	for i := range rec.Attachments {
		rc, _, err := s.OpenAttachment(id, i)
		if err != nil {
			return err
		}
		_, err = io.Copy(io.Discard, rc)
		rc.Close()
		if err != nil {
			return fmt.Errorf("attachment %d of %s: %w", i, id, err)
		}
	}
	return nil
}

// removeAttachments deletes the attachment directories of records. Their
// bytes are already unrecoverable once the data key is destroyed; this
// gives the disk space back.
func (s *Store) removeAttachments(ids []string) {
	for _, id := range ids {
		if err := os.RemoveAll(filepath.Join(s.attachRoot(), id)); err != nil {
			s.log.Warn("outbox: could not delete the attachments of a purged record", "error", err.Error())
		}
	}
}

// sweepAttachments deletes attachment directories that belong to no
// record with a data key: staging left by a crash, a directory renamed
// into place whose record never committed, or a purged record's files a
// crash kept. Their contents are sealed under keys that no longer exist.
// While a copy of the database is kept aside (a corrupt file kept for
// recovery, a migration backup), directories of records it may hold are
// kept too: they are sealed under data keys only that copy has, and an
// operator recovering dossiers from it needs them. Staging directories
// never belong to a committed record and always go.
func (s *Store) sweepAttachments() error {
	ents, err := os.ReadDir(s.attachRoot())
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("outbox: attachments: %w", classifyIOError(err))
	}
	asides, err := s.Asides()
	if err != nil {
		return err
	}
	keepUnknown := len(asides) > 0
	var drop []string
	s.idx.mu.RLock()
	for _, e := range ents {
		n := e.Name()
		seq, known := s.idx.ids[n]
		if strings.HasPrefix(n, ".stage-") || !keepUnknown && !known || known && !s.idx.recs[seq].hasKey {
			drop = append(drop, n)
		}
	}
	s.idx.mu.RUnlock()
	if len(drop) > 0 {
		s.log.Warn("outbox: deleted attachment files that belong to no stored record (interrupted add or purge)", "count", len(drop))
		s.removeAttachments(drop)
	}
	return nil
}
