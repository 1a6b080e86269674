//go:build linux && (amd64 || arm64 || riscv64 || ppc64le || loong64 || mips64le || s390x)

package camera

import (
	"context"
	"errors"
	"fmt"
	"image"
	"path/filepath"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// V4L2 ABI (linux/videodev2.h) for 64-bit Linux. The ioctl numbers encode the
// struct sizes, and the tests check both against the kernel's values.
const (
	v4l2BufTypeVideoCapture = 1
	v4l2MemoryMMAP          = 1
	v4l2FieldAny            = 0

	v4l2CapVideoCapture = 0x00000001
	v4l2CapStreaming    = 0x04000000
	v4l2CapDeviceCaps   = 0x80000000

	iocWrite = 1
	iocRead  = 2
)

// Pixel formats as V4L2 fourcc codes.
const (
	PixMJPEG uint32 = 'M' | 'J'<<8 | 'P'<<16 | 'G'<<24
	PixYUYV  uint32 = 'Y' | 'U'<<8 | 'Y'<<16 | 'V'<<24
)

type v4l2Capability struct {
	Driver       [16]byte
	Card         [32]byte
	BusInfo      [32]byte
	Version      uint32
	Capabilities uint32
	DeviceCaps   uint32
	Reserved     [3]uint32
}

type v4l2PixFormat struct {
	Width        uint32
	Height       uint32
	PixelFormat  uint32
	Field        uint32
	BytesPerLine uint32
	SizeImage    uint32
	Colorspace   uint32
	Priv         uint32
	Flags        uint32
	YcbcrEnc     uint32
	Quantization uint32
	XferFunc     uint32
}

// v4l2Format: the union after Type is 200 bytes, 8-aligned (it holds
// pointers in other members).
type v4l2Format struct {
	Type uint32
	_    uint32
	Pix  v4l2PixFormat
	_    [200 - unsafe.Sizeof(v4l2PixFormat{})]byte
}

type v4l2RequestBuffers struct {
	Count        uint32
	Type         uint32
	Memory       uint32
	Capabilities uint32
	Flags        uint8
	Reserved     [3]uint8
}

type v4l2Timecode struct {
	Type     uint32
	Flags    uint32
	Frames   uint8
	Seconds  uint8
	Minutes  uint8
	Hours    uint8
	Userbits [4]uint8
}

type v4l2Buffer struct {
	Index     uint32
	Type      uint32
	BytesUsed uint32
	Flags     uint32
	Field     uint32
	_         uint32
	Timestamp unix.Timeval
	Timecode  v4l2Timecode
	Sequence  uint32
	Memory    uint32
	Offset    uint64 // union m: offset for MMAP (low 32 bits), userptr, planes, fd
	Length    uint32
	Reserved2 uint32
	RequestFD int32
	_         uint32
}

func ioc(dir, nr, size uintptr) uintptr { return dir<<30 | size<<16 | uintptr('V')<<8 | nr }

var (
	vidiocQueryCap  = ioc(iocRead, 0, unsafe.Sizeof(v4l2Capability{}))
	vidiocSFmt      = ioc(iocRead|iocWrite, 5, unsafe.Sizeof(v4l2Format{}))
	vidiocReqBufs   = ioc(iocRead|iocWrite, 8, unsafe.Sizeof(v4l2RequestBuffers{}))
	vidiocQueryBuf  = ioc(iocRead|iocWrite, 9, unsafe.Sizeof(v4l2Buffer{}))
	vidiocQBuf      = ioc(iocRead|iocWrite, 15, unsafe.Sizeof(v4l2Buffer{}))
	vidiocDQBuf     = ioc(iocRead|iocWrite, 17, unsafe.Sizeof(v4l2Buffer{}))
	vidiocStreamOn  = ioc(iocWrite, 18, unsafe.Sizeof(int32(0)))
	vidiocStreamOff = ioc(iocWrite, 19, unsafe.Sizeof(int32(0)))
)

func ioctl(fd int, req uintptr, arg unsafe.Pointer) error {
	for {
		_, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), req, uintptr(arg))
		if e == unix.EINTR {
			continue
		}
		if e != 0 {
			return e
		}
		return nil
	}
}

// V4L2 is a Linux webcam streaming MJPEG or YUYV frames through mmap'ed
// buffers.
type V4L2 struct {
	fd     int
	path   string
	width  int
	height int
	stride int
	format uint32
	bufs   [][]byte
	on     bool
	seq    uint64
}

// Devices lists /dev/video* nodes.
func Devices() []string {
	m, _ := filepath.Glob("/dev/video*")
	return m
}

// OpenV4L2 opens a capture device (e.g. /dev/video0) asking for width x
// height in MJPEG, or YUYV when the camera has no MJPEG, and starts
// streaming. The driver may pick another size; Size says which.
func OpenV4L2(path string, width, height int) (*V4L2, error) {
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("camera: open %s: %w", path, err)
	}
	c := &V4L2{fd: fd, path: path}
	if err := c.setup(width, height); err != nil {
		c.Close()
		return nil, fmt.Errorf("camera: %s: %w", path, err)
	}
	return c, nil
}

func (c *V4L2) setup(width, height int) error {
	var capab v4l2Capability
	if err := ioctl(c.fd, vidiocQueryCap, unsafe.Pointer(&capab)); err != nil {
		return fmt.Errorf("VIDIOC_QUERYCAP: %w", err)
	}
	caps := capab.Capabilities
	if caps&v4l2CapDeviceCaps != 0 {
		caps = capab.DeviceCaps
	}
	if caps&v4l2CapVideoCapture == 0 || caps&v4l2CapStreaming == 0 {
		return errors.New("not a streaming capture device")
	}
	var set bool
	for _, pf := range []uint32{PixMJPEG, PixYUYV} {
		f := v4l2Format{Type: v4l2BufTypeVideoCapture}
		f.Pix = v4l2PixFormat{Width: uint32(width), Height: uint32(height), PixelFormat: pf, Field: v4l2FieldAny}
		if err := ioctl(c.fd, vidiocSFmt, unsafe.Pointer(&f)); err != nil {
			continue
		}
		if f.Pix.PixelFormat == pf {
			c.format, c.width, c.height, c.stride = pf, int(f.Pix.Width), int(f.Pix.Height), int(f.Pix.BytesPerLine)
			set = true
			break
		}
	}
	if !set {
		return errors.New("camera offers neither MJPEG nor YUYV")
	}
	req := v4l2RequestBuffers{Count: 4, Type: v4l2BufTypeVideoCapture, Memory: v4l2MemoryMMAP}
	if err := ioctl(c.fd, vidiocReqBufs, unsafe.Pointer(&req)); err != nil {
		return fmt.Errorf("VIDIOC_REQBUFS: %w", err)
	}
	if req.Count < 1 {
		return errors.New("no capture buffers")
	}
	for i := uint32(0); i < req.Count; i++ {
		b := v4l2Buffer{Index: i, Type: v4l2BufTypeVideoCapture, Memory: v4l2MemoryMMAP}
		if err := ioctl(c.fd, vidiocQueryBuf, unsafe.Pointer(&b)); err != nil {
			return fmt.Errorf("VIDIOC_QUERYBUF: %w", err)
		}
		m, err := unix.Mmap(c.fd, int64(uint32(b.Offset)), int(b.Length), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
		if err != nil {
			return fmt.Errorf("mmap: %w", err)
		}
		c.bufs = append(c.bufs, m)
		if err := ioctl(c.fd, vidiocQBuf, unsafe.Pointer(&b)); err != nil {
			return fmt.Errorf("VIDIOC_QBUF: %w", err)
		}
	}
	t := int32(v4l2BufTypeVideoCapture)
	if err := ioctl(c.fd, vidiocStreamOn, unsafe.Pointer(&t)); err != nil {
		return fmt.Errorf("VIDIOC_STREAMON: %w", err)
	}
	c.on = true
	return nil
}

// Size is the frame size the driver chose.
func (c *V4L2) Size() (width, height int) { return c.width, c.height }

// Format is the pixel format in use (PixMJPEG or PixYUYV).
func (c *V4L2) Format() uint32 { return c.format }

// Next waits for the next frame and decodes it (Grab, then Image).
func (c *V4L2) Next(ctx context.Context) (image.Image, error) {
	f, err := c.Grab(ctx)
	if err != nil {
		return nil, err
	}
	return f.Image()
}

// Grab waits for a frame (polling so that ctx is honoured), copies it out
// of the driver's buffer and gives the buffer back at once, so that the
// driver always has buffers to fill and the next frame is a fresh one. The
// pixels are decoded only if the frame's Image is asked for.
func (c *V4L2) Grab(ctx context.Context) (Frame, error) {
	for {
		if err := ctx.Err(); err != nil {
			return Frame{}, err
		}
		fds := []unix.PollFd{{Fd: int32(c.fd), Events: unix.POLLIN}}
		n, err := unix.Poll(fds, 100)
		if err == unix.EINTR || n == 0 {
			continue
		}
		if err != nil {
			return Frame{}, fmt.Errorf("camera: poll: %w", err)
		}
		if fds[0].Revents&(unix.POLLERR|unix.POLLHUP|unix.POLLNVAL) != 0 && fds[0].Revents&unix.POLLIN == 0 {
			return Frame{}, fmt.Errorf("camera: %s: device gone", c.path)
		}
		b := v4l2Buffer{Type: v4l2BufTypeVideoCapture, Memory: v4l2MemoryMMAP}
		if err := ioctl(c.fd, vidiocDQBuf, unsafe.Pointer(&b)); err != nil {
			if err == unix.EAGAIN {
				continue
			}
			return Frame{}, fmt.Errorf("camera: VIDIOC_DQBUF: %w", err)
		}
		if int(b.Index) >= len(c.bufs) {
			return Frame{}, fmt.Errorf("camera: driver returned buffer %d of %d", b.Index, len(c.bufs))
		}
		used := min(int(b.BytesUsed), len(c.bufs[b.Index]))
		data := append([]byte(nil), c.bufs[b.Index][:used]...)
		if err := ioctl(c.fd, vidiocQBuf, unsafe.Pointer(&b)); err != nil {
			return Frame{}, fmt.Errorf("camera: VIDIOC_QBUF: %w", err)
		}
		seq, at := c.seq, time.Now()
		c.seq++
		if c.format == PixMJPEG {
			if len(data) == 0 {
				continue // some drivers hand out empty buffers at start
			}
			return NewLazyFrame(seq, at, func() (image.Image, error) { return DecodeMJPEG(data) }), nil
		}
		w, h, stride := c.width, c.height, c.stride
		return NewLazyFrame(seq, at, func() (image.Image, error) { return YUYVToImage(data, w, h, stride) }), nil
	}
}

// Close stops streaming and releases the device.
func (c *V4L2) Close() error {
	if c.on {
		t := int32(v4l2BufTypeVideoCapture)
		ioctl(c.fd, vidiocStreamOff, unsafe.Pointer(&t))
		c.on = false
	}
	for _, m := range c.bufs {
		unix.Munmap(m)
	}
	c.bufs = nil
	if c.fd >= 0 {
		err := unix.Close(c.fd)
		c.fd = -1
		return err
	}
	return nil
}
