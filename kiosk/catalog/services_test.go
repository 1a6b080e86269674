package catalog

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// builtinCodes lists the codes of the embedded service files.
func builtinCodes(t testing.TB) []string {
	t.Helper()
	names, err := fs.Glob(builtin, "services/*.toml")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, n := range names {
		out = append(out, strings.SplitN(strings.TrimPrefix(n, "services/"), "-", 2)[0])
	}
	return out
}

// The 25 essential services of Chỉ thị 24/CT-TTg by owner (REFERENCE.md
// section 9), each matched by a phrase of its name.
var essential = map[string][]string{
	"bo_cong_an": {"Xác nhận số Chứng minh", "thẻ căn cước", "thường trú", "tạm trú", "tạm vắng", "lưu trú", "biển số",
		"phạt nguội", "hộ chiếu", "con dấu mới", "dấu thu nhỏ", "lý lịch tư pháp", "giấy phép lái xe"},
	"ubnd_xa": {"Đăng ký khai sinh", "Đăng ký khai tử", "Đăng ký kết hôn", "Liên thông đăng ký khai sinh",
		"Liên thông đăng ký khai tử", "thay đổi thông tin người được cấp Giấy chứng nhận"},
	"bhxh":     {"Giảm trừ mức đóng", "trợ cấp thất nghiệp"},
	"thue":     {"Đăng ký thuế"},
	"giao_duc": {"tốt nghiệp trung học phổ thông"},
	"dien_luc": {"Cấp điện mới", "chủ thể hợp đồng mua bán điện"},
}

func TestTheTwentyFiveEssentialServices(t *testing.T) {
	c, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Errors) != 0 {
		t.Fatalf("built-in files with errors: %v", c.Errors)
	}
	found := map[string]string{}
	n := 0
	for _, s := range c.Services() {
		if !s.Essential {
			continue
		}
		n++
		for _, phrase := range essential[s.Owner] {
			if strings.Contains(s.NameVI, phrase) {
				if prev, dup := found[s.Owner+phrase]; dup {
					t.Errorf("%q matched by %s and %s", phrase, prev, s.Code)
				}
				found[s.Owner+phrase] = s.Code
			}
		}
		p := s.Procedure
		if p.ProcessingVI == "" || p.ProcessingEN == "" || len(p.Delivery) == 0 || len(p.LegalBasis) == 0 || s.AgencyVI == "" {
			t.Errorf("%s: procedure information incomplete: %+v", s.Code, p)
		}
		if s.CodeStatus == "" || s.CodeSource == "" {
			t.Errorf("%s: the file does not say how far its code was checked", s.Code)
		}
		if len(p.Fees) == 0 {
			t.Errorf("%s: no fee line (a free service says so)", s.Code)
		}
	}
	want := 0
	for owner, phrases := range essential {
		want += len(phrases)
		for _, ph := range phrases {
			if _, ok := found[owner+ph]; !ok {
				t.Errorf("essential service %q (%s) missing", ph, owner)
			}
		}
	}
	if want != 25 || n != 25 {
		t.Fatalf("%d essential services in the catalogue, %d in the list; want 25", n, want)
	}
}

func TestReplacedAttachmentsAreNeverAsked(t *testing.T) {
	c, _ := Load("")
	replaced := 0
	for _, s := range c.Services() {
		for _, a := range s.AttachmentsToAsk() {
			if a.Replaced() {
				t.Errorf("%s asks for %s, which the state holds", s.Code, a.ID)
			}
		}
		for _, a := range s.AttachmentsNotAsked() {
			replaced++
			if a.Required || a.ReasonVI == "" || a.ReasonEN == "" {
				t.Errorf("%s/%s: replaced attachment without its reason or still required", s.Code, a.ID)
			}
		}
		if len(s.AttachmentsToAsk())+len(s.AttachmentsNotAsked()) != len(s.Attachments) {
			t.Errorf("%s: attachments lost", s.Code)
		}
	}
	if replaced < 25 {
		t.Errorf("only %d attachments replaced by state data", replaced)
	}
	base, _ := builtin.ReadFile("services/1.000466-xac-nhan-cmnd.toml")
	bad := map[string]string{
		"required": strings.Replace(string(base), `required = false
replaced_by`, `required = true
replaced_by`, 1),
		"no reason": strings.Replace(string(base), `reason_vi = "Không cần nộp: số CMND cũ có trong Cơ sở dữ liệu quốc gia về dân cư và trên chip của thẻ."`, "", 1),
		"unknown":   strings.Replace(string(base), `replaced_by = "population_db"`, `replaced_by = "friend"`, 1),
		"fee":       strings.Replace(string(base), `amount_vnd = 0`, `amount_vnd = -5`, 1),
		"delivery":  strings.Replace(string(base), `delivery = ["online", "desk", "post"]`, `delivery = ["pigeon"]`, 1),
		"status":    strings.Replace(string(base), `code_status = "reference"`, `code_status = "probably"`, 1),
	}
	for name, body := range bad {
		if body == string(base) {
			t.Fatalf("%s: test edit did not apply", name)
		}
		_, err := Parse("x.toml", []byte(body))
		var le LoadError
		if !errors.As(err, &le) || le.Line == 0 {
			t.Errorf("%s: err = %v, want a LoadError with a line", name, err)
		}
	}
}

func TestCombinedVisitExpandsIntoAgencyDossiers(t *testing.T) {
	c, _ := Load("")
	values := map[string]string{
		"requester/ho_ten": "Nguyễn Văn Thử", "requester/so_dinh_danh": "001093047064", "requester/dien_thoai": "0912000000",
		"father/ho_ten": "Nguyễn Văn Thử", "father/so_dinh_danh": "001093047064", "mother/ho_ten": "Trần Thị Mẹ",
		"tre_ho_ten": "Nguyễn Văn Bé", "tre_ngay_sinh": "2026-11-01", "tre_gioi_tinh": "Nam",
		"dia_chi_thuong_tru": "Kim Ngưu, Phường Vĩnh Tuy, Thành phố Hà Nội", "chu_ho": "Nguyễn Văn Thử", "quan_he_chu_ho": "Con",
		"noi_kcb_ban_dau": "Bệnh viện Thanh Nhàn",
	}
	ds, err := c.Expand("1.003583", values)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 3 || ds[0].Code != "1.001193" || ds[1].Code != "1.004222" || ds[2].Code != "1.003584" {
		t.Fatalf("dossiers %+v", ds)
	}
	birth, residence, insurance := ds[0], ds[1], ds[2]
	if birth.Service == nil || birth.Values["tre_ho_ten"] != "Nguyễn Văn Bé" || birth.Values["father/ho_ten"] != "Nguyễn Văn Thử" {
		t.Errorf("birth dossier %v", birth.Values)
	}
	if _, leaked := birth.Values["dia_chi_thuong_tru"]; leaked {
		t.Error("the residence answer went to the civil-status dossier")
	}
	if residence.Values["applicant/ho_ten"] != "Nguyễn Văn Bé" || residence.Values["dia_chi_dang_ky"] != values["dia_chi_thuong_tru"] ||
		residence.Values["applicant/dien_thoai"] != "0912000000" || residence.Values["quan_he_chu_ho"] != "Con" {
		t.Errorf("residence dossier %v", residence.Values)
	}
	for k := range residence.Values {
		if !residence.Service.hasField(k) {
			t.Errorf("residence dossier carries %q, which its form lacks", k)
		}
	}
	if insurance.Service != nil || insurance.Owner != "bhxh" || insurance.Values["tre_em/ho_ten"] != "Nguyễn Văn Bé" || insurance.Values["noi_kcb_ban_dau"] != "Bệnh viện Thanh Nhàn" {
		t.Errorf("insurance dossier %+v", insurance)
	}
	if len(birth.Attachments) != 1 || birth.Attachments[0].ID != "giay_chung_sinh" || len(residence.Attachments) != 0 {
		t.Errorf("attachments: birth %v, residence %v (the birth certificate of this visit is not asked again)", birth.Attachments, residence.Attachments)
	}

	ds, err = c.Expand("1.003720", map[string]string{"requester/ho_ten": "Nguyễn Văn Thử", "deceased/ho_ten": "Nguyễn Văn Ông",
		"deceased/so_dinh_danh": "001040000001", "ngay_chet": "2026-11-20", "doi_tuong_mai_tang": "Đang hưởng lương hưu, trợ cấp BHXH hằng tháng"})
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 3 || ds[0].Code != "1.000656" || ds[0].Values["deceased/ho_ten"] != "Nguyễn Văn Ông" ||
		ds[1].Values["nguoi_bi_xoa/so_dinh_danh"] != "001040000001" || ds[2].Values["doi_tuong"] == "" || ds[2].Values["nguoi_nhan/ho_ten"] != "Nguyễn Văn Thử" {
		t.Fatalf("death visit %+v", ds)
	}

	// A plain service is its own one dossier.
	ds, err = c.Expand("1.004222", map[string]string{"applicant/ho_ten": "A", "member#1/ho_ten": "B"})
	if err != nil || len(ds) != 1 || ds[0].Values["member#1/ho_ten"] != "B" {
		t.Fatalf("%+v %v", ds, err)
	}
	if _, err := c.Expand("1.003583", map[string]string{"tre_ho_ten_typo": "x"}); err == nil {
		t.Error("unknown field accepted: an answer would be lost")
	}
	if _, err := c.Expand("1.000894", map[string]string{"spouse_1#1/ho_ten": "x"}); err == nil {
		t.Error("a third spouse accepted")
	}
	if _, err := c.Expand("9.999999", nil); !errors.Is(err, ErrUnknownService) {
		t.Errorf("unknown code: %v", err)
	}
}

func writeFile(t *testing.T, dir, name, body string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestOperatorAliases(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, AliasFile, `
[[alias]]
code = "1.002809"
now = "2.002000"
note = "GPLX moved to Bộ Công an"

[[alias]]
code = "1.004222"
now = "1.014222"

[[alias]]
code = "9.000000"
now = "9.000001"

[[alias]]
code = "1.004194"
now = "1.004206"
`)
	c, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	s, ok := c.Service("2.002000")
	if !ok || s.Code != "1.002809" || s.SubmitCode() != "2.002000" {
		t.Fatalf("alias lookup: %v %+v", ok, s)
	}
	if s, _ := c.Service("1.002809"); s.SubmitCode() != "2.002000" {
		t.Error("the file's code does not submit under the alias")
	}
	ds, err := c.Expand("1.003583", map[string]string{"tre_ho_ten": "Bé"})
	if err != nil || ds[1].Code != "1.014222" || ds[1].CodeStatus != CodeOperator || ds[2].CodeStatus != CodeUnverified {
		t.Fatalf("a combined visit's component ignores the alias: %+v %v", ds, err)
	}
	if len(c.Errors) != 2 {
		t.Fatalf("errors %v, want the unknown code and the collision", c.Errors)
	}
	for _, e := range c.Errors {
		if e.Line == 0 || !strings.HasSuffix(e.Path, AliasFile) {
			t.Errorf("alias error without file and line: %v", e)
		}
	}
	if s, _ := c.Service("1.004206"); s.Code != "1.004206" {
		t.Error("an alias took over another service's code")
	}
}

func TestCombinedFileChecked(t *testing.T) {
	base, _ := builtin.ReadFile("services/1.003583-lien-thong-khai-sinh.toml")
	tests := map[string][2]string{
		"target missing": {`to = "dia_chi_dang_ky"`, `to = "dia_chi_khong_co"`},
		"source missing": {`from = "chu_ho"`, `from = "chu_ho_khong_co"`},
		"attachment":     {`attachments = ["giay_chung_sinh"]`, `attachments = ["giay_khong_co"]`},
		"copy unknown":   {`code = "1.003584"`, "copy_same_ids = true\ncode = \"1.003584\""},
	}
	for name, edit := range tests {
		body := strings.Replace(string(base), edit[0], edit[1], 1)
		body = strings.Replace(body, `code = "1.003583"`, `code = "9.003583"`, 1)
		if body == string(base) || !strings.Contains(body, edit[1]) {
			t.Fatalf("%s: edit did not apply", name)
		}
		dir := t.TempDir()
		writeFile(t, dir, "x.toml", body)
		c, err := Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := c.Service("9.003583"); ok || len(c.Errors) != 1 || c.Errors[0].Line == 0 {
			t.Errorf("%s: bad combined file loaded or unexplained: %v", name, c.Errors)
		}
	}
}

func BenchmarkLoadAllServices(b *testing.B) {
	for b.Loop() {
		c, err := Load("")
		if err != nil || len(c.Errors) != 0 {
			b.Fatal(err, c.Errors)
		}
	}
}

// BenchmarkReadEmbeddedFiles is the baseline: reading the same files
// without decoding or checking them.
func BenchmarkReadEmbeddedFiles(b *testing.B) {
	for b.Loop() {
		names, _ := fs.Glob(builtin, "services/*.toml")
		for _, n := range names {
			if _, err := builtin.ReadFile(n); err != nil {
				b.Fatal(err)
			}
		}
	}
}
