package outbox

// DossierStatus is one national dossier status code (REFERENCE.md section
// 9) with its name in plain Vietnamese and English.
type DossierStatus struct {
	Code int
	VI   string
	EN   string
	// Final: the dossier's life has ended; nobody polls it any more.
	Final bool
}

// Statuses is the one table of national dossier status codes 1..10.
var Statuses = [...]DossierStatus{
	{1, "mới đăng ký", "newly registered", false},
	{2, "được tiếp nhận", "received", false},
	{3, "không được tiếp nhận", "not accepted for processing", true},
	{4, "đang xử lý", "being processed", false},
	{5, "yêu cầu bổ sung", "more documents requested", false},
	{6, "yêu cầu nghĩa vụ tài chính", "payment of fees or charges requested", false},
	{7, "công dân rút hồ sơ", "withdrawn by the citizen", true},
	{8, "dừng xử lý", "processing stopped", true},
	{9, "đã xử lý xong", "processed, result ready", false},
	{10, "đã trả kết quả", "result handed over", true},
}

// LookupStatus returns the table entry of a code, and false for a code
// outside 1..10.
func LookupStatus(code int) (DossierStatus, bool) {
	if code < 1 || code > len(Statuses) {
		return DossierStatus{}, false
	}
	return Statuses[code-1], true
}

// StatusName returns the Vietnamese name of a national dossier status code
// (1..10), or "" for an unknown code.
func StatusName(code int) string {
	s, _ := LookupStatus(code)
	return s.VI
}

// StatusNameEN returns the English name of a national dossier status code,
// or "" for an unknown code.
func StatusNameEN(code int) string {
	s, _ := LookupStatus(code)
	return s.EN
}

// StatusFinal reports whether a national dossier status code ends the
// dossier's life, so the worker stops polling it.
func StatusFinal(code int) bool {
	s, _ := LookupStatus(code)
	return s.Final
}

// ValidOfficialCode reports whether s may be stored as a provincial
// dossier code (mã hồ sơ) in clear metadata: 1 to 64 of [A-Za-z0-9._/-].
// The connectors refuse anything else from a receiver; the store checks
// again whatever a caller passes.
func ValidOfficialCode(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '/' || c == '-') {
			return false
		}
	}
	return true
}
