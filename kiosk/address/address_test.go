package address

import (
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"
)

func sampleTable(t testing.TB) *Table {
	t.Helper()
	tb, err := LoadTables("testdata/units-sample.csv", "testdata/old-to-new-sample.csv")
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

func TestProvinceTables(t *testing.T) {
	if len(AllOldProvinces()) != 63 || len(OldProvinces()) != 63 {
		t.Fatalf("%d old provinces, want 63", len(AllOldProvinces()))
	}
	if len(AllNewProvinces()) != 34 || len(NewProvinces()) != 34 {
		t.Fatalf("%d new provinces, want 34", len(AllNewProvinces()))
	}
	absorbed := map[string]int{}
	for _, o := range AllOldProvinces() {
		if !digits(o.Code, 2) {
			t.Errorf("old code %q", o.Code)
		}
		np, ok := NewProvinceByCode(o.NewCode)
		if !ok {
			t.Errorf("%s %s: new code %s unknown", o.Code, o.Name, o.NewCode)
		}
		absorbed[np.Code]++
		for _, spelling := range []string{o.Name, o.Short, "Tỉnh " + o.Short, strings.ToUpper(o.Short), norm.NFD.String(o.Short)} {
			got, ok := LookupOldProvince(spelling)
			if !ok || got.Code != o.Code {
				t.Errorf("LookupOldProvince(%q) = %v %v, want %s", spelling, got.Code, ok, o.Code)
			}
			if _, today, ok := Province(spelling); !ok || today != np.Short {
				t.Errorf("Province(%q) today = %q, want %q", spelling, today, np.Short)
			}
		}
	}
	for _, n := range AllNewProvinces() {
		if absorbed[n.Code] == 0 {
			t.Errorf("new province %s absorbed no old one", n.Name)
		}
		if got, ok := LookupNewProvince(n.Name); !ok || got.Code != n.Code {
			t.Errorf("LookupNewProvince(%q) = %v", n.Name, got)
		}
	}
	// Nghị quyết 202/2025/QH15 and REFERENCE.md section 9, by name.
	tests := map[string]string{
		"TP. Hồ Chí Minh": "79", "Bình Dương": "79", "Bà Rịa–Vũng Tàu": "79", "Bà Rịa - Vũng Tàu": "79",
		"Hoà Bình": "25", "Vĩnh Phúc": "25", "Thừa Thiên Huế": "46", "Thành phố Hà Nội": "01", "Nam Định": "37",
		"Hà Nam": "37", "Kon Tum": "51", "Bạc Liêu": "96", "Kiên Giang": "91", "Hải Dương": "31", "Yên Bái": "15",
		"Hà Giang": "08", "Bắc Kạn": "19", "Bắc Giang": "24", "Thái Bình": "33", "Quảng Bình": "44", "Quảng Nam": "48",
		"Bình Định": "52", "Ninh Thuận": "56", "Đắk Nông": "68", "Bình Thuận": "68", "Phú Yên": "66", "Bình Phước": "75",
		"Long An": "80", "Sóc Trăng": "92", "Hậu Giang": "92", "Bến Tre": "86", "Trà Vinh": "86", "Tiền Giang": "82",
	}
	for in, want := range tests {
		if o, ok := LookupOldProvince(in); !ok || o.NewCode != want {
			t.Errorf("LookupOldProvince(%q) → %q, want %q", in, o.NewCode, want)
		}
	}
	if _, _, ok := Province("Atlantis"); ok {
		t.Error("unknown province accepted")
	}
}

// sampleRows reads the fixture mapping: old commune → its new codes.
type oldRow struct{ province, district, commune, newProvince string }

func sampleRows(t *testing.T, path string) map[oldRow][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	out := map[oldRow][]string{}
	for _, r := range recs[1:] {
		if r[4] == "" {
			continue
		}
		k := oldRow{r[0], r[3], r[5], r[6]}
		out[k] = append(out[k], r[7])
	}
	return out
}

// TestEveryOldProvinceWithAndWithoutTable builds a card address for one
// commune of each of the 63 old provinces and maps it with and without the
// commune table.
func TestEveryOldProvinceWithAndWithoutTable(t *testing.T) {
	tb := sampleTable(t)
	rows := sampleRows(t, "testdata/old-to-new-sample.csv")
	provinces := map[string]bool{}
	for r, want := range rows {
		op, _ := OldProvinceByCode(r.province)
		provinces[op.Code] = true
		raw := "Thôn Đông, " + r.commune + ", " + r.district + ", " + op.Short
		a, err := Parse(raw, nil)
		if err != nil {
			t.Fatalf("%q: %v", raw, err)
		}
		if a.Format != ThreeLevel || a.Street != "Thôn Đông" || a.Commune != r.commune || a.District != r.district {
			t.Errorf("%q parsed %+v", raw, a)
		}
		bare := Resolve(a, nil)
		if len(bare) != 1 || bare[0].ProvinceCode != r.newProvince || bare[0].CommuneCode != "" || bare[0].CommuneName != "" {
			t.Errorf("%q without table: %+v", raw, bare)
		}
		a, _ = Parse(raw, tb)
		got := Resolve(a, tb)
		var codes []string
		for _, u := range got {
			codes = append(codes, u.CommuneCode)
			if u.ProvinceCode != r.newProvince || u.CommuneName == "" {
				t.Errorf("%q → %+v", raw, u)
			}
		}
		sort.Strings(codes)
		sort.Strings(want)
		if strings.Join(codes, ",") != strings.Join(want, ",") {
			t.Errorf("%q → %v, want %v", raw, codes, want)
		}
	}
	if len(provinces) != 63 {
		t.Fatalf("fixture covers %d old provinces", len(provinces))
	}
}

func TestFormats(t *testing.T) {
	tb := sampleTable(t)
	type want struct {
		format                              Format
		street, commune, district, province string
		sure                                bool
		codes                               string // with the table
	}
	tests := map[string]want{
		// Three levels, as chips and QR print them.
		"Số 12 Lê Lợi, Phường Bến Nghé, Quận 1, TP. Hồ Chí Minh": {ThreeLevel, "Số 12 Lê Lợi", "Phường Bến Nghé", "Quận 1", "TP. Hồ Chí Minh", true, "26740"},
		"Kim Ngưu, Vĩnh Tuy, Hai Bà Trưng, Hà Nội":               {ThreeLevel, "Kim Ngưu", "Vĩnh Tuy", "Hai Bà Trưng", "Hà Nội", false, "00283,00301"},
		// QR variants: no space after commas, abbreviations, upper case, NFD.
		"12 Lê Lợi,P.Bến Nghé,Q.1,TP.HCM":                                  {ThreeLevel, "12 Lê Lợi", "P.Bến Nghé", "Q.1", "TP.HCM", true, "26740"},
		"SỐ 12 LÊ LỢI, PHƯỜNG BẾN NGHÉ, QUẬN 1, TP HỒ CHÍ MINH":            {ThreeLevel, "SỐ 12 LÊ LỢI", "PHƯỜNG BẾN NGHÉ", "QUẬN 1", "TP HỒ CHÍ MINH", true, "26740"},
		norm.NFD.String("Phường 15, Quận Tân Bình, Thành phố Hồ Chí Minh"): {ThreeLevel, "", "Phường 15", "Quận Tân Bình", "Thành phố Hồ Chí Minh", true, "27004,27007"},
		"Tổ 3 - Phường IV - Thành phố Tây Ninh - Tây Ninh":                 {ThreeLevel, "Tổ 3", "Phường IV", "Thành phố Tây Ninh", "Tây Ninh", true, "25459"},
		"Ấp 1 Phường 4 Thành phố Tây Ninh Tỉnh Tây Ninh":                   {ThreeLevel, "Ấp 1", "Phường 4", "Thành phố Tây Ninh", "Tỉnh Tây Ninh", true, "25459"},
		"Khu 2, Phường Vĩnh Tuy, Hai Bà Trưng, Hà Nội":                     {ThreeLevel, "Khu 2", "Phường Vĩnh Tuy", "Hai Bà Trưng", "Hà Nội", true, "00283,00301"},
		"Thôn 1; Xã Côn Đảo; Huyện Côn Đảo; Bà Rịa - Vũng Tàu":             {ThreeLevel, "Thôn 1", "Xã Côn Đảo", "Huyện Côn Đảo", "Bà Rịa - Vũng Tàu", true, "26732"},
		// Old province that no longer exists: three levels even without a district.
		"Thôn 5, Xã Ea Tiêu, Đắk Nông": {ThreeLevel, "Thôn 5", "Xã Ea Tiêu", "", "Đắk Nông", true, ""},
		// Two levels, as cards and forms print them since 1 July 2025.
		"Số 12 Lê Lợi, Phường Sài Gòn, Thành phố Hồ Chí Minh": {TwoLevel, "Số 12 Lê Lợi", "Phường Sài Gòn", "", "Thành phố Hồ Chí Minh", true, "26740"},
		"Tổ 1, Phường Đại Mỗ, Thành phố Hà Nội":               {TwoLevel, "Tổ 1", "Phường Đại Mỗ", "", "Thành phố Hà Nội", true, "00637"},
		"Đặc khu Côn Đảo, TP Hồ Chí Minh":                     {TwoLevel, "", "Đặc khu Côn Đảo", "", "TP Hồ Chí Minh", true, "26732"},
		"Thôn 2, Xã Kim Đông, Tỉnh Ninh Bình":                 {TwoLevel, "Thôn 2", "Xã Kim Đông", "", "Tỉnh Ninh Bình", true, "14698"},
	}
	for raw, w := range tests {
		a, err := Parse(raw, nil)
		if err != nil {
			t.Fatalf("%q: %v", raw, err)
		}
		if a.Format != w.format || a.Street != w.street || a.Commune != w.commune || a.District != w.district || a.Province != w.province || a.Sure != w.sure {
			t.Errorf("%q without table:\n got %+v\nwant %+v", raw, a, w)
		}
		a, _ = Parse(raw, tb)
		var codes []string
		for _, u := range Resolve(a, tb) {
			if u.CommuneCode != "" {
				codes = append(codes, u.CommuneCode)
			}
		}
		sort.Strings(codes)
		if strings.Join(codes, ",") != w.codes {
			t.Errorf("%q with table → %v, want %s", raw, codes, w.codes)
		}
		if !a.Sure && w.codes != "" {
			t.Errorf("%q: the table should make the format sure", raw)
		}
	}
	for _, bad := range []string{"", "  ", "somewhere, nowhere", "Số 1, Atlantis"} {
		if _, err := Parse(bad, nil); !errors.Is(err, ErrEmpty) && !errors.Is(err, ErrUnknownProvince) {
			t.Errorf("%q accepted: %v", bad, err)
		}
	}
}

// TestTableDecidesFormat: an address without unit words is read by the
// table: a known old district means three levels, a commune of today two.
func TestTableDecidesFormat(t *testing.T) {
	tb := sampleTable(t)
	a, _ := Parse("Số 5, Sài Gòn, Hồ Chí Minh", tb)
	if a.Format != TwoLevel || !a.Sure || a.Commune != "Sài Gòn" {
		t.Fatalf("%+v", a)
	}
	// A district left out of an old address: known only as an old commune.
	a, _ = Parse("Số 5, Phường Bến Nghé, TP Hồ Chí Minh", tb)
	if a.Format != ThreeLevel || a.District != "" || Resolve(a, tb)[0].CommuneCode != "26740" {
		t.Fatalf("%+v", a)
	}
	a, _ = Parse("Số 5, Phường Bến Nghé, TP Hồ Chí Minh", nil)
	if a.Format != TwoLevel {
		t.Fatalf("without a table a commune before the province reads as two levels: %+v", a)
	}
}

func TestSplitCommuneOffersEveryCandidate(t *testing.T) {
	tb := sampleTable(t)
	o, err := ParseOld("Số 1, Phường Đại Mỗ, Quận Nam Từ Liêm, Hà Nội")
	if err != nil {
		t.Fatal(err)
	}
	today := Map(o, tb)
	if !today.NeedsConfirmation || today.Commune != "" || len(today.Candidates) != 5 || today.ProvinceCode != "01" {
		t.Fatalf("%+v", today)
	}
	names := map[string]bool{}
	for _, c := range today.Candidates {
		names[c.CommuneName] = true
	}
	for _, n := range []string{"Phường Xuân Phương", "Phường Tây Mỗ", "Phường Đại Mỗ", "Phường Hà Đông", "Phường Dương Nội"} {
		if !names[n] {
			t.Errorf("candidate %s missing: %v", n, today.Candidates)
		}
	}
	// Điện Biên (Ba Đình) went to four wards.
	a, _ := Parse("Phường Điện Biên, Quận Ba Đình, Hà Nội", tb)
	if got := Resolve(a, tb); len(got) != 4 {
		t.Fatalf("Điện Biên → %v", got)
	}
	// A whole commune is settled with its codes.
	o, _ = ParseOld("Số 12 Lê Lợi, Phường Bến Nghé, Quận 1, TP. Hồ Chí Minh")
	today = Map(o, tb)
	if today.NeedsConfirmation || today.CommuneCode != "26740" || today.ProvinceCode != "79" ||
		today.String() != "Số 12 Lê Lợi, Phường Sài Gòn, Thành phố Hồ Chí Minh" {
		t.Fatalf("%+v", today)
	}
	// Without the table: province with its code, commune to confirm.
	today = Map(o, nil)
	if !today.NeedsConfirmation || today.Commune != "" || today.ProvinceCode != "79" || today.Province != "Thành phố Hồ Chí Minh" {
		t.Fatalf("%+v", today)
	}
	// A two-level card without the table keeps its commune, code unknown.
	o, _ = ParseOld("Tổ 1, Phường Sài Gòn, Thành phố Hồ Chí Minh")
	today = Map(o, nil)
	if today.Commune != "Phường Sài Gòn" || today.CommuneCode != "" || !today.NeedsConfirmation || o.District != "" {
		t.Fatalf("%+v", today)
	}
}

func TestRegisterAloneAndMappingAlone(t *testing.T) {
	reg, err := LoadTable("testdata/units-sample.csv")
	if err != nil {
		t.Fatal(err)
	}
	a, _ := Parse("Phường Sài Gòn, Thành phố Hồ Chí Minh", reg)
	if got := Resolve(a, reg); len(got) != 1 || got[0].CommuneCode != "26740" {
		t.Fatalf("register alone: %v", got)
	}
	a, _ = Parse("Phường Bến Nghé, Quận 1, Hồ Chí Minh", reg)
	if got := Resolve(a, reg); len(got) != 1 || got[0].CommuneCode != "" || got[0].ProvinceCode != "79" {
		t.Fatalf("register has no old units: %v", got)
	}
	m, err := LoadTable("testdata/old-to-new-sample.csv")
	if err != nil {
		t.Fatal(err)
	}
	a, _ = Parse("Phường Sài Gòn, Thành phố Hồ Chí Minh", m)
	if got := Resolve(a, m); len(got) != 1 || got[0].CommuneCode != "26740" {
		t.Fatalf("mapping alone names new communes: %v", got)
	}
	if m.Len() == 0 || m.OldCommunes() == 0 || reg.OldCommunes() != 0 {
		t.Fatalf("counts %d %d %d", m.Len(), m.OldCommunes(), reg.OldCommunes())
	}
}

func TestBadTable(t *testing.T) {
	const reg = "province_code,province_name,commune_code,commune_name,commune_type\n"
	const mp = "old_province_code,old_province_name,old_district_code,old_district_name,old_commune_code,old_commune_name,new_province_code,new_commune_code,new_commune_name\n"
	tests := map[string]string{
		"wrong header":        "a,b,c,d,e\n1,2,3,4,5\n",
		"pre-codes format":    "old_province,old_district,old_commune,new_province,new_commune\nHà Nội,X,Y,Hà Nội,Z\n",
		"unknown province":    reg + "99,Atlantis,00001,Xã A,Xã\n",
		"short commune code":  reg + "01,Thành phố Hà Nội,123,Phường A,Phường\n",
		"empty name":          reg + "01,Thành phố Hà Nội,00004,,Phường\n",
		"short row":           reg + "01,Thành phố Hà Nội\n",
		"province moved":      reg + "01,Thành phố Hà Nội,00004,Phường Ba Đình,Phường\n79,TP HCM,00004,Phường Ba Đình,Phường\n",
		"old province wrong":  mp + "99,X,001,Quận A,00001,Phường A,01,00004,Phường B\n",
		"merger contradicted": mp + "35,Tỉnh Hà Nam,001,Huyện A,00001,Xã A,01,00004,Phường B\n",
		"bad district":        mp + "01,Hà Nội,1,Quận A,00001,Phường A,01,00004,Phường B\n",
		"bad new code":        mp + "01,Hà Nội,001,Quận A,00001,Phường A,01,4,Phường B\n",
		"no rows":             reg,
		"bad quoting":         reg + "01,\"Thành phố \"Hà Nội,00004,Phường Ba Đình,Phường\n",
	}
	for name, body := range tests {
		_, err := ReadTable(strings.NewReader(body), "t.csv")
		var te *TableError
		if !errors.As(err, &te) || !strings.HasPrefix(err.Error(), "t.csv") {
			t.Errorf("%s: err = %v, want a TableError naming the file", name, err)
		}
		if name != "no rows" && te != nil && te.Line == 0 {
			t.Errorf("%s: no line number in %v", name, err)
		}
	}
	if _, err := LoadTable(filepath.Join(t.TempDir(), "missing.csv")); err == nil {
		t.Error("missing file accepted")
	}
}

// TestFullOfficialTables runs over the complete NSO tables when the
// operator data is available (MOTCUA_COMMUNE_DATA: the folder holding
// units-2025.csv and old-to-new-2025.csv): every old commune maps to the
// new communes the table lists, and the 440 split communes offer every one.
func TestFullOfficialTables(t *testing.T) {
	dir := os.Getenv("MOTCUA_COMMUNE_DATA")
	if dir == "" {
		t.Skip("MOTCUA_COMMUNE_DATA not set: the full official tables are operator data, not in the repository")
	}
	tb, err := LoadTables(filepath.Join(dir, "units-2025.csv"), filepath.Join(dir, "old-to-new-2025.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if tb.Len() != 3321 || tb.OldCommunes() != 10036 {
		t.Fatalf("%d new, %d old communes", tb.Len(), tb.OldCommunes())
	}
	rows := sampleRows(t, filepath.Join(dir, "old-to-new-2025.csv"))
	split, wrong := 0, 0
	for r, want := range rows {
		op, _ := OldProvinceByCode(r.province)
		a, err := Parse(r.commune+", "+r.district+", "+op.Short, tb)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]bool{}
		for _, u := range Resolve(a, tb) {
			got[u.CommuneCode] = true
		}
		if len(want) > 1 {
			split++
		}
		for _, w := range want {
			if !got[w] {
				wrong++
				if wrong < 10 {
					t.Errorf("%s, %s, %s: %s missing from %v", r.commune, r.district, op.Short, w, got)
				}
			}
		}
	}
	if split != 440 || wrong != 0 {
		t.Fatalf("%d split communes (want 440), %d missing candidates", split, wrong)
	}
}

// FuzzParse: no input makes Parse or Resolve panic, and every result names
// one of today's provinces.
func FuzzParse(f *testing.F) {
	for _, s := range benchAddresses {
		f.Add(s)
	}
	f.Add("Q1,P.,TP.")
	f.Add(" - - Bà Rịa - Vũng Tàu")
	f.Add("Xã Thị trấn Huyện Tỉnh")
	tb := sampleTable(f)
	f.Fuzz(func(t *testing.T, s string) {
		a, err := Parse(s, tb)
		if err != nil {
			return
		}
		for _, u := range Resolve(a, tb) {
			if _, ok := NewProvinceByCode(u.ProvinceCode); !ok {
				t.Fatalf("%q → province %q", s, u.ProvinceCode)
			}
		}
	})
}

// FuzzReadTable: a hostile file is refused or read, never a panic.
func FuzzReadTable(f *testing.F) {
	b, _ := os.ReadFile("testdata/units-sample.csv")
	f.Add(string(b[:400]))
	b, _ = os.ReadFile("testdata/old-to-new-sample.csv")
	f.Add(string(b[:600]))
	f.Fuzz(func(t *testing.T, s string) { ReadTable(strings.NewReader(s), "fuzz.csv") })
}

// TestCommunesOfProvince: the picker's list is the province's communes,
// by name, and nothing without a table.
func TestCommunesOfProvince(t *testing.T) {
	tb, err := LoadTable("testdata/units-sample.csv")
	if err != nil {
		t.Fatal(err)
	}
	cs := tb.Communes("01")
	if len(cs) == 0 {
		t.Fatal("no communes for Hà Nội")
	}
	for i, c := range cs {
		if c.ProvinceCode != "01" || len(c.CommuneCode) != 5 || c.CommuneName == "" {
			t.Fatalf("commune %+v", c)
		}
		if i > 0 {
			_, a := unitName(cs[i-1].CommuneName)
			_, b := unitName(c.CommuneName)
			if a > b {
				t.Fatalf("not by name: %q before %q", cs[i-1].CommuneName, c.CommuneName)
			}
		}
	}
	if got := tb.Communes("99"); len(got) != 0 {
		t.Fatalf("province 99: %v", got)
	}
	var none *Table
	if none.Communes("01") != nil {
		t.Fatal("a nil table lists communes")
	}
}
