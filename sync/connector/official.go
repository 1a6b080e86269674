package connector

import "fmt"

// MaxOfficialCode bounds an official dossier code (mã hồ sơ) as received.
const MaxOfficialCode = 64

// ValidOfficialCode reports whether s can be kept as a provincial dossier
// code: 1 to 64 of [A-Za-z0-9._/-]. The code is stored in clear metadata
// and printed in a QR code, so anything else from a receiver (text, a
// name, control characters) is refused rather than stored.
func ValidOfficialCode(s string) bool {
	if len(s) == 0 || len(s) > MaxOfficialCode {
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

// checkOfficial accepts "" (not known yet) or a valid code; anything else
// is an answer that fits no rule.
func checkOfficial(s string) error {
	if s == "" || ValidOfficialCode(s) {
		return nil
	}
	return &UnexpectedError{Reason: fmt.Sprintf("provincial dossier code is not a code (%d bytes)", len(s))}
}
