package clinic

import "time"

// result is what a gateway result code means for the receptionist: the
// message in Vietnamese and English, and what to do next.
type result struct {
	vi, en             string
	actionVI, actionEN string
}

// Actions shared by several codes.
const (
	actAcceptVI   = "Tiếp nhận khám chữa bệnh BHYT."
	actAcceptEN   = "Check the patient in under health insurance."
	actServiceVI  = "Tiếp nhận khám dịch vụ (không BHYT) hoặc đề nghị người bệnh xuất trình thẻ BHYT khác."
	actServiceEN  = "Check in as a paying patient, or ask for another health-insurance card."
	actCompareVI  = "Đối chiếu giấy tờ của người bệnh; nếu thông tin trên chip đúng, báo sai lệch dữ liệu cho cơ quan BHXH."
	actCompareEN  = "Compare the patient's papers; if the chip is right, report the data discrepancy to social insurance."
	actAdminVI    = "Báo quản trị: đăng ký cán bộ tra cứu (họ tên, số định danh) với cơ quan BHXH."
	actAdminEN    = "Tell the administrator: register the staff member (name, ID number) with social insurance."
	actRetryVI    = "Thử lại sau ít phút; nếu vẫn lỗi, tiếp nhận và tra cứu lại sau."
	actRetryEN    = "Try again in a few minutes; if it persists, check in and look up later."
	actByHandVI   = "Xem ghi chú của cổng và kiểm tra thủ công."
	actByHandEN   = "Read the gateway's note and check by hand."
	actNewCardVI  = "Tiếp nhận theo thẻ mới (mã thẻ và hạn dùng mới bên dưới)."
	actNewCardEN  = "Check in with the new card (its code and validity below)."
	actSpecialVI  = "Kiểm tra thẻ và giấy tờ tùy thân trước khi tiếp nhận."
	actSpecialEN  = "Check the card and identity papers before check-in."
	actCardCodeVI = "Kiểm tra lại mã thẻ BHYT (hoặc tra cứu bằng số định danh)."
	actCardCodeEN = "Check the BHYT card code again (or look up by the ID number)."
)

// Result codes of the gateway's card look-up (REFERENCE.md section 10 and
// the codes public hospital integrations handle). A code not listed here is
// never dropped: it is shown with the gateway's own note (ghiChu).
var results = map[string]result{
	"000": {"Thẻ BHYT còn giá trị sử dụng.", "The health-insurance card is valid.", actAcceptVI, actAcceptEN},
	"001": {"Thẻ do BHXH Bộ Quốc phòng quản lý.", "Card managed by the Ministry of Defence social insurance.", actSpecialVI, actSpecialEN},
	"002": {"Thẻ do BHXH Bộ Công an quản lý.", "Card managed by the Ministry of Public Security social insurance.", actSpecialVI, actSpecialEN},
	"003": {"Thẻ cũ hết giá trị sử dụng nhưng đã được cấp thẻ mới.", "The old card has expired but a new card was issued.", actNewCardVI, actNewCardEN},
	"004": {"Thẻ cũ còn giá trị sử dụng nhưng đã được cấp thẻ mới.", "The old card is valid but a new card was issued.", actNewCardVI, actNewCardEN},
	"010": {"Thẻ BHYT đã hết hạn sử dụng.", "The health-insurance card has expired.", actServiceVI, actServiceEN},
	"050": {"Không tìm thấy thông tin thẻ BHYT.", "No health-insurance card was found.", actServiceVI, actServiceEN},
	"051": {"Mã thẻ không đúng.", "The card code is wrong.", actCardCodeVI, actCardCodeEN},
	"052": {"Mã tỉnh cấp thẻ không đúng.", "The issuing province code is wrong.", actCardCodeVI, actCardCodeEN},
	"053": {"Mã quyền lợi thẻ không đúng.", "The benefit code is wrong.", actCardCodeVI, actCardCodeEN},
	"054": {"Cán bộ tra cứu chưa được đăng ký với cơ quan BHXH.", "The staff member doing the look-up is not registered with social insurance.", actAdminVI, actAdminEN},
	"055": {"Cán bộ tra cứu không được phép tra cứu.", "The staff member doing the look-up is not allowed to.", actAdminVI, actAdminEN},
	"060": {"Họ tên không khớp với thông tin thẻ BHYT.", "The name does not match the health-insurance record.", actCompareVI, actCompareEN},
	"061": {"Họ tên không khớp (sai dấu hoặc ký tự) với thông tin thẻ BHYT.", "The name does not match the record (accents or letters differ).", actCompareVI, actCompareEN},
	"070": {"Ngày sinh không khớp với thông tin thẻ BHYT.", "The date of birth does not match the health-insurance record.", actCompareVI, actCompareEN},
	"100": {"Lỗi khi lấy dữ liệu sổ thẻ.", "The gateway failed to fetch the record.", actRetryVI, actRetryEN},
	"101": {"Lỗi máy chủ cổng tiếp nhận.", "Gateway server error.", actRetryVI, actRetryEN},
}

// Message explains a result code in Vietnamese and English.
func Message(code string) (vi, en string) {
	if m, ok := results[code]; ok {
		return m.vi, m.en
	}
	return "Mã kết quả " + code + " chưa được biết.", "Unknown result code " + code + "."
}

// Action says what the receptionist should do after a result code.
func Action(code string) (vi, en string) {
	if m, ok := results[code]; ok {
		return m.actionVI, m.actionEN
	}
	return actByHandVI, actByHandEN
}

// Mismatch reports whether a code says the name or date of birth sent
// differs from the gateway's record: a data discrepancy to show next to
// what the chip says.
func Mismatch(code string) bool {
	return code == "060" || code == "061" || code == "070"
}

// valid decides whether a look-up lets the patient be treated under health
// insurance today. A renewed card (003) counts only through its new card's
// validity window.
func valid(r *LookupResult, today time.Time) bool {
	switch r.Code {
	case "000", "001", "002", "004":
		return true
	case "003":
		if r.NewCard == nil {
			return false
		}
		return within(today, r.NewCard.ValidFrom, r.NewCard.ValidTo)
	}
	return false
}

// within reports whether day falls inside [from, to], both YYYY-MM-DD; an
// empty bound is open.
func within(day time.Time, from, to string) bool {
	d := day.Format("2006-01-02")
	if from != "" && d < from {
		return false
	}
	if to != "" && d > to {
		return false
	}
	return from != "" || to != ""
}
