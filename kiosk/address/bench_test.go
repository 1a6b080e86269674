package address

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// benchAddresses are card addresses of the kinds a kiosk sees: three levels
// with and without unit words, QR spellings, two levels, a split commune.
var benchAddresses = []string{
	"Số 12 Lê Lợi, Phường Bến Nghé, Quận 1, TP. Hồ Chí Minh",
	"Kim Ngưu, Vĩnh Tuy, Hai Bà Trưng, Hà Nội",
	"12 Lê Lợi,P.Bến Nghé,Q.1,TP.HCM",
	"Số 1, Phường Đại Mỗ, Quận Nam Từ Liêm, Hà Nội",
	"Tổ 3 - Phường IV - Thành phố Tây Ninh - Tây Ninh",
	"Tổ 1, Phường Sài Gòn, Thành phố Hồ Chí Minh",
	"Thôn 2, Xã Kim Đông, Tỉnh Ninh Bình",
	"Phường 15, Quận Tân Bình, Thành phố Hồ Chí Minh",
}

// BenchmarkBareSplit is the baseline: cutting the address at its commas
// and naming the last three parts, with no recognition and no mapping.
func BenchmarkBareSplit(b *testing.B) {
	for b.Loop() {
		for _, s := range benchAddresses {
			parts := strings.Split(s, ",")
			for i := range parts {
				parts[i] = strings.TrimSpace(parts[i])
			}
			if len(parts) == 0 {
				b.Fatal(s)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(benchAddresses)), "ns/card")
}

func benchParseResolve(b *testing.B, t *Table) {
	for b.Loop() {
		for _, s := range benchAddresses {
			a, err := Parse(s, t)
			if err != nil {
				b.Fatal(err)
			}
			if len(Resolve(a, t)) == 0 {
				b.Fatal(s)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(benchAddresses)), "ns/card")
}

// BenchmarkParseMapNoTable: format detection and province codes only.
func BenchmarkParseMapNoTable(b *testing.B) { benchParseResolve(b, nil) }

// BenchmarkParseMapSampleTable: with the fixture commune table.
func BenchmarkParseMapSampleTable(b *testing.B) { benchParseResolve(b, sampleTable(b)) }

func officialTable(b *testing.B) *Table {
	dir := os.Getenv("MOTCUA_COMMUNE_DATA")
	if dir == "" {
		b.Skip("MOTCUA_COMMUNE_DATA not set")
	}
	t, err := LoadTables(filepath.Join(dir, "units-2025.csv"), filepath.Join(dir, "old-to-new-2025.csv"))
	if err != nil {
		b.Fatal(err)
	}
	return t
}

// BenchmarkParseMapOfficialTable: with the full NSO tables (3,321 new,
// 10,035 old communes).
func BenchmarkParseMapOfficialTable(b *testing.B) { benchParseResolve(b, officialTable(b)) }

// BenchmarkLoadOfficialTables: start-up cost of loading the full tables.
func BenchmarkLoadOfficialTables(b *testing.B) {
	officialTable(b)
	for b.Loop() {
		officialTable(b)
	}
}
