//go:build linux && (amd64 || arm64 || riscv64 || ppc64le || loong64 || mips64le || s390x)

package camera

import (
	"context"
	"errors"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// TestV4L2ABI checks struct sizes and ioctl numbers against the values in
// linux/videodev2.h on 64-bit Linux.
func TestV4L2ABI(t *testing.T) {
	sizes := []struct {
		name string
		got  uintptr
		want uintptr
	}{
		{"v4l2_capability", unsafe.Sizeof(v4l2Capability{}), 104},
		{"v4l2_pix_format", unsafe.Sizeof(v4l2PixFormat{}), 48},
		{"v4l2_format", unsafe.Sizeof(v4l2Format{}), 208},
		{"v4l2_requestbuffers", unsafe.Sizeof(v4l2RequestBuffers{}), 20},
		{"v4l2_buffer", unsafe.Sizeof(v4l2Buffer{}), 88},
		{"v4l2_buffer.m offset", unsafe.Offsetof(v4l2Buffer{}.Offset), 64},
		{"v4l2_buffer.timestamp offset", unsafe.Offsetof(v4l2Buffer{}.Timestamp), 24},
	}
	for _, s := range sizes {
		if s.got != s.want {
			t.Errorf("%s: %d, want %d", s.name, s.got, s.want)
		}
	}
	ioctls := []struct {
		name      string
		got, want uintptr
	}{
		{"VIDIOC_QUERYCAP", vidiocQueryCap, 0x80685600},
		{"VIDIOC_S_FMT", vidiocSFmt, 0xc0d05605},
		{"VIDIOC_REQBUFS", vidiocReqBufs, 0xc0145608},
		{"VIDIOC_QUERYBUF", vidiocQueryBuf, 0xc0585609},
		{"VIDIOC_QBUF", vidiocQBuf, 0xc058560f},
		{"VIDIOC_DQBUF", vidiocDQBuf, 0xc0585611},
		{"VIDIOC_STREAMON", vidiocStreamOn, 0x40045612},
		{"VIDIOC_STREAMOFF", vidiocStreamOff, 0x40045613},
	}
	for _, c := range ioctls {
		if c.got != c.want {
			t.Errorf("%s = %#x, want %#x", c.name, c.got, c.want)
		}
	}
	if PixMJPEG != 0x47504a4d || PixYUYV != 0x56595559 {
		t.Errorf("fourcc MJPG %#x YUYV %#x", PixMJPEG, PixYUYV)
	}
}

// TestV4L2Device grabs a frame from the first camera, when there is one.
func TestV4L2Device(t *testing.T) {
	devs := Devices()
	if len(devs) == 0 {
		t.Skip("no /dev/video* device")
	}
	c, err := OpenV4L2(devs[0], 1280, 720)
	if err != nil {
		if errors.Is(err, unix.EBUSY) || errors.Is(err, unix.EACCES) || errors.Is(err, unix.ENOTTY) || errors.Is(err, unix.EINVAL) {
			t.Skipf("camera not usable here: %v", err)
		}
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	img, err := c.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	w, h := c.Size()
	if img.Bounds().Dx() != w || img.Bounds().Dy() != h {
		t.Errorf("frame %v, device says %dx%d", img.Bounds(), w, h)
	}
}

func TestOpenV4L2NotACamera(t *testing.T) {
	if _, err := OpenV4L2("/dev/null", 640, 480); err == nil {
		t.Error("/dev/null opened as a camera")
	}
	if _, err := OpenV4L2("/nonexistent/video9", 640, 480); err == nil {
		t.Error("missing device opened")
	}
}
