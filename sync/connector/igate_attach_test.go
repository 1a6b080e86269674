package connector

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestIGateUploadsOutboxAttachments: attachments captured at the desk
// (Submission.Attachments, streamed from the outbox) go through the
// gateway's upload step, byte-identical, and are listed as ThanhPhanHoSo;
// a revoked token mid-way is refreshed and the file sent again from its
// start (the source is opened afresh).
func TestIGateUploadsOutboxAttachments(t *testing.T) {
	gs := newIGateServer()
	inner := gs.handler(t)
	refused := false
	// The first upload reads part of the file, then the gateway answers
	// 401 (token revoked): the adapter must fetch a new token and send the
	// file again from its start.
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/files" && !refused {
			refused = true
			io.CopyN(io.Discard, r.Body, 100<<10)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		inner.ServeHTTP(w, r)
	}))
	defer hs.Close()
	g := newIGate(t, hs.URL, "s3cret")
	scan := bytes.Repeat([]byte("%PDF-1.4 trang "), 40000) // 600 KB
	opens := 0
	att := Attachment{Name: "Giấy khai sinh", Type: "application/pdf", Pages: 2, Size: int64(len(scan)), SHA256: "x",
		Open: func() (io.ReadCloser, error) { opens++; return io.NopCloser(bytes.NewReader(scan)), nil }}
	uuid := "4f1c2b8e-6a4d-4f7e-9b1a-2c3d4e5f6a7b"
	payload := `{"ChuHoSo":{"HoTen":"Lê Văn Thử"}}`
	rc, err := g.Submit(context.Background(), Submission{UUID: uuid, Service: "1.004222", Payload: json.RawMessage(payload), Attachments: []Attachment{att}})
	if err != nil {
		t.Fatal(err)
	}
	parts, _ := gs.dossiers[rc.DossierCode]["ThanhPhanHoSo"].([]any)
	if len(parts) != 1 {
		t.Fatalf("ThanhPhanHoSo %v", parts)
	}
	p := parts[0].(map[string]any)
	id := p["FileId"].(string)
	if p["TenGiayTo"] != "Giấy khai sinh" || !bytes.Equal(gs.files[id], scan) || gs.fileNames[id] != "Giấy khai sinh" {
		t.Errorf("uploaded %q: %d bytes, want %d identical", gs.fileNames[id], len(gs.files[id]), len(scan))
	}
	if len(gs.files) != 1 || opens != 2 || !refused || gs.tokenCalls != 2 {
		t.Errorf("%d files stored, source opened %d times", len(gs.files), opens)
	}
}
