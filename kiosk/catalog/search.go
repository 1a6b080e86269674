package catalog

import (
	"sort"
	"strings"
	"unicode"
)

// Service search for the kiosk's search box: by name, with or without
// diacritics ("tam tru" finds "Đăng ký tạm trú"), by English name, by
// procedure code or form number. Elderly users and foreign keyboards
// often type without tone marks, and Telex/VNI typing may leave stray
// letters, so matching is on folded text: lower case, no diacritics,
// đ → d, punctuation as spaces.

// foldTable maps each Vietnamese letter with diacritics to its base.
var foldTable = func() map[rune]rune {
	m := map[rune]rune{'đ': 'd', 'Đ': 'd'}
	for base, set := range map[rune]string{
		'a': "àáảãạăằắẳẵặâầấẩẫậ",
		'e': "èéẻẽẹêềếểễệ",
		'i': "ìíỉĩị",
		'o': "òóỏõọôồốổỗộơờớởỡợ",
		'u': "ùúủũụưừứửữự",
		'y': "ỳýỷỹỵ",
	} {
		for _, r := range set {
			m[r] = base
			m[unicode.ToUpper(r)] = base
		}
	}
	return m
}()

// Fold returns s in lower case without diacritics, with every run of
// characters that are not letters or digits as one space: the form both
// the query and the names are compared in. Combining marks (decomposed
// input) are dropped.
func Fold(s string) string {
	var b strings.Builder
	space := true
	for _, r := range s {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		if f, ok := foldTable[r]; ok {
			r = f
		}
		r = unicode.ToLower(r)
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '.' && b.Len() > 0 && !space {
			b.WriteRune(r)
			space = false
			continue
		}
		if !space {
			b.WriteByte(' ')
			space = true
		}
	}
	return strings.TrimSuffix(strings.TrimSuffix(b.String(), " "), ".")
}

// Hit is one search result.
type Hit struct {
	Service *Service
	// Score ranks hits: exact name 100, code or form 95, name starting
	// with the query 90, the query as whole words in the name 80, as
	// words whose last is only begun 75 at the name's start and 70
	// elsewhere, every query word starting a name
	// word 60, every query word inside the name 40. An English-name
	// match scores 10 less; typing the diacritics exactly adds 5.
	Score int
}

// Search returns the services matching query, best first (ties: the
// shorter name, then the code), at most limit (0: all).
func (c *Catalog) Search(query string, limit int) []Hit {
	q := Fold(query)
	if q == "" {
		return nil
	}
	qLower := strings.ToLower(strings.Join(strings.Fields(query), " "))
	var hits []Hit
	for _, s := range c.Services() {
		score := nameScore(Fold(s.NameVI), q)
		if en := nameScore(Fold(s.NameEN), q) - 10; en > score {
			score = en
		}
		if code := strings.TrimSpace(query); strings.EqualFold(code, s.Code) || strings.EqualFold(code, s.SubmitCode()) || s.Form != "" && strings.EqualFold(code, s.Form) {
			score = max(score, 95)
		}
		if score <= 0 {
			continue
		}
		if q != qLower && strings.Contains(strings.ToLower(s.NameVI), qLower) {
			score += 5
		}
		hits = append(hits, Hit{Service: s, Score: score})
	}
	sort.SliceStable(hits, func(i, j int) bool {
		a, b := hits[i], hits[j]
		if a.Score != b.Score {
			return a.Score > b.Score
		}
		if la, lb := len(a.Service.NameVI), len(b.Service.NameVI); la != lb {
			return la < lb
		}
		return a.Service.Code < b.Service.Code
	})
	if limit > 0 && len(hits) > limit {
		hits = hits[:limit]
	}
	return hits
}

// nameScore scores a folded name against a folded query (0: no match).
func nameScore(name, q string) int {
	if name == "" {
		return 0
	}
	switch {
	case name == q:
		return 100
	case strings.HasPrefix(name, q+" "):
		return 90
	case strings.Contains(" "+name+" ", " "+q+" "):
		return 80
	}
	nw, qw := strings.Fields(name), strings.Fields(q)
	// Whole words then a prefix: the user is still typing the last word.
	for i := 0; i+len(qw) <= len(nw); i++ {
		ok := true
		for k, w := range qw {
			if k < len(qw)-1 && nw[i+k] != w || k == len(qw)-1 && !strings.HasPrefix(nw[i+k], w) {
				ok = false
				break
			}
		}
		if ok {
			if i == 0 {
				return 75
			}
			return 70
		}
	}
	all := true
	for _, w := range qw {
		found := false
		for _, n := range nw {
			if strings.HasPrefix(n, w) {
				found = true
				break
			}
		}
		all = all && found
	}
	if all {
		return 60
	}
	for _, w := range qw {
		if !strings.Contains(name, w) {
			return 0
		}
	}
	return 40
}
