package reader

import (
	"fmt"
	"time"

	"motcua/reader/cccd"
	"motcua/reader/iso7816"
	"motcua/reader/lds"
	"motcua/reader/pa"
)

// Read reads the chip and assembles the identity: DG13 for the personal
// data, DG1 (the MRZ) cross-checked against it, DG2 for the face image. The
// verification verdict is left as not checked; Passive and Chip
// Authentication fill it in.
func Read(t iso7816.Transport, opts Options) (*cccd.ReadResult, error) {
	raw, err := ReadFiles(t, opts)
	if err != nil {
		return nil, err
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	res, err := Assemble(raw, opts.Trust, now)
	for id := range raw.Files {
		clear(raw.Files[id])
	}
	return res, err
}

// Assemble parses the files of a read into a ReadResult and runs Passive
// Authentication over them (trust may be nil).
func Assemble(raw *RawRead, trust *pa.TrustStore, now time.Time) (*cccd.ReadResult, error) {
	res := &cccd.ReadResult{
		Access: raw.Access,
		Stats:  raw.Stats,
		ReadAt: now.UTC(),
	}
	for _, id := range raw.Order {
		res.DataGroups = append(res.DataGroups, lds.FileOf(id).Name)
	}
	dg13, ok := raw.Files[lds.DG13]
	if !ok {
		return nil, fmt.Errorf("%w: the chip has no DG13 (personal data)", ErrMalformed)
	}
	d13, err := lds.ParseDG13(dg13)
	if err != nil {
		return nil, fmt.Errorf("%w: DG13: %v", ErrMalformed, err)
	}
	res.Identity = d13.Identity()
	if dg1, ok := raw.Files[lds.DG1]; ok {
		mrz, err := lds.ParseDG1(dg1)
		if err != nil {
			return nil, fmt.Errorf("%w: DG1: %v", ErrMalformed, err)
		}
		res.Warnings = append(res.Warnings, crossCheckMRZ(mrz, res.Identity)...)
	}
	if dg2, ok := raw.Files[lds.DG2]; ok {
		face, err := lds.ParseDG2(dg2)
		if err != nil {
			return nil, fmt.Errorf("%w: DG2: %v", ErrMalformed, err)
		}
		res.PhotoMIME = face.MIME
		if _, err := lds.CheckPhoto(face.Image); err != nil {
			// Not kept: nothing downstream (screen, notary record, local
			// API, a browser) may decode it. DG2 itself is still verified.
			res.PhotoRefused = err.Error()
			res.Warnings = append(res.Warnings, err.Error())
		} else {
			res.Photo = append([]byte(nil), face.Image...)
		}
	}
	res.Warnings = append(res.Warnings, cccd.CheckIDAgainst(res.IDNumber, res.DateOfBirth, res.Sex)...)
	res.Verification = verify(raw, trust, now)
	if res.Verification.Passive != cccd.PassiveFailed && res.Verification.ChipAuth == cccd.ChipAuthFailed {
		res.Warnings = append(res.Warnings, "probable clone: the signed data is genuine but the chip failed chip authentication")
	}
	return res, nil
}

// verify runs Passive Authentication and combines it with the clone check.
func verify(raw *RawRead, trust *pa.TrustStore, now time.Time) *cccd.Verification {
	dgs := map[lds.FileID][]byte{}
	for id, b := range raw.Files {
		if id >= 1 && id <= 16 {
			dgs[id] = b
		}
	}
	var r pa.Result
	if err, ok := raw.Damaged[lds.SOD]; ok {
		r = pa.Result{Verdict: cccd.PassiveFailed, Reason: "EF.SOD could not be read whole: " + err.Error()}
	} else {
		r = pa.Verify(raw.Files[lds.SOD], dgs, trust, now)
	}
	v := &cccd.Verification{Passive: r.Verdict, PassiveReason: r.Reason, Signer: r.Signer, CSCA: r.CSCA, ChipAuth: raw.ChipAuth}
	if v.ChipAuth == cccd.ChipAuthNotChecked && raw.Files[lds.DG14] == nil && raw.Files[lds.DG15] == nil {
		v.ChipAuth = cccd.ChipAuthNotSupported
	}
	for id, err := range raw.Damaged {
		if id != lds.SOD && v.ChipAuth != cccd.ChipAuthFailed {
			v.ChipAuth = cccd.ChipAuthFailed
			v.ChipAuthReason = lds.FileOf(id).Name + " could not be read whole: " + err.Error()
		}
	}
	if v.ChipAuth == cccd.ChipAuthFailed && v.ChipAuthReason == "" {
		v.ChipAuthReason = raw.ChipAuthReason
	} else if raw.ChipAuthReason != "" {
		v.ChipAuthReason = raw.ChipAuthReason
	}
	return v
}

// crossCheckMRZ compares the MRZ with DG13. Both are signed by the same
// document signer, so a mismatch means a badly personalised card, not a
// forgery; it is reported, not fatal.
func crossCheckMRZ(m *lds.MRZ, id cccd.Identity) []string {
	var warn []string
	if m.IDNumber() != "" && m.IDNumber() != id.IDNumber {
		warn = append(warn, "MRZ ID number differs from DG13")
	}
	if dob := m.BirthDate(); dob != "" && id.DateOfBirth != "" && dob[2:] != id.DateOfBirth[2:] {
		warn = append(warn, "MRZ date of birth differs from DG13")
	}
	if s := cccd.SexCode(m.Sex); s != "" && cccd.SexCode(id.Sex) != "" && s != cccd.SexCode(id.Sex) {
		warn = append(warn, "MRZ sex differs from DG13")
	}
	return warn
}
