package outbox

import "strings"

// Redact masks every run of 9 or more digits in s (CMND, CCCD and other
// personal numbers) as its first 3 and last 3 digits around asterisks, and
// truncates s to 200 bytes. It is for text that is known not to come from
// a remote system (which is never logged nor kept in clear at all: see
// Detail and connector.Code).
func Redact(s string) string {
	var b strings.Builder
	i := 0
	for i < len(s) {
		if s[i] < '0' || s[i] > '9' {
			b.WriteByte(s[i])
			i++
			continue
		}
		j := i
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		run := s[i:j]
		if len(run) >= 9 {
			b.WriteString(run[:3])
			b.WriteString(strings.Repeat("*", len(run)-6))
			b.WriteString(run[len(run)-3:])
		} else {
			b.WriteString(run)
		}
		i = j
	}
	out := b.String()
	if len(out) > 200 {
		out = out[:200] + "…"
	}
	return strings.ToValidUTF8(out, "?")
}
