package logx

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Redacted replaces a sensitive value.
const Redacted = "[redacted]"

// MaskDigits masks every run of 9 or more digits (any Unicode digit) in s
// as its first 3 and last 3 digits with asterisks between.
func MaskDigits(s string) string {
	if !hasLongDigitRun(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	var run []rune
	flush := func() {
		if len(run) >= 9 {
			b.WriteString(string(run[:3]))
			b.WriteString(strings.Repeat("*", len(run)-6))
			b.WriteString(string(run[len(run)-3:]))
		} else {
			b.WriteString(string(run))
		}
		run = run[:0]
	}
	for _, r := range s {
		if unicode.IsDigit(r) {
			run = append(run, r)
			continue
		}
		flush()
		b.WriteRune(r)
	}
	flush()
	return b.String()
}

func hasLongDigitRun(s string) bool {
	n := 0
	for _, r := range s {
		if unicode.IsDigit(r) {
			if n++; n >= 9 {
				return true
			}
		} else {
			n = 0
		}
	}
	return false
}

// Scrubber holds values known to be personal for the time they are in use
// (the current card holder's name, address, parents' names) and removes them
// from any text that passes through a Redactor. It is safe for concurrent use.
type Scrubber struct {
	mu     sync.RWMutex
	held   map[string]int // lower-cased NFC value -> hold count
	lowers []string
}

// NewScrubber returns an empty Scrubber.
func NewScrubber() *Scrubber { return &Scrubber{held: map[string]int{}} }

// Hold adds values (those shorter than 3 characters are ignored) until the
// returned release function is called. Release is idempotent.
func (s *Scrubber) Hold(values ...string) (release func()) {
	var keys []string
	s.mu.Lock()
	for _, v := range values {
		k := strings.ToLower(norm.NFC.String(strings.TrimSpace(v)))
		if utf8.RuneCountInString(k) < 3 {
			continue
		}
		s.held[k]++
		keys = append(keys, k)
	}
	s.rebuild()
	s.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			for _, k := range keys {
				if s.held[k]--; s.held[k] <= 0 {
					delete(s.held, k)
				}
			}
			s.rebuild()
			s.mu.Unlock()
		})
	}
}

func (s *Scrubber) rebuild() {
	s.lowers = s.lowers[:0]
	for k := range s.held {
		s.lowers = append(s.lowers, k)
	}
	// Longest first, so "Nguyễn Văn Thử" goes before a held "Văn Thử".
	for i := 1; i < len(s.lowers); i++ {
		for j := i; j > 0 && len(s.lowers[j]) > len(s.lowers[j-1]); j-- {
			s.lowers[j], s.lowers[j-1] = s.lowers[j-1], s.lowers[j]
		}
	}
}

// Scrub replaces every held value in text (case-insensitively, after NFC
// normalisation) with Redacted.
func (s *Scrubber) Scrub(text string) string {
	if s == nil {
		return text
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if len(s.lowers) == 0 {
		return text
	}
	text = norm.NFC.String(text)
	lower := strings.ToLower(text)
	if len(lower) != len(text) {
		// Case mapping changed byte lengths: offsets would not line up, so
		// match the lowered text itself (the output is then lower-case).
		text = lower
	}
	for _, v := range s.lowers {
		for {
			i := strings.Index(lower, v)
			if i < 0 {
				break
			}
			text = text[:i] + Redacted + text[i+len(v):]
			lower = lower[:i] + Redacted + lower[i+len(v):]
		}
	}
	return text
}

// Text is what a Redactor does to any text: long digit runs masked and held
// values removed.
func Text(s string, sc *Scrubber) string { return MaskDigits(sc.Scrub(s)) }
