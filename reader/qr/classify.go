package qr

import (
	"encoding/json"
	"strings"
)

// Classify names what a scanned text is when it is not a card QR, so a desk
// can say "that was a payment code" instead of "parse error". It returns
// KindUnknown for anything it does not recognise (including card QRs).
func Classify(payload string) Kind {
	s := strings.TrimSpace(strings.TrimPrefix(payload, "\ufeff"))
	if s == "" {
		return KindEmpty
	}
	return classify(s, strings.Split(s, "|"))
}

// classify works on the trimmed text and its |-separated fields. The order
// matters: a VNeID link is a URL, but saying "VNeID" helps the officer more.
func classify(s string, fields []string) Kind {
	lower := strings.ToLower(s)
	switch {
	case strings.Contains(lower, "vneid"):
		return KindVNeID
	case strings.HasPrefix(s, "000201"):
		// EMVCo merchant-presented QR: payload format indicator "00" "02" "01".
		// NAPAS's application identifier marks a VietQR.
		if strings.Contains(strings.ToUpper(s), "A000000727") {
			return KindVietQR
		}
		return KindEMVCo
	case hasAnyPrefix(lower, "http://", "https://", "www.", "ftp://"):
		return KindURL
	case hasAnyPrefix(lower, "wifi:"):
		return KindWiFi
	case hasAnyPrefix(lower, "begin:vcard", "mecard:", "mailto:", "tel:", "smsto:", "sms:", "matmsg:"):
		return KindContact
	case len(s) == 12 && isDigits(s):
		return KindIDNumberOnly
	case len(s) == 9 && isDigits(s):
		return KindOldIDOnly
	case isMRZ(s):
		return KindMRZ
	case isJWT(s):
		return KindToken
	case (s[0] == '{' || s[0] == '[') && json.Valid([]byte(s)):
		return KindJSON
	case isHealthInsurance(fields):
		return KindHealthInsured
	}
	return KindUnknown
}

func hasAnyPrefix(s string, prefixes ...string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// isMRZ spots TD1 MRZ text (3 lines of 30) as OCR scanners return it: the
// document code "I" and lots of filler '<'.
func isMRZ(s string) bool {
	compact := strings.NewReplacer("\r", "", "\n", "", " ", "").Replace(s)
	if len(compact) < 30 || strings.Count(compact, "<") < 5 {
		return false
	}
	for i := 0; i < len(compact); i++ {
		c := compact[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '<') {
			return false
		}
	}
	return compact[0] == 'I' || compact[0] == 'A' || compact[0] == 'C' || compact[0] == 'P'
}

// isJWT spots three base64url parts separated by dots, the first starting
// with the base64 of `{"`.
func isJWT(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) != 3 || !strings.HasPrefix(parts[0], "eyJ") {
		return false
	}
	for _, p := range parts {
		for i := 0; i < len(p); i++ {
			c := p[i]
			if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '=') {
				return false
			}
		}
	}
	return true
}

// isHealthInsurance spots the BHYT card QR: a card number (2 letters and 13
// digits, or 10 digits) then the holder's name hex-encoded.
func isHealthInsurance(fields []string) bool {
	if len(fields) < 5 {
		return false
	}
	no := strings.TrimSpace(fields[0])
	ok := len(no) == 10 && isDigits(no) ||
		len(no) == 15 && isUpperASCII(no[:2]) && isDigits(no[2:])
	return ok && isHex(strings.TrimSpace(fields[1]))
}

func isUpperASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

func isHex(s string) bool {
	if len(s) < 4 || len(s)%2 != 0 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}
