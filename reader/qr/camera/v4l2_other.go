//go:build !(linux && (amd64 || arm64 || riscv64 || ppc64le || loong64 || mips64le || s390x))

package camera

import (
	"context"
	"image"
)

// V4L2 is a Linux webcam; on this system it cannot be opened.
type V4L2 struct{}

// Devices lists no devices on this system.
func Devices() []string { return nil }

// OpenV4L2 returns ErrUnsupported on this system: use image files (Files).
func OpenV4L2(path string, width, height int) (*V4L2, error) { return nil, ErrUnsupported }

// Size is 0x0.
func (c *V4L2) Size() (width, height int) { return 0, 0 }

// Format is 0.
func (c *V4L2) Format() uint32 { return 0 }

// Next returns ErrUnsupported.
func (c *V4L2) Next(ctx context.Context) (image.Image, error) { return nil, ErrUnsupported }

// Grab returns ErrUnsupported.
func (c *V4L2) Grab(ctx context.Context) (Frame, error) { return Frame{}, ErrUnsupported }

// Close does nothing.
func (c *V4L2) Close() error { return nil }
