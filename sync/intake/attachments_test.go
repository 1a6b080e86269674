package intake

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func putAtt(t *testing.T, base, tok, key, name string, body []byte) (int, attachmentJSON) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPut, base+"/v1/dossiers/"+key+"/attachments/"+url.PathEscape(name), bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var a attachmentJSON
	b, _ := io.ReadAll(resp.Body)
	json.Unmarshal(b, &a)
	return resp.StatusCode, a
}

// TestAttachmentUploadBoundToKey: a submission lists its attachments; an
// upload of a listed name is stored once (a repeat is replayed, not a
// second file); a file that differs from its listed hash or size, an
// unlisted name and an unknown key are refused and store nothing; the
// dossier is complete only when every listed file has arrived; a repeated
// submission with another list is a key reuse.
func TestAttachmentUploadBoundToKey(t *testing.T) {
	srv, hs := newTestServer(t, Faults{})
	st := srv.store.(*Store)
	scan := bytes.Repeat([]byte("trang 1 "), 5000)
	sum := sha256.Sum256(scan)
	spec := `{"name":"Giấy khai sinh","type":"application/pdf","pages":1,"size":` + strconv.Itoa(len(scan)) + `,"sha256":"` + hex.EncodeToString(sum[:]) + `"}`
	spec2 := `{"name":"CT01","type":"application/pdf","size":2,"sha256":"` + hexOf([]byte("ok")) + `"}`
	body := `{"service":"1.004222","payload":{"a":1},"attachments":[` + spec + `,` + spec2 + `]}`
	code, _, err := post(t, hs.URL, "tok", key1, body)
	if err != nil || code != http.StatusCreated {
		t.Fatalf("submit: %d %v", code, err)
	}
	if d, _ := st.Get(key1); d.Complete() || len(d.Attachments) != 2 {
		t.Fatalf("complete before any upload: %+v", d)
	}
	if c, _ := putAtt(t, hs.URL, "tok", key1, "Giấy khai sinh", append(bytes.Clone(scan[:len(scan)-1]), 'X')); c != http.StatusUnprocessableEntity {
		t.Errorf("altered file: %d, want 422", c)
	}
	if c, _ := putAtt(t, hs.URL, "tok", key1, "Giấy khai sinh", scan[:100]); c != http.StatusUnprocessableEntity {
		t.Errorf("short file: %d, want 422", c)
	}
	if c, _ := putAtt(t, hs.URL, "tok", key1, "Giấy khai sinh", append(bytes.Clone(scan), 'X')); c != http.StatusRequestEntityTooLarge {
		t.Errorf("long file: %d, want 413", c)
	}
	if c, _ := putAtt(t, hs.URL, "tok", key1, "not listed", scan); c != http.StatusNotFound {
		t.Errorf("unlisted name: %d, want 404", c)
	}
	if c, _ := putAtt(t, hs.URL, "tok", "99999999-2222-4333-8444-555555555555", "Giấy khai sinh", scan); c != http.StatusNotFound {
		t.Errorf("unknown key: %d, want 404", c)
	}
	if d, _ := st.Get(key1); d.Attachments[0].Received {
		t.Fatal("a refused upload was recorded as received")
	}
	c, a := putAtt(t, hs.URL, "tok", key1, "Giấy khai sinh", scan)
	if c != http.StatusCreated || a.Replayed || a.Complete {
		t.Fatalf("first upload: %d %+v", c, a)
	}
	c, a = putAtt(t, hs.URL, "tok", key1, "Giấy khai sinh", scan)
	if c != http.StatusOK || !a.Replayed {
		t.Fatalf("repeat upload: %d %+v, want 200 replayed", c, a)
	}
	c, a = putAtt(t, hs.URL, "tok", key1, "CT01", []byte("ok"))
	if c != http.StatusCreated || !a.Complete {
		t.Fatalf("last upload: %d %+v, want complete", c, a)
	}
	d, _ := st.Get(key1)
	if !d.Complete() || d.Attachments[0].Uploads != 2 {
		t.Errorf("dossier %+v", d.Attachments)
	}
	ents, _ := os.ReadDir(filepath.Join(st.Dir(), "attachments", key1))
	files := 0
	for _, e := range ents {
		if !strings.HasPrefix(e.Name(), ".") {
			files++
		} else {
			t.Errorf("temporary file left: %s", e.Name())
		}
	}
	if files != 2 {
		t.Errorf("%d files stored, want 2", files)
	}
	// The same key with another attachment list is a different body.
	other := `{"service":"1.004222","payload":{"a":1},"attachments":[` + spec + `]}`
	if code, _, _ := post(t, hs.URL, "tok", key1, other); code != http.StatusUnprocessableEntity {
		t.Errorf("same key, other list: %d, want 422", code)
	}
	if code, _, _ := post(t, hs.URL, "tok", key1, body); code != http.StatusOK {
		t.Errorf("same key, same list: %d, want 200", code)
	}
	bad := `{"service":"1.004222","payload":{"a":1},"attachments":[{"name":"../x","type":"application/pdf","size":1,"sha256":"` + hexOf([]byte("x")) + `"}]}`
	if code, _, _ := post(t, hs.URL, "tok", "22222222-2222-4333-8444-555555555555", bad); code != http.StatusUnprocessableEntity {
		t.Errorf("path in a name: %d, want 422", code)
	}
}

func hexOf(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }
