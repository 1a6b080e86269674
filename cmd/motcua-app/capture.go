package main

import (
	"motcua/internal/config"
	"motcua/kiosk/capture"
	"motcua/kiosk/engine"
	"motcua/reader/qr/camera"
)

// captureConfig is the desk's capture source and the notary's photo
// source from the [kiosk] capture keys.
func captureConfig(cfg *config.Config) engine.CaptureConfig {
	k := cfg.Kiosk
	c := engine.CaptureConfig{Source: k.CaptureSource, Folder: k.CaptureFolder, FolderDPI: k.CaptureDPI,
		Scanner: capture.Scanner{Device: k.ScannerDevice, DPI: k.CaptureDPI, Limits: capture.Limits{DPI: k.CaptureDPI}}}
	if k.ScannerDevice == "test" {
		// SANE's test backend scans a grid picture the size of A5, the way
		// `motcua scan --device test` does.
		c.Scanner.Extra = []string{"--test-picture=Grid"}
		c.Scanner.WidthMM, c.Scanner.HeightMM = 148, 210
	}
	if dev := k.CaptureCamera; dev != "" {
		c.OpenCamera = func() (camera.Source, error) { return camera.OpenV4L2(dev, 1280, 720) }
	}
	return c
}
