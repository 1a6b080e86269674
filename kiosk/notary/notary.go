// Package notary records how each party of a notarial act was identified:
// the chip data, the Passive and Chip Authentication verdicts, the face
// image from the chip that was shown to the notary, the time, the device and
// notary, and the act's reference. The record is exported as JSON and as a
// printable page (PNG).
package notary

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"motcua/reader/cccd"
)

// SchemaV1 names this version of the record.
const SchemaV1 = "motcua.notary/v1"

// Record is the identity verification of one notarial act.
type Record struct {
	Schema   string    `json:"schema"`
	ActRef   string    `json:"act_reference"` // số công chứng / reference of the notarial act
	NotaryID string    `json:"notary_id"`
	Office   string    `json:"office"`
	Device   string    `json:"device"`
	At       time.Time `json:"at"`
	Parties  []Party   `json:"parties"`
	// SigningPhotos (version 2) are the photos of the signing, by hash.
	SigningPhotos []SigningPhoto `json:"signing_photos,omitempty"`
	// EDocument (version 2) is the electronic notarial document's QR/link.
	EDocument *ElectronicDocument `json:"electronic_document,omitempty"`
}

// Party is one person of the act.
type Party struct {
	Role         string             `json:"role"` // e.g. bên bán, bên mua, RoleWitness, RoleInterpreter
	IDNumber     string             `json:"id_number"`
	FullName     string             `json:"full_name"`
	DateOfBirth  string             `json:"date_of_birth"`
	Sex          string             `json:"sex"`
	Nationality  string             `json:"nationality"`
	Residence    string             `json:"place_of_residence"`
	DateOfIssue  string             `json:"date_of_issue"`
	DateOfExpiry string             `json:"date_of_expiry"`
	Access       string             `json:"access"` // pace or bac
	Verification *cccd.Verification `json:"verification"`
	// Verified is true only when Passive Authentication chained to a
	// trusted CSCA and the chip did not fail clone detection.
	Verified bool `json:"verified"`
	// PhotoSHA256 identifies the chip photo shown to the notary; the photo
	// itself is on the printed page, not in the JSON.
	PhotoSHA256 string `json:"photo_sha256,omitempty"`
	photo       []byte

	// Document is "passport" for a party identified by a chip passport
	// (a foreign party), with its number; absent for an ID card (issue 20).
	Document       string `json:"document,omitempty"`
	DocumentNumber string `json:"document_number,omitempty"`
}

// PartyRole is the role of the n-th party of an act (from 1) when the
// notary has not named it: "Bên 1", "Bên 2" (the record is a Vietnamese
// document whatever the screen's language).
func PartyRole(n int) string { return fmt.Sprintf("Bên %d", n) }

// PartyFromRead records a party from a chip read.
func PartyFromRead(role string, r *cccd.ReadResult) (Party, error) {
	if r == nil || r.Verification == nil {
		return Party{}, errors.New("notary: a party needs a chip read with its verification")
	}
	p := Party{Role: role, IDNumber: r.IDNumber, FullName: r.FullName, DateOfBirth: r.DateOfBirth, Sex: r.Sex,
		Nationality: r.Nationality, Residence: r.PlaceOfResidence, DateOfIssue: r.DateOfIssue, DateOfExpiry: r.DateOfExpiry,
		Access: r.Access, Verification: r.Verification, Verified: r.Verification.Verified()}
	if r.Document == cccd.DocumentPassport {
		p.Document, p.DocumentNumber = r.Document, r.DocumentNumber
	}
	if len(r.Photo) > 0 {
		sum := sha256.Sum256(r.Photo)
		p.PhotoSHA256 = hex.EncodeToString(sum[:])
		p.photo = append([]byte(nil), r.Photo...)
	}
	return p, nil
}

// New starts a record.
func New(actRef, notaryID, office, device string, at time.Time, parties ...Party) (*Record, error) {
	if actRef == "" || notaryID == "" {
		return nil, errors.New("notary: the act reference and the notary are required")
	}
	if len(parties) == 0 {
		return nil, errors.New("notary: no party")
	}
	return &Record{Schema: SchemaV1, ActRef: actRef, NotaryID: notaryID, Office: office, Device: device, At: at.UTC(), Parties: parties}, nil
}

// JSON encodes the record (version 2 when it carries what version 1 has
// not: signing photos, an electronic document, witnesses or interpreters).
func (r *Record) JSON() ([]byte, error) {
	r.Schema = r.schema()
	return json.MarshalIndent(r, "", "  ")
}

// Wipe zeroes the photos held for printing.
func (r *Record) Wipe() {
	for i := range r.Parties {
		clear(r.Parties[i].photo)
		r.Parties[i].photo = nil
	}
	for i := range r.SigningPhotos {
		clear(r.SigningPhotos[i].data)
		r.SigningPhotos[i].data = nil
	}
}

// verdictText is the badge of a party, honest about what was proven.
func verdictText(p Party) (vi, en string, ok bool) {
	v := p.Verification
	switch {
	case p.Verified:
		return "ĐÃ XÁC THỰC CHIP", "CHIP VERIFIED", true
	case v.ChipAuth == cccd.ChipAuthFailed:
		return "NGHI THẺ GIẢ (chip không xác thực được)", "PROBABLE CLONE (chip authentication failed)", false
	case v.Passive == cccd.PassiveFailed:
		return "KHÔNG HỢP LỆ: " + v.PassiveReason, "INVALID: " + v.PassiveReason, false
	case v.Passive == cccd.PassiveChainUnknown:
		return "CHƯA XÁC THỰC (không có chứng thư gốc)", "NOT VERIFIED (issuer not in the trust store)", false
	}
	return "CHƯA KIỂM TRA", "NOT CHECKED", false
}

// Summary is a one-line description of a party's verification.
func Summary(p Party) string {
	vi, en, _ := verdictText(p)
	return fmt.Sprintf("%s / %s", vi, en)
}
