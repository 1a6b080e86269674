package logx

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"motcua/reader/cccd"
)

// The synthetic citizen of REFERENCE.md section 3.
const (
	testID      = "001093047064"
	testCMND    = "123456789"
	testName    = "Nguyễn Văn Thử"
	testAddress = "Kim Ngưu, Vĩnh Tuy, Hai Bà Trưng, Hà Nội"
	testFather  = "Nguyễn Văn Cha"
)

// personValue is a LogValuer a careless caller might log.
type personValue struct{ name, addr string }

func (p personValue) LogValue() slog.Value {
	return slog.GroupValue(slog.String("name", p.name), slog.String("address", p.addr))
}

// opaque has only unexported fields and a String method.
type opaque struct{ id string }

func (o opaque) String() string { return "card " + o.id }

func newTest(sc *Scrubber) (*slog.Logger, *bytes.Buffer) {
	var buf bytes.Buffer
	return slog.New(NewRedactor(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}), sc)), &buf
}

// forbidden are the strings that must never appear in a log line.
var forbidden = []string{
	testID, testID[3:], // full ID, BAC document number
	testID[6:], // CAN
	testCMND, testName, testAddress, testFather,
	strings.ToUpper(testName), norm.NFD.String(testName),
	"Kim Ngưu", "Hai Bà Trưng", // parts of the address are still the address
	"\xff\xd8\xff\xe0", "/9j/", // JPEG bytes, raw or base64
}

func TestNothingPersonalGetsThrough(t *testing.T) {
	sc := NewScrubber()
	id := cccd.Identity{IDNumber: testID, FullName: testName, PlaceOfResidence: testAddress,
		PlaceOfOrigin: "Yên Bắc, Duy Tiên, Hà Nam", FatherName: testFather, Ethnicity: "Kinh", Religion: "Không", OldIDNumber: testCMND}
	release := sc.Hold(id.FullName, id.PlaceOfResidence, id.PlaceOfOrigin, id.FatherName)
	defer release()
	log, buf := newTest(sc)
	jpeg := []byte{0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 'J', 'F', 'I', 'F'}

	wrapped := fmt.Errorf("submit dossier: %w", fmt.Errorf("provider refused %s (%s) living at %s", testID, testName, testAddress))
	log.Info("read card "+testID+" of "+testName, "reader", "ACS ACR39U 00 00", "service", "1.004222")
	log.Error("sync failed", "err", wrapped, "err2", errors.Join(errors.New("cmnd "+testCMND), errors.New(strings.ToUpper(testName))))
	log.Warn("nested", slog.Group("req", slog.Group("person",
		slog.String("full_name", testName), slog.String("place_of_residence", testAddress),
		slog.String("id", testID), slog.Any("cause", wrapped))))
	log.WithGroup("session").With("holder", testName, "addr", testAddress).Info("session start", "id_number", testID)
	log.WithGroup("citizen").Info("inside a personal group", "note", testAddress, "n", 7)
	log.Info("struct", "identity", id, "who", id, "result", &cccd.ReadResult{Identity: id, Photo: jpeg})
	log.Info("map", "m", map[string]any{"diaChi": testAddress, "list": []any{testID, map[string]string{"motherName": testName}}})
	log.Info("valuer", "p", personValue{testName, testAddress})
	log.Info("numbers", "as_int", int64(1093047064), "as_uint", uint64(123456789), "as_float", 1093047064.0)
	log.Info("image", "photo", jpeg, "blob", jpeg, "face_b64", "/9j/4AAQSkZJRg==")
	log.Info("stringer", "c", opaque{testID})
	log.Debug("can", "can", testID[6:], "CAN", testID[6:], "pin", "123456")
	log.Info("mrz", "line1", "IDVNM0930470641"+testID+"<<2")
	log.Info("nfd " + norm.NFD.String(testName))

	out := buf.String()
	for _, f := range forbidden {
		if strings.Contains(out, f) {
			t.Errorf("log output contains %q:\n%s", f, out)
		}
	}
	// Every line is still valid JSON, and what is not personal is kept.
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if !json.Valid([]byte(line)) {
			t.Errorf("not JSON: %s", line)
		}
	}
	for _, keep := range []string{"001******064", "ACS ACR39U 00 00", "1.004222", "123***789", `"apdus":0`, `"apdus_to_identity":0`, "[10 bytes]", "session start"} {
		if !strings.Contains(out, keep) {
			t.Errorf("log output lost %q:\n%s", keep, out)
		}
	}
	if t.Failed() {
		return
	}
	// After release, held values are no longer special (nothing leaks the
	// hold set itself), but key-based and digit rules still apply.
	release()
	log.Info("after", "full_name", testName, "id", testID)
	if tail := buf.String()[len(out):]; strings.Contains(tail, testName) || strings.Contains(tail, testID) {
		t.Fatalf("after release: %s", tail)
	}
}

func TestKeyRulesWithoutScrubber(t *testing.T) {
	log, buf := newTest(nil)
	log.Info("x", "fullName", testName, "address", testAddress, "placeOfOrigin", "Hà Nam",
		"spouse_name", "Trần Thị B", "reader_name", "Virtual PCD 00 00", "app_name", "HIS", "origin", "http://localhost:8080")
	out := buf.String()
	for _, f := range []string{testName, testAddress, "Hà Nam", "Trần Thị B"} {
		if strings.Contains(out, f) {
			t.Errorf("leaked %q: %s", f, out)
		}
	}
	for _, k := range []string{"Virtual PCD 00 00", "HIS", "http://localhost:8080"} {
		if !strings.Contains(out, k) {
			t.Errorf("lost %q: %s", k, out)
		}
	}
}

func TestClassify(t *testing.T) {
	for _, tt := range []struct {
		key  string
		want keyClass
	}{
		{"full_name", keySensitive}, {"FullName", keySensitive}, {"name", keySensitive},
		{"motherName", keySensitive}, {"place_of_residence", keySensitive}, {"diaChi", keySensitive},
		{"photo_jpeg", keySensitive}, {"image", keySensitive}, {"can", keySensitive}, {"ethnicity", keySensitive},
		{"religion", keySensitive}, {"token", keySensitive}, {"Authorization", keySensitive},
		{"reader_name", keyPlain}, {"readerName", keyPlain}, {"app_name", keyPlain}, {"service", keyPlain},
		{"canceled", keyPlain}, {"scan", keyPlain}, {"id", keyPlain}, {"origin", keyPlain}, {"err", keyPlain},
	} {
		if got := classify(tt.key); got != tt.want {
			t.Errorf("classify(%q) = %v, want %v", tt.key, got, tt.want)
		}
	}
}

func TestMaskDigits(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"", ""},
		{"id 001093047064.", "id 001******064."},
		{"cmnd 123456789", "cmnd 123***789"},
		{"12345678 is short", "12345678 is short"},
		{"０１２３４５６７８９０１", "０１２******９０１"},
		{"a1234567890123456789b", "a123*************789b"},
	} {
		if got := MaskDigits(tt.in); got != tt.want {
			t.Errorf("MaskDigits(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzMaskDigits(f *testing.F) {
	for _, s := range []string{"", testID, "x" + testCMND + "y", "١٢٣٤٥٦٧٨٩٠", "12345678"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := MaskDigits(s)
		if len([]rune(out)) != len([]rune(strings.ToValidUTF8(s, "\uFFFD"))) && strings.ToValidUTF8(s, "") == s {
			t.Fatalf("rune count changed: %q -> %q", s, out)
		}
		run := 0
		for _, r := range out {
			if unicode.IsDigit(r) {
				if run++; run >= 9 {
					t.Fatalf("digit run of 9 left in %q -> %q", s, out)
				}
			} else {
				run = 0
			}
		}
	})
}

func FuzzRedactor(f *testing.F) {
	f.Add("note", "prefix ", " suffix", uint8(0))
	f.Add("x", "7", "8", uint8(3))
	f.Add("group", "", "", uint8(5))
	f.Fuzz(func(t *testing.T, key, pre, post string, shape uint8) {
		log, buf := newTest(nil)
		v := pre + testID + post
		switch shape % 6 {
		case 0:
			log.Info(v)
		case 1:
			log.Info("m", key, v)
		case 2:
			log.Info("m", key, errors.New(v))
		case 3:
			log.Info("m", slog.Group(key, slog.Group(key, slog.String(key, v))))
		case 4:
			log.WithGroup(key).With(key, v).Info("m")
		case 5:
			log.Info("m", key, map[string]any{key: []string{v}})
		}
		if strings.Contains(buf.String(), testID) {
			t.Fatalf("ID got through: %s", buf.String())
		}
	})
}

// TestRemoteReasonIsNotLoggedByKey: a receiver's text logged by mistake
// under a detail key (or as a struct with such a field) is
// redacted even when no scrubber holds the name: the redactor is the second
// line behind callers that log codes only (sync/worker's
// TestRemoteReasonNeverLoggedNorInClear is the first).
func TestRemoteReasonIsNotLoggedByKey(t *testing.T) {
	const reason = "Họ tên " + testName + ", thường trú " + testAddress + " không khớp"
	log, buf := newTest(nil)
	log.Warn("rejected", "code", "rejected_http_422", "detail", reason)
	log.Warn("rejected", "receiver_detail", reason)
	log.Warn("rejected", "record", struct {
		Code   string
		Detail struct{ Reason string }
	}{"rejected_http_422", struct{ Reason string }{reason}})
	log.Warn("rejected", slog.Group("details", slog.String("text", reason)))
	log.Warn("rejected", "LyDo", reason)
	out := buf.String()
	for _, w := range []string{testName, "Kim Ngưu", "Hà Nội", "không khớp"} {
		if strings.Contains(out, w) {
			t.Errorf("log holds %q:\n%s", w, out)
		}
	}
	if !strings.Contains(out, "rejected_http_422") {
		t.Errorf("the code itself was redacted:\n%s", out)
	}
}
