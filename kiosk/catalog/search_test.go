package catalog

import (
	"strings"
	"testing"
)

func loadBuiltin(t *testing.T) *Catalog {
	t.Helper()
	c, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Errors) > 0 {
		t.Fatalf("built-in catalogue errors: %v", c.Errors)
	}
	return c
}

// ranksFirst reports whether s is among the best-scored hits.
func ranksFirst(hits []Hit, s *Service) bool {
	for _, h := range hits {
		if h.Score != hits[0].Score {
			return false
		}
		if h.Service == s {
			return true
		}
	}
	return false
}

func TestSearchFindsEveryServiceByNameWithoutDiacritics(t *testing.T) {
	c := loadBuiltin(t)
	if len(c.Services()) < 25 {
		t.Fatalf("%d services", len(c.Services()))
	}
	for _, s := range c.Services() {
		folded := Fold(s.NameVI)
		if strings.ContainsFunc(folded, func(r rune) bool { return r > 127 }) {
			t.Errorf("%s: fold left %q", s.Code, folded)
		}
		for _, q := range []string{folded, strings.ToUpper(folded), s.NameVI} {
			if hits := c.Search(q, 0); !ranksFirst(hits, s) {
				t.Errorf("%s %q: searching %q does not rank it first (%d hits)", s.Code, s.NameVI, q, len(hits))
			}
		}
		if hits := c.Search(s.Code, 0); !ranksFirst(hits, s) {
			t.Errorf("%s: not found by its code", s.Code)
		}
	}
}

func TestSearchRanking(t *testing.T) {
	c := loadBuiltin(t)
	for _, tc := range []struct{ q, first string }{
		{"tam tru", "Đăng ký tạm trú"},
		{"Tạm trú", "Đăng ký tạm trú"},
		{"dang ky ket hon", "Đăng ký kết hôn"},
		{"ket hon", "Đăng ký kết hôn"},
		{"thuong tru", "Đăng ký thường trú"}, // before the liên thông names that contain it
		{"lien thong khai tu", "Liên thông đăng ký khai tử – xóa đăng ký thường trú – trợ cấp mai táng phí"},
		{"khai s", "Đăng ký khai sinh"}, // still typing
		{"ho chieu", "Cấp, cấp lại, sửa đổi hộ chiếu phổ thông ở trong nước"},
		{"giay phep lai xe", "Cấp đổi giấy phép lái xe"},
		{"phat nguoi", "Nộp phạt vi phạm hành chính về giao thông phát hiện qua thiết bị ghi hình (phạt nguội)"},
		{"the can cuoc", "Cấp đổi, cấp lại thẻ căn cước"},
		{"ta\u0323m tru\u0301", "Đăng ký tạm trú"}, // decomposed input
		{"  ĐĂNG   KÝ  tạm-trú ", "Đăng ký tạm trú"},
		{"tru tam", "Đăng ký tạm trú"}, // any order still found
	} {
		hits := c.Search(tc.q, 5)
		if len(hits) == 0 || hits[0].Service.NameVI != tc.first {
			got := []string{}
			for _, h := range hits {
				got = append(got, h.Service.NameVI)
			}
			t.Errorf("%q: got %q, want %q first", tc.q, got, tc.first)
		}
	}
	// Tạm trú must not also pull in unrelated services as equals.
	hits := c.Search("tam tru", 0)
	if len(hits) > 1 && hits[1].Score >= hits[0].Score {
		t.Errorf("tam tru: %q ties with %q", hits[1].Service.NameVI, hits[0].Service.NameVI)
	}
	for _, q := range []string{"", "   ", "--", "zzzz qqq", "tam truu"} {
		if hits := c.Search(q, 0); len(hits) != 0 {
			t.Errorf("%q found %d services", q, len(hits))
		}
	}
	if hits := c.Search("dang ky", 3); len(hits) != 3 {
		t.Errorf("limit 3 gave %d", len(hits))
	}
}

func TestSearchFold(t *testing.T) {
	for in, want := range map[string]string{
		"Đăng ký tạm trú":        "dang ky tam tru",
		"ĐẮK LẮK":                "dak lak",
		"Ưu tiên, ỞỠỢ":           "uu tien ooo",
		"liên thông – khai sinh": "lien thong khai sinh",
		"1.004222":               "1.004222",
		"(220/380V)":             "220 380v",
		"":                       "",
	} {
		if got := Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
}
