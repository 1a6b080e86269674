package main

import (
	"bytes"
	"context"
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"motcua/kiosk/printer/printertest"
	"motcua/reader/qr/decode"
	"motcua/sync/outbox"
)

// receiptStore writes an outbox with one accepted dossier (official code
// and status known) and one pending dossier, and closes it.
func receiptStore(t *testing.T) (dir, accepted, pending string) {
	t.Helper()
	dir = t.TempDir()
	s, err := outbox.Open(dir, outbox.Options{Device: "quay-1"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	payload := []byte(`{"schema":"motcua.dossier/v1","parties":[{"role":"applicant","fields":{"ho_ten":{"value":"Lê Văn Thử","provenance":"typed"}}}]}`)
	if accepted, err = s.Add(ctx, "1.004222", payload); err != nil {
		t.Fatal(err)
	}
	if pending, err = s.Add(ctx, "1.004222", payload); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Claim(time.Now()); err != nil {
		t.Fatal(err)
	}
	if res, err := s.Settle([]outbox.Outcome{{UUID: accepted, Kind: outbox.Accept, DossierCode: "MC-261123-000001", Status: 1}}); err != nil || res[0].Err != nil {
		t.Fatalf("settle: %v %+v", err, res)
	}
	if err := s.SetProgress(accepted, 4, "000.00.22.H40-261123-0042"); err != nil {
		t.Fatal(err)
	}
	return dir, accepted, pending
}

func TestReceiptPrintCommand(t *testing.T) {
	dir, accepted, pending := receiptStore(t)
	qrFile := filepath.Join(t.TempDir(), "qr.png")
	var out, errb bytes.Buffer
	if code := runReceipt([]string{"print", accepted, "--data", dir, "--qr-out", qrFile}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	text := out.String()
	for _, want := range []string{strings.ToUpper(accepted[:8]), "1.004222", "000.00.22.H40-261123-0042", "4 đang xử lý (being processed)", "Đăng ký thường trú", "Không quá 07 ngày làm việc",
		"https://dichvucong.gov.vn/p/home/dvc-tra-cuu-ho-so.html#000.00.22.H40-261123-0042", "Cổng Dịch vụ công quốc gia", "Dự kiến trả (expected): "} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "Lê Văn Thử") {
		t.Error("the receipt shows personal data from the payload")
	}
	f, err := os.Open(qrFile)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if got, err := decode.Image(img); err != nil || got != "https://dichvucong.gov.vn/p/home/dvc-tra-cuu-ho-so.html#000.00.22.H40-261123-0042" {
		t.Errorf("QR PNG decodes to %q %v", got, err)
	}

	// Pending: the local reference, plainly labelled; JSON; flags after or before the UUID.
	out.Reset()
	if code := runReceipt([]string{"print", "--json", pending, "--data", dir}, &out, &errb); code != 0 {
		t.Fatalf("pending: exit %d: %s", code, errb.String())
	}
	var v receiptView
	if err := json.Unmarshal(out.Bytes(), &v); err != nil {
		t.Fatal(err)
	}
	if !v.Due.After(v.Filed) || v.Due.Weekday() == time.Saturday || v.Due.Weekday() == time.Sunday {
		t.Errorf("expected result date %v for a dossier filed %v (7 working days)", v.Due, v.Filed)
	}
	if v.QROfficial || v.OfficialCode != "" || v.QR != "MOTCUA1|"+pending+"|1.004222|quay-1" || !strings.Contains(v.QRLabel, "chưa có mã hồ sơ") || v.State != "pending" {
		t.Errorf("pending receipt %+v", v)
	}

	// On a printer: the official QR and the code in the job.
	fp, err := printertest.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer fp.Close()
	out.Reset()
	if code := runReceipt([]string{"print", accepted, "--data", dir, "--printer", fp.Addr(), "--status-url", "https://dvc.example.vn/tra-cuu?ma={code}"}, &out, &errb); code != 0 {
		t.Fatalf("printer: exit %d: %s", code, errb.String())
	}
	jobs, err := fp.Wait(1, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if qrs := jobs[0].QRs(); len(jobs[0].Errors) > 0 || len(qrs) != 1 || qrs[0] != "https://dvc.example.vn/tra-cuu?ma=000.00.22.H40-261123-0042" || jobs[0].Cuts() != 1 {
		t.Errorf("printed job: errors %v qrs %q", jobs[0].Errors, qrs)
	}

	// Bad input: clear errors, exit codes.
	for _, c := range []struct {
		args []string
		code int
	}{
		{[]string{"print", "not-a-uuid", "--data", dir}, 2},
		{[]string{"print", accepted, "--data", dir, "--status-url", "http://insecure/{code}"}, 2},
		{[]string{"print", "11111111-2222-4333-8444-555555555555", "--data", dir}, 1},
		{[]string{"show", accepted}, 2},
		{[]string{"print", accepted, "--data", t.TempDir()}, 1},
	} {
		errb.Reset()
		if code := runReceipt(c.args, &out, &errb); code != c.code || errb.Len() == 0 {
			t.Errorf("%q: exit %d (want %d): %q", c.args, code, c.code, errb.String())
		}
	}
}

// outbox list shows the mã hồ sơ and the status in words, as JSON and as
// a table.
func TestOutboxListShowsOfficialCode(t *testing.T) {
	dir, accepted, _ := receiptStore(t)
	code, out := capture(t, runOutbox, "list", "--json", "--data", dir)
	var rows []struct {
		UUID         string `json:"uuid"`
		DossierCode  string `json:"dossier_code"`
		OfficialCode string `json:"official_code"`
		Status       int    `json:"provincial_status"`
		StatusVI     string `json:"provincial_status_name"`
		StatusEN     string `json:"provincial_status_name_en"`
	}
	if code != 0 || json.Unmarshal(out, &rows) != nil || len(rows) != 2 {
		t.Fatalf("exit %d: %s", code, out)
	}
	found := false
	for _, r := range rows {
		if r.UUID == accepted {
			found = true
			if r.DossierCode != "MC-261123-000001" || r.OfficialCode != "000.00.22.H40-261123-0042" || r.Status != 4 ||
				r.StatusVI != "đang xử lý" || r.StatusEN != "being processed" {
				t.Errorf("row %+v", r)
			}
		} else if r.OfficialCode != "" {
			t.Errorf("pending row with an official code %+v", r)
		}
	}
	if !found {
		t.Fatal("accepted dossier not listed")
	}
	code, out = capture(t, runOutbox, "list", "--data", dir)
	if code != 0 || !bytes.Contains(out, []byte("MÃ HỒ SƠ")) || !bytes.Contains(out, []byte("000.00.22.H40-261123-0042")) {
		t.Errorf("table: %s", out)
	}
}
