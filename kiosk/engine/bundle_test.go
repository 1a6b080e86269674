package engine

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"motcua/hwtest/simcard"
	"motcua/kiosk/catalog"
	"motcua/kiosk/dossier"
	"motcua/sync/outbox"
)

// typedSample is a valid answer for a typed field; dates are typed day
// first, the way people write them here.
func typedSample(f *catalog.Field) string {
	if len(f.Options) > 0 {
		return f.Options[0]
	}
	switch f.Type {
	case "date":
		return "02/11/2026"
	case "phone":
		return "0912345678"
	case "email":
		return "cong.dan@example.vn"
	case "sex":
		return "Nữ"
	case "number":
		return "2"
	case "id12":
		return "001093047064"
	}
	return "Nguyễn Bé Thử"
}

// fillAll settles every converted address and types every required value
// still empty, then goes to review.
func (r *rig) fillAll() View {
	r.t.Helper()
	for _, val := range r.e.View().Values {
		switch {
		case val.Locked && val.NeedsConfirmation && len(val.Choices) > 0:
			r.e.ChooseAddress(val.Party, val.Field.ID, val.Index, 0)
		case val.Locked && val.NeedsConfirmation:
			if err := r.e.ConfirmField(val.Party, val.Field.ID, val.Index); err != nil {
				r.t.Fatal(err)
			}
		case !val.Locked && val.Text == "" && val.Field.Required:
			if err := r.e.SetField(val.Party, val.Field.ID, val.Index, typedSample(val.Field)); err != nil {
				r.t.Fatal(err)
			}
		}
	}
	r.e.Review()
	return r.until("review", func(v View) bool { return v.Step == StepReview || len(v.Problems) > 0 })
}

// secondCard puts the second demo card (a woman) on the reader for role.
func (r *rig) secondCard(role string) {
	r.t.Helper()
	if err := r.e.ChooseCardRole(role); err != nil {
		r.t.Fatal(err)
	}
	r.deck.Remove()
	r.insert(cardSecond)
	r.step(StepKey)
	r.e.Scanned(r.deck.QR(cardSecond))
	r.until("the second card on the form", func(v View) bool {
		if v.Step != StepForm {
			return false
		}
		for _, val := range v.Values {
			if val.Party == role && val.Field.Source == "card:id_number" && val.Text != "" {
				return true
			}
		}
		return false
	})
}

// payloads are the outbox's dossiers, parsed, in the order they were added.
func (r *rig) payloads() ([]outbox.Record, []*dossier.Dossier) {
	r.t.Helper()
	recs, err := r.box.List(outbox.Filter{})
	if err != nil {
		r.t.Fatal(err)
	}
	var out []*dossier.Dossier
	for _, rec := range recs {
		b, err := r.box.Payload(rec.UUID)
		if err != nil {
			r.t.Fatal(err)
		}
		d, err := dossier.Parse(b)
		if err != nil {
			r.t.Fatalf("%s: %v", rec.Service, err)
		}
		out = append(out, d)
	}
	return recs, out
}

func fieldOf(d *dossier.Dossier, key string) dossier.Value {
	party, field, index := splitValueKey(key)
	if party == "" {
		return d.Fields[field]
	}
	for _, p := range d.Parties {
		if p.Role == party && p.Index == index {
			return p.Fields[field]
		}
	}
	return dossier.Value{}
}

// TestCombinedServiceFilesOneDossierPerAgency: for both combined (liên
// thông) services, one visit, one form, one review with one consent per
// person, and Submit files one outbox record per member procedure with
// the values that agency needs, tied by one bundle ID, under one receipt
// listing them all.
func TestCombinedServiceFilesOneDossierPerAgency(t *testing.T) {
	woman := simcard.NewProfile(7).Identity
	for _, tc := range []struct {
		code, second string
		members      []string
		consenters   []string // role#index
		behalf       []string
		routed       map[string]map[string]string // member → target key → value
		personOf     map[string]string            // member → party whose provenance is the card's
		typedParty   map[string]string            // member → party made of typed values only (the child)
	}{
		{
			code: "1.003583", second: "mother",
			members:    []string{"1.001193", "1.004222", "1.003584"},
			consenters: []string{"requester#0", "mother#0"},
			routed: map[string]map[string]string{
				"1.001193": {"tre_ho_ten": "Nguyễn Bé Thử", "mother/ho_ten": woman.FullName, "tre_ngay_sinh": "2026-11-02"},
				"1.004222": {"applicant/ho_ten": "Nguyễn Bé Thử", "applicant/ngay_sinh": "2026-11-02", "applicant/dien_thoai": "0912345678"},
				"1.003584": {"tre_em/ho_ten": "Nguyễn Bé Thử", "me/ho_ten": woman.FullName, "me/so_dinh_danh": woman.IDNumber,
					"nguoi_ke_khai/ho_ten": simcard.ReferenceProfile().Identity.FullName},
			},
			personOf:   map[string]string{"1.001193": "mother", "1.003584": "me"},
			typedParty: map[string]string{"1.004222": "applicant", "1.003584": "tre_em"},
		},
		{
			code: "1.003720", second: "deceased",
			members:    []string{"1.000656", "1.003721", "1.003722"},
			consenters: []string{"requester#0"},
			behalf:     []string{"deceased#0"},
			routed: map[string]map[string]string{
				"1.000656": {"deceased/ho_ten": woman.FullName, "ngay_chet": "2026-11-02"},
				"1.003721": {"nguoi_bi_xoa/ho_ten": woman.FullName, "nguoi_bi_xoa/so_dinh_danh": woman.IDNumber, "ly_do_ngay": "2026-11-02"},
				"1.003722": {"nguoi_chet/ho_ten": woman.FullName, "nguoi_nhan/dien_thoai": "0912345678", "doi_tuong": "Đang đóng hoặc bảo lưu thời gian đóng BHXH"},
			},
			personOf: map[string]string{"1.000656": "deceased", "1.003721": "nguoi_bi_xoa", "1.003722": "nguoi_chet"},
		},
	} {
		t.Run(tc.code, func(t *testing.T) {
			r := newRig(t, Desk, nil)
			r.readCard(cardGenuine, StepIdentity)
			r.e.Continue()
			if err := r.e.ChooseService(tc.code); err != nil {
				t.Fatal(err)
			}
			r.step(StepForm)
			r.secondCard(tc.second)
			v := r.fillAll()
			if v.Step != StepReview {
				t.Fatalf("review refused: %+v", v.Problems)
			}
			// The review says which agency gets what.
			if len(v.Bundle) != len(tc.members) {
				t.Fatalf("review shows %d agencies, want %d", len(v.Bundle), len(tc.members))
			}
			for i, p := range v.Bundle {
				if p.Code != tc.members[i] || p.AgencyVI == "" || p.NameVI == "" || len(p.Sources) == 0 {
					t.Fatalf("bundle part %d: %+v", i, p)
				}
			}
			var who []string
			for _, c := range v.Consents {
				who = append(who, fmt.Sprintf("%s#%d", c.Party, c.Index))
			}
			if strings.Join(who, ",") != strings.Join(tc.consenters, ",") {
				t.Fatalf("consenters %v, want %v", who, tc.consenters)
			}
			// Only the visitor agrees: a second person is named, nothing is stored.
			if len(tc.consenters) > 1 {
				r.e.Submit(Agreement{Party: "requester"})
				v = r.until("need agree", func(v View) bool { return v.Notice == NoticeNeedAgree })
				if !strings.Contains(v.Detail, "Mẹ") || !strings.Contains(v.Detail, woman.FullName) || strings.Contains(v.Detail, "Người đi đăng ký") {
					t.Fatalf("the notice names %q", v.Detail)
				}
				if recs, _ := r.box.List(outbox.Filter{}); len(recs) != 0 {
					t.Fatalf("stored without every consent: %d", len(recs))
				}
			}
			r.e.Submit(v.AllAgree()...)
			v = r.step(StepReceipt)
			recs, ds := r.payloads()
			if len(recs) != len(tc.members) || r.count(Submitted) != len(tc.members) {
				t.Fatalf("%d outbox records, %d submitted events, want %d", len(recs), r.count(Submitted), len(tc.members))
			}
			bundle := ds[0].Bundle
			if bundle == nil || bundle.ID == "" || bundle.ServiceCode != tc.code || len(bundle.Members) != len(tc.members) {
				t.Fatalf("bundle %+v", bundle)
			}
			byCode := map[string]*dossier.Dossier{}
			for i, d := range ds {
				if recs[i].Service != tc.members[i] || d.ServiceCode != tc.members[i] {
					t.Fatalf("record %d filed as %s / %s, want %s", i, recs[i].Service, d.ServiceCode, tc.members[i])
				}
				if d.Bundle == nil || d.Bundle.ID != bundle.ID || d.Bundle.Index != i {
					t.Fatalf("%s: bundle %+v, want id %s index %d", d.ServiceCode, d.Bundle, bundle.ID, i)
				}
				var agreed []string
				for _, c := range d.Consent.Parties {
					agreed = append(agreed, fmt.Sprintf("%s#%d", c.Role, c.Index))
				}
				if strings.Join(agreed, ",") != strings.Join(tc.consenters, ",") || d.Consent.Text == "" {
					t.Fatalf("%s: consent of %v", d.ServiceCode, agreed)
				}
				if strings.Join(d.Consent.Parties[0].OnBehalfOf, ",") != strings.Join(tc.behalf, ",") {
					t.Fatalf("%s: consent on behalf of %v, want %v", d.ServiceCode, d.Consent.Parties[0].OnBehalfOf, tc.behalf)
				}
				byCode[d.ServiceCode] = d
			}
			for code, want := range tc.routed {
				for key, val := range want {
					if got := fieldOf(byCode[code], key); got.Value != val {
						t.Errorf("%s %s = %q, want %q", code, key, got.Value, val)
					}
				}
			}
			for code, party := range tc.personOf {
				for _, p := range byCode[code].Parties {
					if p.Role == party && (p.Provenance != "chip_verified" || p.Verification == nil) {
						t.Errorf("%s: %s filed as %s, the card's verification lost", code, party, p.Provenance)
					}
				}
			}
			for code, party := range tc.typedParty {
				for _, p := range byCode[code].Parties {
					if p.Role == party && (p.Provenance != "typed" || p.Verification != nil) {
						t.Errorf("%s: %s (typed values only) filed as %s", code, party, p.Provenance)
					}
				}
			}
			// One receipt, every dossier listed.
			if len(v.ReceiptBundle) != len(tc.members) || v.Receipt != recs[0].UUID {
				t.Fatalf("receipt %q lists %+v", v.Receipt, v.ReceiptBundle)
			}
			for i, p := range v.ReceiptBundle {
				if p.UUID != recs[i].UUID || p.Code != tc.members[i] || p.AgencyVI == "" {
					t.Fatalf("receipt part %d: %+v", i, p)
				}
			}
		})
	}
}

// TestMarriageConsentPerSpouse: each spouse ticks their own consent; one
// tick is not enough and the notice names the other spouse; the dossier
// records both.
func TestMarriageConsentPerSpouse(t *testing.T) {
	r := newRig(t, Desk, nil)
	r.readCard(cardGenuine, StepIdentity)
	r.e.Continue()
	r.e.ChooseService("1.000894")
	r.step(StepForm)
	r.secondCard("spouse_1")
	v := r.fillAll()
	if v.Step != StepReview || len(v.Consents) != 2 {
		t.Fatalf("review %s with %d consents: %v", v.Step, len(v.Consents), v.Problems)
	}
	r.e.Submit()
	v = r.until("need agree", func(v View) bool { return v.Notice == NoticeNeedAgree })
	if !strings.Contains(v.Detail, "Bên nữ") || !strings.Contains(v.Detail, "Bên nam") {
		t.Fatalf("nobody agreed; the notice names %q", v.Detail)
	}
	r.e.Agree("spouse_2", 0, true)
	r.e.Submit()
	v = r.until("need agree", func(v View) bool { return v.Notice == NoticeNeedAgree && !strings.Contains(v.Detail, "Bên nam") })
	if !strings.Contains(v.Detail, "Bên nữ") || v.Step != StepReview {
		t.Fatalf("the groom agreed; the notice names %q", v.Detail)
	}
	r.e.Agree("spouse_1", 0, true)
	if v := r.e.View(); v.Notice != NoticeNone || !v.Consents[0].Agreed || !v.Consents[1].Agreed {
		t.Fatalf("both ticked: %q %+v", v.Notice, v.Consents)
	}
	r.e.Submit()
	r.step(StepReceipt)
	_, ds := r.payloads()
	if len(ds) != 1 || len(ds[0].Consent.Parties) != 2 || ds[0].Bundle != nil {
		t.Fatalf("dossiers %d, consent %+v", len(ds), ds[0].Consent)
	}
}

// reopenable is the outbox a real store sits behind, closed for real
// after a number of adds (a store shut under the kiosk) and opened again.
type reopenable struct {
	mu         sync.Mutex
	dir        string
	s          *outbox.Store
	closeAfter int // close the store after this many more adds (0: never)
}

func (o *reopenable) store() *outbox.Store { o.mu.Lock(); defer o.mu.Unlock(); return o.s }

func (o *reopenable) Add(ctx context.Context, service string, payload []byte) (string, error) {
	id, err := o.store().Add(ctx, service, payload)
	o.mu.Lock()
	defer o.mu.Unlock()
	if err == nil && o.closeAfter > 0 {
		if o.closeAfter--; o.closeAfter == 0 {
			o.s.Close()
		}
	}
	return id, err
}
func (o *reopenable) Counts() (map[outbox.State]int, error) { return o.store().Counts() }
func (o *reopenable) List(f outbox.Filter) ([]outbox.Record, error) {
	return o.store().List(f)
}
func (o *reopenable) Requeue(uuid string) error { return o.store().Requeue(uuid) }
func (o *reopenable) Dir() string               { return o.store().Dir() }

func (o *reopenable) reopen(t *testing.T) {
	t.Helper()
	s, err := outbox.Open(o.dir, outbox.Options{Device: "test-kiosk"})
	if err != nil {
		t.Fatal(err)
	}
	o.mu.Lock()
	o.s = s
	o.mu.Unlock()
	t.Cleanup(func() { s.Close() })
}

// TestBundleRetryAfterPartialSave: the store closes after the first of a
// combined visit's three dossiers; the visit stays on review with the
// reason and what is saved, going back is refused (the saved dossier
// would no longer match), and a retry once the store is back stores the
// other two only: three records, one bundle, no duplicates.
func TestBundleRetryAfterPartialSave(t *testing.T) {
	box := &reopenable{dir: filepath.Join(t.TempDir(), "outbox")}
	box.reopen(t)
	r := newRig(t, Desk, func(c *Config) { c.Outbox = box })
	r.readCard(cardGenuine, StepIdentity)
	r.e.Continue()
	r.e.ChooseService("1.003720")
	r.step(StepForm)
	r.secondCard("deceased")
	v := r.fillAll()
	box.mu.Lock()
	box.closeAfter = 1
	box.mu.Unlock()
	r.e.Submit(v.AllAgree()...)
	r.event(SubmitFailed)
	v = r.until("save failed", func(v View) bool { return v.Notice == NoticeSaveFailed && !v.Busy })
	if v.Step != StepReview || v.SaveFailure != SaveClosed || v.SavedParts != 1 || v.Receipt != "" || len(v.Values) == 0 {
		t.Fatalf("after a partial save: step %s failure %q saved %d receipt %q", v.Step, v.SaveFailure, v.SavedParts, v.Receipt)
	}
	r.e.Back()
	if v := r.e.View(); v.Step != StepReview {
		t.Fatalf("went back to the form with a dossier already saved: %s", v.Step)
	}
	box.reopen(t)
	r.e.Submit() // the ticks stand
	v = r.step(StepReceipt)
	recs, err := box.store().List(outbox.Filter{})
	if err != nil || len(recs) != 3 {
		t.Fatalf("%d records after the retry: %v", len(recs), err)
	}
	ids := map[string]bool{}
	for i, rec := range recs {
		b, err := box.store().Payload(rec.UUID)
		if err != nil {
			t.Fatal(err)
		}
		d, err := dossier.Parse(b)
		if err != nil || d.Bundle == nil || d.Bundle.Index != i {
			t.Fatalf("record %d: %v %+v", i, err, d.Bundle)
		}
		ids[d.Bundle.ID] = true
	}
	if len(ids) != 1 || len(v.ReceiptBundle) != 3 || v.ReceiptBundle[0].UUID != recs[0].UUID {
		t.Fatalf("bundle ids %v, receipt %+v", ids, v.ReceiptBundle)
	}
}

// TestSaveFailureClassified: the outbox's typed errors become the codes a
// screen puts into plain words.
func TestSaveFailureClassified(t *testing.T) {
	for err, want := range map[error]SaveFailure{
		fmt.Errorf("add: %w", outbox.ErrDiskFull):   SaveDiskFull,
		&outbox.BudgetError{}:                       SaveDiskFull,
		fmt.Errorf("add: %w", outbox.ErrReadOnly):   SaveReadOnly,
		fmt.Errorf("x: %w", outbox.ErrClosed):       SaveClosed,
		fmt.Errorf("x: %w", outbox.ErrLocked):       SaveLocked,
		errors.New("something else"):                SaveOther,
		fmt.Errorf("x: %w", outbox.ErrInvalidInput): SaveOther,
	} {
		if got := saveFailure(err); got != want {
			t.Errorf("%v: %q, want %q", err, got, want)
		}
	}
}
