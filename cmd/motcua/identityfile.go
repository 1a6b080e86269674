package main

import (
	"encoding/json"
	"fmt"
	"time"

	"motcua/reader/cccd"
	"motcua/reader/lds"
	"motcua/reader/pa"
)

// chipFilesKey is the JSON member of an identity file that carries the raw
// chip files, base64, keyed by file name ("EF.SOD", "DG1", "DG13", ...).
// With them the identity can be verified again; without them a file is only
// someone's word.
const chipFilesKey = "chip_files"

// identityFile is what `motcua forms prefill --identity` reads: `motcua read
// --json` output, optionally with the chip files.
type identityFile struct {
	ChipFiles map[string][]byte `json:"chip_files"`
}

// Reasons an identity from a file is not chip-verified.
const (
	reasonNoChipFiles = "read from a file without EF.SOD and DG13 (chip_files): the verdict in the file is not trusted"
	reasonEdited      = "the identity in the file differs from its signed DG13: it was edited after the read"
	reasonFromFile    = "read from a file: clone detection needs the chip itself"
)

// loadIdentityFile parses an identity file and decides its verdict anew: a
// verdict written in the file is never trusted. The identity is
// chip-verified only when the file carries EF.SOD and DG13, Passive
// Authentication over them chains to the trust store, and every identity
// field equals what the signed DG13 says. Chip Authentication cannot be
// repeated from a file; it is reported as not checked.
func loadIdentityFile(b []byte, trust *pa.TrustStore, now time.Time) (*cccd.ReadResult, error) {
	r, err := cccd.ParseReadResult(b)
	if err != nil {
		return nil, err
	}
	var f identityFile
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, err
	}
	defer func() {
		for _, v := range f.ChipFiles {
			clear(v)
		}
	}()
	claimed := r.Verification
	r.Verification = &cccd.Verification{Passive: cccd.PassiveNotChecked, PassiveReason: reasonNoChipFiles, ChipAuth: cccd.ChipAuthNotChecked}
	if claimed != nil && claimed.ChipAuth == cccd.ChipAuthFailed {
		// A recorded clone-detection failure is kept: it can only lower trust.
		r.Verification.ChipAuth, r.Verification.ChipAuthReason = claimed.ChipAuth, claimed.ChipAuthReason
	}
	if len(f.ChipFiles) == 0 {
		return r, nil
	}
	sod := f.ChipFiles[lds.FileOf(lds.SOD).Name]
	dgs := map[lds.FileID][]byte{}
	for name, v := range f.ChipFiles {
		id, ok := dataGroupNamed(name)
		if !ok {
			switch name {
			case lds.FileOf(lds.SOD).Name, lds.FileOf(lds.CardAccess).Name, lds.FileOf(lds.COM).Name:
				continue // EF.SOD is taken above; the others prove nothing
			}
			return nil, fmt.Errorf("%s: unknown file %q (want EF.SOD, EF.CardAccess, EF.COM or DG1..DG16)", chipFilesKey, name)
		}
		dgs[id] = v
	}
	if len(sod) == 0 || len(dgs[lds.DG13]) == 0 {
		return r, nil
	}
	res := pa.Verify(sod, dgs, trust, now)
	v := r.Verification
	v.Passive, v.PassiveReason, v.Signer, v.CSCA = res.Verdict, res.Reason, res.Signer, res.CSCA
	if v.ChipAuth != cccd.ChipAuthFailed {
		v.ChipAuthReason = reasonFromFile
		// Clone detection needs the live chip: a file cannot redo Chip or
		// Active Authentication. When EF.SOD signs neither DG14 nor DG15
		// the card announces no such proof and none is owed (the reader's
		// verdict rule 5); otherwise the proof is owed and a file cannot
		// give it, so the identity is not chip-verified.
		if s, err := lds.ParseSOD(sod); err == nil {
			_, ca := s.Hashes[lds.DG14]
			_, aa := s.Hashes[lds.DG15]
			if !ca && !aa {
				v.ChipAuth, v.ChipAuthReason = cccd.ChipAuthNotSupported, ""
			}
		}
	}
	if res.Verdict == cccd.PassiveFailed {
		return r, nil
	}
	d13, err := lds.ParseDG13(dgs[lds.DG13])
	if err != nil {
		v.Passive, v.PassiveReason = cccd.PassiveFailed, "DG13 in the file is malformed: "+err.Error()
		return r, nil
	}
	if d13.Identity() != r.Identity {
		v.Passive, v.PassiveReason = cccd.PassiveFailed, reasonEdited
	}
	return r, nil
}

// dataGroupNamed maps "DG1".."DG16" to its file.
func dataGroupNamed(name string) (lds.FileID, bool) {
	for id := lds.FileID(1); id <= 16; id++ {
		if lds.FileOf(id).Name == name {
			return id, true
		}
	}
	return 0, false
}
