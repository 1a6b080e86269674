package notary

import (
	"bytes"
	"encoding/json"
	"image/png"
	"os"
	"strings"
	"testing"
	"time"

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
