package simcard

import (
	"crypto"
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"motcua/reader/cms"
	"motcua/reader/ecc"
	"motcua/reader/icao"
	"motcua/reader/lds"
)

// Passport is a synthetic e-passport (TD3 MRZ, no DG13): what a
// Vietnamese e-passport issued since 2023, or a foreign party's passport,
// gives a reader. Every value is invented.
type Passport struct {
	DocumentNumber string `json:"document_number"` // at most 9 characters
	IssuingState   string `json:"issuing_state"`   // "VNM"
	Nationality    string `json:"nationality"`
	Surname        string `json:"surname"`     // MRZ form: A-Z and spaces
	GivenNames     string `json:"given_names"` // MRZ form
	DateOfBirth    string `json:"date_of_birth"`
	DateOfExpiry   string `json:"date_of_expiry"`
	Sex            string `json:"sex"` // "M", "F" or ""
	// PersonalNumber is the MRZ optional data: a Vietnamese passport
	// carries its holder's 12-digit ID number there.
	PersonalNumber string `json:"personal_number,omitempty"`
	// CAN is the card access number printed on the data page, for PACE
	// with the CAN ("" when the passport has none: PACE with the MRZ).
	CAN string `json:"can,omitempty"`
}

// PassportProfile is the fictitious Vietnamese e-passport holder of the
// tests: JPEG 2000 face, PACE with the MRZ (BAC for older readers).
func PassportProfile() Profile {
	return Profile{Generation: GenerationPassport, Passport: &Passport{
		DocumentNumber: "C0123456", IssuingState: "VNM", Nationality: "VNM",
		Surname: "NGUYEN", GivenNames: "VAN THU", DateOfBirth: "1993-01-05", DateOfExpiry: "2034-03-01",
		Sex: "M", PersonalNumber: "001093047064",
	}}
}

// GenerationPassport marks a passport profile.
const GenerationPassport = "passport"

// MRZ renders the passport's TD3 MRZ.
func (pp *Passport) MRZ() (string, error) {
	return lds.BuildTD3(lds.TD3Fields{
		DocumentCode: "P", IssuingState: pp.IssuingState, DocumentNumber: pp.DocumentNumber,
		Nationality: pp.Nationality, DateOfBirth: yymmdd(pp.DateOfBirth), Sex: pp.Sex,
		DateOfExpiry: yymmdd(pp.DateOfExpiry), PersonalNumber: pp.PersonalNumber,
		PrimaryName: pp.Surname, SecondaryName: pp.GivenNames,
	})
}

// MRZLines is the MRZ as printed (and as a keyboard-wedge MRZ reader types
// it): two lines of 44.
func (pp *Passport) MRZLines() (string, error) {
	m, err := pp.MRZ()
	if err != nil {
		return "", err
	}
	return m[:44] + "\n" + m[44:], nil
}

func (pp *Passport) validate() error {
	for _, d := range []struct{ name, v string }{{"date_of_birth", pp.DateOfBirth}, {"date_of_expiry", pp.DateOfExpiry}} {
		if _, err := time.Parse("2006-01-02", d.v); err != nil {
			return fmt.Errorf("passport profile: %s must be YYYY-MM-DD", d.name)
		}
	}
	if pp.DocumentNumber == "" || len(pp.DocumentNumber) > 9 {
		return fmt.Errorf("passport profile: document_number must be 1 to 9 characters")
	}
	_, err := pp.MRZ()
	return err
}

// passportFaults are the modes a passport supports; others are refused
// rather than silently ignored.
var passportFaults = []Fault{FaultNoPACE, FaultClone, FaultFace39794, FaultDG13Altered, FaultShortOnly, FaultSlow, FaultGlitch, FaultBadMAC,
	FaultPACECAM, FaultCAMWrongKey, FaultCAMNotDone, FaultCAMRefused}

// card personalises a virtual e-passport: EF.CardAccess (PACE GM
// brainpoolP256r1, Chip and Terminal Authentication), EF.COM, DG1 (TD3),
// DG2 (JPEG 2000 face), DG14, DG15 and EF.SOD signed by the test document
// signer (DG13 "altered" here means DG1 altered: a passport has no DG13).
func (pp *Passport) card(o CardOptions) (*Card, error) {
	if err := pp.validate(); err != nil {
		return nil, err
	}
	for _, f := range strings.Split(string(o.Fault), ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		ok := false
		for _, k := range passportFaults {
			ok = ok || Fault(f) == k
		}
		if !ok {
			return nil, fmt.Errorf("passport profile: fault %q is not modelled for passports", f)
		}
	}
	is := o.Issuer
	if is == nil {
		var err error
		if is, err = DefaultIssuer(); err != nil {
			return nil, err
		}
	}
	mrz, err := pp.MRZ()
	if err != nil {
		return nil, err
	}
	info, err := lds.MRZInfo(pp.DocumentNumber, yymmdd(pp.DateOfBirth), yymmdd(pp.DateOfExpiry))
	if err != nil {
		return nil, err
	}
	seed := sha256.Sum256([]byte("motcua synthetic passport keys: " + pp.DocumentNumber))
	r := rand.NewChaCha8(seed)
	caPriv, _, _ := ecc.BrainpoolP256r1.GenerateKey(r)
	aaPriv, _, _ := ecc.BrainpoolP256r1.GenerateKey(r)
	curve := ecc.BrainpoolP256r1
	caKeyInfo, err := lds.BuildChipAuthPublicKey(lds.ChipAuthPublicKey{Key: &lds.PublicKey{Curve: curve, Point: curve.ScalarBaseMult(caPriv)}})
	if err != nil {
		return nil, err
	}
	dg15, err := lds.BuildDG15(&lds.PublicKey{Curve: curve, Point: curve.ScalarBaseMult(aaPriv)})
	if err != nil {
		return nil, err
	}
	face := PassportFaceJP2()
	buildDG2 := lds.BuildDG2
	if o.Fault.Has(FaultFace39794) {
		buildDG2 = lds.BuildDG2ISO39794
	}
	pace := lds.BuildPACEInfo(lds.PACEInfo{Protocol: lds.OIDPACEECDHGMAES128, Version: 2, ParameterID: 13})
	cam := camInfo(o.Fault) // PACE-CAM, when the fault asks for it, listed wherever PACE is
	caInfo := lds.BuildChipAuthInfo(lds.ChipAuthInfo{Protocol: lds.OIDCAECDHAES128, Version: 1})
	files := map[lds.FileID][]byte{
		lds.DG1:  lds.BuildDG1(mrz),
		lds.DG2:  buildDG2(face, 240, 320),
		lds.DG14: lds.BuildDG14(cam, pace, caInfo, caKeyInfo, lds.BuildTAInfo(), lds.BuildActiveAuthInfo(cms.OIDECDSAWithSHA256)),
		lds.DG15: dg15,
	}
	sod, err := lds.BuildSOD(crypto.SHA256, files, is.DS, is.DSKey, is.DS.NotBefore.Add(24*time.Hour))
	if err != nil {
		return nil, fmt.Errorf("sign EF.SOD: %w", err)
	}
	if o.Fault.Has(FaultDG13Altered) {
		forged := strings.Replace(mrz, "NGUYEN", "NGUYEX", 1)
		files[lds.DG1] = lds.BuildDG1(forged)
	}
	if o.Fault.Has(FaultClone) {
		caPriv, aaPriv = nil, nil
	}
	app := []File{
		{FID: 0x011E, SFI: 0x1E, Data: lds.BuildCOM([]lds.FileID{lds.DG1, lds.DG2, lds.DG14, lds.DG15})},
		{FID: 0x011D, SFI: 0x1D, Data: sod},
	}
	for id, b := range files {
		f := lds.FileOf(id)
		app = append(app, File{FID: f.FID, SFI: f.SFI, Data: b})
	}
	maxResp := o.MaxResponse
	cfg := Config{
		MF:          []File{{FID: 0x011C, SFI: 0x1C, Data: lds.BuildSecurityInfos(cam, pace, caInfo, lds.BuildTAInfo()), Open: true}},
		App:         app,
		CAN:         pp.CAN,
		MRZInfo:     info,
		Extended:    o.Extended,
		MaxResponse: maxResp,
		Fault:       o.Fault,
		FaultAfter:  o.FaultAfter,
		Rand:        rand.NewChaCha8(deriveSeed(pp.DocumentNumber, time.Now().UnixNano())),
		ChipAuth:    &icao.CACard{Protocol: lds.OIDCAECDHAES128, Curve: curve, Private: caPriv},
		AACurve:     curve,
		AAPrivate:   aaPriv,
	}
	pp2 := paceParams
	cfg.PACE = &pp2
	if camFault(o.Fault) {
		// A PACE-CAM passport carries EF.CardSecurity (ICAO 9303-11 §4.4.3.5).
		cs, err := lds.BuildCardSecurity(lds.BuildSecurityInfos(cam, pace, caInfo, lds.BuildTAInfo(), caKeyInfo), is.DS, is.DSKey, is.DS.NotBefore.Add(24*time.Hour))
		if err != nil {
			return nil, fmt.Errorf("sign EF.CardSecurity: %w", err)
		}
		cfg.MF = append(cfg.MF, File{FID: 0x011D, SFI: 0x1D, Data: cs})
		configureCAM(&cfg, o.Fault, caPriv, pp.DocumentNumber)
	}
	if o.Fault.Has(FaultNoPACE) {
		cfg.PACE, cfg.MF = nil, nil
	}
	return New(cfg), nil
}
