// Package address parses the addresses printed on (and stored in) a CCCD and
// maps them to today's units. Cards issued before 1 July 2025 print the three
// pre-2025 levels (tỉnh / huyện / xã); later cards and forms use two levels
// (tỉnh / xã) and 34 provinces. The province tables with their official
// codes (Quyết định 19/2025/QĐ-TTg; the merger of Nghị quyết 202/2025/QH15)
// are built in; the commune register and the old→new commune mapping are
// official data an operator installs as CSV files (see table.go). Without
// them the program still maps the province and the citizen confirms the
// commune.
package address

// NewProvince is one of the 34 provinces in force from 1 July 2025.
type NewProvince struct {
	Code  string // 2 digits, Quyết định 19/2025/QĐ-TTg
	Name  string // official name, e.g. "Thành phố Hồ Chí Minh"
	Short string // name without the unit word, as people write it
}

// OldProvince is one of the 63 provinces before 1 July 2025.
type OldProvince struct {
	Code    string // 2 digits (pre-2025 register)
	Name    string // name in the NSO conversion table
	Short   string // name as cards print it
	NewCode string // the province it became part of
}

// newProvinces: code and official name as in the NSO register on 1 July 2025.
var newProvinces = []NewProvince{
	{"01", "Thành phố Hà Nội", "Hà Nội"},
	{"04", "Tỉnh Cao Bằng", "Cao Bằng"},
	{"08", "Tỉnh Tuyên Quang", "Tuyên Quang"},
	{"11", "Tỉnh Điện Biên", "Điện Biên"},
	{"12", "Tỉnh Lai Châu", "Lai Châu"},
	{"14", "Tỉnh Sơn La", "Sơn La"},
	{"15", "Tỉnh Lào Cai", "Lào Cai"},
	{"19", "Tỉnh Thái Nguyên", "Thái Nguyên"},
	{"20", "Tỉnh Lạng Sơn", "Lạng Sơn"},
	{"22", "Tỉnh Quảng Ninh", "Quảng Ninh"},
	{"24", "Tỉnh Bắc Ninh", "Bắc Ninh"},
	{"25", "Tỉnh Phú Thọ", "Phú Thọ"},
	{"31", "Thành phố Hải Phòng", "Hải Phòng"},
	{"33", "Tỉnh Hưng Yên", "Hưng Yên"},
	{"37", "Tỉnh Ninh Bình", "Ninh Bình"},
	{"38", "Tỉnh Thanh Hóa", "Thanh Hóa"},
	{"40", "Tỉnh Nghệ An", "Nghệ An"},
	{"42", "Tỉnh Hà Tĩnh", "Hà Tĩnh"},
	{"44", "Tỉnh Quảng Trị", "Quảng Trị"},
	{"46", "Thành phố Huế", "Huế"},
	{"48", "Thành phố Đà Nẵng", "Đà Nẵng"},
	{"51", "Tỉnh Quảng Ngãi", "Quảng Ngãi"},
	{"52", "Tỉnh Gia Lai", "Gia Lai"},
	{"56", "Tỉnh Khánh Hòa", "Khánh Hòa"},
	{"66", "Tỉnh Đắk Lắk", "Đắk Lắk"},
	{"68", "Tỉnh Lâm Đồng", "Lâm Đồng"},
	{"75", "Tỉnh Đồng Nai", "Đồng Nai"},
	{"79", "Thành phố Hồ Chí Minh", "TP Hồ Chí Minh"},
	{"80", "Tỉnh Tây Ninh", "Tây Ninh"},
	{"82", "Tỉnh Đồng Tháp", "Đồng Tháp"},
	{"86", "Tỉnh Vĩnh Long", "Vĩnh Long"},
	{"91", "Tỉnh An Giang", "An Giang"},
	{"92", "Thành phố Cần Thơ", "Cần Thơ"},
	{"96", "Tỉnh Cà Mau", "Cà Mau"},
}

// oldProvinces: the pre-2025 provinces with the province each became part
// of (Nghị quyết 202/2025/QH15), as in the NSO conversion table.
var oldProvinces = []OldProvince{
	{"01", "Thành phố Hà Nội", "Hà Nội", "01"},
	{"02", "Tỉnh Hà Giang", "Hà Giang", "08"},
	{"04", "Tỉnh Cao Bằng", "Cao Bằng", "04"},
	{"06", "Tỉnh Bắc Kạn", "Bắc Kạn", "19"},
	{"08", "Tỉnh Tuyên Quang", "Tuyên Quang", "08"},
	{"10", "Tỉnh Lào Cai", "Lào Cai", "15"},
	{"11", "Tỉnh Điện Biên", "Điện Biên", "11"},
	{"12", "Tỉnh Lai Châu", "Lai Châu", "12"},
	{"14", "Tỉnh Sơn La", "Sơn La", "14"},
	{"15", "Tỉnh Yên Bái", "Yên Bái", "15"},
	{"17", "Tỉnh Hoà Bình", "Hòa Bình", "25"},
	{"19", "Tỉnh Thái Nguyên", "Thái Nguyên", "19"},
	{"20", "Tỉnh Lạng Sơn", "Lạng Sơn", "20"},
	{"22", "Tỉnh Quảng Ninh", "Quảng Ninh", "22"},
	{"24", "Tỉnh Bắc Giang", "Bắc Giang", "24"},
	{"25", "Tỉnh Phú Thọ", "Phú Thọ", "25"},
	{"26", "Tỉnh Vĩnh Phúc", "Vĩnh Phúc", "25"},
	{"27", "Tỉnh Bắc Ninh", "Bắc Ninh", "24"},
	{"30", "Tỉnh Hải Dương", "Hải Dương", "31"},
	{"31", "Thành phố Hải Phòng", "Hải Phòng", "31"},
	{"33", "Tỉnh Hưng Yên", "Hưng Yên", "33"},
	{"34", "Tỉnh Thái Bình", "Thái Bình", "33"},
	{"35", "Tỉnh Hà Nam", "Hà Nam", "37"},
	{"36", "Tỉnh Nam Định", "Nam Định", "37"},
	{"37", "Tỉnh Ninh Bình", "Ninh Bình", "37"},
	{"38", "Tỉnh Thanh Hóa", "Thanh Hóa", "38"},
	{"40", "Tỉnh Nghệ An", "Nghệ An", "40"},
	{"42", "Tỉnh Hà Tĩnh", "Hà Tĩnh", "42"},
	{"44", "Tỉnh Quảng Bình", "Quảng Bình", "44"},
	{"45", "Tỉnh Quảng Trị", "Quảng Trị", "44"},
	{"46", "Thành phố Huế", "Thừa Thiên Huế", "46"},
	{"48", "Thành phố Đà Nẵng", "Đà Nẵng", "48"},
	{"49", "Tỉnh Quảng Nam", "Quảng Nam", "48"},
	{"51", "Tỉnh Quảng Ngãi", "Quảng Ngãi", "51"},
	{"52", "Tỉnh Bình Định", "Bình Định", "52"},
	{"54", "Tỉnh Phú Yên", "Phú Yên", "66"},
	{"56", "Tỉnh Khánh Hòa", "Khánh Hòa", "56"},
	{"58", "Tỉnh Ninh Thuận", "Ninh Thuận", "56"},
	{"60", "Tỉnh Bình Thuận", "Bình Thuận", "68"},
	{"62", "Tỉnh Kon Tum", "Kon Tum", "51"},
	{"64", "Tỉnh Gia Lai", "Gia Lai", "52"},
	{"66", "Tỉnh Đắk Lắk", "Đắk Lắk", "66"},
	{"67", "Tỉnh Đắk Nông", "Đắk Nông", "68"},
	{"68", "Tỉnh Lâm Đồng", "Lâm Đồng", "68"},
	{"70", "Tỉnh Bình Phước", "Bình Phước", "75"},
	{"72", "Tỉnh Tây Ninh", "Tây Ninh", "80"},
	{"74", "Tỉnh Bình Dương", "Bình Dương", "79"},
	{"75", "Tỉnh Đồng Nai", "Đồng Nai", "75"},
	{"77", "Tỉnh Bà Rịa - Vũng Tàu", "Bà Rịa - Vũng Tàu", "79"},
	{"79", "Thành phố Hồ Chí Minh", "Hồ Chí Minh", "79"},
	{"80", "Tỉnh Long An", "Long An", "80"},
	{"82", "Tỉnh Tiền Giang", "Tiền Giang", "82"},
	{"83", "Tỉnh Bến Tre", "Bến Tre", "86"},
	{"84", "Tỉnh Trà Vinh", "Trà Vinh", "86"},
	{"86", "Tỉnh Vĩnh Long", "Vĩnh Long", "86"},
	{"87", "Tỉnh Đồng Tháp", "Đồng Tháp", "82"},
	{"89", "Tỉnh An Giang", "An Giang", "91"},
	{"91", "Tỉnh Kiên Giang", "Kiên Giang", "91"},
	{"92", "Thành phố Cần Thơ", "Cần Thơ", "92"},
	{"93", "Tỉnh Hậu Giang", "Hậu Giang", "92"},
	{"94", "Tỉnh Sóc Trăng", "Sóc Trăng", "92"},
	{"95", "Tỉnh Bạc Liêu", "Bạc Liêu", "96"},
	{"96", "Tỉnh Cà Mau", "Cà Mau", "96"},
}
