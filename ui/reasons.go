package ui

import (
	"fmt"
	"strings"

	"motcua/kiosk/prefill"
	"motcua/reader/cccd"
	"motcua/reader/pa"
	"motcua/sync/outbox"
)

// The reader, the outbox and the engine speak English (logs, the API);
// the screens put their codes and known phrases into the visitor's
// language. A phrase not known here is named generically in Vietnamese
// rather than shown in English.

// verdictWords are the verification verdicts and provenances in words.
var verdictWords = map[string][2]string{
	cccd.PassiveVerified:                   {"đã xác thực", "verified"},
	cccd.PassiveChainUnknown:               {"chữ ký chưa đối chiếu được với chứng thư gốc", "signature not chained to a known root"},
	cccd.PassiveFailed:                     {"KHÔNG xác thực được", "NOT verified"},
	cccd.PassiveNotChecked:                 {"chưa kiểm tra", "not checked"},
	cccd.ChipAuthPassed:                    {"chip thật (đã chứng minh khóa riêng)", "genuine chip (proved its key)"},
	cccd.ChipAuthNotSupported:              {"thẻ không hỗ trợ kiểm tra này", "not supported by the card"},
	string(prefill.ChipVerified):           {"từ chip, đã xác thực", "from the chip, verified"},
	string(prefill.ChipUnverified):         {"từ chip, chưa xác thực", "from the chip, not verified"},
	string(prefill.QR):                     {"từ mã QR (chưa xác thực)", "from the QR code (not verified)"},
	string(outbox.Pending):                 {"chờ gửi", "waiting to be sent"},
	string(outbox.Sending):                 {"đang gửi", "sending"},
	string(outbox.Accepted):                {"đã được tiếp nhận", "accepted"},
	string(outbox.Rejected):                {"bị từ chối", "rejected"},
	string(outbox.NeedsAttention):          {"cần cán bộ xử lý", "needs attention"},
	cccd.AccessPACE:                        {"PACE", "PACE"},
	cccd.AccessBAC:                         {"BAC", "BAC"},
	cccd.AccessPACECAM:                     {"PACE-CAM (chip tự chứng minh khi mở)", "PACE-CAM (the chip proved itself when opened)"},
	"chip_auth_" + cccd.ChipAuthNotChecked: {"chưa kiểm tra", "not checked"},
	"chip_auth_" + cccd.ChipAuthFailed:     {"chip KHÔNG chứng minh được là chip thật (có thể là thẻ sao chép)", "the chip failed clone detection (probable clone)"},
}

// word puts a verdict, provenance or state into words ("" stays "").
func (a *App) word(code string) string {
	if code == "" {
		return ""
	}
	if w, ok := verdictWords[code]; ok {
		return w[a.lang]
	}
	if a.lang == English {
		return code
	}
	return "(" + T(a.lang, "reason.other") + ")"
}

// reasonPhrases are the reader's reasons, recognised by a phrase.
var reasonPhrases = []struct {
	has    string
	vi, en string
}{
	{"no certificate of the issuing authority", "máy chưa có chứng thư của cơ quan cấp: chữ ký còn nguyên vẹn nhưng chưa xác nhận được nơi cấp", "no certificate of the issuing authority installed: the signature is intact but the issuer cannot be confirmed"},
	{"does not match its hash", "dữ liệu trên chip không khớp với bản đã ký: thẻ có thể đã bị sửa", "the chip's data does not match what was signed: the card may have been altered"},
	{"not in the trust store", "máy chưa có chứng thư gốc của nơi ký thẻ", "this device does not hold the root certificate of the card's signer"},
	{"no trust store", "máy chưa được cài chứng thư gốc", "no root certificates are installed on this device"},
	{"expired", "chứng thư ký thẻ đã hết hạn", "the card's signing certificate has expired"},
	{"not valid yet", "chứng thư ký thẻ chưa có hiệu lực", "the card's signing certificate is not valid yet"},
	{"revoked", "chứng thư ký thẻ đã bị thu hồi", "the card's signing certificate is revoked"},
	{"probable clone", "chip không chứng minh được là chip thật: có thể là thẻ sao chép", "the chip could not prove it is genuine: probably a copy"},
	{"chip authentication", "chip không chứng minh được là chip thật: có thể là thẻ sao chép", "the chip could not prove it is genuine: probably a copy"},
	{"malformed", "dữ liệu trên chip bị lỗi định dạng", "the chip's data is malformed"},
	{"could not be read", "không đọc được hết dữ liệu trên chip", "part of the chip could not be read"},
	{"signature", "chữ ký trên dữ liệu chip không hợp lệ", "the signature over the chip's data is not valid"},
	{"ID number", "số định danh không khớp với ngày sinh hoặc giới tính", "the ID number does not fit the date of birth or sex"},
	{"MRZ", "dữ liệu vùng đọc máy không khớp với thông tin trên chip", "the machine-readable zone does not match the chip's data"},
}

// reason puts a reader's reason into the visitor's language.
func (a *App) reason(s string) string {
	if s == "" {
		return ""
	}
	for _, p := range reasonPhrases {
		if strings.Contains(s, p.has) {
			if a.lang == English {
				return p.en
			}
			return p.vi
		}
	}
	if a.lang == English {
		return s
	}
	return T(a.lang, "reason.other")
}

// noIssuerCSCA reports a document whose signature is intact and whose one
// gap is the certificate of its issuing authority (CSCA): none installed
// for its issuer. Failed verdicts never qualify, whatever their reason.
func noIssuerCSCA(v *cccd.Verification) bool {
	return v != nil && v.Passive == cccd.PassiveChainUnknown && pa.NoIssuerCSCA(v.PassiveReason)
}

// passiveReason is the Passive Authentication reason in the visitor's
// language; a missing certificate of the issuing authority says so in
// plain words with the issuer's country (from the document signer).
func (a *App) passiveReason(v *cccd.Verification) string {
	if !noIssuerCSCA(v) {
		return a.reason(v.PassiveReason)
	}
	country := ""
	if c := subjectCountry(v.Signer); c != "" {
		country = fmt.Sprintf(T(a.lang, "reason.country"), c)
	}
	return fmt.Sprintf(T(a.lang, "reason.nocsca"), country)
}

// subjectCountry is the C of a distinguished name as pkix.Name.String
// writes it ("CN=…,O=…,C=VN"); "" when absent.
func subjectCountry(dn string) string {
	for _, part := range strings.Split(dn, ",") {
		if c, ok := strings.CutPrefix(strings.TrimSpace(part), "C="); ok && len(c) >= 1 && len(c) <= 3 {
			return strings.ToUpper(c)
		}
	}
	return ""
}
