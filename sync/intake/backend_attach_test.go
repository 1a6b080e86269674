package intake

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"sync"
	"testing"
	"time"
)

// TestBackendAttachments runs on both backends: an attachment is stored
// once per listed name however many uploads (concurrent ones included), a
// mismatching or foreign upload stores nothing, the list is part of the
// compared body, and files read back byte-identical.
func TestBackendAttachments(t *testing.T) {
	backends(t, func(t *testing.T, b Backend) {
		ab := b.(AttachmentBackend)
		now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
		big := bytes.Repeat([]byte("0123456789abcdef"), 50000) // 800 KB: several PG chunks
		sum := sha256.Sum256(big)
		specs := []AttachmentSpec{
			{Name: "Giấy khai sinh", Type: "application/pdf", Pages: 3, Size: int64(len(big)), SHA256: hex.EncodeToString(sum[:])},
			{Name: "empty", Type: "application/pdf", Size: 0, SHA256: hexOf(nil)},
		}
		d, created, err := ab.SubmitWithAttachments(ctx, "dev-a", key1, "1.004222", []byte(`{"a":1}`), specs, now)
		if err != nil || !created || len(d.Attachments) != 2 || d.Complete() {
			t.Fatalf("submit: %+v %v %v", d, created, err)
		}
		if _, _, err := ab.SubmitWithAttachments(ctx, "dev-a", key1, "1.004222", []byte(`{"a":1}`), specs[:1], now); !errors.Is(err, ErrKeyReuse) {
			t.Errorf("other list: %v", err)
		}
		if _, _, err := b.SubmitFrom(ctx, "dev-a", key1, "1.004222", []byte(`{"a":1}`), now); !errors.Is(err, ErrKeyReuse) {
			t.Errorf("no list: %v", err)
		}
		bad := bytes.Clone(big)
		bad[1000] ^= 1
		if _, _, err := ab.PutAttachment(ctx, "dev-a", key1, "Giấy khai sinh", bytes.NewReader(bad), now); !errors.Is(err, ErrAttachmentMismatch) {
			t.Errorf("altered: %v", err)
		}
		if _, _, err := ab.PutAttachment(ctx, "dev-a", key1, "Giấy khai sinh", bytes.NewReader(append(bytes.Clone(big), 1)), now); !errors.Is(err, ErrAttachmentMismatch) {
			t.Errorf("longer: %v", err)
		}
		if _, _, err := ab.PutAttachment(ctx, "dev-b", key1, "Giấy khai sinh", bytes.NewReader(big), now); !errors.Is(err, ErrOtherDevice) {
			t.Errorf("other device: %v", err)
		}
		if _, _, err := ab.PutAttachment(ctx, "dev-a", key1, "nope", bytes.NewReader(big), now); !errors.Is(err, ErrNoAttachment) {
			t.Errorf("unlisted: %v", err)
		}
		if d, _ := b.Lookup(ctx, key1); d.Attachments[0].Received {
			t.Fatal("refused uploads marked it received")
		}
		// Four concurrent uploads of the same file: one stores, the rest replay.
		var wg sync.WaitGroup
		var mu sync.Mutex
		fresh := 0
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, replayed, err := ab.PutAttachment(ctx, "dev-a", key1, "Giấy khai sinh", bytes.NewReader(big), now)
				if err != nil {
					t.Error(err)
				}
				mu.Lock()
				if !replayed {
					fresh++
				}
				mu.Unlock()
			}()
		}
		wg.Wait()
		if fresh != 1 {
			t.Errorf("%d uploads stored the file, want exactly 1", fresh)
		}
		if _, _, err := ab.PutAttachment(ctx, "dev-a", key1, "empty", bytes.NewReader(nil), now); err != nil {
			t.Fatal(err)
		}
		d, err = b.Lookup(ctx, key1)
		if err != nil || !d.Complete() || d.Attachments[0].Uploads != 4 {
			t.Fatalf("after uploads: %+v %v", d.Attachments, err)
		}
		for _, sp := range specs {
			rc, _, err := ab.OpenAttachment(ctx, key1, sp.Name)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(rc)
			rc.Close()
			if sum := sha256.Sum256(got); hex.EncodeToString(sum[:]) != sp.SHA256 {
				t.Errorf("%s read back differs (%d bytes)", sp.Name, len(got))
			}
		}
		list, _ := b.Dossiers(ctx, time.Time{}, time.Time{}, false)
		if len(list) != 1 || len(list[0].Attachments) != 2 || !list[0].Complete() {
			t.Errorf("listing: %+v", list)
		}
	})
}
