package ui

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// TapMapEnv names the environment variable that turns the tap map on: the
// path of a JSON file the app rewrites a few times a second with where each
// control of the screen on show sits, in window pixels. Nothing else uses
// it: it exists so that scripts/screenshots.sh can tap "Tiếp tục" by its
// label the way a person finds it, instead of by coordinates that move
// whenever a screen changes. It holds labels of controls only (never a
// field's text), so no card data reaches the file.
const TapMapEnv = "MOTCUA_UI_MAP"

// TapTarget is one control on the tap map.
type TapTarget struct {
	Kind string `json:"kind"` // button, check, select, entry, menu-item
	Text string `json:"text"`
	// X, Y is the centre in window pixels; W, H the size in pixels.
	X int `json:"x"`
	Y int `json:"y"`
	W int `json:"w"`
	H int `json:"h"`
	// InView is false when the centre is outside the window (scrolled off).
	InView   bool `json:"in_view"`
	Disabled bool `json:"disabled,omitempty"`
	// Focused: the field has the keyboard's focus (typing goes there).
	Focused bool `json:"focused,omitempty"`
}

// TapMap is the file's content.
type TapMap struct {
	Screen string `json:"screen"`
	// Width and Height are the window's size in pixels.
	Width   int         `json:"width"`
	Height  int         `json:"height"`
	Targets []TapTarget `json:"targets"`
}

// startTapMap writes the tap map every 200 ms while the app runs, when the
// environment asks for it.
func (a *App) startTapMap() {
	path := os.Getenv(TapMapEnv)
	if path == "" {
		return
	}
	stop := make(chan struct{})
	a.tapStop = stop
	// The walk reads widgets on the UI goroutine (fyne.Do returns at
	// once on the real driver); the map comes back on maps and is written
	// here, off the UI goroutine.
	maps := make(chan []byte, 1)
	a.goIO(func() {
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case b := <-maps:
				writeFileAtomic(path, b)
			case <-t.C:
				a.do(func() {
					select {
					case maps <- a.tapMapJSON():
					default: // the last one is not written yet: skip this one
					}
				})
			}
		}
	})
}

// writeTapMap writes the tap map now (UI goroutine; tests).
func (a *App) writeTapMap(path string) { writeFileAtomic(path, a.tapMapJSON()) }

// tapMapJSON walks the window's content and its overlays (dialogs, open
// menus) and says where each control sits (UI goroutine).
func (a *App) tapMapJSON() []byte {
	c := a.win.Canvas()
	m := TapMap{Screen: a.Screen(), Targets: []TapTarget{},
		Width: int(c.Size().Width * c.Scale()), Height: int(c.Size().Height * c.Scale())}
	w := &tapWalker{canvas: c, scale: c.Scale(), size: c.Size(), clipSize: c.Size()}
	// A modal overlay covers the screen: only its controls can be tapped.
	if top := c.Overlays().Top(); top != nil {
		w.walk(top)
	} else {
		w.walk(c.Content())
	}
	m.Targets = append(m.Targets, w.out...)
	b, _ := json.Marshal(m) // plain strings and numbers: cannot fail
	return b
}

// writeFileAtomic replaces path with b (a reader never sees half a file).
func writeFileAtomic(path string, b []byte) {
	if b == nil {
		return
	}
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp")
	if os.WriteFile(tmp, b, 0o600) == nil {
		_ = os.Rename(tmp, path)
	}
}

type tapWalker struct {
	canvas fyne.Canvas
	scale  float32
	size   fyne.Size
	// clip is the visible rectangle (canvas units) of the innermost
	// scroll being walked: a control scrolled under the buttons below it
	// is not in view even when it is inside the window.
	clipPos  fyne.Position
	clipSize fyne.Size
	out      []TapTarget
}

func (w *tapWalker) add(kind, text string, o fyne.CanvasObject, disabled bool) {
	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(o)
	w.addAt(kind, text, pos, o.Size(), disabled)
}

func (w *tapWalker) addAt(kind, text string, pos fyne.Position, size fyne.Size, disabled bool) {
	cx, cy := pos.X+size.Width/2, pos.Y+size.Height/2
	w.out = append(w.out, TapTarget{
		Kind: kind, Text: text,
		X: int(cx * w.scale), Y: int(cy * w.scale),
		W: int(size.Width * w.scale), H: int(size.Height * w.scale),
		InView:   cx >= w.clipPos.X && cy >= w.clipPos.Y && cx <= w.clipPos.X+w.clipSize.Width && cy <= w.clipPos.Y+w.clipSize.Height,
		Disabled: disabled,
	})
}

func (w *tapWalker) walk(o fyne.CanvasObject) {
	if o == nil || !o.Visible() {
		return
	}
	switch t := o.(type) {
	case *fyne.Container:
		for _, c := range t.Objects {
			w.walk(c)
		}
	case *container.Scroll:
		pos, size := w.clipPos, w.clipSize
		w.clipPos, w.clipSize = intersect(pos, size, fyne.CurrentApp().Driver().AbsolutePositionForObject(t), t.Size())
		w.walk(t.Content)
		w.clipPos, w.clipSize = pos, size
	case *container.ThemeOverride:
		w.walk(t.Content)
	case *widget.Card:
		w.walk(t.Content)
	case *widget.PopUpMenu:
		for _, it := range t.Items {
			w.add("menu-item", menuLabel(it), it, false)
		}
	case *widget.PopUp:
		w.walk(t.Content)
	case *widget.Button:
		w.add("button", t.Text, t, t.Disabled())
	case *widget.Check:
		w.add("check", t.Text, t, t.Disabled())
	case *widget.Select:
		w.add("select", t.PlaceHolder, t, t.Disabled())
	case *field:
		w.add("entry", t.label, t, t.Disabled())
		w.out[len(w.out)-1].Focused = w.canvas.Focused() == fyne.Focusable(t)
	case *widget.Entry:
		w.add("entry", t.PlaceHolder, t, t.Disabled())
	default:
		// Fyne's own wrappers (the overlay that holds an open menu) keep
		// what they show in an exported Content field.
		if c := contentOf(o); c != nil {
			w.walk(c)
		}
	}
}

// contentOf is the exported Content of a wrapper object, if it has one.
func contentOf(o fyne.CanvasObject) fyne.CanvasObject {
	v := reflect.ValueOf(o)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return nil
	}
	f := v.Elem().FieldByName("Content")
	if !f.IsValid() || !f.CanInterface() {
		return nil
	}
	c, _ := f.Interface().(fyne.CanvasObject)
	return c
}

// menuLabel is a menu item's label. Fyne keeps the item widget's type
// unexported; its fyne.MenuItem is read through reflection (read only).
func menuLabel(o fyne.CanvasObject) string {
	v := reflect.ValueOf(o)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return ""
	}
	item := v.Elem().FieldByName("Item")
	if !item.IsValid() || item.Kind() != reflect.Pointer || item.IsNil() {
		return ""
	}
	label := item.Elem().FieldByName("Label")
	if label.Kind() != reflect.String {
		return ""
	}
	return label.String()
}

// intersect is the overlap of two rectangles (empty when they do not meet).
func intersect(p1 fyne.Position, s1 fyne.Size, p2 fyne.Position, s2 fyne.Size) (fyne.Position, fyne.Size) {
	x0, y0 := max(p1.X, p2.X), max(p1.Y, p2.Y)
	x1, y1 := min(p1.X+s1.Width, p2.X+s2.Width), min(p1.Y+s1.Height, p2.Y+s2.Height)
	return fyne.NewPos(x0, y0), fyne.NewSize(max(0, x1-x0), max(0, y1-y0))
}
