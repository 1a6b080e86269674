package simcard

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"time"

	"motcua/reader/cccd"
)

// Generations of the card.
const (
	GenerationCCCD    = "cccd"     // CCCD gắn chip, Luật CCCD 2014
	GenerationCanCuoc = "can_cuoc" // thẻ căn cước, Luật Căn cước 2023
)

// Profile is a synthetic citizen and their card. Every value is invented:
// the names are combinations of common name parts and the ID numbers are
// drawn at random; none belongs to a real person.
type Profile struct {
	Identity   cccd.Identity `json:"identity"`
	Generation string        `json:"generation"`
	FaceSeed   uint64        `json:"face_seed"`
	// Passport, when set, makes the profile an e-passport (passport.go);
	// Identity is then unused.
	Passport *Passport `json:"passport,omitempty"`
}

var (
	familyNames = []string{"Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Phan", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"}
	maleMiddle  = []string{"Văn", "Hữu", "Đức", "Minh", "Quang", "Công"}
	femMiddle   = []string{"Thị", "Ngọc", "Thu", "Thanh", "Mai", "Bích"}
	maleGiven   = []string{"An", "Bình", "Dũng", "Hiếu", "Nam", "Phúc", "Quân", "Tuấn", "Thử", "Khang"}
	femGiven    = []string{"Lan", "Hạnh", "Thảo", "Trang", "Vy", "Hà", "Linh", "Ngân", "Yến", "Thư"}
	// Province codes of birth registration with a plausible residence.
	places = []struct{ code, residence, origin string }{
		{"001", "Kim Ngưu, Vĩnh Tuy, Hai Bà Trưng, Hà Nội", "Yên Bắc, Duy Tiên, Hà Nam"},
		{"079", "Số 12 Lê Lợi, Bến Nghé, Quận 1, TP. Hồ Chí Minh", "Tân An, Long An"},
		{"031", "Lạch Tray, Ngô Quyền, Hải Phòng", "Kiến Thụy, Hải Phòng"},
		{"048", "Thạch Thang, Hải Châu, Đà Nẵng", "Điện Bàn, Quảng Nam"},
		{"036", "Xuân Trường, Nam Định", "Hải Hậu, Nam Định"},
		{"040", "Hưng Dũng, Vinh, Nghệ An", "Diễn Châu, Nghệ An"},
		{"092", "An Hòa, Ninh Kiều, Cần Thơ", "Phụng Hiệp, Hậu Giang"},
	}
)

// NewProfile generates a synthetic citizen deterministically from seed.
func NewProfile(seed uint64) Profile {
	r := rand.New(rand.NewPCG(seed, 0xC0CCD))
	female := r.IntN(2) == 1
	year := 1950 + r.IntN(56)
	dob := time.Date(year, time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC)
	place := places[r.IntN(len(places))]
	g := (year/100 - 19) * 2
	sex := "Nam"
	given, middle := maleGiven, maleMiddle
	if female {
		g++
		sex = "Nữ"
		given, middle = femGiven, femMiddle
	}
	id := fmt.Sprintf("%s%d%02d%06d", place.code, g, year%100, r.IntN(1000000))
	family := familyNames[r.IntN(len(familyNames))]
	name := family + " " + middle[r.IntN(len(middle))] + " " + given[r.IntN(len(given))]
	// Issued within the last few years, after the holder turned 14.
	issue := time.Date(2021+r.IntN(4), time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC)
	if issue.Before(dob.AddDate(14, 0, 0)) {
		issue = dob.AddDate(14, 1, 0)
	}
	gen := GenerationCCCD
	if !issue.Before(time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC)) {
		gen = GenerationCanCuoc
	}
	expiry := ""
	if e := cccd.ExpiryCandidates(dob, issue)[0]; e != cccd.NoExpiry {
		t, _ := time.Parse("060102", e)
		if t.Year() < dob.Year() { // two-digit years: expiry is never before birth
			t = t.AddDate(100, 0, 0)
		}
		expiry = t.Format("2006-01-02")
	}
	p := Profile{
		Generation: gen,
		FaceSeed:   seed,
		Identity: cccd.Identity{
			IDNumber:         id,
			FullName:         name,
			DateOfBirth:      dob.Format("2006-01-02"),
			Sex:              sex,
			Nationality:      "Việt Nam",
			Ethnicity:        "Kinh",
			Religion:         "Không",
			PlaceOfOrigin:    place.origin,
			PlaceOfResidence: place.residence,
			IdentifyingMarks: "Nốt ruồi C:2cm trên sau mép trái",
			DateOfIssue:      issue.Format("2006-01-02"),
			DateOfExpiry:     expiry,
			FatherName:       family + " " + maleMiddle[r.IntN(len(maleMiddle))] + " " + maleGiven[r.IntN(len(maleGiven))],
			MotherName:       familyNames[r.IntN(len(familyNames))] + " Thị " + femGiven[r.IntN(len(femGiven))],
		},
	}
	if r.IntN(3) == 0 {
		p.Identity.OldIDNumber = fmt.Sprintf("%09d", r.IntN(1000000000))
	}
	if dob.Year() < 1995 && r.IntN(2) == 0 {
		p.Identity.SpouseName = familyNames[r.IntN(len(familyNames))] + " " + middle[0] + " " + given[r.IntN(len(given))]
	}
	return p
}

// ReferenceProfile is the fictitious citizen of REFERENCE.md section 3 (ID
// 001093047064, "Nguyễn Văn Thử"), whose DG13 is published as a test vector.
func ReferenceProfile() Profile {
	return Profile{
		Generation: GenerationCCCD,
		FaceSeed:   1,
		Identity: cccd.Identity{
			IDNumber:         "001093047064",
			FullName:         "Nguyễn Văn Thử",
			DateOfBirth:      "1993-01-05",
			Sex:              "Nam",
			Nationality:      "Việt Nam",
			Ethnicity:        "Kinh",
			Religion:         "Không",
			PlaceOfOrigin:    "Yên Bắc, Duy Tiên, Hà Nam",
			PlaceOfResidence: "Kim Ngưu, Vĩnh Tuy, Hai Bà Trưng, Hà Nội",
			IdentifyingMarks: "Nốt ruồi C:3cm trên sau mép trái",
			DateOfIssue:      "2021-07-24",
			DateOfExpiry:     "2033-01-05",
			FatherName:       "Nguyễn Văn Cha",
			MotherName:       "Trần Thị Mẹ",
			OldIDNumber:      "123456789",
		},
	}
}

// LoadProfile reads a profile written by Save (or by hand).
func LoadProfile(path string) (Profile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Profile{}, err
	}
	var p Profile
	if err := json.Unmarshal(b, &p); err != nil {
		return Profile{}, fmt.Errorf("card profile %s: %w", path, err)
	}
	if p.Passport != nil {
		if err := p.Passport.validate(); err != nil {
			return Profile{}, fmt.Errorf("card profile %s: %w", path, err)
		}
		p.Generation = GenerationPassport
		return p, nil
	}
	if err := cccd.ValidateIDNumber(p.Identity.IDNumber); err != nil {
		return Profile{}, fmt.Errorf("card profile %s: %w", path, err)
	}
	for _, d := range []struct{ name, v string }{{"date_of_birth", p.Identity.DateOfBirth}, {"date_of_issue", p.Identity.DateOfIssue}} {
		if _, err := time.Parse("2006-01-02", d.v); err != nil {
			return Profile{}, fmt.Errorf("card profile %s: %s must be YYYY-MM-DD", path, d.name)
		}
	}
	if p.Generation == "" {
		p.Generation = GenerationCCCD
	}
	return p, nil
}

// Save writes the profile as indented JSON.
func (p Profile) Save(path string) error {
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// CAN is the card access number: the last six digits of the ID.
func (p Profile) CAN() string {
	if p.Passport != nil {
		return p.Passport.CAN
	}
	can, _ := cccd.CAN(p.Identity.IDNumber)
	return can
}

// QRPayload is the text of the QR code printed on the card: 7 fields for a
// CCCD, 10 for a thẻ căn cước (the last three are UNVERIFIED in the public
// sources and kept plausible: an empty field, the expiry date, a version).
func (p Profile) QRPayload() string {
	if p.Passport != nil {
		return "" // a passport has no QR code
	}
	id := p.Identity
	f := []string{id.IDNumber, id.OldIDNumber, id.FullName, ddmmyyyy(id.DateOfBirth), id.Sex, id.PlaceOfResidence, ddmmyyyy(id.DateOfIssue)}
	if p.Generation == GenerationCanCuoc {
		f = append(f, "", ddmmyyyy(id.DateOfExpiry), "1")
	}
	return strings.Join(f, "|")
}

func ddmmyyyy(iso string) string {
	t, err := time.Parse("2006-01-02", iso)
	if err != nil {
		return ""
	}
	return t.Format("02012006")
}
