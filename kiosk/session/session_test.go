package session

import (
	"context"
	"errors"
	"testing"
	"time"

	"motcua/kiosk/catalog"
	"motcua/kiosk/dossier"
	"motcua/reader/cccd"
	"motcua/sync/outbox"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func newSession(t *testing.T) (*Session, *clock, *outbox.Store) {
	cat, err := catalog.Load("")
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{t: time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)}
	store, err := outbox.Open(t.TempDir(), outbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return New(Config{Catalog: cat, Device: "kiosk-test", Idle: time.Minute, Grace: 20 * time.Second, Now: c.now}), c, store
}

func card(id, name, sex string) *cccd.ReadResult {
	return &cccd.ReadResult{
		Identity: cccd.Identity{IDNumber: id, FullName: name, DateOfBirth: "1993-01-05", Sex: sex, Nationality: "Việt Nam",
			Ethnicity: "Kinh", PlaceOfResidence: "Kim Ngưu, Vĩnh Tuy, Hai Bà Trưng, Hà Nội", OldIDNumber: "123456789"},
		Photo:        []byte{0xFF, 0xD8, 1, 2, 3},
		Verification: &cccd.Verification{Passive: cccd.PassiveVerified, ChipAuth: cccd.ChipAuthPassed},
	}
}

func TestVisitSubmitsToTheOutboxAndWipes(t *testing.T) {
	s, _, store := newSession(t)
	var states []State
	s.OnChange(func(st State) { states = append(states, st) })
	r := card("001093047064", "Nguyễn Văn Thử", "Nam")
	if err := s.CardRead(r, ""); err != nil {
		t.Fatal(err)
	}
	if err := s.ChooseService("1.000466", ""); err != nil {
		t.Fatal(err)
	}
	f := s.Form()
	f.Set("applicant", "dien_thoai", 0, "0912345678")
	f.Set("", "ly_do", 0, "Mở tài khoản ngân hàng")
	if probs, err := s.Review(); err != nil || len(probs) != 0 {
		t.Fatalf("review: %v %+v", err, probs)
	}
	if _, err := s.Submit(context.Background(), store, false); err == nil {
		t.Fatal("submitted without consent")
	}
	uuid, err := s.Submit(context.Background(), store, true)
	if err != nil {
		t.Fatal(err)
	}
	payload, err := store.Payload(uuid)
	if err != nil {
		t.Fatal(err)
	}
	d, err := dossier.Parse(payload)
	if err != nil {
		t.Fatal(err)
	}
	if d.ServiceCode != "1.000466" || d.Parties[0].Provenance != "chip_verified" || d.Parties[0].Fields["so_cmnd"].Value != "123456789" {
		t.Fatalf("dossier %+v", d)
	}
	if s.CardRead(card("001093047065", "X", "Nam"), "") == nil {
		t.Fatal("a card read after submission started a new visit before the old one ended")
	}
	s.CardRemoved()
	if s.State() != WaitingForCard || s.Primary() != nil || s.Receipt() != "" {
		t.Fatal("not wiped when the card left after submission")
	}
	if r.Photo != nil || r.IDNumber != "" {
		t.Fatal("the read result (photo, identity) was not wiped")
	}
	want := []State{Identified, Filling, Reviewing, Submitted, WaitingForCard}
	if len(states) != len(want) {
		t.Fatalf("states %v, want %v", states, want)
	}
}

func TestMarriageTwoCards(t *testing.T) {
	s, _, store := newSession(t)
	s.CardRead(card("001193047065", "Trần Thị Thử", "Nữ"), "")
	if err := s.ChooseService("1.000894", "spouse_1"); err != nil {
		t.Fatal(err)
	}
	if err := s.CardRead(card("001093047064", "Nguyễn Văn Thử", "Nam"), ""); !errors.Is(err, ErrState) {
		t.Fatal("second card without a role accepted")
	}
	if err := s.CardRead(card("001093047064", "Nguyễn Văn Thử", "Nam"), "spouse_2"); err != nil {
		t.Fatal(err)
	}
	f := s.Form()
	for _, p := range []string{"spouse_1", "spouse_2"} {
		f.Set(p, "dien_thoai", 0, "0912345678")
		f.Set(p, "lan_ket_hon", 0, "1")
		f.Confirm(p, "noi_cu_tru", 0)
	}
	if probs, _ := s.Review(); len(probs) != 0 {
		t.Fatalf("%+v", probs)
	}
	uuid, err := s.Submit(context.Background(), store, true)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := store.Payload(uuid)
	d, _ := dossier.Parse(b)
	if len(d.Parties) != 2 || d.Parties[1].Fields["ho_ten"].Value != "Nguyễn Văn Thử" {
		t.Fatalf("parties %+v", d.Parties)
	}
}

func TestIdleAndCancelWipe(t *testing.T) {
	s, c, _ := newSession(t)
	r := card("001093047064", "Nguyễn Văn Thử", "Nam")
	s.CardRead(r, "")
	c.t = c.t.Add(30 * time.Second)
	if s.Tick() != Active {
		t.Fatal("asked too early")
	}
	c.t = c.t.Add(31 * time.Second)
	if s.Tick() != StillThere {
		t.Fatal("no Still there? after a minute")
	}
	s.StillHere()
	c.t = c.t.Add(59 * time.Second)
	if s.Tick() != Active {
		t.Fatal("Still here did not restart the timer")
	}
	c.t = c.t.Add(25 * time.Second)
	if s.Tick() != WipedIdle || s.State() != WaitingForCard || r.Photo != nil {
		t.Fatal("not wiped on idle")
	}
	s.CardRead(card("001093047064", "Nguyễn Văn Thử", "Nam"), "")
	s.ChooseService("1.000466", "")
	s.Cancel()
	if s.State() != WaitingForCard || s.Form() != nil {
		t.Fatal("cancel did not wipe")
	}
}
