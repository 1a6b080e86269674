package ui

import (
	"image/color"
	"math"
)

// luminance is a colour's relative luminance (WCAG 2.x), composited over
// white when it is translucent.
func luminance(c color.Color) float64 {
	r, g, b, a := c.RGBA()
	over := func(v uint32) float64 { // straight colour over white
		fa := float64(a) / 0xffff
		return (float64(v)/0xffff + (1 - fa)) // RGBA is premultiplied
	}
	lin := func(v float64) float64 {
		if v <= 0.03928 {
			return v / 12.92
		}
		return math.Pow((v+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(over(r)) + 0.7152*lin(over(g)) + 0.0722*lin(over(b))
}

// contrast is the WCAG contrast ratio of two colours (1 to 21).
func contrast(a, b color.Color) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}
