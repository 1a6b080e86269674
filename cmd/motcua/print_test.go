package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"motcua/kiosk/printer/printertest"
)

func TestPrintCommandReceiptTicketAndStatus(t *testing.T) {
	fp, err := printertest.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer fp.Close()
	var out, errb bytes.Buffer
	if code := runPrint([]string{"-printer", fp.Addr(), "-qr", "raster", "-width", "384"}, &out, &errb); code != 0 {
		t.Fatalf("receipt: exit %d: %s", code, errb.String())
	}
	if code := runPrint([]string{"-printer", fp.Addr(), "-ticket", "B007"}, &out, &errb); code != 0 {
		t.Fatalf("ticket: exit %d: %s", code, errb.String())
	}
	jobs, err := fp.Wait(2, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	for i, j := range jobs {
		if len(j.Errors) > 0 || j.Cuts() != 1 || len(j.Rasters()) < 4 {
			t.Fatalf("job %d: errors %v, %d cuts, %d rasters", i, j.Errors, j.Cuts(), len(j.Rasters()))
		}
	}
	fp.SetPaperEnd(true)
	out.Reset()
	if code := runPrint([]string{"-printer", fp.Addr(), "-status"}, &out, &errb); code != 0 || !strings.Contains(out.String(), "paper end") {
		t.Fatalf("status: exit %d: %q", code, out.String())
	}
	errb.Reset()
	if code := runPrint([]string{"-printer", fp.Addr()}, &out, &errb); code != 1 || !strings.Contains(errb.String(), "hết giấy") {
		t.Fatalf("out of paper: exit %d: %q", code, errb.String())
	}
	for _, bad := range [][]string{{}, {"-printer", "lpt1"}, {"-printer", fp.Addr(), "-qr", "laser"}, {"-printer", fp.Addr(), "extra"}} {
		if code := runPrint(bad, &out, &errb); code != 2 {
			t.Errorf("%q: exit %d, want 2", bad, code)
		}
	}
}

func TestVoiceSayCommand(t *testing.T) {
	var out, errb bytes.Buffer
	if code := runSay([]string{"-list"}, &out, &errb); code != 0 || !strings.Contains(out.String(), "still_there") {
		t.Fatalf("list: exit %d: %q", code, out.String())
	}
	if _, err := exec.LookPath("espeak-ng"); err != nil {
		t.Skip("skipped: espeak-ng not on PATH (scripts/packages.txt installs it)")
	}
	dir := t.TempDir()
	wav := filepath.Join(dir, "s.wav")
	if code := runSay([]string{"place_card", "-wav", wav, "-cache", dir}, &out, &errb); code != 0 {
		t.Fatalf("say -wav: exit %d: %s", code, errb.String())
	}
	if b, err := os.ReadFile(wav); err != nil || !bytes.HasPrefix(b, []byte("RIFF")) || len(b) < 10000 {
		t.Fatalf("wav: %d bytes, %v", len(b), err)
	}
	// Played through a configured player: a command that stores the clip.
	played := filepath.Join(dir, "played.wav")
	script := filepath.Join(dir, "player.sh")
	if err := os.WriteFile(script, []byte("#!/bin/sh\ncat > "+played+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if code := runSay([]string{"still_there", "-player", script, "-cache", dir}, &out, &errb); code != 0 {
		t.Fatalf("say: exit %d: %s", code, errb.String())
	}
	if b, err := os.ReadFile(played); err != nil || !bytes.HasPrefix(b, []byte("RIFF")) {
		t.Fatalf("player got %d bytes, %v", len(b), err)
	}
	if code := runSay([]string{"Nguyễn Văn A"}, &out, &errb); code != 2 {
		t.Fatalf("free text: exit %d, want 2", code)
	}
}
