//go:build ignore

// Regenerates testdata/face.jp2, the passport profile's JPEG 2000 face:
// the synthetic face of seed 20 (no real person), decoded, written as PPM
// and compressed with OpenJPEG's opj_compress (Debian libopenjp2-tools) to
// about 20 KB, the size of a passport's DG2 face.
//
//	go run hwtest/simcard/facejp2_gen.go
package main

import (
	"bytes"
	"fmt"
	"image"
	_ "image/jpeg"
	"os"
	"os/exec"
	"path/filepath"

	"motcua/hwtest/simcard"
)

func main() {
	img, _, err := image.Decode(bytes.NewReader(simcard.SyntheticFace(20)))
	if err != nil {
		panic(err)
	}
	b := img.Bounds()
	var ppm bytes.Buffer
	fmt.Fprintf(&ppm, "P6\n%d %d\n255\n", b.Dx(), b.Dy())
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			ppm.Write([]byte{byte(r >> 8), byte(g >> 8), byte(bl >> 8)})
		}
	}
	dir, err := os.MkdirTemp("", "facejp2")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	in := filepath.Join(dir, "face.ppm")
	if err := os.WriteFile(in, ppm.Bytes(), 0o600); err != nil {
		panic(err)
	}
	// 240x320x3 bytes at rate 11 is about 21 KB.
	cmd := exec.Command("opj_compress", "-i", in, "-o", "hwtest/simcard/testdata/face.jp2", "-r", "11")
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		panic(err)
	}
}
