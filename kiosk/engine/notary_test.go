package engine

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"motcua/kiosk/notary"
)

func photoJPEG(t *testing.T, c color.RGBA) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 800, 600))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = c.R, c.G, c.B, 255
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestNotarySigningPhotos: the act number set with the first party's card
// holds for the second; the second is a witness; a signing photo that
// does not show the notary, or shows someone not in the act, is refused;
// the photos taken (one from the drop folder, kept byte for byte) are
// stored beside the record as taken, their SHA-256 in the record (schema
// v2) with the electronic document's link, and printed on the A4 page.
// Saving twice writes one record.
func TestNotarySigningPhotos(t *testing.T) {
	dir, drop := t.TempDir(), t.TempDir()
	r := newRig(t, Notary, func(c *Config) {
		c.Notary = NotaryConfig{NotaryID: "CCV-0001", Office: "VPCC Thử", Dir: dir}
		c.Capture = CaptureConfig{Folder: drop}
	})
	v := r.readCard(cardGenuine, StepNotary)
	if v.Notary == nil || v.Notary.Role != "Bên 1" || !v.Notary.CanPhoto {
		t.Fatalf("notary view %+v", v.Notary)
	}
	r.e.SetActRef("124/2026/CC")
	if err := r.e.AnotherParty(); err != nil {
		t.Fatal(err)
	}
	r.step(StepAttract)
	r.deck.Remove()
	v = r.readCard(cardSecond, StepNotary)
	if v.Notary.ActRef != "124/2026/CC" {
		t.Fatalf("act number after the second card: %q", v.Notary.ActRef)
	}
	if err := r.e.SetPartyRole(notary.RoleWitness); err != nil {
		t.Fatal(err)
	}
	if v = r.e.View(); strings.Join(v.Notary.Roles, ",") != "Bên 1,"+notary.RoleWitness {
		t.Fatalf("roles %v", v.Notary.Roles)
	}
	red := photoJPEG(t, color.RGBA{220, 20, 20, 255})
	for _, shows := range [][]string{{"Bên 1"}, {notary.ShowsNotary, "Bên 7"}} {
		if err := r.e.AddSigningPhoto(red, shows); err == nil {
			t.Fatalf("photo showing %v accepted", shows)
		}
	}
	if err := r.e.AddSigningPhoto(red, []string{notary.ShowsNotary, "Bên 1"}); err != nil {
		t.Fatal(err)
	}
	if v = r.e.View(); len(v.Notary.Missing) != 1 || v.Notary.Missing[0] != notary.RoleWitness || v.Notary.Photos[0].Thumb == nil {
		t.Fatalf("missing %v", v.Notary.Missing)
	}
	// The second from the drop folder, as the camera wrote it (a PNG).
	var pngBuf bytes.Buffer
	png.Encode(&pngBuf, image.NewGray(image.Rect(0, 0, 640, 480)))
	os.WriteFile(filepath.Join(drop, "IMG_0001.png"), pngBuf.Bytes(), 0o600)
	r.e.TakeSigningPhoto([]string{notary.ShowsNotary, notary.RoleWitness})
	v = r.until("second photo", func(v View) bool {
		return !v.Notary.PhotoBusy && (len(v.Notary.Photos) == 2 || v.Notary.PhotoErr != "")
	})
	if len(v.Notary.Photos) != 2 || len(v.Notary.Missing) != 0 {
		t.Fatalf("photos %d, err %q, missing %v", len(v.Notary.Photos), v.Notary.PhotoErr, v.Notary.Missing)
	}
	if _, err := os.Stat(filepath.Join(drop, "IMG_0001.png")); !os.IsNotExist(err) {
		t.Fatal("the photo was left in the shared folder")
	}
	if err := r.e.SetElectronicDocument("", "http://not-https.example.vn/x"); err == nil {
		t.Fatal("a plain-http link accepted")
	}
	if err := r.e.SetElectronicDocument("CCDT:124/2026/CC:ab12", "https://congchung.example.vn/tra-cuu?ma=ab12"); err != nil {
		t.Fatal(err)
	}
	r.e.SaveNotary("")
	ev := r.event(NotarySaved)
	r.until("saved", func(v View) bool { return v.Notice == NoticeSaved })
	r.e.SaveNotary("")
	r.e.SaveNotary("124/2026/CC")
	time.Sleep(50 * time.Millisecond)
	if files, _ := filepath.Glob(filepath.Join(dir, "*.json")); len(files) != 1 || r.count(NotarySaved) != 1 {
		t.Fatalf("records written: %v, %d saved events", files, r.count(NotarySaved))
	}
	b, err := os.ReadFile(ev.File)
	if err != nil {
		t.Fatal(err)
	}
	var rec notary.Record
	if err := json.Unmarshal(b, &rec); err != nil {
		t.Fatal(err)
	}
	if rec.Schema != notary.SchemaV2 || rec.ActRef != "124/2026/CC" || len(rec.Parties) != 2 || rec.Parties[1].Role != notary.RoleWitness ||
		len(rec.SigningPhotos) != 2 || rec.EDocument == nil || rec.EDocument.Link == "" {
		t.Fatalf("record %s", b)
	}
	base := strings.TrimSuffix(ev.File, ".json")
	for i, want := range [][]byte{red, pngBuf.Bytes()} {
		ext := ".jpg"
		if i == 1 {
			ext = ".png"
		}
		got, err := os.ReadFile(base + "-photo" + string(rune('1'+i)) + ext)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(got)
		if !bytes.Equal(got, want) || hex.EncodeToString(sum[:]) != rec.SigningPhotos[i].SHA256 {
			t.Fatalf("photo %d is not stored as taken, or its hash differs", i+1)
		}
	}
	page, err := os.ReadFile(base + ".png")
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	redSeen := false
	bd := img.Bounds()
	for y := bd.Dy() * 2 / 3; y < bd.Dy() && !redSeen; y++ {
		for x := 0; x < bd.Dx()/2; x++ {
			r, g, _, _ := img.At(x, y).RGBA()
			if r>>8 > 180 && g>>8 < 60 {
				redSeen = true
				break
			}
		}
	}
	if !redSeen {
		t.Error("the signing photo is not printed on the page")
	}
	r.e.Done()
	if v := r.e.View(); v.Notary.ActRef != "" || len(v.Notary.Photos) != 0 {
		t.Fatal("the act's draft outlived the act")
	}
}

// TestNotarySaveRetriedOnce: a save that fails (the records folder cannot
// be written) keeps the act; the retry writes one record, under the name
// the first attempt chose.
func TestNotarySaveRetriedOnce(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "records")
	os.WriteFile(dir, []byte("a file where the folder should be"), 0o600)
	r := newRig(t, Notary, func(c *Config) { c.Notary = NotaryConfig{NotaryID: "CCV-0001", Dir: dir} })
	r.readCard(cardGenuine, StepNotary)
	r.e.SaveNotary("7/2026")
	r.event(NotaryFailed)
	r.until("failed", func(v View) bool { return v.Notice == NoticeSaveFailed && !v.Busy })
	os.Remove(dir)
	r.e.SaveNotary("")
	ev := r.event(NotarySaved)
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) != 1 || files[0] != ev.File {
		t.Fatalf("records %v", files)
	}
	b, _ := os.ReadFile(ev.File)
	if strings.Count(string(b), `"role"`) != 1 {
		t.Fatalf("the retried record has a party twice or none: %s", b)
	}
}

// TestNotaryRoleRenamesPhotos: naming this person a witness after their
// photo was taken renames them in the photo (it shows the same person),
// and the record saves.
func TestNotaryRoleRenamesPhotos(t *testing.T) {
	dir := t.TempDir()
	r := newRig(t, Notary, func(c *Config) { c.Notary = NotaryConfig{NotaryID: "CCV-0001", Dir: dir} })
	r.readCard(cardGenuine, StepNotary)
	if err := r.e.AddSigningPhoto(photoJPEG(t, color.RGBA{10, 200, 10, 255}), []string{notary.ShowsNotary, "Bên 1"}); err != nil {
		t.Fatal(err)
	}
	if err := r.e.SetPartyRole(notary.RoleInterpreter); err != nil {
		t.Fatal(err)
	}
	v := r.e.View()
	if v.Notary.Photos[0].Shows[1] != notary.RoleInterpreter || len(v.Notary.Missing) != 0 {
		t.Fatalf("photo shows %v, missing %v", v.Notary.Photos[0].Shows, v.Notary.Missing)
	}
	r.e.SaveNotary("9/2026")
	ev := r.event(NotarySaved)
	b, _ := os.ReadFile(ev.File)
	if !strings.Contains(string(b), notary.RoleInterpreter) {
		t.Fatalf("record %s", b)
	}
}
