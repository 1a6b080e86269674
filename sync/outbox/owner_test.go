package outbox

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// Synthetic ID numbers (never real people).
const (
	ownerA = "001099000111"
	ownerB = "079188000222"
	ownerC = "036200000333"
)

// The hostile reader first: whoever gets the database file (or all the
// files) finds no ID number in them, and a database copied without the
// owner key matches nobody.
func TestOwnerTagsKeepNoIDNumber(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir, Options{})
	ctx := WithOwners(context.Background(), ownerA, ownerB)
	if _, err := s.Add(ctx, "1.000894", []byte(`{"k":"v"}`)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	for _, name := range []string{DBFile, KeyFile, OwnerKeyFile} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{ownerA, ownerB} {
			if bytes.Contains(b, []byte(id)) || bytes.Contains(b, []byte(id[3:9])) {
				t.Errorf("%s holds (part of) an ID number", name)
			}
		}
	}
	if fi, err := os.Stat(filepath.Join(dir, OwnerKeyFile)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("owner key file: %v %v", fi, err)
	}

	// The database copied elsewhere with its outbox key but without the
	// owner key: nothing matches (and nothing is created on a read).
	other := t.TempDir()
	for _, name := range []string{DBFile, KeyFile} {
		b, _ := os.ReadFile(filepath.Join(dir, name))
		if err := os.WriteFile(filepath.Join(other, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	c := openT(t, other, Options{})
	if got, err := c.Owned(ownerA); err != nil || len(got) != 0 {
		t.Errorf("copy without the owner key matched %d records (%v)", len(got), err)
	}
	if _, err := os.Stat(filepath.Join(other, OwnerKeyFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a look-up created an owner key: %v", err)
	}
	// A different owner key (another machine) gives other tags.
	c.Close()
	k2 := []byte("SGVsbG8gdGhpcyBpcyBhIGRpZmZlcmVudCBrZXkhISE=\n") // 32 bytes, base64
	if err := os.WriteFile(filepath.Join(other, OwnerKeyFile), k2, 0o600); err != nil {
		t.Fatal(err)
	}
	c = openT(t, other, Options{})
	if got, err := c.Owned(ownerA); err != nil || len(got) != 0 {
		t.Errorf("another owner key matched %d records (%v)", len(got), err)
	}
}

// Each party finds the dossier by their own number; nobody else does; a
// bad number is refused; the tags go with the payload at purge.
func TestOwnedFindsEachPartyUntilPurge(t *testing.T) {
	dir := t.TempDir()
	clk := newClock()
	s := openT(t, dir, Options{Now: clk.Now})
	bg := context.Background()
	// Nothing tagged yet: an empty answer, no key made.
	if got, err := s.Owned(ownerA); err != nil || len(got) != 0 {
		t.Fatalf("empty store: %v %v", got, err)
	}
	wed, _ := s.Add(WithOwners(bg, ownerA, ownerB, ownerA, "12345"), "1.000894", []byte(`{"w":1}`))
	clk.Add(time.Minute)
	own, _ := s.Add(WithOwners(bg, ownerA), "1.004222", []byte(`{"r":1}`))
	untagged, _ := s.Add(bg, "1.004222", []byte(`{"u":1}`))

	ids := func(rs []Record) []string {
		var out []string
		for _, r := range rs {
			out = append(out, r.UUID)
		}
		return out
	}
	if got, err := s.Owned(ownerA); err != nil || len(got) != 2 || got[0].UUID != wed || got[1].UUID != own {
		t.Errorf("A: %v %v", ids(got), err)
	}
	if got, _ := s.Owned(ownerB); len(got) != 1 || got[0].UUID != wed {
		t.Errorf("B: %v", ids(got))
	}
	if got, _ := s.Owned(ownerC); len(got) != 0 {
		t.Errorf("C (no dossier): %v", ids(got))
	}
	for _, bad := range []string{"", "12345", "00109900011x", "0010990001112"} {
		if _, err := s.Owned(bad); !errors.Is(err, ErrInvalidInput) {
			t.Errorf("Owned(%q): %v", bad, err)
		}
	}
	_ = untagged

	// Accepted and past retention: the payload and the tags go.
	cl, _, err := s.ClaimBatch(clk.Now(), 10)
	if err != nil || len(cl) != 3 {
		t.Fatalf("claim %d %v", len(cl), err)
	}
	if err := s.MarkAccepted(wed, "MC-1", 2); err != nil {
		t.Fatal(err)
	}
	clk.Add(DefaultRetention + time.Hour)
	if n, err := s.Purge(); n != 1 || err != nil {
		t.Fatalf("purge %d %v", n, err)
	}
	if got, _ := s.Owned(ownerB); len(got) != 0 {
		t.Errorf("B after purge: %v", ids(got))
	}
	if got, _ := s.Owned(ownerA); len(got) != 1 || got[0].UUID != own {
		t.Errorf("A after purge: %v", ids(got))
	}
	// The tags persist across a reopen (the owner key is read back).
	s.Close()
	s = openT(t, dir, Options{Now: clk.Now})
	if got, _ := s.Owned(ownerA); len(got) != 1 || got[0].UUID != own {
		t.Errorf("A after reopen: %v", ids(got))
	}
}

// A scanned official QR finds its record by the mã hồ sơ.
func TestFindOfficial(t *testing.T) {
	clk := newClock()
	s := openT(t, t.TempDir(), Options{Now: clk.Now})
	id, _ := s.Add(context.Background(), "1.004222", []byte(`{"x":1}`))
	if _, err := s.FindOfficial("000.00.22.H40-261123-0042"); !errors.Is(err, ErrNotFound) {
		t.Errorf("before acceptance: %v", err)
	}
	s.Claim(clk.Now())
	s.MarkAccepted(id, "MC-1", 1)
	if err := s.SetProgress(id, 2, "000.00.22.H40-261123-0042"); err != nil {
		t.Fatal(err)
	}
	if r, err := s.FindOfficial("000.00.22.H40-261123-0042"); err != nil || r.UUID != id {
		t.Errorf("found %v %v", r.UUID, err)
	}
	if _, err := s.FindOfficial("a b"); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("bad code: %v", err)
	}
}

// TestTagOwnersAfterwards: a dossier queued without owners (an older
// store's) is listed by Untagged, tagged once with TagOwners, then found
// by card; a second TagOwners, a purged record and a record with tags are
// left as they are.
func TestTagOwnersAfterwards(t *testing.T) {
	clk := newClock()
	s := openT(t, t.TempDir(), Options{Now: clk.Now, Retention: time.Hour})
	ctx := context.Background()
	const owner = "001093047064"
	gone, _ := s.Add(ctx, "1.004222", []byte(testPayload))
	if _, err := s.Claim(clk.Now()); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkAccepted(gone, "H40-9", 2); err != nil {
		t.Fatal(err)
	}
	old, _ := s.Add(ctx, "1.004222", []byte(testPayload))
	tagged, _ := s.Add(WithOwners(ctx, "079201000001"), "1.004222", []byte(testPayload))
	clk.Add(2 * time.Hour)
	if n, err := s.Purge(); n != 1 || err != nil {
		t.Fatalf("purge %d %v", n, err)
	}
	ids, err := s.Untagged()
	if err != nil || !slices.Equal(ids, []string{old}) {
		t.Fatalf("Untagged = %v %v, want only %s (not the tagged %s, not the purged %s)", ids, err, old, tagged, gone)
	}
	if recs, _ := s.Owned(owner); len(recs) != 0 {
		t.Fatalf("found before tagging: %+v", recs)
	}
	for _, id := range []string{old, tagged, gone} {
		did, err := s.TagOwners(WithOwners(ctx, owner), id)
		if err != nil || did != (id == old) {
			t.Fatalf("TagOwners(%s) = %v %v", id, did, err)
		}
	}
	if did, _ := s.TagOwners(WithOwners(ctx, "079201000002"), old); did {
		t.Fatal("a tagged record was tagged again")
	}
	if recs, err := s.Owned(owner); err != nil || len(recs) != 1 || recs[0].UUID != old {
		t.Fatalf("Owned after tagging: %+v %v", recs, err)
	}
	if ids, _ := s.Untagged(); len(ids) != 0 {
		t.Fatalf("still untagged: %v", ids)
	}
	if did, err := s.TagOwners(ctx, old); did || err != nil { // no ID number named
		t.Fatalf("TagOwners without owners = %v %v", did, err)
	}
}
