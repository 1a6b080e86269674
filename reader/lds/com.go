package lds

import (
	"fmt"

	"motcua/reader/tlv"
)

// COMData is EF.COM: the LDS and Unicode versions and the data groups present.
type COMData struct {
	LDSVersion     string // "0107" for LDS 1.7
	UnicodeVersion string // "040000"
	DataGroups     []FileID
}

// ParseCOM parses EF.COM (tag 60).
func ParseCOM(b []byte) (*COMData, error) {
	v, err := tlv.Unwrap(b, 0x60)
	if err != nil {
		return nil, fmt.Errorf("EF.COM: %w", err)
	}
	objs, err := tlv.ParseAll(v)
	if err != nil {
		return nil, fmt.Errorf("EF.COM: %w", err)
	}
	c := &COMData{}
	seenList := false
	for _, o := range objs {
		switch o.Tag {
		case 0x5F01: // LDS version "aabb" (ICAO 9303-10 §4.6.1)
			if len(o.Value) != 4 || !isDigits(string(o.Value)) {
				return nil, fmt.Errorf("EF.COM: LDS version %q is not 4 digits", o.Value)
			}
			c.LDSVersion = string(o.Value)
		case 0x5F36: // Unicode version "aabbcc"
			if len(o.Value) != 6 || !isDigits(string(o.Value)) {
				return nil, fmt.Errorf("EF.COM: Unicode version %q is not 6 digits", o.Value)
			}
			c.UnicodeVersion = string(o.Value)
		case 0x5C:
			seenList = true
			for _, t := range o.Value {
				dg := DGForTag(uint32(t))
				if dg == 0 {
					return nil, fmt.Errorf("EF.COM: unknown data-group tag %02X", t)
				}
				c.DataGroups = append(c.DataGroups, dg)
			}
		}
	}
	if !seenList {
		return nil, fmt.Errorf("EF.COM: no tag list (5C)")
	}
	return c, nil
}

// BuildCOM builds EF.COM listing the given data groups.
func BuildCOM(dgs []FileID) []byte {
	var list []byte
	for _, dg := range dgs {
		list = append(list, byte(FileOf(dg).Tag))
	}
	return tlv.Encode(0x60,
		tlv.Encode(0x5F01, []byte("0107")),
		tlv.Encode(0x5F36, []byte("040000")),
		tlv.Encode(0x5C, list))
}
