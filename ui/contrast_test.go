package ui

import (
	"image/color"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// TestContrastRatioKnown checks the ratio against WCAG's own figures.
func TestContrastRatioKnown(t *testing.T) {
	if got := contrast(color.Black, color.White); got < 20.99 || got > 21.01 {
		t.Fatalf("black on white %.2f, want 21", got)
	}
	grey := color.NRGBA{0x76, 0x76, 0x76, 0xff} // the lightest grey with 4.5:1 on white
	if got := contrast(grey, color.White); got < 4.5 || got > 4.6 {
		t.Fatalf("#767676 on white %.2f, want 4.54", got)
	}
}

// TestThemeContrastAA: every text colour the screens use passes WCAG AA
// (4.5:1) against the background it is drawn on, in both palettes; the
// borders of fields and tick boxes (non-text, WCAG 1.4.11) pass 3:1.
func TestThemeContrastAA(t *testing.T) {
	type pair struct {
		what   string
		fg, bg fyne.ThemeColorName
		min    float64
	}
	pairs := []pair{
		{"text", theme.ColorNameForeground, theme.ColorNameBackground, 4.5},
		{"text in a field", theme.ColorNameForeground, theme.ColorNameInputBackground, 4.5},
		{"placeholder", theme.ColorNamePlaceHolder, theme.ColorNameInputBackground, 4.5},
		{"button text", theme.ColorNameForeground, theme.ColorNameButton, 4.5},
		{"main button text", theme.ColorNameForegroundOnPrimary, theme.ColorNamePrimary, 4.5},
		{"hints (low importance)", theme.ColorNameDisabled, theme.ColorNameBackground, 4.5},
		{"errors", theme.ColorNameError, theme.ColorNameBackground, 4.5},
		{"warnings, status", theme.ColorNameWarning, theme.ColorNameBackground, 4.5},
		{"success", theme.ColorNameSuccess, theme.ColorNameBackground, 4.5},
		{"links, high importance text", theme.ColorNamePrimary, theme.ColorNameBackground, 4.5},
		{"dialog text", theme.ColorNameForeground, theme.ColorNameOverlayBackground, 4.5},
		{"field and tick-box borders", theme.ColorNameInputBorder, theme.ColorNameBackground, 3},
		{"danger button text", theme.ColorNameForegroundOnError, theme.ColorNameError, 4.5},
	}
	for _, hc := range []bool{false, true} {
		l := &look{scale: 1, contrast: hc}
		for _, p := range pairs {
			fg, bg := l.Color(p.fg, theme.VariantLight), l.Color(p.bg, theme.VariantLight)
			if got := contrast(fg, bg); got < p.min {
				t.Errorf("high contrast=%v: %s %.2f:1, want %.1f", hc, p.what, got, p.min)
			}
		}
	}
	for name, c := range map[string]color.Color{"verified": okColour, "warning": warnColour, "failed": badColour, "unchecked": neutralColour, "step done": stepDoneColour} {
		if got := contrast(whiteText, c); got < 4.5 {
			t.Errorf("white on the %s badge %.2f:1", name, got)
		}
	}
}
