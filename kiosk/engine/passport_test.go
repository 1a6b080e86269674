package engine

import (
	"errors"
	"strings"
	"testing"
	"time"

	"motcua/hwtest/simcard"
	"motcua/reader/cccd"
	"motcua/reader/qr/scanner"
)

// cardPassport is the demo deck's e-passport (simcard.PassportProfile).
const cardPassport = 6

func passportMRZ(t testing.TB) string {
	t.Helper()
	mrz, err := simcard.PassportProfile().Passport.MRZLines()
	if err != nil {
		t.Fatal(err)
	}
	return mrz
}

func TestKeyFromPassport(t *testing.T) {
	for _, tc := range []struct {
		number, birth, expiry string
		ok                    bool
	}{
		{"C0123456", "05/01/1993", "01/03/2034", true},
		{" c0123456 ", "05.01.1993", "01-03-2034", true},
		{"C0123456", "05011993", "2034-03-01", true},
		{"C0123456", "930105", "340301", false}, // yymmdd or ddmmyy: ambiguous
		{"C0123456", "31/02/1993", "01/03/2034", false},
		{"C0123456", "01/03/2034", "05/01/1993", false}, // expiry before birth
		{"C-0123456", "05/01/1993", "01/03/2034", false},
		{"", "05/01/1993", "01/03/2034", false},
	} {
		k, err := KeyFromPassport(tc.number, tc.birth, tc.expiry)
		if tc.ok != (err == nil) {
			t.Errorf("%q %q %q: %v", tc.number, tc.birth, tc.expiry, err)
			continue
		}
		if err != nil {
			if !errors.Is(err, ErrTypedMRZ) {
				t.Errorf("%q: untyped error %v", tc.number, err)
			}
			continue
		}
		if m := k.MRZ; m == nil || m.DocumentNumber != "C0123456" || m.DateOfBirth != "930105" || m.DateOfExpiry != "340301" {
			t.Errorf("%q: key %+v", tc.number, k.MRZ)
		}
	}
}

func TestKeyFromMRZText(t *testing.T) {
	mrz := passportMRZ(t)
	k, err := KeyFromMRZText(mrz)
	if err != nil || k.MRZ == nil || k.MRZ.DocumentNumber != "C0123456" || k.MRZ.DateOfBirth != "930105" {
		t.Fatalf("%+v %v", k.MRZ, err)
	}
	if _, err := KeyFromMRZText(strings.ToLower(strings.ReplaceAll(mrz, "\n", ""))); err != nil {
		t.Fatalf("one line, lower case: %v", err)
	}
	// One character misread by the scanner: a check digit fails, no key.
	bad := []byte(mrz)
	bad[45] = 'D'
	if _, err := KeyFromMRZText(string(bad)); !errors.Is(err, ErrTypedMRZ) {
		t.Fatalf("misread MRZ: %v", err)
	}
	if !LooksLikeMRZ(mrz) || LooksLikeMRZ("001093047064") || LooksLikeMRZ("001093047064|||NGUYEN|05011993|Nam|x|01012021") {
		t.Fatal("LooksLikeMRZ")
	}
}

func TestMRZLinesOneAtATime(t *testing.T) {
	mrz := strings.Split(passportMRZ(t), "\n")
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	var m mrzLines
	if whole, err := m.add(mrz[0], now); whole != "" || err != nil {
		t.Fatalf("first line: %q %v", whole, err)
	}
	if whole, err := m.add(mrz[1], now.Add(time.Second)); whole != mrz[0]+mrz[1] || err != nil {
		t.Fatalf("second line: %q %v", whole, err)
	}
	// A line left alone too long is dropped: the next one starts anew.
	m.add(mrz[0], now)
	if whole, err := m.add(mrz[1], now.Add(mrzLineWait+time.Second)); whole != "" || err != nil || len(m.lines) != 1 {
		t.Fatalf("stale first line joined: %q %v", whole, err)
	}
	m.reset()
	if _, err := m.add(strings.Repeat("A<", 20), now); !errors.Is(err, ErrTypedMRZ) {
		t.Fatalf("40 characters: %v", err)
	}
}

// TestPassportVisit: an e-passport on the reader asks for its key; the MRZ
// (typed whole, one line per Enter, from a keyboard-wedge MRZ reader, or
// the data page's number and dates) opens it with PACE-MRZ, and the visit
// shows it with the same verdicts as an ID card: verified, its JPEG 2000
// face decoded. A misread MRZ never reaches the chip; a wrong one the chip
// refuses asks again.
func TestPassportVisit(t *testing.T) {
	mrz := passportMRZ(t)
	lines := strings.Split(mrz, "\n")
	for _, tc := range []struct {
		name string
		give func(r *rig)
	}{
		{"typed whole", func(r *rig) { r.e.TypedKey(mrz) }},
		{"a line per Enter", func(r *rig) { r.e.TypedKey(lines[0]); r.e.TypedKey(lines[1]) }},
		{"data page", func(r *rig) { r.e.TypedPassport("C0123456", "05/01/1993", "01/03/2034") }},
		{"wedge MRZ reader", func(r *rig) {
			at := time.Now()
			for _, c := range lines[0] + lines[1] {
				at = at.Add(3 * time.Millisecond)
				r.e.WedgeKey(scanner.Key{Rune: c, At: at})
			}
			r.e.WedgeKey(scanner.Key{Enter: true, At: at.Add(3 * time.Millisecond)})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, Desk, nil)
			r.insert(cardPassport)
			r.step(StepKey)
			tc.give(r)
			v := r.step(StepIdentity)
			p := v.Person
			if p == nil || p.Identity.FullName != "NGUYEN VAN THU" || p.Identity.Nationality != "VNM" || p.Identity.DateOfBirth != "1993-01-05" {
				t.Fatalf("person %+v", p)
			}
			if p.Verification == nil || !p.Verification.Verified() || p.Provenance != "chip_verified" {
				t.Fatalf("verdict %+v", p.Verification)
			}
			if v.PhotoState != PhotoShown || v.Photo == nil || v.Photo.Bounds().Dx() != 240 {
				t.Fatalf("the JPEG 2000 face is not shown: %v", v.PhotoState)
			}
			if v.Details == nil || v.Details.Access != cccd.AccessPACE {
				t.Fatalf("details %+v", v.Details)
			}
			if r.count(MRZAccepted) != 1 {
				t.Fatalf("%d mrz_accepted events", r.count(MRZAccepted))
			}
		})
	}

	t.Run("misread MRZ", func(t *testing.T) {
		r := newRig(t, Kiosk, nil)
		r.insert(cardPassport)
		r.step(StepKey)
		bad := []byte(mrz)
		bad[50] ^= 1 // a digit of the birth date: its check digit fails
		if err := r.e.TypedKey(string(bad)); !errors.Is(err, ErrTypedMRZ) {
			t.Fatalf("accepted: %v", err)
		}
		v := r.until("mrz refused", func(v View) bool { return v.Notice == NoticeMRZInvalid })
		if v.Step != StepKey || r.count(CardReading) != 0 {
			t.Fatalf("step %s, %d reads", v.Step, r.count(CardReading))
		}
		if err := r.e.TypedPassport("C0123456", "1993", "01/03/2034"); !errors.Is(err, ErrTypedMRZ) {
			t.Fatalf("a year for a date: %v", err)
		}
	})

	t.Run("wrong passport number", func(t *testing.T) {
		r := newRig(t, Kiosk, nil)
		r.insert(cardPassport)
		r.step(StepKey)
		if err := r.e.TypedPassport("C0123457", "05/01/1993", "01/03/2034"); err != nil {
			t.Fatal(err)
		}
		v := r.until("wrong key", func(v View) bool { return v.Notice == NoticeWrongKey })
		if v.Step != StepKey || v.Person != nil {
			t.Fatalf("step %s person %v", v.Step, v.Person)
		}
		r.e.TypedKey(mrz) // the right one now
		r.step(StepIdentity)
	})

	t.Run("MRZ before the passport", func(t *testing.T) {
		r := newRig(t, Kiosk, nil)
		r.step(StepAttract)
		r.e.Scanned(mrz)
		r.until("mrz first", func(v View) bool { return v.Notice == NoticeMRZFirst })
		r.insert(cardPassport)
		v := r.step(StepIdentity)
		if v.Person.Identity.FullName != "NGUYEN VAN THU" {
			t.Fatalf("person %+v", v.Person)
		}
	})
}
