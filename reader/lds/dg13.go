package lds

import (
	"encoding/asn1"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"motcua/reader/cccd"
	"motcua/reader/tlv"
)

// DG13 field numbers (REFERENCE.md section 3).
const (
	FieldIDNumber     = 1
	FieldFullName     = 2
	FieldDateOfBirth  = 3
	FieldSex          = 4
	FieldNationality  = 5
	FieldEthnicity    = 6
	FieldReligion     = 7
	FieldOrigin       = 8
	FieldResidence    = 9
	FieldMarks        = 10
	FieldDateOfIssue  = 11
	FieldDateOfExpiry = 12
	FieldParents      = 13
	FieldSpouse       = 14
	FieldOldIDNumber  = 15
)

// oidUTF8Marker is 1.0.10646.1.0.8, the UTF-8 marker at the head of DG13.
var oidUTF8Marker = asn1.ObjectIdentifier{1, 0, 10646, 1, 0, 8}

// DG13Data is the Vietnamese personal-data group, by field number. Strings
// are NFC. Fields whose number this code does not know stay in Unknown, raw.
type DG13Data struct {
	Version int
	// Fields holds every string field by number; nested fields (13, 14)
	// hold their strings in order in Nested.
	Fields  map[int]string
	Nested  map[int][]string
	Unknown map[int][]byte
}

// ParseDG13 parses DG13: 6D { SEQUENCE { INTEGER version, OID, SET OF
// SEQUENCE { INTEGER field, value } } }. Fields are read by number, never by
// position.
func ParseDG13(b []byte) (*DG13Data, error) {
	v, err := tlv.Unwrap(b, 0x6D)
	if err != nil {
		return nil, fmt.Errorf("DG13: %w", err)
	}
	seq, err := tlv.Unwrap(v, 0x30)
	if err != nil {
		return nil, fmt.Errorf("DG13: %w", err)
	}
	objs, err := tlv.ParseAll(seq)
	if err != nil {
		return nil, fmt.Errorf("DG13: %w", err)
	}
	d := &DG13Data{Fields: map[int]string{}, Nested: map[int][]string{}, Unknown: map[int][]byte{}}
	var set []byte
	for _, o := range objs {
		switch o.Tag {
		case 0x02:
			d.Version = derInt(o.Value)
		case 0x31:
			set = o.Value
		}
	}
	if set == nil {
		return nil, fmt.Errorf("DG13: no field set")
	}
	fields, err := tlv.ParseAll(set)
	if err != nil {
		return nil, fmt.Errorf("DG13 fields: %w", err)
	}
	for _, f := range fields {
		if f.Tag != 0x30 {
			continue
		}
		parts, err := tlv.ParseAll(f.Value)
		if err != nil || len(parts) < 1 || parts[0].Tag != 0x02 {
			return nil, fmt.Errorf("DG13: malformed field")
		}
		n := derInt(parts[0].Value)
		if n <= 0 || n > 255 {
			return nil, fmt.Errorf("DG13: field number %d out of range", n)
		}
		if len(parts) < 2 {
			d.Fields[n] = ""
			continue
		}
		val := parts[1]
		switch val.Tag {
		case 0x0C, 0x13, 0x16: // UTF8String, PrintableString, IA5String
			s, err := text(val.Value)
			if err != nil {
				return nil, fmt.Errorf("DG13 field %d: %w", n, err)
			}
			d.Fields[n] = s
		case 0x30:
			inner, err := tlv.ParseAll(val.Value)
			if err != nil {
				return nil, fmt.Errorf("DG13 field %d: %w", n, err)
			}
			var strs []string
			for _, in := range inner {
				s, err := text(in.Value)
				if err != nil {
					return nil, fmt.Errorf("DG13 field %d: %w", n, err)
				}
				strs = append(strs, s)
			}
			d.Nested[n] = strs
		default:
			d.Unknown[n] = append([]byte(nil), f.Value...)
		}
	}
	return d, nil
}

func text(b []byte) (string, error) {
	if !utf8.Valid(b) {
		return "", fmt.Errorf("not UTF-8")
	}
	return norm.NFC.String(strings.TrimSpace(string(b))), nil
}

func derInt(b []byte) int {
	if len(b) == 0 || len(b) > 4 {
		return -1
	}
	n := 0
	for _, c := range b {
		n = n<<8 | int(c)
	}
	if b[0]&0x80 != 0 {
		return -1
	}
	return n
}

// dmyToISO turns dd/MM/yyyy into YYYY-MM-DD; anything else (such as the
// text of a card that never expires) gives "".
func dmyToISO(s string) string {
	t, err := time.Parse("02/01/2006", strings.TrimSpace(s))
	if err != nil {
		return ""
	}
	return t.Format("2006-01-02")
}

// Identity converts the data group into the identity record.
func (d *DG13Data) Identity() cccd.Identity {
	id := cccd.Identity{
		IDNumber:         d.Fields[FieldIDNumber],
		FullName:         d.Fields[FieldFullName],
		DateOfBirth:      dmyToISO(d.Fields[FieldDateOfBirth]),
		Sex:              d.Fields[FieldSex],
		Nationality:      d.Fields[FieldNationality],
		Ethnicity:        d.Fields[FieldEthnicity],
		Religion:         d.Fields[FieldReligion],
		PlaceOfOrigin:    d.Fields[FieldOrigin],
		PlaceOfResidence: d.Fields[FieldResidence],
		IdentifyingMarks: d.Fields[FieldMarks],
		DateOfIssue:      dmyToISO(d.Fields[FieldDateOfIssue]),
		DateOfExpiry:     dmyToISO(d.Fields[FieldDateOfExpiry]),
		OldIDNumber:      d.Fields[FieldOldIDNumber],
	}
	if p := d.Nested[FieldParents]; len(p) > 0 {
		id.FatherName = p[0]
		if len(p) > 1 {
			id.MotherName = p[1]
		}
	}
	if s := d.Nested[FieldSpouse]; len(s) > 0 {
		id.SpouseName = s[0]
	} else if s, ok := d.Fields[FieldSpouse]; ok {
		id.SpouseName = s
	}
	return id
}

// ExpiryText returns the raw field 12 (for cards whose expiry is text such as
// "Không thời hạn").
func (d *DG13Data) ExpiryText() string { return d.Fields[FieldDateOfExpiry] }

func isoToDMY(s string) string {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return ""
	}
	return t.Format("02/01/2006")
}

// BuildDG13 encodes an identity as DG13 with fields 1–15 (field 1 as
// PrintableString, the rest UTF8String, 13 and 14 nested), the layout of the
// published synthetic example. An empty expiry becomes "Không thời hạn".
func BuildDG13(id cccd.Identity) []byte {
	str := func(s string) []byte { return tlv.Encode(0x0C, []byte(norm.NFC.String(s))) }
	fields := map[int][]byte{
		FieldIDNumber:    tlv.Encode(0x13, []byte(id.IDNumber)),
		FieldFullName:    str(id.FullName),
		FieldDateOfBirth: str(isoToDMY(id.DateOfBirth)),
		FieldSex:         str(id.Sex),
		FieldNationality: str(id.Nationality),
		FieldEthnicity:   str(id.Ethnicity),
		FieldReligion:    str(id.Religion),
		FieldOrigin:      str(id.PlaceOfOrigin),
		FieldResidence:   str(id.PlaceOfResidence),
		FieldMarks:       str(id.IdentifyingMarks),
		FieldDateOfIssue: str(isoToDMY(id.DateOfIssue)),
		FieldParents:     tlv.Encode(0x30, str(id.FatherName), str(id.MotherName)),
		FieldOldIDNumber: str(id.OldIDNumber),
	}
	if id.DateOfExpiry != "" {
		fields[FieldDateOfExpiry] = str(isoToDMY(id.DateOfExpiry))
	} else {
		fields[FieldDateOfExpiry] = str("Không thời hạn")
	}
	if id.SpouseName != "" {
		fields[FieldSpouse] = tlv.Encode(0x30, str(id.SpouseName))
	} else {
		fields[FieldSpouse] = tlv.Encode(0x30)
	}
	nums := make([]int, 0, len(fields))
	for n := range fields {
		nums = append(nums, n)
	}
	sort.Ints(nums)
	var set []byte
	for _, n := range nums {
		set = append(set, tlv.Encode(0x30, tlv.Encode(0x02, []byte{byte(n)}), fields[n])...)
	}
	oid, _ := asn1.Marshal(oidUTF8Marker)
	return tlv.Encode(0x6D, tlv.Encode(0x30, tlv.Encode(0x02, []byte{1}), oid, tlv.Encode(0x31, set)))
}
