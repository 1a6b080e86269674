package packaging

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// xvfb is a private X server whose screen is also a file (-fbdir), so a
// screenshot needs no other tool.
type xvfb struct {
	display string
	fbfile  string
}

// startXvfb starts Xvfb on a free display with a 1280x800x24 screen;
// cleanup stops it by pid.
func startXvfb(tb testing.TB) *xvfb {
	tb.Helper()
	bin, err := exec.LookPath("Xvfb")
	if err != nil {
		tb.Skip("Xvfb not installed (Debian package xvfb)")
	}
	fb := tb.TempDir()
	r, w, err := os.Pipe()
	if err != nil {
		tb.Fatal(err)
	}
	cmd := exec.Command(bin, "-displayfd", "3", "-screen", "0", "1280x800x24", "-fbdir", fb, "-nolisten", "tcp")
	cmd.ExtraFiles = []*os.File{w}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	w.Close()
	tb.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	})
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(r).ReadString('\n')
		line <- strings.TrimSpace(s)
	}()
	select {
	case n := <-line:
		if _, err := strconv.Atoi(n); err != nil {
			tb.Fatalf("Xvfb gave no display number (%q)", n)
		}
		return &xvfb{display: ":" + n, fbfile: filepath.Join(fb, "Xvfb_screen0")}
	case <-time.After(30 * time.Second):
		tb.Fatal("Xvfb did not start within 30s")
	}
	return nil
}

// screenshot reads the screen from Xvfb's XWD frame buffer file
// (X11 XWD format: a big-endian header, the colour map, then pixels).
func (x *xvfb) screenshot() (*image.RGBA, error) {
	b, err := os.ReadFile(x.fbfile)
	if err != nil {
		return nil, err
	}
	if len(b) < 100 {
		return nil, fmt.Errorf("xwd: %d bytes", len(b))
	}
	u := func(i int) int { return int(binary.BigEndian.Uint32(b[i*4:])) }
	headerSize, width, height := u(0), u(4), u(5)
	bitsPerPixel, bytesPerLine, ncolors := u(11), u(12), u(19)
	byteOrder := u(7) // 0 LSBFirst
	if bitsPerPixel != 32 {
		return nil, fmt.Errorf("xwd: %d bits per pixel, want 32", bitsPerPixel)
	}
	off := headerSize + ncolors*12
	if off+height*bytesPerLine > len(b) {
		return nil, fmt.Errorf("xwd: truncated")
	}
	img := image.NewRGBA(image.Rect(0, 0, width, height))
	for y := range height {
		row := b[off+y*bytesPerLine:]
		for x := range width {
			var p uint32
			if byteOrder == 0 {
				p = binary.LittleEndian.Uint32(row[x*4:])
			} else {
				p = binary.BigEndian.Uint32(row[x*4:])
			}
			img.SetRGBA(x, y, color.RGBA{uint8(p >> 16), uint8(p >> 8), uint8(p), 255})
		}
	}
	return img, nil
}

// shotStats describes a screenshot: the bounding box of what is not the
// root window's black, and how many distinct colours it holds.
type shotStats struct {
	bounds image.Rectangle
	colors int
}

func stats(img *image.RGBA) shotStats {
	var s shotStats
	seen := map[color.RGBA]bool{}
	r := img.Bounds()
	minX, minY, maxX, maxY := r.Max.X, r.Max.Y, -1, -1
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			c := img.RGBAAt(x, y)
			if c.R == 0 && c.G == 0 && c.B == 0 {
				continue
			}
			if len(seen) < 100000 {
				seen[c] = true
			}
			minX, minY, maxX, maxY = min(minX, x), min(minY, y), max(maxX, x), max(maxY, y)
		}
	}
	if maxX >= 0 {
		s.bounds = image.Rect(minX, minY, maxX+1, maxY+1)
	}
	s.colors = len(seen)
	return s
}

func savePNG(t *testing.T, img image.Image, path string) {
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
}

// appRun is one running app: started, waited for "app ready", stopped.
type appRun struct {
	cmd   *exec.Cmd
	ready time.Duration // process start to the attract screen, as the app reports it
	wall  time.Duration // exec to the "app ready" line, as seen from here
}

// startApp runs cmd until it prints "motcua: app ready (...) in N ms".
func startApp(t testing.TB, cmd *exec.Cmd, limit time.Duration) (*appRun, error) {
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if cmd.WaitDelay == 0 {
		cmd.WaitDelay = 10 * time.Second
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	run := &appRun{cmd: cmd}
	ready := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		var tailLines []string
		for sc.Scan() {
			l := sc.Text()
			if i := strings.Index(l, "motcua: app ready"); i >= 0 {
				run.wall = time.Since(start)
				if f := strings.Fields(l[i:]); len(f) >= 2 {
					if ms, err := strconv.Atoi(f[len(f)-2]); err == nil {
						run.ready = time.Duration(ms) * time.Millisecond
					}
				}
				ready <- nil
				io.Copy(io.Discard, stderr)
				return
			}
			tailLines = append(tailLines, l)
			if len(tailLines) > 30 {
				tailLines = tailLines[1:]
			}
		}
		ready <- fmt.Errorf("the app exited before its attract screen:\n%s", strings.Join(tailLines, "\n"))
	}()
	select {
	case err = <-ready:
	case <-time.After(limit):
		err = fmt.Errorf("no attract screen within %s", limit)
	}
	if err != nil {
		run.stop()
		return nil, err
	}
	return run, nil
}

// stop ends the app by pid (SIGTERM, then SIGKILL) and waits for it.
func (a *appRun) stop() {
	if a.cmd.Process == nil || a.cmd.ProcessState != nil {
		return
	}
	a.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { a.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		a.cmd.Process.Kill()
		<-done
	}
}

// settle waits until two screenshots a moment apart are the same (the
// first frames are drawn after "app ready").
func settle(x *xvfb) (*image.RGBA, error) {
	var last *image.RGBA
	for i := 0; i < 20; i++ {
		time.Sleep(500 * time.Millisecond)
		img, err := x.screenshot()
		if err != nil {
			return nil, err
		}
		if last != nil && string(last.Pix) == string(img.Pix) && stats(img).colors > 1 {
			return img, nil
		}
		last = img
	}
	return last, nil
}

// TestWineAppAttractScreen starts motcua-app.exe (desk, demo, window)
// under Wine on a private Xvfb display, waits for its attract screen and
// compares the screenshot with the Linux app's in the same run: a real
// window of the same size, not blank. The PNGs are kept in
// $MOTCUA_SHOTS when set.
func TestWineAppAttractScreen(t *testing.T) {
	needWine(t)
	x := startXvfb(t)
	bin := t.TempDir()
	linuxApp := linuxBuild(t, bin, "./cmd/motcua-app")

	// Linux first: the reference.
	lcmd := exec.Command(linuxApp, "desk", "--demo", "--window", "--data", t.TempDir())
	lcmd.Env = append(os.Environ(), "DISPLAY="+x.display, "MOTCUA_CONFIG=")
	lrun, err := startApp(t, lcmd, 2*time.Minute)
	if err != nil {
		t.Fatalf("Linux app: %v", err)
	}
	lshot, err := settle(x)
	lrun.stop()
	if err != nil {
		t.Fatal(err)
	}

	w := newWinePrefix(t, x.display)
	winBuild(t, w.drive(`C:\motcua`), "./cmd/motcua-app")
	wcmd := w.cmd(wineTimeout, `C:\motcua\motcua-app.exe`, "desk", "--demo", "--window", "--data", `C:\appdata`)
	wcmd.Env = append(wcmd.Env, "MOTCUA_CONFIG=")
	wrun, err := startApp(t, wcmd, wineTimeout)
	if err != nil {
		t.Fatalf("Windows app under Wine: %v", err)
	}
	wshot, err := settle(x)
	wrun.stop()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("attract screen: Linux %v (app says %v), Windows under Wine %v (app says %v)", lrun.wall, lrun.ready, wrun.wall, wrun.ready)

	if dir := os.Getenv("MOTCUA_SHOTS"); dir != "" {
		os.MkdirAll(dir, 0o755)
		savePNG(t, lshot, filepath.Join(dir, "attract-linux.png"))
		savePNG(t, wshot, filepath.Join(dir, "attract-wine.png"))
	}
	ls, ws := stats(lshot), stats(wshot)
	t.Logf("Linux window %v, %d colours; Wine window %v, %d colours", ls.bounds, ls.colors, ws.bounds, ws.colors)
	if ws.colors < 8 || ws.bounds.Dx() < 200 || ws.bounds.Dy() < 200 {
		t.Fatalf("the Windows app's screen is blank or tiny: %v, %d colours", ws.bounds, ws.colors)
	}
	// Same window size (Wine may add no decoration without a window
	// manager; allow a few pixels).
	if d := ws.bounds.Dx() - ls.bounds.Dx(); d < -8 || d > 8 {
		t.Errorf("window width: Wine %d, Linux %d", ws.bounds.Dx(), ls.bounds.Dx())
	}
	if d := ws.bounds.Dy() - ls.bounds.Dy(); d < -40 || d > 40 {
		t.Errorf("window height: Wine %d, Linux %d", ws.bounds.Dy(), ls.bounds.Dy())
	}
	// The same screen: compare the two windows cell by cell (16x10 cells of
	// mean colour); fonts render a little differently, the layout not.
	if diff := meanCellDiff(lshot, ls.bounds, wshot, ws.bounds); diff > 24 {
		t.Errorf("the attract screens differ: mean cell colour difference %.1f (of 255)", diff)
	} else {
		t.Logf("mean cell colour difference %.1f (of 255)", diff)
	}
}

// meanCellDiff is the mean absolute difference of the mean colours of a
// 16x10 grid of cells laid over each window.
func meanCellDiff(a *image.RGBA, ar image.Rectangle, b *image.RGBA, br image.Rectangle) float64 {
	const gx, gy = 16, 10
	cell := func(img *image.RGBA, r image.Rectangle, cx, cy int) [3]float64 {
		x0, x1 := r.Min.X+r.Dx()*cx/gx, r.Min.X+r.Dx()*(cx+1)/gx
		y0, y1 := r.Min.Y+r.Dy()*cy/gy, r.Min.Y+r.Dy()*(cy+1)/gy
		var s [3]float64
		n := 0
		for y := y0; y < y1; y++ {
			for x := x0; x < x1; x++ {
				c := img.RGBAAt(x, y)
				s[0], s[1], s[2] = s[0]+float64(c.R), s[1]+float64(c.G), s[2]+float64(c.B)
				n++
			}
		}
		if n > 0 {
			s[0], s[1], s[2] = s[0]/float64(n), s[1]/float64(n), s[2]/float64(n)
		}
		return s
	}
	var total float64
	for cy := range gy {
		for cx := range gx {
			p, q := cell(a, ar, cx, cy), cell(b, br, cx, cy)
			for i := range 3 {
				d := p[i] - q[i]
				if d < 0 {
					d = -d
				}
				total += d
			}
		}
	}
	return total / (gx * gy * 3)
}

// BenchmarkWineAppColdStart: the Windows app's cold start to its attract
// screen under Wine, against the Linux app on the same Xvfb in the same
// run (desk mode, demo, a fresh data directory each time; the Wine prefix
// stays booted, as a Windows PC is). Reported as ms to the "app ready"
// line as the app measures it (app-ms) and as seen from the launcher
// (wall-ms).
//
//	go test -run '^$' -bench WineAppColdStart -benchtime 3x ./packaging/
func BenchmarkWineAppColdStart(b *testing.B) {
	if _, err := wineLoader(); err != nil {
		b.Skip(err.Error())
	}
	x := startXvfb(b)
	bin := b.TempDir()
	linuxApp := linuxBuild(b, bin, "./cmd/motcua-app")
	measure := func(b *testing.B, mk func(data string) *exec.Cmd) {
		var app, wall time.Duration
		for i := range b.N {
			cmd := mk(fmt.Sprintf("d%d", i))
			run, err := startApp(b, cmd, wineTimeout)
			if err != nil {
				b.Fatal(err)
			}
			app, wall = app+run.ready, wall+run.wall
			b.StopTimer()
			run.stop()
			b.StartTimer()
		}
		b.ReportMetric(float64(app.Milliseconds())/float64(b.N), "app-ms")
		b.ReportMetric(float64(wall.Milliseconds())/float64(b.N), "wall-ms")
	}
	b.Run("linux", func(b *testing.B) {
		measure(b, func(d string) *exec.Cmd {
			cmd := exec.Command(linuxApp, "desk", "--demo", "--window", "--data", filepath.Join(bin, d))
			cmd.Env = append(os.Environ(), "DISPLAY="+x.display, "MOTCUA_CONFIG=")
			return cmd
		})
	})
	w := newWinePrefix(b, x.display)
	winBuild(b, w.drive(`C:\motcua`), "./cmd/motcua-app")
	b.Run("windows-wine", func(b *testing.B) {
		measure(b, func(d string) *exec.Cmd {
			cmd := exec.Command(w.wine, `C:\motcua\motcua-app.exe`, "desk", "--demo", "--window", "--data", `C:\appdata\`+d)
			cmd.Env = append(w.env, "MOTCUA_CONFIG=")
			return cmd
		})
	})
}
