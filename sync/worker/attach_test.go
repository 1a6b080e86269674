package worker

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"motcua/sync/intake"
	"motcua/sync/outbox"
)

func scanBytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 99))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func (r *rig) addWith(files map[string][]byte, order []string) string {
	r.t.Helper()
	var src []outbox.AttachmentSource
	for _, n := range order {
		src = append(src, outbox.AttachmentSource{Name: n, Type: "application/pdf", Pages: 1, R: bytes.NewReader(files[n])})
	}
	id, err := r.store.AddWithAttachments(context.Background(), "1.004222", testPayload, src)
	if err != nil {
		r.t.Fatal(err)
	}
	return id
}

// TestAttachmentsDeliveredExactlyOnce: through dropped connections, resets
// and 5xx on every request (submission and uploads alike), each attachment
// ends at the intake exactly once and byte-identical, and the record is
// accepted only once the dossier is complete.
func TestAttachmentsDeliveredExactlyOnce(t *testing.T) {
	r := newRig(t, 1000)
	files := map[string][]byte{
		"Giấy khai sinh":       scanBytes(300<<10, 1),
		"Sổ hộ khẩu (bản sao)": scanBytes(70<<10, 2),
		"empty":                {},
	}
	order := []string{"Giấy khai sinh", "Sổ hộ khẩu (bản sao)", "empty"}
	id := r.addWith(files, order)
	r.faults(intake.Faults{Drop: 0.2, Reset: 0.1, FiveXX: 0.15, SilentAccept: 0.3})
	for i := 0; i < 200 && r.get(id).State != outbox.Accepted; i++ {
		if _, err := r.w.Drain(context.Background()); err != nil {
			t.Fatal(err)
		}
		r.clk.Add(time.Hour)
	}
	rec := r.get(id)
	if rec.State != outbox.Accepted {
		t.Fatalf("not accepted after 200 passes: %+v", rec)
	}
	d, err := r.istore.Get(id)
	if err != nil || !d.Complete() || len(d.Attachments) != 3 {
		t.Fatalf("intake dossier %+v, %v", d, err)
	}
	uploads := 0
	for _, n := range order {
		rc, a, err := r.istore.OpenAttachment(context.Background(), id, n)
		if err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		got, _ := io.ReadAll(rc)
		rc.Close()
		if !bytes.Equal(got, files[n]) {
			t.Errorf("%s: %d bytes at the intake, not byte-identical to the %d captured", n, len(got), len(files[n]))
		}
		t.Logf("%s: %d uploads, stored once", n, a.Uploads)
		uploads += a.Uploads
	}
	// The faults must have made the worker deliver again (a file that
	// arrived is then skipped: the intake's answer lists it as received).
	if rec.Attempts < 2 || d.Submissions < 2 || uploads != len(order) {
		t.Errorf("attempts %d, submissions %d, uploads %d: want retries and each file uploaded once", rec.Attempts, d.Submissions, uploads)
	}
	t.Logf("accepted after %d attempts, %d submissions at the intake", rec.Attempts, d.Submissions)
	ents, _ := os.ReadDir(filepath.Join(r.istore.Dir(), "attachments", id))
	if len(ents) != 3 {
		t.Errorf("intake keeps %d files for the dossier, want exactly 3", len(ents))
	}
	list, _ := r.istore.List()
	if len(list) != 1 {
		t.Errorf("intake holds %d dossiers", len(list))
	}
}

// TestCorruptAttachmentNotSent: a sealed attachment damaged on disk is
// reported (needs attention, code attachment_corrupt) and nothing of the
// dossier reaches the receiver.
func TestCorruptAttachmentNotSent(t *testing.T) {
	r := newRig(t, 5)
	id := r.addWith(map[string][]byte{"a": scanBytes(200<<10, 3)}, []string{"a"})
	p := filepath.Join(r.store.Dir(), outbox.AttachDir, id, "0.sealed")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)-100] ^= 0x40
	os.WriteFile(p, b, 0o600)
	st := r.drain()
	rec := r.get(id)
	if rec.State != outbox.NeedsAttention || rec.Reason != CodeAttachmentCorrupt || st.NeedsAttention != 1 {
		t.Fatalf("record %+v stats %+v", rec, st)
	}
	if _, err := r.istore.Get(id); !errors.Is(err, intake.ErrNotFound) {
		t.Errorf("the receiver got the dossier of a corrupt attachment: %v", err)
	}
}
