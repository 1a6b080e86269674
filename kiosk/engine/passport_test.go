package engine

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"motcua/hwtest/simcard"
	"motcua/kiosk/prefill"
	"motcua/kiosk/session"
	"motcua/reader/cccd"
	"motcua/reader/qr/scanner"
	"motcua/sync/outbox"
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

// fillAsked types a plausible value into every empty field the card did
// not fill, by its type.
func fillAsked(t *testing.T, r *rig, v View) {
	t.Helper()
	for _, val := range v.Values {
		if val.NeedsConfirmation { // the bride's card address in today's units
			if len(val.Choices) > 0 {
				r.e.ChooseAddress(val.Party, val.Field.ID, val.Index, 0)
			} else {
				r.e.ConfirmField(val.Party, val.Field.ID, val.Index)
			}
		}
		if val.Locked || val.Text != "" || val.Provenance == prefill.Derived {
			continue
		}
		text := map[string]string{"number": "1", "phone": "0912345678", "date": "2026-11-30", "sex": "Nữ", "id12": "001093047064",
			"address": "Số 1 Tràng Tiền, Phường Hoàn Kiếm, Thành phố Hà Nội"}[val.Field.Type]
		if text == "" {
			text = "Thử"
		}
		if len(val.Field.Options) > 0 {
			text = val.Field.Options[0]
		}
		if err := r.e.SetField(val.Party, val.Field.ID, val.Index, text); err != nil {
			t.Fatalf("%s/%s: %v", val.Party, val.Field.ID, err)
		}
	}
}

// TestPassportPartyMarriage: a foreign party's chip passport fills its
// spouse of the kết hôn dossier: name, nationality, passport number,
// birth and sex from the chip (locked, chip_verified); no ID number or
// ethnicity is asked of it; the ID card of the other spouse joins; the
// dossier is stored with the passport number. A service that takes only
// ID cards says so instead of filing the passport.
func TestPassportPartyMarriage(t *testing.T) {
	r := newRig(t, Desk, nil)
	r.insert(cardPassport)
	r.step(StepKey)
	r.e.TypedKey(passportMRZ(t))
	r.step(StepIdentity)
	r.e.Continue()
	r.step(StepServices)
	if err := r.e.ChooseService("1.001193"); !errors.Is(err, session.ErrNeedsIDCard) {
		t.Fatalf("birth registration with a passport: %v", err)
	}
	if v := r.e.View(); v.Notice != NoticeNeedsCard || v.Step != StepServices {
		t.Fatalf("notice %q step %s", v.Notice, v.Step)
	}
	if err := r.e.ChooseService("1.000894"); err != nil {
		t.Fatal(err)
	}
	v := r.step(StepForm)
	if v.WaitingFor != "spouse_1" {
		t.Fatalf("waiting for %q: the passport's holder is the groom", v.WaitingFor)
	}
	got := map[string]prefill.Value{}
	for _, val := range v.Values {
		if val.Party == "spouse_2" {
			got[val.Field.ID] = val
		}
	}
	for id, want := range map[string]string{"ho_ten": "NGUYEN VAN THU", "so_ho_chieu": "C0123456", "quoc_tich": "Việt Nam",
		"ngay_sinh": "1993-01-05", "gioi_tinh": "Nam"} {
		if val := got[id]; val.Text != want || !val.Locked || val.Provenance != prefill.ChipVerified {
			t.Errorf("spouse_2 %s: %q locked %v %s, want %q from the verified chip", id, val.Text, val.Locked, val.Provenance, want)
		}
	}
	for _, id := range []string{"so_dinh_danh", "dan_toc"} {
		if _, ok := got[id]; ok {
			t.Errorf("spouse_2 is asked %s, which a passport party is not", id)
		}
	}
	if val := got["noi_cu_tru"]; val.Locked || val.Text != "" {
		t.Errorf("residence (not on a passport) filled: %+v", val)
	}
	r.deck.Remove()
	r.event(CardRemoved)
	r.insert(cardSecond)
	r.step(StepKey)
	r.e.Scanned(r.deck.QR(cardSecond))
	if ev := r.event(PartyAdded); ev.Role != "spouse_1" {
		t.Fatalf("the bride's card filed under %q", ev.Role)
	}
	v = r.until("both spouses", func(v View) bool { return v.Step == StepForm && v.WaitingFor == "" })
	fillAsked(t, r, v)
	r.e.Review()
	if v := r.e.View(); v.Step != StepReview {
		t.Fatalf("not reviewed: %+v", v.Problems)
	}
	r.e.Submit(r.e.View().AllAgree()...)
	r.step(StepReceipt)
	recs, err := r.box.List(outbox.Filter{})
	if err != nil || len(recs) != 1 {
		t.Fatalf("%d records: %v", len(recs), err)
	}
	payload, err := r.box.Payload(recs[0].UUID)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(payload), "C0123456") || !strings.Contains(string(payload), "so_ho_chieu") {
		t.Fatalf("the passport number is not in the dossier: %s", payload)
	}
}

// TestPassportPartyNotary: a notarial act with a passport party records
// it as such: document "passport", its number, the verdicts.
func TestPassportPartyNotary(t *testing.T) {
	dir := t.TempDir()
	r := newRig(t, Notary, func(c *Config) { c.Notary = NotaryConfig{NotaryID: "CCV-0001", Office: "VPCC Thử", Dir: dir} })
	r.readCard(cardGenuine, StepNotary)
	if err := r.e.AnotherParty(); err != nil {
		t.Fatal(err)
	}
	r.step(StepAttract)
	r.deck.Remove()
	r.event(CardRemoved)
	r.insert(cardPassport)
	r.step(StepKey)
	r.e.TypedPassport("C0123456", "05/01/1993", "01/03/2034")
	r.step(StepNotary)
	r.e.SaveNotary("124/2026/CC")
	ev := r.event(NotarySaved)
	b, err := os.ReadFile(ev.File)
	if err != nil {
		t.Fatal(err)
	}
	var rec struct {
		Parties []struct {
			Document       string `json:"document"`
			DocumentNumber string `json:"document_number"`
			FullName       string `json:"full_name"`
			Verified       bool   `json:"verified"`
		}
	}
	if err := json.Unmarshal(b, &rec); err != nil {
		t.Fatal(err)
	}
	if len(rec.Parties) != 2 {
		t.Fatalf("%d parties", len(rec.Parties))
	}
	id, pp := rec.Parties[0], rec.Parties[1]
	if id.Document != "" || id.DocumentNumber != "" || !id.Verified {
		t.Fatalf("ID card party: %+v", id)
	}
	if pp.Document != "passport" || pp.DocumentNumber != "C0123456" || pp.FullName != "NGUYEN VAN THU" || !pp.Verified {
		t.Fatalf("passport party: %+v", pp)
	}
}
