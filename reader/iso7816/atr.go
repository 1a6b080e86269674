package iso7816

import "errors"

// HistoricalBytes extracts the historical bytes from an ATR (ISO 7816-3).
func HistoricalBytes(atr []byte) ([]byte, error) {
	if len(atr) < 2 {
		return nil, errors.New("iso7816: ATR too short")
	}
	k := int(atr[1] & 0x0F)
	i := 1
	y := atr[1] >> 4
	for {
		n := 0
		for b := y; b != 0; b >>= 1 {
			n += int(b & 1)
		}
		hasTD := y&0x8 != 0
		if i+n >= len(atr) && !(i+n == len(atr) && !hasTD) {
			return nil, errors.New("iso7816: ATR interface bytes truncated")
		}
		i += n
		if !hasTD {
			break
		}
		y = atr[i] >> 4
	}
	start := i + 1
	if start+k > len(atr) {
		return nil, errors.New("iso7816: ATR historical bytes truncated")
	}
	return atr[start : start+k], nil
}

// ExtendedLengthInATR reports whether the ATR's card-capabilities object
// (compact-TLV tag 7 in historical bytes with category 80) announces
// extended Lc/Le. ok is false when the ATR does not say either way.
func ExtendedLengthInATR(atr []byte) (supported, ok bool) {
	hb, err := HistoricalBytes(atr)
	if err != nil || len(hb) < 1 || hb[0] != 0x80 {
		return false, false
	}
	b := hb[1:]
	for len(b) > 0 {
		tag, l := b[0]>>4, int(b[0]&0x0F)
		if 1+l > len(b) {
			return false, false
		}
		if tag == 7 && l >= 3 {
			return b[3]&0x40 != 0, true
		}
		b = b[1+l:]
	}
	return false, false
}
