package qr

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"motcua/reader/cccd"
)

// Synthetic holder only.
const (
	synthID   = "001093047064"
	synthName = "Nguyễn Văn Thử"
	cccdQR    = synthID + "|187654321|" + synthName + "|05011993|Nam|Số 1 Phố Giả, Phường Thử, Hà Nội|10042021"
	canCuocQR = "001300047065||Trần Thị Mẫu|29022000|Nữ|Thôn Mẫu, Xã Thử, Tỉnh Giả|01082024|Hà Nội|x|y"
)

func TestParseValid(t *testing.T) {
	nfdName := norm.NFD.String(synthName)
	tests := []struct {
		name    string
		in      string
		want    Payload
		nExtras int
	}{
		{"cccd 7 fields", cccdQR, Payload{
			IDNumber: synthID, OldIDNumber: "187654321", FullName: synthName, DateOfBirth: "1993-01-05",
			Sex: "Nam", Residence: "Số 1 Phố Giả, Phường Thử, Hà Nội", DateOfIssue: "2021-04-10", Generation: GenerationCCCD}, 0},
		{"cccd empty old id", synthID + "||" + synthName + "|05011993|Nam|Hà Nội|10042021", Payload{
			IDNumber: synthID, FullName: synthName, DateOfBirth: "1993-01-05", Sex: "Nam", Residence: "Hà Nội",
			DateOfIssue: "2021-04-10", Generation: GenerationCCCD}, 0},
		{"can cuoc 10 fields, 29 Feb", canCuocQR, Payload{
			IDNumber: "001300047065", FullName: "Trần Thị Mẫu", DateOfBirth: "2000-02-29", Sex: "Nữ",
			Residence: "Thôn Mẫu, Xã Thử, Tỉnh Giả", DateOfIssue: "2024-08-01", Generation: GenerationCanCuoc}, 3},
		{"can cuoc 12 fields, empty extras kept", "001300047065||Trần Thị Mẫu|29022000|Nữ|Thôn Mẫu|01082024||a|||z", Payload{
			IDNumber: "001300047065", FullName: "Trần Thị Mẫu", DateOfBirth: "2000-02-29", Sex: "Nữ",
			Residence: "Thôn Mẫu", DateOfIssue: "2024-08-01", Generation: GenerationCanCuoc}, 5},
		{"NFD input becomes NFC", synthID + "||" + nfdName + "|05011993|" + norm.NFD.String("Nam") + "|" + norm.NFD.String("Hà Nội") + "|10042021", Payload{
			IDNumber: synthID, FullName: synthName, DateOfBirth: "1993-01-05", Sex: "Nam", Residence: "Hà Nội",
			DateOfIssue: "2021-04-10", Generation: GenerationCCCD}, 0},
		{"NFD Nữ", "001300047065||Trần Thị Mẫu|01012000|" + norm.NFD.String("Nữ") + "|Hà Nội|01082024", Payload{
			IDNumber: "001300047065", FullName: "Trần Thị Mẫu", DateOfBirth: "2000-01-01", Sex: "Nữ", Residence: "Hà Nội",
			DateOfIssue: "2024-08-01", Generation: GenerationCCCD}, 0},
		{"scanner CR LF, BOM and spaces", "\ufeff" + cccdQR + "\r\n", Payload{
			IDNumber: synthID, OldIDNumber: "187654321", FullName: synthName, DateOfBirth: "1993-01-05",
			Sex: "Nam", Residence: "Số 1 Phố Giả, Phường Thử, Hà Nội", DateOfIssue: "2021-04-10", Generation: GenerationCCCD}, 0},
		{"name spaces collapsed, lower-case sex", synthID + "||  Nguyễn  Văn   Thử |05011993|nam||10042021", Payload{
			IDNumber: synthID, FullName: synthName, DateOfBirth: "1993-01-05", Sex: "Nam",
			DateOfIssue: "2021-04-10", Generation: GenerationCCCD}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Parse(tc.in)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if len(p.Extra) != tc.nExtras {
				t.Errorf("extras = %d, want %d", len(p.Extra), tc.nExtras)
			}
			got := *p
			got.Extra = nil
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
			for _, s := range []string{p.FullName, p.Residence, p.Sex} {
				if !norm.NFC.IsNormalString(s) {
					t.Errorf("%q is not NFC", s)
				}
			}
		})
	}
}

func TestParseExtrasRaw(t *testing.T) {
	p, err := Parse(canCuocQR)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(p.Extra, "|") != "Hà Nội|x|y" {
		t.Errorf("extras %q", p.Extra)
	}
}

func TestParseInvalid(t *testing.T) {
	good := strings.Split(cccdQR, "|")
	with := func(i int, v string) string {
		f := append([]string(nil), good...)
		f[i] = v
		return strings.Join(f, "|")
	}
	tests := []struct {
		name  string
		in    string
		want  error
		field string
	}{
		{"6 fields", strings.Join(good[:6], "|"), ErrFieldCount, ""},
		{"8 fields", cccdQR + "|x", ErrFieldCount, ""},
		{"9 fields", cccdQR + "|x|y", ErrFieldCount, ""},
		{"1 field text", "hello world", ErrFieldCount, ""},
		{"ID 11 digits", with(0, "00109304706"), ErrIDNumber, "id_number"},
		{"ID 13 digits", with(0, "0010930470641"), ErrIDNumber, "id_number"},
		{"ID with letter", with(0, "00109304706A"), ErrIDNumber, "id_number"},
		{"ID empty", with(0, ""), ErrIDNumber, "id_number"},
		{"old ID 8 digits", with(1, "18765432"), ErrOldIDNumber, "old_id_number"},
		{"old ID letters", with(1, "18765432X"), ErrOldIDNumber, "old_id_number"},
		{"name empty", with(2, " "), ErrName, "full_name"},
		{"name digits", with(2, "Nguyễn Văn 7"), ErrName, "full_name"},
		{"DOB short", with(3, "5011993"), ErrDate, "date_of_birth"},
		{"DOB slashes", with(3, "05/01/1993"), ErrDate, "date_of_birth"},
		{"DOB 31 Feb", with(3, "31021993"), ErrDate, "date_of_birth"},
		{"DOB 29 Feb common year", with(3, "29021993"), ErrDate, "date_of_birth"},
		{"DOB month 13", with(3, "05131993"), ErrDate, "date_of_birth"},
		{"DOB in the future", with(3, "01013000"), ErrDate, "date_of_birth"},
		{"DOB year 1800", with(3, "01011800"), ErrDate, "date_of_birth"},
		{"sex M", with(4, "M"), ErrSex, "sex"},
		{"sex empty", with(4, ""), ErrSex, "sex"},
		{"sex Nu without diacritic", with(4, "Nu"), ErrSex, "sex"},
		{"issue date bad", with(6, "1004202"), ErrDate, "date_of_issue"},
		{"issue before birth", with(6, "10041990"), ErrDate, "date_of_issue"},
		{"tab in residence", with(5, "Hà\tNội"), ErrText, "place_of_residence"},
		{"NUL in name", with(2, "Nguyễn\x00Văn"), ErrText, "full_name"},
		{"ID mangled by the scanner", with(0, "00109304706?"), ErrIDNumber, "id_number"},
		{"DOB mangled by the scanner", with(3, "0501199?"), ErrDate, "date_of_birth"},
		{"name only question marks", with(2, "??? ??"), ErrName, "full_name"},
		{"sex neither Nam, Nữ nor mangled", with(4, "X"), ErrSex, "sex"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Parse(tc.in)
			if err == nil {
				t.Fatalf("Parse accepted it: %+v", p)
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("err %T is not a *FieldError", err)
			}
			if fe.Field() != tc.field {
				t.Errorf("field = %q, want %q", fe.Field(), tc.field)
			}
			assertNoPersonalData(t, err.Error())
		})
	}
}

func TestParseRecognisesOtherCodes(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Kind
	}{
		{"empty", "  \r\n", KindEmpty},
		{"url", "https://dichvucong.gov.vn/p/home/dvc-trang-chu.html", KindURL},
		{"www", "www.example.vn/x|y|z|a|b|c|d", KindURL},
		{"vietqr", "00020101021238570010A00000072701270006970403011300110123456780208QRIBFTTA53037045802VN6304ABCD", KindVietQR},
		{"emvco other", "000201010211265000010A0000000041520459995303704580" + "2VN6304ABCD", KindEMVCo},
		{"vneid link", "https://vneid.gov.vn/?code=AbCdEf", KindVNeID},
		{"vneid token text", "VNEID:eyJhbGciOi.abc.def", KindVNeID},
		{"jwt", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl", KindToken},
		{"bare ID", synthID, KindIDNumberOnly},
		{"bare old CMND", "187654321", KindOldIDOnly},
		{"MRZ", "IDVNM0930470641001093047064<<2\n9301054M3301052VNM<<<<<<<<<<<8\nUNG<<HOANG<HIEP<<<<<<<<<<<<<<<", KindMRZ},
		{"BHYT", "GD4797932354887|4e677579e1bb856e2056c4836e205468e1bbad|05/01/1993|1|4ee1bb99|01 - 001|01/01/2024|-|", KindHealthInsured},
		{"wifi", "WIFI:T:WPA;S:quay-mot-cua;P:x;;", KindWiFi},
		{"vcard", "BEGIN:VCARD\nVERSION:3.0\nFN:X\nEND:VCARD", KindContact},
		{"tel", "tel:+84000000000", KindContact},
		{"json", `{"id":"001093047064"}`, KindJSON},
		{"too long", strings.Repeat("a", MaxPayloadLen+1), KindTooLong},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.in)
			var ne *NotCardError
			if !errors.As(err, &ne) || !errors.Is(err, ErrNotCardQR) {
				t.Fatalf("err = %v (%T), want *NotCardError", err, err)
			}
			if ne.Kind != tc.want {
				t.Errorf("kind = %q, want %q (%v)", ne.Kind, tc.want, err)
			}
			if !strings.Contains(err.Error(), tc.want.Describe()) {
				t.Errorf("message %q does not say what was scanned", err)
			}
			assertNoPersonalData(t, err.Error())
		})
	}
	if Classify(cccdQR) != KindUnknown {
		t.Errorf("a card QR classified as %q", Classify(cccdQR))
	}
}

func TestIdentityAndCAN(t *testing.T) {
	p, err := Parse(cccdQR)
	if err != nil {
		t.Fatal(err)
	}
	id := p.Identity()
	want := cccd.Identity{IDNumber: synthID, OldIDNumber: "187654321", FullName: synthName, DateOfBirth: "1993-01-05",
		Sex: "Nam", PlaceOfResidence: "Số 1 Phố Giả, Phường Thử, Hà Nội", DateOfIssue: "2021-04-10"}
	if id != want {
		t.Errorf("Identity() = %+v", id)
	}
	if p.CAN() != "047064" {
		t.Errorf("CAN = %q", p.CAN())
	}
	if got := p.BirthDate(); got.Format("2006-01-02") != "1993-01-05" || got.Location() != time.UTC {
		t.Errorf("BirthDate = %v", got)
	}
	if got := p.IssueDate(); got.Format("2006-01-02") != "2021-04-10" {
		t.Errorf("IssueDate = %v", got)
	}
	if !(&Payload{DateOfBirth: "bad"}).BirthDate().IsZero() {
		t.Error("bad date not zero")
	}
	if s := p.String(); strings.Contains(s, synthID) || strings.Contains(s, synthName) {
		t.Errorf("String() leaks personal data: %s", s)
	}
}

// assertNoPersonalData fails if a message carries one of the synthetic
// holders' values.
func assertNoPersonalData(t *testing.T, msg string) {
	t.Helper()
	for _, v := range []string{synthID, "001300047065", "187654321", "Nguyễn", "Thử", "Mẫu", "05011993", "Hà Nội", "047064"} {
		if strings.Contains(msg, v) {
			t.Errorf("message %q contains personal value %q", msg, v)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{cccdQR, canCuocQR, "", "|||||||", "000201", "https://x", synthID,
		"001093047064||A|29022000|Nữ|B|01012024", "\xff|\xfe", strings.Repeat("|", 12),
		"001093047064||Nguy?n V?n Th?|05011993|N?|H? N?i|10042021", "001300047065||Trá»\u00a7n|29022000|Ná»¯|x|01082024|a|b|c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := Parse(s)
		if err != nil {
			if p != nil {
				t.Fatal("payload and error both returned")
			}
			var fe *FieldError
			var ne *NotCardError
			if !errors.As(err, &fe) && !errors.As(err, &ne) {
				t.Fatalf("untyped error %T: %v", err, err)
			}
			if fe != nil && strings.Contains(err.Error(), strings.TrimSpace(strings.Split(s, "|")[0])) && len(strings.TrimSpace(strings.Split(s, "|")[0])) >= 9 {
				t.Fatalf("error %q echoes the ID field", err)
			}
			return
		}
		// Invariants of an accepted payload.
		if len(p.IDNumber) != 12 || !isDigits(p.IDNumber) {
			t.Fatalf("bad ID accepted: %q", p.IDNumber)
		}
		if p.Sex != "Nam" && p.Sex != "Nữ" && p.Reliable(FieldSex) {
			t.Fatalf("bad sex accepted: %q", p.Sex)
		}
		for _, f := range p.Unreliable {
			if f != FieldFullName && f != FieldSex && f != FieldResidence {
				t.Fatalf("field %q marked unreliable", f)
			}
		}
		if p.DateOfIssue < p.DateOfBirth {
			t.Fatal("issue before birth accepted")
		}
		for _, v := range append([]string{p.FullName, p.Residence}, p.Extra...) {
			if !utf8.ValidString(v) || !norm.NFC.IsNormalString(v) {
				t.Fatalf("field %q not valid NFC", v)
			}
		}
		if (p.Generation == GenerationCCCD) != (len(p.Extra) == 0) {
			t.Fatalf("generation %s with %d extras", p.Generation, len(p.Extra))
		}
		if !p.Reliable(FieldSex) {
			return // a mangled sex is left empty: there is no canonical form
		}
		// Re-parsing the canonical form gives the same payload.
		again, err := Parse(p.Encode())
		if err != nil {
			t.Fatalf("canonical form rejected: %v", err)
		}
		if again.String() != p.String() || again.FullName != p.FullName || again.DateOfBirth != p.DateOfBirth {
			t.Fatal("canonical form parses differently")
		}
	})
}
