package prefill

import (
	"strings"

	"motcua/kiosk/catalog"
	"motcua/reader/cccd"
)

// A passport party (issue 20: a foreign spouse, a notarial party): the
// chip gives the MRZ of DG1 only: name, nationality, number, birth, sex,
// expiry. Its fields are those for passports; an ID card's (ID number,
// ethnicity) are not asked of it.

// forDocument reports whether field fd is asked of person p: fields for
// ID cards go to ID-card holders and to people still to come, fields for
// passports only to passport holders.
func forDocument(fd *catalog.Field, p *Person) bool {
	switch fd.Document {
	case catalog.DocumentIDCard:
		return !p.Passport()
	case catalog.DocumentPassport:
		return p.Passport()
	}
	return true
}

// passportValue is a card source's value from a passport; "" when a
// passport does not carry it (residence, ethnicity, parents …: asked).
func passportValue(src string, p *Person) string {
	id := p.Identity
	switch src {
	case "document_number":
		return p.DocumentNumber
	case "nationality":
		return NationalityName(id.Nationality)
	case "full_name", "family_name", "given_names", "date_of_birth", "sex", "date_of_expiry":
		text, _, _, _ := cardValue(src, id, nil)
		return text
	case "id_number": // a Vietnamese passport's personal number, when it is an ID number
		if cccd.ValidateIDNumber(id.IDNumber) == nil {
			return id.IDNumber
		}
	}
	return ""
}

// nationalities names the ICAO 9303 nationality codes most often seen at
// Vietnamese desks (marriages, notarial acts) in Vietnamese; others stay
// as their code, which is unambiguous.
var nationalities = map[string]string{
	"VNM": "Việt Nam", "CHN": "Trung Quốc", "KOR": "Hàn Quốc", "JPN": "Nhật Bản", "TWN": "Đài Loan (Trung Quốc)",
	"USA": "Hoa Kỳ", "AUS": "Ô-xtrây-li-a", "CAN": "Ca-na-đa", "FRA": "Pháp", "D": "Đức", "DEU": "Đức",
	"GBR": "Vương quốc Anh", "RUS": "Liên bang Nga", "LAO": "Lào", "KHM": "Campuchia", "THA": "Thái Lan",
	"SGP": "Xinh-ga-po", "MYS": "Ma-lai-xi-a", "PHL": "Phi-líp-pin", "IDN": "In-đô-nê-xi-a", "IND": "Ấn Độ",
	"NLD": "Hà Lan", "ITA": "I-ta-li-a", "ESP": "Tây Ban Nha", "NZL": "Niu Di-lân",
}

// NationalityName is the Vietnamese name of an ICAO nationality code (the
// code itself when not known here; "" stays "").
func NationalityName(code string) string {
	code = strings.TrimSpace(code)
	if n, ok := nationalities[code]; ok {
		return n
	}
	return code
}
