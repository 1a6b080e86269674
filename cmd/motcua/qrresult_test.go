package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	qrcode "github.com/skip2/go-qrcode"

	"motcua/reader/qr"
)

const card = "001093047064|187654321|Nguyễn Văn Thử|05011993|Nam|Số 1 Phố Giả, Hà Nội|10042021"

func TestQRParse(t *testing.T) {
	r := qrParseText(card)
	if !r.OK() || r.Payload.FullName != "Nguyễn Văn Thử" {
		t.Fatalf("Parse = %+v", r)
	}
	if s := qrSummary(r); !strings.Contains(s, "001******064") || strings.Contains(s, "001093047064") || strings.Contains(s, "Nguyễn") {
		t.Errorf("Summary %q must mask the ID and leave out the name", s)
	}
	bad := qrParseText("001093047064|187654321|Nguyễn Văn Thử|31021993|Nam|Hà Nội|10042021")
	if bad.OK() || bad.Field != "date_of_birth" || bad.Kind != "" || qrSummary(bad) != "" {
		t.Errorf("bad date: %+v", bad)
	}
	pay := qrParseText("00020101021238570010A00000072701270006970403011300110123456780208QRIBFTTA53037045802VN6304ABCD")
	if pay.Kind != qr.KindVietQR || !strings.Contains(pay.Error, "VietQR") {
		t.Errorf("VietQR: %+v", pay)
	}
}

func TestQRDecodeFileAndJSON(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		b, err := qrcode.Encode(text, qrcode.Medium, 360)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("card.png", card)
	url := write("url.png", "https://dichvucong.gov.vn/")
	var out bytes.Buffer
	for _, f := range []string{good, url, filepath.Join(dir, "missing.png")} {
		if err := qrWriteJSON(&out, qrDecodeFile(f)); err != nil {
			t.Fatal(err)
		}
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d lines: %q", len(lines), out.String())
	}
	var r0, r1, r2 qrResult
	for i, r := range []*qrResult{&r0, &r1, &r2} {
		if err := json.Unmarshal([]byte(lines[i]), r); err != nil {
			t.Fatalf("line %d: %v", i, err)
		}
	}
	if !r0.OK() || r0.Payload.IDNumber != "001093047064" || r0.Step == "" || r0.File != good {
		t.Errorf("card image: %s", lines[0])
	}
	if r1.OK() || r1.Kind != qr.KindURL {
		t.Errorf("URL image: %s", lines[1])
	}
	if r2.OK() || r2.Error == "" {
		t.Errorf("missing file: %s", lines[2])
	}
}

func TestQRParseLines(t *testing.T) {
	in := strings.NewReader("\r\n" + card + "\r\nhttps://x\n\n" + card + "\n")
	var got []qrResult
	if err := qrParseLines(in, func(r qrResult) { got = append(got, r) }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || !got[0].OK() || got[1].Kind != qr.KindURL || !got[2].OK() {
		t.Errorf("got %+v", got)
	}
}
