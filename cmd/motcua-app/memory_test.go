//go:build linux

package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BenchmarkAppMemory starts the real app (kiosk, demo, queue only) on a
// private Xvfb display and breaks its resident memory at the attract
// screen down by mapping (/proc/PID/smaps): Mesa (the software GL stack
// under Xvfb: libLLVM, the DRI/gallium driver, libGL and friends), the
// app binary's own pages (code and data of our code, Fyne and the
// embedded catalogues), the C heap (GLFW, X and Mesa allocations), the
// anonymous memory (the Go heap among it, and llvmpipe's buffers), X
// shared memory and the other libraries; and the Go heap itself as the
// app reports it on its "app ready" line (runtime.MemStats after a GC).
// The whole resident set is the baseline the parts are read against.
//
//	go test -run '^$' -bench AppMemory -benchtime 1x ./cmd/motcua-app/
func BenchmarkAppMemory(b *testing.B) {
	xvfb, err := exec.LookPath("Xvfb")
	if err != nil {
		b.Skip("Xvfb not installed")
	}
	dir := b.TempDir()
	if out, err := exec.Command("go", "build", "-o", dir, ".").CombinedOutput(); err != nil {
		b.Fatalf("build: %v\n%s", err, out)
	}
	bin := filepath.Join(dir, "motcua-app")
	display := startXvfb(b, xvfb)
	var last map[string]float64
	for range b.N {
		cmd, line, err := startAppOn(bin, display, "kiosk", "--demo", "--queue-only", "--window", "--data", b.TempDir())
		if err == nil {
			time.Sleep(2 * time.Second) // the attract screen painted and settled
			last = smapsBreakdown(cmd.Process.Pid)
			for k, v := range goHeap(line) {
				last[k] = v
			}
		}
		stopApp(cmd)
		if err != nil {
			b.Fatal(err)
		}
	}
	for k, v := range last {
		b.ReportMetric(v, k)
	}
}

var goHeapRE = regexp.MustCompile(`go heap ([0-9.]+) MiB in use, ([0-9.]+) MiB from the OS`)

// goHeap reads the Go runtime's figures off the "app ready" line.
func goHeap(line string) map[string]float64 {
	m := goHeapRE.FindStringSubmatch(line)
	if m == nil {
		return nil
	}
	inuse, _ := strconv.ParseFloat(m[1], 64)
	sys, _ := strconv.ParseFloat(m[2], 64)
	return map[string]float64{"go-heap-MiB": inuse, "go-sys-MiB": sys}
}

// smapsBreakdown sums the resident memory of a process by kind of mapping.
func smapsBreakdown(pid int) map[string]float64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/smaps", pid))
	if err != nil {
		return nil
	}
	defer f.Close()
	exe, _ := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
	kb := map[string]float64{}
	kind := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		if strings.Contains(fields[0], "-") && len(fields) >= 5 { // a mapping's header line
			name := ""
			if len(fields) >= 6 {
				name = fields[5]
			}
			kind = mappingKind(name, exe)
			continue
		}
		if fields[0] == "Rss:" && len(fields) >= 2 {
			v, _ := strconv.ParseFloat(fields[1], 64)
			kb[kind] += v
			kb["rss"] += v
		}
	}
	out := map[string]float64{}
	for k, v := range kb {
		out[k+"-MiB"] = v / 1024
	}
	return out
}

var mesaRE = regexp.MustCompile(`libLLVM|/dri/|gallium|libGL|libglapi|libEGL|libgbm|libdrm|libz3|libxcb-glx|libxshmfence|libsensors|libelf|libedit`)

// mappingKind classifies one mapping of smaps.
func mappingKind(name, exe string) string {
	switch {
	case name == "":
		return "anon"
	case name == exe || strings.HasSuffix(name, "/motcua-app"):
		return "binary"
	case name == "[heap]":
		return "c-heap"
	case strings.HasPrefix(name, "/SYSV"):
		return "x-shm"
	case mesaRE.MatchString(name):
		return "mesa"
	case strings.HasPrefix(name, "["):
		return "kernel" // stack, vdso, vvar
	}
	return "other-libs"
}
