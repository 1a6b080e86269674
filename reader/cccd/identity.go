// Package cccd holds the Vietnamese citizen identity read from a CCCD / thẻ
// căn cước: the identity record every other package consumes, the 12-digit ID
// number rules, and the masking used wherever an ID could reach a log.
package cccd

import (
	"encoding/json"
	"time"
)

// Identity is what the card says about its holder. Dates are YYYY-MM-DD;
// absent values are empty strings. The JSON form is the `motcua read --json`
// schema that the kiosk, the local API and the outbox all consume.
type Identity struct {
	IDNumber         string `json:"id_number"`
	FullName         string `json:"full_name"`
	DateOfBirth      string `json:"date_of_birth"`
	Sex              string `json:"sex"` // "Nam" or "Nữ" as printed; see SexCode
	Nationality      string `json:"nationality"`
	Ethnicity        string `json:"ethnicity"` // sensitive (DG13 field 6)
	Religion         string `json:"religion"`  // sensitive (DG13 field 7)
	PlaceOfOrigin    string `json:"place_of_origin"`
	PlaceOfResidence string `json:"place_of_residence"`
	IdentifyingMarks string `json:"identifying_marks"`
	DateOfIssue      string `json:"date_of_issue"`
	DateOfExpiry     string `json:"date_of_expiry"` // "" when the card never expires
	FatherName       string `json:"father_name"`
	MotherName       string `json:"mother_name"`
	SpouseName       string `json:"spouse_name"`
	OldIDNumber      string `json:"old_id_number"`
}

// Wipe clears every field. Go strings cannot be zeroed in place; dropping the
// last reference is the most that can be done for them.
func (id *Identity) Wipe() { *id = Identity{} }

// Passive Authentication verdicts. They are never collapsed into one boolean:
// only PassiveVerified may be shown as "verified".
const (
	PassiveVerified     = "verified"
	PassiveChainUnknown = "chain_unknown"
	PassiveFailed       = "failed"
	PassiveNotChecked   = "not_checked"
)

// Chip (clone-detection) verdicts.
const (
	ChipAuthPassed       = "passed"
	ChipAuthFailed       = "failed"
	ChipAuthNotSupported = "not_supported"
	ChipAuthNotChecked   = "not_checked"
)

// Verification is the proof that the chip is genuine and unaltered.
type Verification struct {
	Passive       string `json:"passive"`
	PassiveReason string `json:"passive_reason,omitempty"`
	// PassiveInfo is information that does not change the verdict, such
	// as "document signer expired since …" for a signer that was valid
	// when it signed.
	PassiveInfo string `json:"passive_info,omitempty"`
	ChipAuth    string `json:"chip_auth"`
	// ChipAuthReason says why clone detection failed.
	ChipAuthReason string `json:"chip_auth_reason,omitempty"`
	// ChipAuthMethod is how the chip proved itself when ChipAuth is
	// passed: ChipAuthCA, ChipAuthAA or ChipAuthCAM.
	ChipAuthMethod string `json:"chip_auth_method,omitempty"`
	Signer         string `json:"signer,omitempty"` // document signer subject
	CSCA           string `json:"csca,omitempty"`   // trust anchor subject
}

// Verified reports whether the card may be shown as verified: Passive
// Authentication chained to a trusted CSCA, and the chip proved itself
// (passed) or, by what EF.SOD signs, has nothing to prove (not_supported).
// A clone check not run (not_checked) is not a verified card.
func (v *Verification) Verified() bool {
	return v != nil && v.Passive == PassiveVerified && (v.ChipAuth == ChipAuthPassed || v.ChipAuth == ChipAuthNotSupported)
}

// Chip authentication methods (Verification.ChipAuthMethod): Chip
// Authentication after the chip is opened, Active Authentication, or
// PACE's Chip Authentication Mapping (PACE-CAM).
const (
	ChipAuthCA  = "ca"
	ChipAuthAA  = "aa"
	ChipAuthCAM = "pace-cam"
)

// Access methods.
const (
	AccessPACE = "pace"
	AccessBAC  = "bac"
	// AccessPACECAM is how a read is shown when the chip proved itself
	// inside PACE (ReadResult.Access stays AccessPACE and
	// Verification.ChipAuthMethod is ChipAuthCAM).
	AccessPACECAM = "pace+cam"
)

// Stats describes what a read cost.
type Stats struct {
	APDUs  int              `json:"apdus"`
	Bytes  int              `json:"bytes"`
	StepMS map[string]int64 `json:"ms"` // milliseconds per step: "access", "DG13", "DG1", ...
	Total  int64            `json:"total_ms"`
	// APDUsToIdentity counts the APDUs until DG13 (the form can show) was read.
	APDUsToIdentity int `json:"apdus_to_identity"`
}

// ReadResult is a chip read: the identity plus how it was obtained.
type ReadResult struct {
	Identity
	// Document is DocumentIDCard (a CCCD / thẻ căn cước, identity from
	// DG13) or DocumentPassport (identity from the MRZ in DG1).
	Document string `json:"document,omitempty"`
	// DocumentNumber is the passport number (MRZ); "" for ID cards, whose
	// number is IDNumber.
	DocumentNumber string        `json:"document_number,omitempty"`
	Access         string        `json:"access"`
	DataGroups     []string      `json:"data_groups"`
	Stats          Stats         `json:"stats"`
	Verification   *Verification `json:"verification,omitempty"`
	Warnings       []string      `json:"warnings,omitempty"`
	// Photo is the DG2 face image (JPEG or JPEG 2000). It is sensitive and
	// never part of the JSON; `motcua read --photo` writes it to a file.
	Photo     []byte `json:"-"`
	PhotoMIME string `json:"photo_mime,omitempty"`
	// PhotoRefused says why the chip's photo is not shown (too large to
	// decode safely: a "photo bomb"); Photo is then empty. The verdicts
	// are unaffected: DG2 is still checked against EF.SOD.
	PhotoRefused string    `json:"photo_refused,omitempty"`
	ReadAt       time.Time `json:"read_at"`
}

// Document kinds of ReadResult.Document.
const (
	DocumentIDCard   = "id_card"
	DocumentPassport = "passport"
)

// Wipe zeroes the photo bytes and clears the identity.
func (r *ReadResult) Wipe() {
	clear(r.Photo)
	r.Identity.Wipe()
	*r = ReadResult{}
}

// ParseReadResult decodes the JSON printed by `motcua read --json`.
func ParseReadResult(b []byte) (*ReadResult, error) {
	var r ReadResult
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, err
	}
	return &r, nil
}
