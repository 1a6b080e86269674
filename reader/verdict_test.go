package reader_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"motcua/hwtest/simcard"
	"motcua/reader"
	"motcua/reader/cccd"
	"motcua/reader/iso7816"
	"motcua/reader/lds"
)

// readRaw reads a synthetic card's files in-process.
func readRaw(t *testing.T, fault simcard.Fault, opts reader.Options) *reader.RawRead {
	t.Helper()
	p := simcard.NewProfile(3)
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
	opts.Keys = []reader.Key{k}
	raw, err := reader.ReadFiles(r, opts)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// The verdict rules of doc.go on reads that the simulated card modes do
// not produce by themselves: each variant starts from a genuine read.
func TestVerdictRules(t *testing.T) {
	trust, err := simcard.DefaultTrust()
	if err != nil {
		t.Fatal(err)
	}
	hide := func(id lds.FileID) func(*reader.RawRead) {
		return func(raw *reader.RawRead) {
			delete(raw.Files, id)
			raw.Unread[id] = iso7816.ErrFileNotFound
		}
	}
	tests := []struct {
		name     string
		fault    simcard.Fault
		opts     reader.Options
		change   func(*reader.RawRead)
		passive  string
		chip     string
		verified bool
		reason   string
	}{
		{name: "genuine", passive: cccd.PassiveVerified, chip: cccd.ChipAuthPassed, verified: true},
		{name: "photo skipped on purpose", opts: reader.Options{SkipPhoto: true}, passive: cccd.PassiveVerified, chip: cccd.ChipAuthPassed, verified: true},
		{name: "signed DG1 hidden", change: hide(lds.DG1), passive: cccd.PassiveFailed, chip: cccd.ChipAuthPassed, reason: "EF.SOD signs DG1"},
		{name: "signed DG2 hidden", change: hide(lds.DG2), passive: cccd.PassiveFailed, chip: cccd.ChipAuthPassed, reason: "EF.SOD signs DG2"},
		{name: "signed DG15 hidden", change: hide(lds.DG15), passive: cccd.PassiveVerified, chip: cccd.ChipAuthFailed, reason: "EF.SOD signs DG15"},
		{name: "clone detection not attempted", opts: reader.Options{NoChipAuth: true}, passive: cccd.PassiveVerified, chip: cccd.ChipAuthFailed, reason: "not completed"},
		{name: "AA passed where CA is announced", change: func(raw *reader.RawRead) { raw.ChipAuthMethod = "AA" },
			passive: cccd.PassiveVerified, chip: cccd.ChipAuthFailed, reason: "not completed"},
		{name: "AA-only card, AA not attempted", fault: simcard.FaultAAOnly, opts: reader.Options{NoChipAuth: true},
			passive: cccd.PassiveVerified, chip: cccd.ChipAuthFailed, reason: "Active Authentication"},
		{name: "AA-only card, DG15 hidden", fault: simcard.FaultAAOnly, change: hide(lds.DG15),
			passive: cccd.PassiveVerified, chip: cccd.ChipAuthFailed, reason: "EF.SOD signs DG15"},
		{name: "EF.CardAccess announces CA, DG14 stripped of it", change: func(raw *reader.RawRead) {
			// What DG14 says must match what EF.SOD signed: re-signing is
			// out of reach, so model a DG14 neither read nor signed.
			delete(raw.Files, lds.DG14)
			delete(raw.Unread, lds.DG14)
			raw.Attempted = without(raw.Attempted, lds.DG14)
			raw.ChipAuth, raw.ChipAuthMethod = cccd.ChipAuthNotChecked, ""
		}, passive: cccd.PassiveVerified, chip: cccd.ChipAuthFailed, reason: "did not give DG14"},
		// Rule 1c: EF.CardSecurity.
		{name: "EF.CardSecurity read and verified", fault: simcard.FaultCardSecurity, change: func(raw *reader.RawRead) {
			if raw.Files[lds.CardSecurity] == nil {
				panic("EF.CardSecurity was not read")
			}
		}, passive: cccd.PassiveVerified, chip: cccd.ChipAuthPassed, verified: true},
		{name: "EF.CardAccess announces what EF.CardSecurity does not sign", fault: simcard.FaultCardSecurity, change: func(raw *reader.RawRead) {
			raw.Files[lds.CardAccess] = lds.BuildSecurityInfos(
				lds.BuildPACEInfo(lds.PACEInfo{Protocol: lds.OIDPACEECDHGMAES128, Version: 2, ParameterID: 16}),
				lds.BuildTAInfo())
		}, passive: cccd.PassiveFailed, chip: cccd.ChipAuthPassed, reason: "EF.CardAccess lists SecurityInfo 0.4.0.127.0.7.2.2.4.2.2, which the signed EF.CardSecurity does not"},
		{name: "EF.CardAccess a subset of EF.CardSecurity", fault: simcard.FaultCardSecurity, change: func(raw *reader.RawRead) {
			raw.Files[lds.CardAccess] = lds.BuildSecurityInfos(lds.BuildTAInfo())
		}, passive: cccd.PassiveVerified, chip: cccd.ChipAuthPassed, verified: true},
		{name: "EF.CardSecurity altered after signing", fault: simcard.FaultCardSecurityForged,
			passive: cccd.PassiveFailed, chip: cccd.ChipAuthPassed, reason: "EF.CardSecurity: signature does not verify"},
		{name: "EF.CardSecurity absent on a chip announcing TA: not judged", change: func(raw *reader.RawRead) {
			if raw.Unread[lds.CardSecurity] == nil {
				panic("the reader did not look for EF.CardSecurity")
			}
		}, passive: cccd.PassiveVerified, chip: cccd.ChipAuthPassed, verified: true},
		// Rule 2b: PACE-CAM.
		{name: "PACE-CAM chip proves itself in PACE", fault: simcard.FaultPACECAM, change: func(raw *reader.RawRead) {
			if !raw.CardAccessCAM || raw.ChipAuthMethod != "CAM" || raw.ChipAuthAPDUs != 0 || raw.Files[lds.CardSecurity] == nil {
				panic(fmt.Sprintf("PACE-CAM not used: announced %v method %q APDUs %d", raw.CardAccessCAM, raw.ChipAuthMethod, raw.ChipAuthAPDUs))
			}
		}, passive: cccd.PassiveVerified, chip: cccd.ChipAuthPassed, verified: true},
		{name: "PACE-CAM passed with Chip Authentication off (it is part of PACE)", fault: simcard.FaultPACECAM, opts: reader.Options{NoChipAuth: true},
			passive: cccd.PassiveVerified, chip: cccd.ChipAuthPassed, verified: true},
		{name: "PACE-CAM, lost answer: the new session proves itself again", fault: simcard.FaultPACECAM + "," + simcard.FaultGlitch,
			passive: cccd.PassiveVerified, chip: cccd.ChipAuthPassed, verified: true},
		{name: "PACE-CAM for another key, lost answer", fault: simcard.FaultCAMWrongKey + "," + simcard.FaultGlitch,
			passive: cccd.PassiveVerified, chip: cccd.ChipAuthFailed, reason: "does not match the static key"},
		{name: "PACE-CAM announced, Chip Authentication claimed instead", fault: simcard.FaultPACECAM,
			change:  func(raw *reader.RawRead) { raw.ChipAuthMethod = "CA" },
			passive: cccd.PassiveVerified, chip: cccd.ChipAuthFailed, reason: "announces PACE-CAM but the chip did not run it"},
		{name: "PACE-CAM proof never judged", fault: simcard.FaultPACECAM,
			change:  func(raw *reader.RawRead) { raw.ChipAuth = cccd.ChipAuthNotChecked },
			passive: cccd.PassiveVerified, chip: cccd.ChipAuthFailed, reason: "PACE-CAM was not completed"},
		{name: "PACE-CAM announcement stripped from EF.CardAccess", fault: simcard.FaultPACECAM, change: func(raw *reader.RawRead) {
			raw.CardAccessCAM = false
		}, passive: cccd.PassiveVerified, chip: cccd.ChipAuthPassed, verified: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := readRaw(t, tt.fault, tt.opts)
			if tt.change != nil {
				tt.change(raw)
			}
			res, err := reader.Assemble(raw, trust, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			v := res.Verification
			if v.Passive != tt.passive || v.ChipAuth != tt.chip || v.Verified() != tt.verified {
				t.Fatalf("verdict %+v, want passive %s chip_auth %s verified %v", v, tt.passive, tt.chip, tt.verified)
			}
			if !strings.Contains(v.PassiveReason+" | "+v.ChipAuthReason, tt.reason) {
				t.Fatalf("reasons %q | %q do not say %q", v.PassiveReason, v.ChipAuthReason, tt.reason)
			}
		})
	}
}

func without(ids []lds.FileID, drop lds.FileID) []lds.FileID {
	var out []lds.FileID
	for _, id := range ids {
		if id != drop {
			out = append(out, id)
		}
	}
	return out
}

// resetAfterCA is a transport that behaves like PC/SC when another program
// resets the card right after the Chip Authentication key switch: the
// proving command fails, and so does every exchange until Reconnect.
type resetAfterCA struct {
	card                   *simcard.Card
	sawMSE, sawGA, inReset bool
	struck                 bool
	reconnects             int
}

var errReset = fmt.Errorf("%w (the card was reset)", iso7816.ErrTransient)

func (r *resetAfterCA) Transmit(apdu []byte) ([]byte, error) {
	if r.inReset {
		return nil, errReset
	}
	switch {
	case len(apdu) >= 4 && apdu[1] == 0x22 && apdu[2] == 0x41 && apdu[3] == 0xA4:
		r.sawMSE = true // MSE:Set AT for Chip Authentication
	case r.sawMSE && !r.sawGA && apdu[1] == 0x86:
		r.sawGA = true // the key switch
	case r.sawGA && !r.struck:
		r.struck, r.inReset = true, true
		r.card.Reset()
		return nil, errReset
	}
	return r.card.Transmit(apdu)
}

func (r *resetAfterCA) Reconnect(bool) error {
	r.reconnects++
	r.inReset = false
	return nil
}

// A reset right after the key switch is an interruption: the reader
// reconnects, redoes Chip Authentication, and the verdict is the chip's.
func TestResetAfterChipAuthentication(t *testing.T) {
	trust, err := simcard.DefaultTrust()
	if err != nil {
		t.Fatal(err)
	}
	p := simcard.NewProfile(5)
	for _, tt := range []struct {
		fault simcard.Fault
		chip  string
	}{{"", cccd.ChipAuthPassed}, {simcard.FaultClone, cccd.ChipAuthFailed}} {
		card, err := p.Card(simcard.CardOptions{Fault: tt.fault, Extended: true})
		if err != nil {
			t.Fatal(err)
		}
		tr := &resetAfterCA{card: card}
		k, _ := reader.KeyFromID(p.Identity.IDNumber)
		res, err := reader.Read(tr, reader.Options{Keys: []reader.Key{k}, Trust: trust, SkipPhoto: true})
		if err != nil {
			t.Fatalf("%q: %v", tt.fault, err)
		}
		if !tr.struck || tr.reconnects != 1 {
			t.Fatalf("%q: reset struck %v, reconnects %d", tt.fault, tr.struck, tr.reconnects)
		}
		if v := res.Verification; v.ChipAuth != tt.chip || v.Passive != cccd.PassiveVerified {
			t.Fatalf("%q: verdict %+v, want chip_auth %s", tt.fault, v, tt.chip)
		}
	}
}

// paceV1 rewrites EF.CardAccess as it travels (it is read in plain) so that
// its PACEInfo says version 1.
type paceV1 struct{ card *simcard.Card }

func (p paceV1) Transmit(apdu []byte) ([]byte, error) {
	out, err := p.card.Transmit(apdu)
	if err == nil && len(apdu) >= 4 && apdu[0] == 0x00 && apdu[1] == 0xB0 && apdu[2] == 0x9C {
		out = []byte(strings.Replace(string(out), "\x02\x01\x02\x02\x01\x0D", "\x02\x01\x01\x02\x01\x0D", 1))
	}
	return out, err
}

// TestPACEInfoVersion1NotUsed: a PACEInfo must be version 2 (ICAO 9303-11);
// a version-1 announcement is not used for PACE, so the CAN alone cannot
// open the card (BAC needs the MRZ).
func TestPACEInfoVersion1NotUsed(t *testing.T) {
	p := simcard.NewProfile(3)
	card, err := p.Card(simcard.CardOptions{Extended: true})
	if err != nil {
		t.Fatal(err)
	}
	k, _ := reader.KeyFromID(p.Identity.IDNumber)
	_, err = reader.ReadFiles(paceV1{card}, reader.Options{Keys: []reader.Key{k}})
	if !errors.Is(err, reader.ErrNoKey) {
		t.Fatalf("err = %v, want ErrNoKey (no usable PACE)", err)
	}
	card.Reset()
	if _, err := reader.ReadFiles(card, reader.Options{Keys: []reader.Key{k}}); err != nil {
		t.Fatalf("the same card unaltered: %v", err)
	}
}
