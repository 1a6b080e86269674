package reader

import (
	"fmt"
	"strings"
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
	if err := assembleIdentity(res, raw); err != nil {
		return nil, err
	}
	if err := assemblePhoto(res, raw); err != nil {
		return nil, err
	}
	res.Verification = verify(raw, trust, now)
	if res.Verification.Passive != cccd.PassiveFailed && res.Verification.ChipAuth == cccd.ChipAuthFailed {
		res.Warnings = append(res.Warnings, "probable clone: the signed data is genuine but the chip failed chip authentication")
	}
	return res, nil
}

// assembleIdentity fills res with the identity of DG13 (cross-checked with
// DG1), or of DG1 alone (a passport). Shared by Assemble and the early
// report (early.go), so both say the same.
func assembleIdentity(res *cccd.ReadResult, raw *RawRead) error {
	if dg13, ok := raw.Files[lds.DG13]; ok {
		d13, err := lds.ParseDG13(dg13)
		if err != nil {
			return fmt.Errorf("%w: DG13: %v", ErrMalformed, err)
		}
		res.Identity, res.Document = d13.Identity(), cccd.DocumentIDCard
		if dg1, ok := raw.Files[lds.DG1]; ok {
			mrz, err := lds.ParseDG1(dg1)
			if err != nil {
				return fmt.Errorf("%w: DG1: %v", ErrMalformed, err)
			}
			res.Warnings = append(res.Warnings, crossCheckMRZ(mrz, res.Identity)...)
		}
		res.Warnings = append(res.Warnings, cccd.CheckIDAgainst(res.IDNumber, res.DateOfBirth, res.Sex)...)
	} else if dg1, ok := raw.Files[lds.DG1]; ok {
		// A passport (or a foreign ID card): no DG13, the identity is the MRZ.
		mrz, err := lds.ParseDG1(dg1)
		if err != nil {
			return fmt.Errorf("%w: DG1: %v", ErrMalformed, err)
		}
		res.Identity, res.Document, res.DocumentNumber = identityFromMRZ(mrz)
		if res.IDNumber != "" {
			res.Warnings = append(res.Warnings, cccd.CheckIDAgainst(res.IDNumber, res.DateOfBirth, res.Sex)...)
		}
	} else {
		if err := raw.Unread[lds.DG13]; err != nil {
			return fmt.Errorf("%w: the chip gave neither DG13 (personal data: %v) nor DG1 (MRZ: %v)", ErrMalformed, err, unreadWhy(raw, lds.DG1))
		}
		return fmt.Errorf("%w: the chip has neither DG13 (personal data) nor DG1 (MRZ)", ErrMalformed)
	}
	return nil
}

// assemblePhoto fills res with the DG2 face image, when it was read and
// passes the photo budget.
func assemblePhoto(res *cccd.ReadResult, raw *RawRead) error {
	if dg2, ok := raw.Files[lds.DG2]; ok {
		face, err := lds.ParseDG2(dg2)
		if err != nil {
			return fmt.Errorf("%w: DG2: %v", ErrMalformed, err)
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
	return nil
}

// verify runs Passive Authentication and applies the verdict rules of
// doc.go to the clone check.
func verify(raw *RawRead, trust *pa.TrustStore, now time.Time) *cccd.Verification {
	dgs := map[lds.FileID][]byte{}
	for id, b := range raw.Files {
		if id >= 1 && id <= 16 {
			dgs[id] = b
		}
	}
	var r pa.Result
	var sod *lds.SODData // what EF.SOD signs; nil when it is unknown
	if err, ok := raw.Unread[lds.SOD]; ok {
		r = pa.Result{Verdict: cccd.PassiveFailed, Reason: "EF.SOD could not be read whole: " + err.Error()}
	} else {
		r = pa.Verify(raw.Files[lds.SOD], dgs, trust, now)
		sod, _ = lds.ParseSOD(raw.Files[lds.SOD])
	}
	v := &cccd.Verification{Passive: r.Verdict, PassiveReason: r.Reason, PassiveInfo: r.Info, Signer: r.Signer, CSCA: r.CSCA}
	failChip := func(reason string) {
		if v.ChipAuth != cccd.ChipAuthFailed {
			v.ChipAuth, v.ChipAuthReason = cccd.ChipAuthFailed, reason
		}
	}
	if raw.ChipAuth == cccd.ChipAuthFailed {
		failChip(raw.ChipAuthReason)
	}

	// Rule 1: every data group EF.SOD signs and the reader asked for must
	// have been given.
	if sod != nil {
		for _, id := range raw.Attempted {
			if _, signed := sod.Hashes[id]; !signed || raw.Files[id] != nil {
				continue
			}
			why := fmt.Sprintf("EF.SOD signs %s but the chip did not give it (%v)", id, unreadWhy(raw, id))
			switch {
			case id == lds.DG14 || id == lds.DG15:
				failChip(why)
			case v.Passive != cccd.PassiveFailed:
				v.Passive, v.PassiveReason = cccd.PassiveFailed, why
			}
		}
	}

	// Rule 1b: EF.CardAccess is not signed; the PACE it announced, and that
	// was used, must be one the signed DG14 lists (when DG14 lists any).
	if raw.PACE != nil && raw.Files[lds.DG14] != nil && v.Passive != cccd.PassiveFailed {
		if si, err := lds.ParseDG14(raw.Files[lds.DG14]); err == nil && len(si.PACE) > 0 {
			listed := false
			for _, p := range si.PACE {
				listed = listed || (p.Protocol.Equal(raw.PACE.Protocol) && p.ParameterID == raw.PACE.ParameterID)
			}
			if !listed {
				v.Passive, v.PassiveReason = cccd.PassiveFailed, fmt.Sprintf(
					"EF.CardAccess announces PACE %s with parameters %d, which the signed DG14 does not list: EF.CardAccess was altered",
					raw.PACE.Protocol, raw.PACE.ParameterID)
			}
		}
	}

	// Rule 1c: EF.CardSecurity, when the chip gave it, is verified like
	// EF.SOD and must carry every SecurityInfo of EF.CardAccess.
	if cs := raw.Files[lds.CardSecurity]; cs != nil && v.Passive != cccd.PassiveFailed {
		cr := pa.VerifyCardSecurity(cs, trust, now)
		switch cr.Verdict {
		case cccd.PassiveFailed:
			v.Passive, v.PassiveReason = cccd.PassiveFailed, cr.Reason
		case cccd.PassiveChainUnknown:
			if v.Passive == cccd.PassiveVerified {
				v.Passive, v.PassiveReason = cccd.PassiveChainUnknown, cr.Reason
			}
		}
		if v.Passive != cccd.PassiveFailed {
			if reason := cardAccessAgainst(raw.Files[lds.CardAccess], cs); reason != "" {
				v.Passive, v.PassiveReason = cccd.PassiveFailed, reason
			}
		}
	}

	// Rules 2 and 3: what the chip announces, it must prove.
	dg14Signed := sod != nil && sod.Hashes[lds.DG14] != nil
	dg15Signed := sod != nil && sod.Hashes[lds.DG15] != nil
	dg14CA := false
	if b := raw.Files[lds.DG14]; b != nil {
		si, err := lds.ParseDG14(b)
		dg14CA = err != nil || len(si.ChipAuth) > 0 || len(si.ChipKeys) > 0 // a malformed DG14 has already failed
	}
	caRequired := raw.CardAccessCA || dg14CA || (dg14Signed && raw.Files[lds.DG14] == nil)
	aaRequired := !caRequired && (dg15Signed || raw.Files[lds.DG15] != nil)
	switch {
	case v.ChipAuth == cccd.ChipAuthFailed:
	case raw.CardAccessCAM || raw.ChipAuthMethod == "CAM":
		// Rule 2b: a chip that announces PACE-CAM proves itself with it.
		switch {
		case raw.ChipAuth == cccd.ChipAuthPassed && raw.ChipAuthMethod == "CAM":
			v.ChipAuth, v.ChipAuthMethod = cccd.ChipAuthPassed, cccd.ChipAuthCAM
		case raw.ChipAuthMethod != "CAM":
			failChip("EF.CardAccess announces PACE-CAM but the chip did not run it (no Chip Authentication Mapping)")
		case raw.ChipAuthReason != "":
			failChip(raw.ChipAuthReason)
		default:
			failChip("PACE-CAM was not completed")
		}
	case caRequired && raw.ChipAuth == cccd.ChipAuthPassed && raw.ChipAuthMethod == "CA":
		v.ChipAuth, v.ChipAuthMethod = cccd.ChipAuthPassed, cccd.ChipAuthCA
	case caRequired:
		switch {
		case raw.Files[lds.DG14] == nil:
			failChip(fmt.Sprintf("EF.CardAccess announces Chip Authentication but the chip did not give DG14 (%v)", unreadWhy(raw, lds.DG14)))
		case !dg14CA:
			failChip("EF.CardAccess announces Chip Authentication but DG14 offers none")
		default:
			failChip("Chip Authentication was not completed")
		}
	case aaRequired && raw.ChipAuth == cccd.ChipAuthPassed && raw.ChipAuthMethod == "AA":
		v.ChipAuth, v.ChipAuthMethod = cccd.ChipAuthPassed, cccd.ChipAuthAA
	case aaRequired && raw.Files[lds.DG15] == nil:
		failChip(fmt.Sprintf("EF.SOD signs DG15 (Active Authentication) but the chip did not give it (%v)", unreadWhy(raw, lds.DG15)))
	case aaRequired:
		failChip("Active Authentication was not completed")
	default:
		v.ChipAuth = cccd.ChipAuthNotSupported
	}
	return v
}

// cardAccessAgainst checks EF.CardAccess against the signed content of
// EF.CardSecurity; it returns the failure reason, "" when they agree.
func cardAccessAgainst(cardAccess, cardSecurity []byte) string {
	cs, err := lds.ParseCardSecurity(cardSecurity)
	if err != nil {
		return err.Error()
	}
	if cardAccess == nil {
		return ""
	}
	missing, err := lds.MissingFrom(cardAccess, cs.InfosDER)
	if err != nil {
		return "EF.CardAccess is malformed: " + err.Error()
	}
	if len(missing) > 0 {
		return fmt.Sprintf("EF.CardAccess lists %s, which the signed EF.CardSecurity does not: EF.CardAccess was altered", lds.DescribeSecurityInfo(missing[0]))
	}
	return ""
}

// unreadWhy is the chip's answer for a file it did not give.
func unreadWhy(raw *RawRead, id lds.FileID) string {
	if err := raw.Unread[id]; err != nil {
		return err.Error()
	}
	return "not read"
}

// identityFromMRZ is the identity a passport's chip gives: the MRZ of
// DG1, names in its Latin transliteration (no diacritics). A Vietnamese
// passport's personal number (the optional data) is its holder's 12-digit
// ID number when it validates as one.
func identityFromMRZ(m *lds.MRZ) (id cccd.Identity, document, number string) {
	id.FullName = strings.TrimSpace(m.PrimaryName + " " + m.SecondaryName)
	id.DateOfBirth = m.BirthDate()
	switch m.Sex {
	case "M":
		id.Sex = "Nam"
	case "F":
		id.Sex = "Nữ"
	}
	id.Nationality = m.Nationality
	id.DateOfExpiry = m.ExpiryDate()
	if n := m.IDNumber(); n != "" && cccd.ValidateIDNumber(n) == nil {
		id.IDNumber = n
	}
	document = cccd.DocumentIDCard
	if m.IsPassport() {
		document = cccd.DocumentPassport
	}
	return id, document, m.DocumentNumber
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
