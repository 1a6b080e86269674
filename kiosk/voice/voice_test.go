package voice

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
	"time"
)

// espeak returns the real synthesizer or skips, saying why.
func espeak(t testing.TB) *Espeak {
	t.Helper()
	e, err := NewEspeak("vi", 0)
	if err != nil {
		t.Skipf("skipped: %v (scripts/packages.txt installs it)", err)
	}
	return e
}

// recPlayer keeps what it was given to play.
type recPlayer struct {
	mu    sync.Mutex
	clips [][]byte
	got   chan struct{}
}

func newRec() *recPlayer { return &recPlayer{got: make(chan struct{}, 64)} }

func (p *recPlayer) Name() string { return "recorder" }
func (p *recPlayer) Play(ctx context.Context, r io.Reader) error {
	b, err := io.ReadAll(r)
	p.mu.Lock()
	p.clips = append(p.clips, b)
	p.mu.Unlock()
	p.got <- struct{}{}
	return err
}

func (p *recPlayer) wait(t *testing.T, n int) [][]byte {
	t.Helper()
	for i := 0; i < n; i++ {
		select {
		case <-p.got:
		case <-time.After(20 * time.Second):
			t.Fatalf("player got %d clips, want %d", i, n)
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([][]byte(nil), p.clips...)
}

// hangPlayer never returns until released, whatever ctx says.
type hangPlayer struct {
	started chan struct{}
	release chan struct{}
}

func (p *hangPlayer) Name() string { return "hang" }
func (p *hangPlayer) Play(ctx context.Context, r io.Reader) error {
	p.started <- struct{}{}
	<-p.release
	return nil
}

var soxStat = regexp.MustCompile(`(?m)^(Length \(seconds\)|RMS\s+amplitude|Maximum amplitude):\s+([0-9.]+)`)

// soxCheck runs `sox FILE -n stat` and returns length, RMS and peak.
func soxCheck(t *testing.T, path string) (length, rms, peak float64) {
	t.Helper()
	out, err := exec.Command("sox", path, "-n", "stat").CombinedOutput()
	if err != nil {
		t.Fatalf("sox %s: %v: %s", path, err, out)
	}
	for _, m := range soxStat.FindAllStringSubmatch(string(out), -1) {
		v, _ := strconv.ParseFloat(m[2], 64)
		switch {
		case strings.HasPrefix(m[1], "Length"):
			length = v
		case strings.HasPrefix(m[1], "RMS"):
			rms = v
		default:
			peak = v
		}
	}
	if length == 0 {
		t.Fatalf("sox stat said no length: %s", out)
	}
	return
}

// audible is the check every sentence must pass.
func audible(length, rms, peak, budget float64) bool {
	return length >= 0.5 && length <= budget && rms >= 0.02 && peak >= 0.2
}

func TestVoiceEverySentenceSynthesisedAudibleWithinBudget(t *testing.T) {
	e := espeak(t)
	if _, err := exec.LookPath("sox"); err != nil {
		t.Skip("skipped: sox not on PATH (Debian package sox, listed in scripts/packages.txt)")
	}
	dir := t.TempDir()
	// The check itself must catch silence and overruns.
	silent := filepath.Join(dir, "silent.wav")
	if out, err := exec.Command("sox", "-n", "-r", "22050", "-b", "16", "-c", "1", silent, "trim", "0", "2").CombinedOutput(); err != nil {
		t.Fatalf("sox: %v %s", err, out)
	}
	if l, r, p := soxCheck(t, silent); audible(l, r, p, 5) {
		t.Fatal("the check passes a silent clip")
	}
	g := New(Config{Enabled: true, Volume: 100, CacheDir: filepath.Join(dir, "cache"), Synth: e, Player: newRec()})
	if len(Messages()) != int(lastMessage)-1 {
		t.Fatalf("%d messages have sentences, %d are declared", len(Messages()), int(lastMessage)-1)
	}
	for _, m := range Messages() {
		clip, _, err := g.Clip(context.Background(), m)
		if err != nil {
			t.Fatalf("%s: %v", m, err)
		}
		path := filepath.Join(dir, m.String()+".wav")
		if err := os.WriteFile(path, clip, 0o644); err != nil {
			t.Fatal(err)
		}
		l, r, p := soxCheck(t, path)
		t.Logf("%-15s %.2fs (budget %.0fs) rms %.3f peak %.2f  %q", m, l, m.Budget(), r, p, m.Text())
		if !audible(l, r, p, m.Budget()) {
			t.Errorf("%s: %.2fs rms %.3f peak %.2f: silent, too short or over its %.0fs budget", m, l, r, p, m.Budget())
		}
	}
}

func TestVoiceSentencesCarryNoPersonalData(t *testing.T) {
	// Fixed sentences only: no digits (ID numbers, dates), no format
	// verbs a caller could fill, and short.
	for _, m := range Messages() {
		s := m.Text()
		if s == "" || strings.ContainsAny(s, "0123456789%{}<>") || len(strings.Fields(s)) > 16 {
			t.Errorf("%s: %q", m, s)
		}
		if p, err := Parse(m.String()); err != nil || p != m {
			t.Errorf("%s does not parse back: %v", m, err)
		}
	}
	if StillThere.Text() != "Bạn còn ở đó không?" {
		t.Errorf("idle prompt %q", StillThere.Text())
	}
	if _, err := Parse("Nguyễn Văn A"); err == nil {
		t.Error("free text parsed as a message")
	}
	rec := newRec()
	g := New(Config{Enabled: true, Volume: 100, CacheDir: t.TempDir(), Synth: espeak(t), Player: rec})
	g.Say(Message(999))
	if g.Close(5 * time.Second); len(rec.clips) != 0 || !strings.Contains(g.Status().LastError, "unknown message") {
		t.Fatalf("unknown message played or not reported: %+v", g.Status())
	}
}

func TestVoiceSayRepeatAndCache(t *testing.T) {
	dir := t.TempDir()
	rec := newRec()
	g := New(Config{Enabled: true, Volume: 100, CacheDir: dir, Synth: espeak(t), Player: rec})
	defer g.Close(5 * time.Second)
	g.Repeat() // nothing said yet: nothing to repeat
	g.Say(PlaceCard)
	rec.wait(t, 1)
	g.Repeat()
	clips := rec.wait(t, 1)
	if len(clips) != 2 || !bytes.Equal(clips[0], clips[1]) {
		t.Fatalf("repeat played %d clips, equal=%v", len(clips), len(clips) == 2 && bytes.Equal(clips[0], clips[1]))
	}
	if _, err := parseWAV(clips[0]); err != nil {
		t.Fatalf("player got %v", err)
	}
	if st := g.Status(); !st.Active || st.Last != PlaceCard || st.LastError != "" {
		t.Fatalf("status %+v", st)
	}
	// On disk: a second guide on the same folder hits the cache.
	g2 := New(Config{Enabled: true, Volume: 100, CacheDir: dir, Synth: espeak(t), Player: newRec()})
	if _, cached, err := g2.Clip(context.Background(), PlaceCard); err != nil || !cached {
		t.Fatalf("disk cache: cached=%v err=%v", cached, err)
	}
	if _, cached, _ := g2.Clip(context.Background(), Reading); cached {
		t.Fatal("a clip never made was cached")
	}
}

func TestVoicePlayerThatHangsNeverBlocksTheCaller(t *testing.T) {
	hp := &hangPlayer{started: make(chan struct{}, 8), release: make(chan struct{})}
	defer close(hp.release)
	g := New(Config{Enabled: true, Volume: 100, CacheDir: t.TempDir(), Synth: espeak(t), Player: hp})
	returned := make(chan struct{})
	go func() {
		g.Say(PlaceCard)
		g.Say(Reading) // cuts off a player that will not stop
		g.Repeat()
		g.SetVolume(50)
		_ = g.Status()
		close(returned)
	}()
	select {
	case <-returned:
	case <-time.After(5 * time.Second):
		t.Fatal("Say/Repeat blocked on a hung player")
	}
	select {
	case <-hp.started:
	case <-time.After(20 * time.Second):
		t.Fatal("nothing reached the player")
	}
	if !g.Status().Speaking {
		t.Fatal("status does not show the clip in flight")
	}
	if g.Close(200 * time.Millisecond) {
		t.Fatal("Close says the hung player ended")
	}
}

func TestVoiceSilentInDeskModeOffAndWithoutPlayer(t *testing.T) {
	e := espeak(t)
	rec := newRec()
	g := New(Config{Enabled: true, Volume: 100, Mode: Desk, CacheDir: t.TempDir(), Synth: e, Player: rec})
	g.Say(PlaceCard)
	if st := g.Status(); st.Active || st.Reason != "desk mode is silent" {
		t.Fatalf("desk: %+v", st)
	}
	g.SetMode(Kiosk)
	g.SetEnabled(false)
	g.Say(Reading)
	if st := g.Status(); st.Active || st.Reason != "voice is off" {
		t.Fatalf("off: %+v", st)
	}
	g.SetEnabled(true)
	g.SetVolume(0)
	g.Say(Reading)
	g.Close(5 * time.Second)
	if len(rec.clips) != 0 {
		t.Fatalf("silent guide played %d clips", len(rec.clips))
	}
	if g.Status().Last != Reading {
		t.Fatal("a silent guide must still remember the step for Nghe lại")
	}

	t.Setenv("PATH", t.TempDir()) // no pw-play, paplay, aplay
	g = New(Config{Enabled: true, Volume: 100, CacheDir: t.TempDir(), Synth: e})
	g.Say(PlaceCard)
	if st := g.Status(); st.Active || !strings.Contains(st.Reason, "no audio player") {
		t.Fatalf("no player: %+v", st)
	}
	g.Close(time.Second)
}

func TestVoiceVolumeScalesSamples(t *testing.T) {
	dir := t.TempDir()
	rec := newRec()
	g := New(Config{Enabled: true, Volume: 100, CacheDir: dir, Synth: espeak(t), Player: rec})
	defer g.Close(5 * time.Second)
	g.Say(ThisIsYou)
	rec.wait(t, 1)
	g.SetVolume(25)
	g.Repeat()
	clips := rec.wait(t, 1)
	w, err := parseWAV(clips[0])
	if err != nil {
		t.Fatal(err)
	}
	peak := func(b []byte) (p int) {
		for i := w.dataOff; i+1 < w.dataOff+w.dataLen; i += 2 {
			p = max(p, abs(int(int16(binary.LittleEndian.Uint16(b[i:])))))
		}
		return p
	}
	full, quarter := peak(clips[0]), peak(clips[1])
	if full < 1000 || quarter < full/4-1 || quarter > full/4+1 {
		t.Fatalf("peak %d at 100, %d at 25", full, quarter)
	}
}

func abs(v int) int { return max(v, -v) }

func TestVoiceCmdPlayerStreamsAndIsKilled(t *testing.T) {
	e := espeak(t)
	out := filepath.Join(t.TempDir(), "played.wav")
	// A configured command line is argv split at spaces: no shell.
	if pp, err := ParsePlayer("sh -c true"); err != nil || len(pp.Argv) != 3 || pp.Argv[1] != "-c" {
		t.Fatalf("ParsePlayer: %v %v", pp, err)
	}
	p := &CmdPlayer{Argv: []string{"sh", "-c", `cat > "$0"`, out}}
	g := New(Config{Enabled: true, Volume: 100, CacheDir: t.TempDir(), Synth: e, Player: p})
	clip, _, err := g.Clip(context.Background(), Receipt)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Play(context.Background(), bytes.NewReader(clip)); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(out); !bytes.Equal(got, clip) {
		t.Fatalf("player got %d bytes, clip is %d", len(got), len(clip))
	}
	// A player that never ends is killed when cut off.
	slow := &CmdPlayer{Argv: []string{"sleep", "60"}}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- slow.Play(ctx, bytes.NewReader(clip)) }()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("killed player reported success")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("cancelled player not killed")
	}
	if _, err := ParsePlayer("no-such-player-xyz -"); err == nil {
		t.Fatal("missing player accepted")
	}
	if _, err := NewEspeak("fr", 0); err == nil {
		t.Fatal("non-Vietnamese voice accepted")
	}
}

func TestVoiceClipReaderOneByteAtATime(t *testing.T) {
	g := New(Config{Enabled: true, Volume: 100, CacheDir: t.TempDir(), Synth: espeak(t), Player: newRec()})
	clip, _, err := g.Clip(context.Background(), StillThere)
	if err != nil {
		t.Fatal(err)
	}
	w, _ := parseWAV(clip)
	whole, _ := io.ReadAll(&clipReader{b: clip, w: w, volume: 37})
	bytewise, _ := io.ReadAll(iotest.OneByteReader(&clipReader{b: clip, w: w, volume: 37}))
	if !bytes.Equal(whole, bytewise) || len(whole) != len(clip) || bytes.Equal(whole, clip) {
		t.Fatalf("scaled reads differ (%d, %d bytes of %d)", len(whole), len(bytewise), len(clip))
	}
	if !bytes.Equal(whole[:w.dataOff], clip[:w.dataOff]) {
		t.Fatal("header changed")
	}
}

func TestVoiceRejectsBadClips(t *testing.T) {
	for _, b := range [][]byte{nil, []byte("RIFF....WAVE"), []byte("ID3\x03 not a wav at all")} {
		if _, err := parseWAV(b); err == nil {
			t.Errorf("%q parsed", b)
		}
	}
}
