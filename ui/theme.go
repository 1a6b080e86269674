package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// look is the app's theme: the default Fyne theme (its Noto font covers
// Vietnamese) made larger for kiosks and, on request, high-contrast.
type look struct {
	scale    float32 // text and padding multiplier
	contrast bool
}

var _ fyne.Theme = (*look)(nil)

// Sizes per mode: a kiosk is read standing, from further away, often by
// elderly eyes; large text goes further still.
func scaleFor(kiosk, large bool) float32 {
	s := float32(1.15)
	if kiosk {
		s = 1.5
	}
	if large {
		s *= 1.35
	}
	return s
}

// Colour overrides for high contrast: black, white and a strong yellow,
// well beyond WCAG AAA ratios.
var (
	hcBackground = color.Black
	hcForeground = color.White
	hcPrimary    = color.NRGBA{R: 0xff, G: 0xd6, B: 0x00, A: 0xff}
	hcDisabled   = color.NRGBA{R: 0xcc, G: 0xcc, B: 0xcc, A: 0xff}
	hcInput      = color.NRGBA{R: 0x1a, G: 0x1a, B: 0x1a, A: 0xff}
	hcButton     = color.NRGBA{R: 0x30, G: 0x30, B: 0x30, A: 0xff}
)

// Badge colours: green, amber, red and grey that keep their meaning in
// both palettes (white text on them).
var (
	okColour      = color.NRGBA{R: 0x1b, G: 0x7a, B: 0x2e, A: 0xff}
	warnColour    = color.NRGBA{R: 0x9a, G: 0x5b, B: 0x00, A: 0xff}
	badColour     = color.NRGBA{R: 0xb0, G: 0x1c, B: 0x1c, A: 0xff}
	neutralColour = color.NRGBA{R: 0x55, G: 0x5b, B: 0x66, A: 0xff}
	// stepDoneColour marks the steps already done on the step bar: navy,
	// not green, because green on a screen means one thing only, a card
	// whose checks passed (a forged card's screen has done steps too).
	stepDoneColour = color.NRGBA{R: 0x1f, G: 0x3a, B: 0x68, A: 0xff}
	whiteText      = color.White
)

// Color is the default palette, or black, white and yellow for high contrast.
func (l *look) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	if n == colourOnBand {
		return whiteText
	}
	if l.contrast {
		switch n {
		case theme.ColorNameBackground, theme.ColorNameOverlayBackground, theme.ColorNameMenuBackground:
			return hcBackground
		case theme.ColorNameForeground, theme.ColorNameForegroundOnPrimary:
			if n == theme.ColorNameForegroundOnPrimary {
				return hcBackground
			}
			return hcForeground
		case theme.ColorNamePrimary, theme.ColorNameFocus, theme.ColorNameHyperlink, theme.ColorNameSelection:
			return hcPrimary
		case theme.ColorNameDisabled, theme.ColorNamePlaceHolder:
			return hcDisabled
		case theme.ColorNameInputBackground:
			return hcInput
		case theme.ColorNameButton:
			return hcButton
		case theme.ColorNameInputBorder, theme.ColorNameSeparator:
			return hcForeground
		}
		return theme.DefaultTheme().Color(n, theme.VariantDark)
	}
	switch n { // Fyne's light palette is too pale for text: AA (4.5:1) on white
	case theme.ColorNamePrimary, theme.ColorNameHyperlink:
		return lightPrimary
	case theme.ColorNameError:
		return lightError
	case theme.ColorNameWarning:
		return lightWarning
	case theme.ColorNameSuccess:
		return lightSuccess
	case theme.ColorNameDisabled, theme.ColorNamePlaceHolder:
		return lightQuiet
	case theme.ColorNameInputBorder:
		return lightBorder
	}
	return theme.DefaultTheme().Color(n, theme.VariantLight)
}

// Light palette overrides, each checked by TestThemeContrastAA.
var (
	lightPrimary = color.NRGBA{R: 0x0b, G: 0x57, B: 0xd0, A: 0xff} // 6.6:1 with white
	lightError   = color.NRGBA{R: 0xb0, G: 0x1c, B: 0x1c, A: 0xff} // 6.6:1 on white
	lightWarning = color.NRGBA{R: 0x8a, G: 0x4b, B: 0x00, A: 0xff} // 6.4:1 on white
	lightSuccess = color.NRGBA{R: 0x1b, G: 0x6e, B: 0x2a, A: 0xff} // 6.3:1 on white
	lightQuiet   = color.NRGBA{R: 0x5f, G: 0x63, B: 0x68, A: 0xff} // 6.0:1 on white
	lightBorder  = color.NRGBA{R: 0x76, G: 0x76, B: 0x76, A: 0xff} // 4.5:1 on white
)

// Font is the default font (Noto Sans covers Vietnamese).
func (l *look) Font(s fyne.TextStyle) fyne.Resource { return theme.DefaultTheme().Font(s) }

// Icon is the default icon set.
func (l *look) Icon(n fyne.ThemeIconName) fyne.Resource { return theme.DefaultTheme().Icon(n) }

// Size scales every default size for the mode and text-size setting.
func (l *look) Size(n fyne.ThemeSizeName) float32 {
	return theme.DefaultTheme().Size(n) * l.scale
}

// colourOnBand is the text colour on a coloured band (badges, the demo
// banner): white in both palettes (every band colour keeps 4.5:1 against
// white).
const colourOnBand fyne.ThemeColorName = "motcua-on-band"
