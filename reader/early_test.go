package reader_test

import (
	"bytes"
	"errors"
	"testing"

	"motcua/hwtest/simcard"
	"motcua/reader"
	"motcua/reader/cccd"
	"motcua/reader/iso7816"
	"motcua/reader/lds"
)

// earlyRead reads a synthetic card with OnEarly set and records, for each
// report, which files had been read by then.
type earlyReport struct {
	early *reader.Early
	files []lds.FileID
}

func earlyRead(t *testing.T, p simcard.Profile, fault simcard.Fault, skipPhoto bool) ([]earlyReport, *cccd.ReadResult, error) {
	t.Helper()
	card, err := p.Card(simcard.CardOptions{Fault: fault, Extended: true})
	if err != nil {
		t.Fatal(err)
	}
	r := simcard.NewReader("sim")
	r.Insert(card)
	k, err := reader.KeyFromID(p.Identity.IDNumber)
	if err != nil {
		t.Fatal(err)
	}
	trust, err := simcard.DefaultTrust()
	if err != nil {
		t.Fatal(err)
	}
	var got []earlyReport
	var files []lds.FileID
	res, err := reader.Read(r, reader.Options{Keys: []reader.Key{k}, Trust: trust, SkipPhoto: skipPhoto,
		OnFile: func(f lds.FileID, _ []byte) { files = append(files, f) },
		OnEarly: func(e *reader.Early) {
			got = append(got, earlyReport{early: e, files: append([]lds.FileID(nil), files...)})
		}})
	return got, res, err
}

// The identity is reported as soon as DG13 and DG1 are in, before EF.SOD,
// DG14 or the photo; the photo follows once DG2 is in; both agree with
// the final read, which alone carries the verdict.
func TestEarlyIdentityBeforeProof(t *testing.T) {
	p := simcard.ReferenceProfile()
	got, res, err := earlyRead(t, p, "", false)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("want 2 early reports (identity, photo), got %d", len(got))
	}
	first := got[0]
	if want := []lds.FileID{lds.DG13, lds.DG1}; !equalIDs(first.files, want) {
		t.Errorf("identity reported after %v, want right after %v", first.files, want)
	}
	if first.early.Identity.IDNumber != p.Identity.IDNumber || first.early.Identity.FullName != res.FullName {
		t.Error("early identity differs from the card's")
	}
	if first.early.Photo != nil {
		t.Error("the first report carries a photo before DG2 was read")
	}
	second := got[1]
	if last := second.files[len(second.files)-1]; last != lds.DG2 {
		t.Errorf("photo reported after %v, want after DG2", second.files)
	}
	if len(second.early.Photo) == 0 || !bytes.Equal(second.early.Photo, res.Photo) {
		t.Error("early photo differs from the read's")
	}
	if res.Verification == nil || !res.Verification.Verified() {
		t.Fatalf("genuine card not verified: %+v", res.Verification)
	}
}

// A forged card is reported early exactly like a genuine one (nothing in
// Early can say otherwise): its verdict comes with the final read only.
func TestEarlyIdentityOfForgedCards(t *testing.T) {
	p := simcard.ReferenceProfile()
	for _, fault := range []simcard.Fault{simcard.FaultDG13Altered, simcard.FaultClone, simcard.FaultUntrustedSigner} {
		got, res, err := earlyRead(t, p, fault, true)
		if err != nil {
			t.Fatalf("%s: %v", fault, err)
		}
		if len(got) != 1 || got[0].early.Photo != nil {
			t.Fatalf("%s: want one report without photo (photo skipped), got %d", fault, len(got))
		}
		if res.Verification.Verified() {
			t.Errorf("%s: verified", fault)
		}
	}
}

// A card pulled during the photo has reported its identity (the receiver
// must drop it on the failure) and the read fails as removed.
func TestEarlyIdentityThenPulled(t *testing.T) {
	got, res, err := earlyRead(t, simcard.ReferenceProfile(), simcard.FaultPulled, false)
	if !errors.Is(err, iso7816.ErrCardRemoved) || res != nil {
		t.Fatalf("want a removed card, got %v", err)
	}
	if len(got) != 1 || got[0].early.Photo != nil {
		t.Fatalf("want the identity only, got %d reports", len(got))
	}
}

func equalIDs(a, b []lds.FileID) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
