package outbox

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// synthetic "scan": deterministic pseudo-random bytes with a marker the
// raw-file checks look for.
func fakeScan(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x5eed))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	copy(b, "%PDF-1.4 SCAN-MARKER-001099012345")
	return b
}

func readAll(t *testing.T, s *Store, id string, i int) ([]byte, error) {
	t.Helper()
	rc, _, err := s.OpenAttachment(id, i)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

func TestAttachmentsSealedStreamedAndListed(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir, Options{})
	// Sizes around the chunk boundary: empty, one byte, exactly one
	// chunk, one chunk and a byte, several chunks.
	sizes := []int{0, 1, attachChunk, attachChunk + 1, 5*attachChunk + 77}
	var srcs []AttachmentSource
	var want [][]byte
	for i, n := range sizes {
		b := fakeScan(n, uint64(i+1))
		if n < 40 {
			b = b[:n]
		}
		want = append(want, b)
		srcs = append(srcs, AttachmentSource{Name: "Giấy tờ " + string(rune('A'+i)), Type: "application/pdf", Pages: i, R: bytes.NewReader(b)})
	}
	id, err := s.AddWithAttachments(context.Background(), "1.004222", []byte(testPayload), srcs)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := s.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Attachments) != len(sizes) {
		t.Fatalf("record lists %d attachments, want %d", len(rec.Attachments), len(sizes))
	}
	for i, a := range rec.Attachments {
		sum := sha256.Sum256(want[i])
		if a.Size != int64(len(want[i])) || a.SHA256 != hex.EncodeToString(sum[:]) || a.Pages != i || a.Type != "application/pdf" {
			t.Errorf("attachment %d listed as %+v", i, a)
		}
		got, err := readAll(t, s, id, i)
		if err != nil || !bytes.Equal(got, want[i]) {
			t.Errorf("attachment %d: read back %d bytes (err %v), want %d identical", i, len(got), err, len(want[i]))
		}
		raw, _ := os.ReadFile(s.attachPath(id, i))
		if int64(len(raw)) != a.SealedSize {
			t.Errorf("attachment %d sealed size %d, file %d", i, a.SealedSize, len(raw))
		}
		if bytes.Contains(raw, []byte("SCAN-MARKER")) {
			t.Errorf("attachment %d in clear on disk", i)
		}
	}
	used, _ := s.AttachmentBytes()
	var sum int64
	for _, a := range rec.Attachments {
		sum += a.SealedSize
	}
	if used != sum {
		t.Errorf("budget counts %d bytes, sealed files are %d", used, sum)
	}
	// A key rotation re-wraps the data key: attachments stay readable.
	if _, err := s.RotateKey(); err != nil {
		t.Fatal(err)
	}
	if err := s.VerifyAttachments(id); err != nil {
		t.Fatalf("after rotation: %v", err)
	}
	// Claimed records carry the list for the worker.
	c, err := s.Claim(time.Now())
	if err != nil || len(c.Attachments) != len(sizes) {
		t.Fatalf("claim: %v, %d attachments", err, len(c.Attachments))
	}
}

func TestAttachmentBadInputRefused(t *testing.T) {
	s := openT(t, t.TempDir(), Options{MaxAttachment: 1000})
	ctx := context.Background()
	for name, atts := range map[string][]AttachmentSource{
		"path":      {{Name: "../x", Type: "application/pdf", R: bytes.NewReader(nil)}},
		"repeated":  {{Name: "a", Type: "image/jpeg", R: bytes.NewReader(nil)}, {Name: "a", Type: "image/jpeg", R: bytes.NewReader(nil)}},
		"type":      {{Name: "a", Type: "pdf", R: bytes.NewReader(nil)}},
		"no reader": {{Name: "a", Type: "application/pdf"}},
		"too large": {{Name: "a", Type: "application/pdf", R: bytes.NewReader(make([]byte, 1001))}},
	} {
		if _, err := s.AddWithAttachments(ctx, "1.004222", []byte(testPayload), atts); !errors.Is(err, ErrInvalidInput) {
			t.Errorf("%s: %v, want ErrInvalidInput", name, err)
		}
	}
	var tl *TooLargeError
	_, err := s.AddWithAttachments(ctx, "1.004222", []byte(testPayload), []AttachmentSource{{Name: "a", Type: "application/pdf", R: bytes.NewReader(make([]byte, 5000))}})
	if !errors.As(err, &tl) {
		t.Errorf("too large: %v", err)
	}
	if recs, _ := s.List(Filter{}); len(recs) != 0 {
		t.Errorf("refused adds stored %d records", len(recs))
	}
	if n, _ := s.AttachmentBytes(); n != 0 {
		t.Errorf("refused adds left %d bytes of files", n)
	}
}

// TestCorruptAttachmentReported: a flipped byte, a truncated file, files
// swapped between slots and a missing file are all ErrAttachmentCorrupt.
func TestCorruptAttachmentReported(t *testing.T) {
	for _, tc := range []struct {
		name string
		harm func(p0, p1 string)
	}{
		{"flipped byte", func(p0, _ string) {
			b, _ := os.ReadFile(p0)
			b[len(b)/2] ^= 1
			os.WriteFile(p0, b, 0o600)
		}},
		{"cut after a full chunk", func(p0, _ string) {
			os.Truncate(p0, attachHeaderLen+attachChunk+16)
		}},
		{"cut inside a chunk", func(p0, _ string) {
			fi, _ := os.Stat(p0)
			os.Truncate(p0, fi.Size()-5)
		}},
		{"swapped", func(p0, p1 string) {
			a, _ := os.ReadFile(p0)
			b, _ := os.ReadFile(p1)
			os.WriteFile(p0, b, 0o600)
			os.WriteFile(p1, a, 0o600)
		}},
		{"missing", func(p0, _ string) { os.Remove(p0) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := openT(t, t.TempDir(), Options{})
			a, b := fakeScan(3*attachChunk+9, 1), fakeScan(3*attachChunk+9, 2)
			id, err := s.AddWithAttachments(context.Background(), "1.004222", []byte(testPayload), []AttachmentSource{
				{Name: "a", Type: "application/pdf", R: bytes.NewReader(a)}, {Name: "b", Type: "application/pdf", R: bytes.NewReader(b)}})
			if err != nil {
				t.Fatal(err)
			}
			tc.harm(s.attachPath(id, 0), s.attachPath(id, 1))
			if err := s.VerifyAttachments(id); !errors.Is(err, ErrAttachmentCorrupt) {
				t.Fatalf("verify: %v, want ErrAttachmentCorrupt", err)
			}
			if bytes.Contains([]byte(errString(s.VerifyAttachments(id))), []byte("001099012345")) {
				t.Error("error text carries attachment bytes")
			}
		})
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// TestAttachmentBudget: an attachment that would pass the disk budget is
// refused with an error matching ErrDiskFull; nothing of it stays on disk
// and earlier records keep their attachments.
func TestAttachmentBudget(t *testing.T) {
	s := openT(t, t.TempDir(), Options{AttachmentBudget: 300 << 10})
	first := fakeScan(200<<10, 7)
	id, err := s.AddWithAttachments(context.Background(), "1.004222", []byte(testPayload),
		[]AttachmentSource{{Name: "a", Type: "application/pdf", R: bytes.NewReader(first)}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.AddWithAttachments(context.Background(), "1.004222", []byte(testPayload),
		[]AttachmentSource{{Name: "b", Type: "application/pdf", R: bytes.NewReader(fakeScan(200<<10, 8))}})
	var be *BudgetError
	if !errors.Is(err, ErrDiskFull) || !errors.As(err, &be) {
		t.Fatalf("over budget: %v, want a BudgetError matching ErrDiskFull", err)
	}
	recs, _ := s.List(Filter{})
	if len(recs) != 1 {
		t.Fatalf("%d records after the refused add, want 1", len(recs))
	}
	ents, _ := os.ReadDir(s.attachRoot())
	if len(ents) != 1 {
		t.Errorf("attachments directory holds %d entries, want the first record's only", len(ents))
	}
	if got, err := readAll(t, s, id, 0); err != nil || !bytes.Equal(got, first) {
		t.Errorf("first record's attachment after the refusal: %v", err)
	}
}

func TestAttachmentsPurgedWithPayload(t *testing.T) {
	dir := t.TempDir()
	clk := newClock()
	s := openT(t, dir, Options{Now: clk.Now, Retention: time.Hour})
	id, err := s.AddWithAttachments(context.Background(), "1.004222", []byte(testPayload),
		[]AttachmentSource{{Name: "a", Type: "application/pdf", R: bytes.NewReader(fakeScan(100<<10, 3))}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Claim(clk.Now()); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkAccepted(id, "MC-1", 2); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Purge(); err != nil {
		t.Fatal(err)
	}
	if err := s.VerifyAttachments(id); err != nil {
		t.Fatalf("before retention: %v", err)
	}
	clk.Add(2 * time.Hour)
	if n, err := s.Purge(); err != nil || n != 1 {
		t.Fatalf("purge: %d, %v", n, err)
	}
	if _, err := os.Stat(filepath.Join(s.attachRoot(), id)); !os.IsNotExist(err) {
		t.Errorf("attachment files still there after purge: %v", err)
	}
	if _, err := readAll(t, s, id, 0); !errors.Is(err, ErrPayloadPurged) {
		t.Errorf("read after purge: %v", err)
	}
	rec, _ := s.Get(id)
	if len(rec.Attachments) != 1 || rec.Attachments[0].SHA256 == "" {
		t.Errorf("the list (name, hash) stays as the record of what was sent: %+v", rec.Attachments)
	}
}

// TestOrphanAttachmentsSwept: a crash between writing the files and the
// commit leaves a staging or renamed directory without a record; Open
// deletes it, and keeps the files of stored records.
func TestOrphanAttachmentsSwept(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir, Options{})
	id, err := s.AddWithAttachments(context.Background(), "1.004222", []byte(testPayload),
		[]AttachmentSource{{Name: "a", Type: "application/pdf", R: bytes.NewReader(fakeScan(1000, 4))}})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	orphan := filepath.Join(dir, AttachDir, "0b7f1c1e-2f55-4f5b-9d4e-6f6f6f6f6f6f")
	stage := filepath.Join(dir, AttachDir, ".stage-0b7f1c1e-2f55-4f5b-9d4e-6f6f6f6f6f60")
	for _, d := range []string{orphan, stage} {
		os.MkdirAll(d, 0o700)
		os.WriteFile(filepath.Join(d, "0.sealed"), []byte("junk"), 0o600)
	}
	s = openT(t, dir, Options{})
	for _, d := range []string{orphan, stage} {
		if _, err := os.Stat(d); !os.IsNotExist(err) {
			t.Errorf("%s not swept", d)
		}
	}
	if err := s.VerifyAttachments(id); err != nil {
		t.Errorf("stored record's attachment after the sweep: %v", err)
	}
}

// TestCorruptStoreKeepsAttachmentsForRecovery: when the database is found
// corrupt and moved aside, the attachments of the records it held stay on
// disk for the copy's retention (an operator recovers dossiers from the
// copy with the key file); a purged record's files and staging still go.
func TestCorruptStoreKeepsAttachmentsForRecovery(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir, Options{})
	id, err := s.AddWithAttachments(context.Background(), "1.004222", []byte(testPayload),
		[]AttachmentSource{{Name: "a", Type: "application/pdf", R: bytes.NewReader(fakeScan(5000, 9))}})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	os.WriteFile(filepath.Join(dir, DBFile), bytes.Repeat([]byte("not a bbolt file "), 1000), 0o600)
	stage := filepath.Join(dir, AttachDir, ".stage-0b7f1c1e-2f55-4f5b-9d4e-6f6f6f6f6f60")
	os.MkdirAll(stage, 0o700)
	s = openT(t, dir, Options{})
	if s.Recovered() == nil {
		t.Fatal("corruption not detected")
	}
	if _, err := os.Stat(filepath.Join(dir, AttachDir, id, "0.sealed")); err != nil {
		t.Errorf("the corrupt copy's attachment was deleted: %v", err)
	}
	if _, err := os.Stat(stage); !os.IsNotExist(err) {
		t.Error("staging kept")
	}
}
