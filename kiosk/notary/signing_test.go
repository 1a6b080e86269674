package notary

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"strings"
	"testing"
	"time"

	"motcua/reader/cccd"
)

func signingJPEG(t *testing.T, w, h int, c color.RGBA) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = c.R, c.G, c.B, 255
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func signingRecord(t *testing.T) *Record {
	t.Helper()
	ok := &cccd.Verification{Passive: cccd.PassiveVerified, ChipAuth: cccd.ChipAuthPassed}
	seller, _ := PartyFromRead("bên bán", read(ok))
	witness, _ := PartyFromRead(RoleWitness, read(ok))
	interp, _ := PartyFromRead(RoleInterpreter, read(ok))
	rec, err := New("124/2026/CC", "CCV-0042", "Văn phòng công chứng Thử", "desk-3", time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC), seller, witness, interp)
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

// TestSigningPhotoRefusals: the hostile and careless cases first. A photo
// without the notary, with someone not in the act, too small for faces,
// not an image, or one too many is refused; an edited photo no longer
// matches the hash in the record.
func TestSigningPhotoRefusals(t *testing.T) {
	rec := signingRecord(t)
	at := time.Date(2026, 11, 22, 10, 5, 0, 0, time.UTC)
	good := signingJPEG(t, 800, 600, color.RGBA{200, 30, 30, 255})
	for name, tc := range map[string]struct {
		data  []byte
		shows []string
	}{
		"no notary":      {good, []string{"bên bán"}},
		"notary alone":   {good, []string{ShowsNotary}},
		"stranger":       {good, []string{ShowsNotary, "bên bán", "ông Không Có"}},
		"too small":      {signingJPEG(t, 320, 240, color.RGBA{1, 2, 3, 255}), []string{ShowsNotary, "bên bán"}},
		"not an image":   {[]byte("GIF89a not really"), []string{ShowsNotary, "bên bán"}},
		"truncated JPEG": {good[:len(good)/3], []string{ShowsNotary, "bên bán"}},
	} {
		if err := rec.AddSigningPhoto(tc.data, tc.shows, at); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if len(rec.SigningPhotos) != 0 {
		t.Fatalf("refused photos were kept: %d", len(rec.SigningPhotos))
	}
	for i := 0; i < MaxSigningPhotos; i++ {
		if err := rec.AddSigningPhoto(good, []string{ShowsNotary, "bên bán"}, at); err != nil {
			t.Fatal(err)
		}
	}
	if err := rec.AddSigningPhoto(good, []string{ShowsNotary, "bên bán"}, at); err == nil {
		t.Error("a photo beyond the limit accepted")
	}
	edited := bytes.Clone(good)
	edited[len(edited)/2] ^= 1
	if err := rec.VerifySigningPhoto(0, edited); err == nil {
		t.Error("an edited photo verifies")
	}
	if err := rec.VerifySigningPhoto(0, good); err != nil {
		t.Errorf("the photo as taken: %v", err)
	}
	for _, link := range []string{"http://cc.example.vn/x", "javascript:alert(1)", "https://x.vn/\n"} {
		if err := rec.SetElectronicDocument("", link); err == nil {
			t.Errorf("link %q accepted", link)
		}
	}
}

// TestSigningPhotosInRecordAndPage: photos are kept byte for byte, the
// record carries their hashes (never the bytes) and says who each shows,
// witnesses and interpreters are roles, the electronic document's QR/link
// is recorded, and all of it is printed on the A4 page.
func TestSigningPhotosInRecordAndPage(t *testing.T) {
	rec := signingRecord(t)
	at := time.Date(2026, 11, 22, 10, 5, 0, 0, time.UTC)
	red := signingJPEG(t, 800, 600, color.RGBA{220, 20, 20, 255})
	if err := rec.AddSigningPhoto(red, []string{ShowsNotary, "bên bán", RoleWitness}, at); err != nil {
		t.Fatal(err)
	}
	if m := rec.MissingFromPhotos(); len(m) != 1 || m[0] != RoleInterpreter {
		t.Fatalf("missing from photos: %v, want the interpreter", m)
	}
	var pngPhoto bytes.Buffer
	img := image.NewGray(image.Rect(0, 0, 640, 480))
	png.Encode(&pngPhoto, img)
	if err := rec.AddSigningPhoto(pngPhoto.Bytes(), []string{ShowsNotary, RoleInterpreter}, at); err != nil {
		t.Fatal(err)
	}
	if m := rec.MissingFromPhotos(); len(m) != 0 {
		t.Fatalf("still missing: %v", m)
	}
	if !bytes.Equal(rec.SigningPhotos[0].Bytes(), red) {
		t.Fatal("the stored photo is not the photo as taken")
	}
	if err := rec.SetElectronicDocument("CCDT:124/2026/CC:ab12", "https://congchung.example.vn/tra-cuu?ma=ab12"); err != nil {
		t.Fatal(err)
	}
	b, err := rec.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var back Record
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Schema != SchemaV2 || len(back.SigningPhotos) != 2 || back.SigningPhotos[0].SHA256 != rec.SigningPhotos[0].SHA256 ||
		back.SigningPhotos[1].Type != "image/png" || back.EDocument == nil || back.EDocument.QR == "" {
		t.Fatalf("record %s", b)
	}
	if bytes.Contains(b, []byte("/9j/")) || len(b) > 20000 {
		t.Error("the JSON carries photo bytes")
	}
	page, err := rec.PNG()
	if err != nil {
		t.Fatal(err)
	}
	if f := os.Getenv("MOTCUA_NOTARY_PAGE"); f != "" {
		os.WriteFile(f, page, 0o644) // for looking at it
	}
	pi, err := png.Decode(bytes.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	// The red photo is printed in the band at the bottom of the page.
	redSeen := false
	for y := pageH - 80 - 250; y < pageH-80 && !redSeen; y++ {
		for x := 60; x < pageW/2; x++ {
			r, g, _, _ := pi.At(x, y).RGBA()
			if r>>8 > 180 && g>>8 < 60 {
				redSeen = true
				break
			}
		}
	}
	if !redSeen {
		t.Error("the signing photo is not on the page")
	}
	rec.Wipe()
	if rec.SigningPhotos[0].Bytes() != nil {
		t.Error("Wipe kept the photo")
	}
	// A record without any of it stays version 1.
	plain, _ := PartyFromRead("bên mua", read(&cccd.Verification{Passive: cccd.PassiveVerified}))
	r1, _ := New("1/2026", "CCV-1", "VP", "d", at, plain)
	if b, _ := r1.JSON(); !strings.Contains(string(b), SchemaV1) {
		t.Errorf("plain record not v1: %s", b)
	}
}
