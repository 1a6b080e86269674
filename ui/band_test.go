package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// TestBandTextWithoutThemeOverride: a badge or banner takes its white
// text from the app theme, never from a theme override (Fyne keys its
// font cache by override scope: one override per badge loaded every font
// again, several MiB of heap and a font parse per badge drawn).
func TestBandTextWithoutThemeOverride(t *testing.T) {
	test.NewTempApp(t)
	l := &look{scale: 1}
	for _, contrast := range []bool{false, true} {
		l.contrast = contrast
		if got := l.Color(colourOnBand, theme.VariantLight); got != whiteText {
			t.Fatalf("contrast=%v: text on a band is %v, want white", contrast, got)
		}
	}
	band := onColour(okColour, "Thẻ thật")
	var rich *widget.RichText
	for _, o := range test.LaidOutObjects(band) {
		if _, ok := o.(*container.ThemeOverride); ok {
			t.Fatal("a badge carries a theme override")
		}
		if r, ok := o.(*widget.RichText); ok {
			rich = r
		}
	}
	if rich == nil || rich.String() != "Thẻ thật" || rich.Wrapping != fyne.TextWrapWord {
		t.Fatal("the band's text is not a wrapping rich text")
	}
	if seg, ok := rich.Segments[0].(*widget.TextSegment); !ok || seg.Style.ColorName != colourOnBand {
		t.Fatal("the band's text does not use the on-band colour")
	}
}
