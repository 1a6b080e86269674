package notary

import (
	"bytes"
	"encoding/json"
	"image"
	"image/jpeg"
	"image/png"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/image/font"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"

	"motcua/hwtest/simcard"
	"motcua/reader/cccd"
)

func read(v *cccd.Verification) *cccd.ReadResult {
	p := simcard.ReferenceProfile()
	return &cccd.ReadResult{Identity: p.Identity, Access: "pace", Verification: v, Photo: simcard.SyntheticFace(1)}
}

func TestRecordJSONAndPage(t *testing.T) {
	seller, err := PartyFromRead("bên bán", read(&cccd.Verification{Passive: cccd.PassiveVerified, ChipAuth: cccd.ChipAuthPassed}))
	if err != nil {
		t.Fatal(err)
	}
	buyer, _ := PartyFromRead("bên mua", read(&cccd.Verification{Passive: cccd.PassiveVerified, ChipAuth: cccd.ChipAuthFailed}))
	rec, err := New("123/2026/CC", "CCV-0042", "Văn phòng công chứng Thử", "desk-3", time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC), seller, buyer)
	if err != nil {
		t.Fatal(err)
	}
	b, err := rec.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if json.Unmarshal(b, &m) != nil || bytes.Contains(b, []byte("/9j/")) {
		t.Fatal("JSON invalid or carries the photo")
	}
	if !rec.Parties[0].Verified || rec.Parties[1].Verified || rec.Parties[0].PhotoSHA256 == "" {
		t.Fatalf("verdicts %+v", rec.Parties)
	}
	if !strings.Contains(Summary(rec.Parties[1]), "CLONE") {
		t.Fatalf("clone not shown: %s", Summary(rec.Parties[1]))
	}
	page, err := rec.PNG()
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(page))
	if err != nil || img.Bounds().Dx() != pageW {
		t.Fatalf("page: %v", err)
	}
	if dir := os.Getenv("MOTCUA_NOTARY_PAGE"); dir != "" {
		os.WriteFile(dir, page, 0o644) // for looking at it
	}
	rec.Wipe()
	if rec.Parties[0].photo != nil {
		t.Fatal("photo kept after Wipe")
	}
	if _, err := New("", "x", "", "", time.Now(), seller); err == nil {
		t.Fatal("record without an act reference")
	}
}

// TestFontCoversVietnamese renders a Vietnamese name and place with the
// embedded font: every letter has a glyph (none falls back to the blank
// box), and the page draws it.
func TestFontCoversVietnamese(t *testing.T) {
	const s = "Nguyễn Thị Ánh Tuyết, Quảng Ngãi — ạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹđĐơưƠƯ"
	f, err := sfnt.Parse(notoSans)
	if err != nil {
		t.Fatal(err)
	}
	var buf sfnt.Buffer
	for _, r := range s {
		if r == ' ' {
			continue
		}
		if g, err := f.GlyphIndex(&buf, r); err != nil || g == 0 {
			t.Errorf("no glyph for %q", r)
		}
	}
	_, body, err := faces()
	if err != nil {
		t.Fatal(err)
	}
	img := image.NewGray(image.Rect(0, 0, 600, 40))
	d := font.Drawer{Dst: img, Src: image.White, Face: body, Dot: fixed.P(4, 28)}
	d.DrawString(s[:len("Nguyễn Thị Ánh Tuyết, Quảng Ngãi")])
	ink := 0
	for _, p := range img.Pix {
		if p > 0 {
			ink++
		}
	}
	if ink < 200 {
		t.Fatalf("the name drew %d inked pixels", ink)
	}
}

// TestPageWithRefusedPhoto: a hostile chip's photo (a JPEG that declares
// 65535×65535 pixels) leaves a note on the page, not a crash or a 17 GB
// allocation.
func TestPageWithRefusedPhoto(t *testing.T) {
	r := read(&cccd.Verification{Passive: cccd.PassiveVerified, ChipAuth: cccd.ChipAuthPassed})
	r.Photo = photoBomb(t)
	p, err := PartyFromRead(PartyRole(1), r)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := New("1/2026", "CCV-1", "", "desk", time.Now(), p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rec.PNG(); err != nil {
		t.Fatal(err)
	}
	if rec.Parties[0].Role != "Bên 1" {
		t.Fatalf("role %q", rec.Parties[0].Role)
	}
}

func photoBomb(t *testing.T) []byte {
	img := image.NewGray(image.Rect(0, 0, 8, 8))
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	out := b.Bytes()
	for i := 0; i+8 < len(out); i++ {
		if out[i] == 0xFF && out[i+1] == 0xC0 {
			out[i+5], out[i+6], out[i+7], out[i+8] = 0xFF, 0xFF, 0xFF, 0xFF
			return out
		}
	}
	t.Fatal("no SOF0")
	return nil
}
