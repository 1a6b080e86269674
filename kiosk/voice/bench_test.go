package voice

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// discard plays nothing, as fast as it can read.
type discard struct{}

func (discard) Name() string { return "discard" }
func (discard) Play(ctx context.Context, r io.Reader) error {
	_, err := io.Copy(io.Discard, r)
	return err
}

// BenchmarkVoiceFirstSample measures the time from a request (Say) to
// the first audio sample handed to the player: cache hit (memory), disk
// hit (a restarted kiosk with a warm cache), miss (espeak-ng runs), and
// the baseline of a request that does nothing but hand over to a
// goroutine, measured in the same run.
//
//	go test ./kiosk/voice/ -run '^$' -bench VoiceFirstSample -benchtime 20x
func BenchmarkVoiceFirstSample(b *testing.B) {
	b.Run("noop", func(b *testing.B) {
		for range b.N {
			done := make(chan struct{})
			go func() { close(done) }()
			<-done
		}
	})
	e := espeak(b)
	dir := b.TempDir()
	g := New(Config{Enabled: true, Volume: 80, CacheDir: dir, Synth: e, Player: discard{}})
	defer g.Close(0)
	say := func() {
		first := make(chan struct{})
		g.mu.Lock()
		g.startLocked(PlaceCard, func() { close(first) })
		prev := g.prev
		g.mu.Unlock()
		<-first
		b.StopTimer()
		<-prev // let the clip finish outside the timing
		b.StartTimer()
	}
	if _, _, err := g.Clip(context.Background(), PlaceCard); err != nil {
		b.Fatal(err)
	}
	b.Run("hit", func(b *testing.B) {
		for range b.N {
			say()
		}
	})
	b.Run("disk", func(b *testing.B) {
		for range b.N {
			b.StopTimer()
			g.cache.forget()
			b.StartTimer()
			say()
		}
	})
	b.Run("miss", func(b *testing.B) {
		for range b.N {
			b.StopTimer()
			g.cache.forget()
			files, _ := filepath.Glob(filepath.Join(dir, "*.wav"))
			for _, f := range files {
				os.Remove(f)
			}
			b.StartTimer()
			say()
		}
	})
}
