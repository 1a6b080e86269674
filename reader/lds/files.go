// Package lds parses and builds the files of an ICAO 9303 eMRTD (the
// Logical Data Structure) as a CCCD carries them: EF.COM, EF.CardAccess,
// DG1 (MRZ), DG2 (face), DG13 (Vietnamese personal data), DG14 (Chip
// Authentication), DG15 (Active Authentication key) and EF.SOD. Every parser
// returns a clear error on malformed input and never panics; every builder
// produces what the parser accepts, for the simulated card and the tests.
package lds

import "fmt"

// FileID names an elementary file.
type FileID int

// Files of the eMRTD application and the master file. Data groups use their
// number; the others use values outside 1..16.
const (
	DG1        FileID = 1
	DG2        FileID = 2
	DG3        FileID = 3
	DG13       FileID = 13
	DG14       FileID = 14
	DG15       FileID = 15
	COM        FileID = 100
	SOD        FileID = 101
	CardAccess FileID = 102
	ATRInfo    FileID = 103
	// CardSecurity is EF.CardSecurity in the master file: the SecurityInfos
	// of EF.CardAccess (and more), signed (chips with PACE-CAM or Terminal
	// Authentication). Same FID and SFI as EF.SOD, in another DF.
	CardSecurity FileID = 104
)

// File describes where a file lives and how it is tagged.
type File struct {
	ID   FileID
	Name string
	FID  uint16 // file identifier for SELECT
	SFI  byte   // short file identifier for READ BINARY
	Tag  uint32 // outer TLV tag of the file's content (0: not a single TLV)
}

// FileOf returns the identifiers of a file. Data groups 1..16 follow the
// ICAO numbering: FID 01xx, SFI xx.
func FileOf(id FileID) File {
	switch id {
	case COM:
		return File{ID: id, Name: "EF.COM", FID: 0x011E, SFI: 0x1E, Tag: 0x60}
	case SOD:
		return File{ID: id, Name: "EF.SOD", FID: 0x011D, SFI: 0x1D, Tag: 0x77}
	case CardAccess:
		return File{ID: id, Name: "EF.CardAccess", FID: 0x011C, SFI: 0x1C, Tag: 0x31}
	case CardSecurity:
		return File{ID: id, Name: "EF.CardSecurity", FID: 0x011D, SFI: 0x1D, Tag: 0x30}
	case ATRInfo:
		return File{ID: id, Name: "EF.ATR/INFO", FID: 0x2F01, SFI: 0x01}
	}
	if id >= 1 && id <= 16 {
		return File{ID: id, Name: fmt.Sprintf("DG%d", id), FID: 0x0100 | uint16(id), SFI: byte(id), Tag: dgTags[id-1]}
	}
	return File{ID: id, Name: fmt.Sprintf("file(%d)", int(id))}
}

// dgTags are the outer tags of DG1..DG16.
var dgTags = [16]uint32{0x61, 0x75, 0x63, 0x76, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6A, 0x6B, 0x6C, 0x6D, 0x6E, 0x6F, 0x70}

// DGForTag returns the data group whose file starts with tag (0 if none).
func DGForTag(tag uint32) FileID {
	for i, t := range dgTags {
		if t == tag {
			return FileID(i + 1)
		}
	}
	return 0
}

// String names the file.
func (id FileID) String() string { return FileOf(id).Name }
