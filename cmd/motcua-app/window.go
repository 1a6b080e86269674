package main

import (
	"fyne.io/fyne/v2"
	"github.com/go-gl/glfw/v3.3/glfw"
)

// deskWindow is the size a desk window opens at where the screen holds
// it: the layout every desk screen is drawn and walked for.
var deskWindow = fyne.NewSize(1280, 800)

// fitToScreen sizes a window that is not full screen to deskWindow, or
// to the primary monitor where that is smaller (a 1024x768 desk PC), so
// no control opens off the screen whatever the window manager does. It
// must run once the driver is up (Lifecycle OnStarted): the monitor is
// asked through GLFW, which Fyne's desktop driver has initialised by then
// and which answers on the main thread only, hence fyne.Do.
func fitToScreen(w fyne.Window) {
	fyne.Do(func() {
		size := deskWindow
		if m := glfw.GetPrimaryMonitor(); m != nil {
			if vm := m.GetVideoMode(); vm != nil && vm.Width > 0 && vm.Height > 0 {
				scale := w.Canvas().Scale()
				if scale <= 0 {
					scale = 1
				}
				size = fyne.NewSize(min(size.Width, float32(vm.Width)/scale), min(size.Height, float32(vm.Height)/scale))
			}
		}
		w.Resize(size)
	})
}
