package simcard

import (
	"bytes"
	"crypto"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"maps"
	"math/rand/v2"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"motcua/reader/cccd"
	"motcua/reader/cms"
	"motcua/reader/ecc"
	"motcua/reader/icao"
	"motcua/reader/lds"
	"motcua/reader/tlv"
)

// CardOptions shape how a profile becomes a card.
type CardOptions struct {
	Fault       Fault
	FaultAfter  int
	Extended    bool // extended-length APDUs (true unless the fault says short-only)
	MaxResponse int
	Issuer      *Issuer // nil: DefaultIssuer
}

// Keys are a card's private keys (Chip and Active Authentication).
type Keys struct {
	CA *ecc.Curve
	// CAPrivate is the DG14 Chip Authentication key.
	CAPrivate []byte
	// AAPrivate is the DG15 Active Authentication key (EC, same curve).
	AAPrivate []byte
}

// cardKeys derives a card's private keys from its ID, so the same profile
// always yields the same chip.
func (p Profile) cardKeys() Keys {
	seed := sha256.Sum256([]byte("motcua synthetic chip keys: " + p.Identity.IDNumber))
	r := rand.NewChaCha8(seed)
	caPriv, _, _ := ecc.BrainpoolP256r1.GenerateKey(r)
	aaPriv, _, _ := ecc.BrainpoolP256r1.GenerateKey(r)
	return Keys{CA: ecc.BrainpoolP256r1, CAPrivate: caPriv, AAPrivate: aaPriv}
}

// mrzName transliterates a Vietnamese name for the MRZ: no diacritics,
// đ -> D, family name first, then "<<" and the given names.
func mrzName(full string) (primary, secondary string) {
	var b strings.Builder
	for _, r := range norm.NFD.String(full) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case r == 'đ' || r == 'Đ':
			b.WriteRune('D')
		default:
			b.WriteRune(unicode.ToUpper(r))
		}
	}
	parts := strings.Fields(b.String())
	if len(parts) == 0 {
		return "", ""
	}
	return parts[0], strings.Join(parts[1:], " ")
}

func yymmdd(iso string) string {
	t, err := time.Parse("2006-01-02", iso)
	if err != nil {
		return cccd.NoExpiry
	}
	return t.Format("060102")
}

// MRZ renders the card's TD1 MRZ: the document number is the last 9 digits
// of the ID; the optional data holds the full ID and its check digit.
func (p Profile) MRZ() (string, error) {
	id := p.Identity
	doc, err := cccd.BACDocumentNumber(id.IDNumber)
	if err != nil {
		return "", err
	}
	cd, _ := lds.CheckDigit(id.IDNumber)
	primary, secondary := mrzName(id.FullName)
	sex := map[string]string{"M": "M", "F": "F"}[cccd.SexCode(id.Sex)]
	return lds.BuildTD1(lds.TD1Fields{
		DocumentCode: "ID", IssuingState: "VNM", DocumentNumber: doc,
		OptionalData1: id.IDNumber + "<<" + string(cd),
		DateOfBirth:   yymmdd(id.DateOfBirth), Sex: sex, DateOfExpiry: expiryYYMMDD(id.DateOfExpiry),
		Nationality: "VNM", PrimaryName: primary, SecondaryName: secondary,
	})
}

func expiryYYMMDD(iso string) string {
	if iso == "" {
		return cccd.NoExpiry
	}
	return yymmdd(iso)
}

// MRZInfo is the BAC key seed input of the card.
func (p Profile) MRZInfo() (string, error) {
	doc, err := cccd.BACDocumentNumber(p.Identity.IDNumber)
	if err != nil {
		return "", err
	}
	return lds.MRZInfo(doc, yymmdd(p.Identity.DateOfBirth), expiryYYMMDD(p.Identity.DateOfExpiry))
}

// paceParams is the CCCD suite: ECDH generic mapping, AES-128, brainpoolP256r1.
var paceParams = icao.PACEParams{Protocol: icao.PACEProtocol{OID: lds.OIDPACEECDHGMAES128, Cipher: icao.AES128}, ParamID: 13}

// Card personalises a virtual card for the profile: EF.CardAccess as on
// real cards, EF.COM, DG1, DG2, DG3 (EAC-protected), DG13, DG14, DG15 and
// an EF.SOD signed by the test document signer.
func (p Profile) Card(o CardOptions) (*Card, error) {
	if p.Passport != nil {
		return p.Passport.card(o)
	}
	if err := cccd.ValidateIDNumber(p.Identity.IDNumber); err != nil {
		return nil, fmt.Errorf("card profile: %w", err)
	}
	is := o.Issuer
	if is == nil {
		var err error
		switch {
		case o.Fault.Has(FaultUntrustedSigner):
			is, err = UntrustedIssuer()
		case o.Fault.Has(FaultExpiredSigner), o.Fault.Has(FaultOldSigner):
			is, err = ExpiredIssuer()
		default:
			is, err = DefaultIssuer()
		}
		if err != nil {
			return nil, err
		}
	}
	mrz, err := p.MRZ()
	if err != nil {
		return nil, fmt.Errorf("card MRZ: %w", err)
	}
	info, err := p.MRZInfo()
	if err != nil {
		return nil, err
	}
	keys := p.cardKeys()
	caPub := keys.CA.ScalarBaseMult(keys.CAPrivate)
	aaPub := keys.CA.ScalarBaseMult(keys.AAPrivate)
	caKeyInfo, err := lds.BuildChipAuthPublicKey(lds.ChipAuthPublicKey{Key: &lds.PublicKey{Curve: keys.CA, Point: caPub}})
	if err != nil {
		return nil, err
	}
	dg15, err := lds.BuildDG15(&lds.PublicKey{Curve: keys.CA, Point: aaPub})
	if err != nil {
		return nil, err
	}
	face := SyntheticFace(p.FaceSeed)
	faceW, faceH := 240, 320
	if o.Fault.Has(FaultPhotoBomb) {
		face, faceW, faceH = PhotoBomb(), 65535, 65535
	}
	// DG14 repeats, signed, what EF.CardAccess announces (PACE, Chip and
	// Terminal Authentication), as ICAO 9303-11 requires.
	dg14PACE := lds.PACEInfo{Protocol: lds.OIDPACEECDHGMAES128, Version: 2, ParameterID: 13}
	if o.Fault.Has(FaultCardAccessAltered) {
		dg14PACE.ParameterID = 16
	}
	cam, camInfo := camFault(o.Fault), camInfo(o.Fault) // the PACE-CAM PACEInfo, in EF.CardAccess, DG14 and EF.CardSecurity alike
	dg14 := lds.BuildDG14(
		camInfo,
		lds.BuildPACEInfo(dg14PACE),
		lds.BuildChipAuthInfo(lds.ChipAuthInfo{Protocol: lds.OIDCAECDHAES128, Version: 1}),
		caKeyInfo,
		lds.BuildTAInfo(),
		lds.BuildActiveAuthInfo(cms.OIDECDSAWithSHA256))
	if o.Fault.Has(FaultAAOnly) {
		dg14 = lds.BuildDG14(lds.BuildActiveAuthInfo(cms.OIDECDSAWithSHA256))
	}
	if o.Fault.Has(FaultDG14KeyOnly) {
		dg14 = lds.BuildDG14(caKeyInfo)
	}
	buildDG2 := lds.BuildDG2
	if o.Fault.Has(FaultFace39794) {
		buildDG2 = lds.BuildDG2ISO39794
	}
	files := map[lds.FileID][]byte{
		lds.DG1:  lds.BuildDG1(mrz),
		lds.DG2:  buildDG2(face, faceW, faceH),
		lds.DG13: lds.BuildDG13(p.Identity),
		lds.DG14: dg14,
		lds.DG15: dg15,
	}
	if o.Fault.Has(FaultDG14KeyOnly) {
		delete(files, lds.DG15) // Chip Authentication is its only proof
	}
	dg3 := []byte{0x63, 0x04, 0x7F, 0x61, 0x01, 0x00}
	var sod []byte
	switch {
	case o.Fault.Has(FaultExplicitCurve):
		sod, err = hostileCurveFiles(files, is)
	case o.Fault.Has(FaultVNPKI):
		var vn *VNLikePKI
		if vn, err = VNLike(); err == nil {
			signed := maps.Clone(files)
			signed[lds.DG3] = dg3
			sod, err = vn.SignSOD(signed, time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC))
		}
	default:
		signedAt := is.DS.NotBefore.Add(24 * time.Hour)
		if o.Fault.Has(FaultExpiredSigner) {
			signedAt = is.DS.NotAfter.AddDate(0, 1, 0) // a leaked key used after its certificate ended
		}
		signed := maps.Clone(files)
		signed[lds.DG3] = dg3 // every data group EF.COM lists is hashed, DG3 (EAC) too
		sod, err = lds.BuildSOD(crypto.SHA256, signed, is.DS, is.DSKey, signedAt)
	}
	if err != nil {
		return nil, fmt.Errorf("sign EF.SOD: %w", err)
	}
	if o.Fault.Has(FaultBERSOD) {
		ci, err := tlv.Unwrap(sod, 0x77)
		if err == nil {
			ci, err = cms.IndefiniteBER(ci)
		}
		if err != nil {
			return nil, fmt.Errorf("EF.SOD as BER: %w", err)
		}
		sod = tlv.Encode(0x77, ci)
	}
	if o.Fault.Has(FaultDG13Altered) {
		// A forger rewrites the residence after issuance; the signed hash stays.
		forged := p.Identity
		forged.PlaceOfResidence = "Số 1 Phố Giả, Phường Giả, Hà Nội"
		files[lds.DG13] = lds.BuildDG13(forged)
	}
	if o.Fault.Has(FaultClone) || o.Fault.Has(FaultCloneHidesDG14) || o.Fault.Has(FaultCloneMuteAfterCA) {
		keys.CAPrivate, keys.AAPrivate = nil, nil // copied data, but the keys never leave a chip
	}
	cardAccess := lds.BuildSecurityInfos(
		camInfo,
		lds.BuildPACEInfo(lds.PACEInfo{Protocol: lds.OIDPACEECDHGMAES128, Version: 2, ParameterID: 13}),
		lds.BuildChipAuthInfo(lds.ChipAuthInfo{Protocol: lds.OIDCAECDHAES128, Version: 1}),
		lds.BuildTAInfo())
	if o.Fault.Has(FaultAAOnly) || o.Fault.Has(FaultCloneHidesDG14) || o.Fault.Has(FaultDG14KeyOnly) {
		// EF.CardAccess is not signed: a clone strips what would give it away.
		cardAccess = lds.BuildSecurityInfos(lds.BuildPACEInfo(lds.PACEInfo{Protocol: lds.OIDPACEECDHGMAES128, Version: 2, ParameterID: 13}))
	}
	app := []File{
		{FID: 0x011E, SFI: 0x1E, Data: lds.BuildCOM([]lds.FileID{lds.DG1, lds.DG2, lds.DG3, lds.DG13, lds.DG14, lds.DG15})},
		{FID: 0x0103, SFI: 0x03, Data: dg3, EAC: true},
		{FID: 0x011D, SFI: 0x1D, Data: sod},
	}
	for id, b := range files {
		if o.Fault.Has(FaultCloneHidesDG14) && (id == lds.DG14 || id == lds.DG15) {
			continue // signed by EF.SOD, yet "file not found"
		}
		f := lds.FileOf(id)
		app = append(app, File{FID: f.FID, SFI: f.SFI, Data: b})
	}
	cfg := Config{
		MF:          []File{{FID: 0x011C, SFI: 0x1C, Data: cardAccess, Open: true}},
		App:         app,
		CAN:         p.CAN(),
		MRZInfo:     info,
		Extended:    o.Extended,
		MaxResponse: o.MaxResponse,
		Fault:       o.Fault,
		FaultAfter:  o.FaultAfter,
		Rand:        rand.NewChaCha8(deriveSeed(p.Identity.IDNumber, time.Now().UnixNano())),
		ChipAuth:    &icao.CACard{Protocol: lds.OIDCAECDHAES128, Curve: keys.CA, Private: keys.CAPrivate},
		AACurve:     keys.CA,
		AAPrivate:   keys.AAPrivate,
	}
	if o.Fault.Has(FaultAAOnly) {
		cfg.ChipAuth = nil
	}
	if o.Fault.Has(FaultDG14KeyOnly) {
		cfg.ChipAuth.Protocol = lds.OIDCAECDH3DES // CA version 1
	}
	pp := paceParams
	cfg.PACE = &pp
	configureCAM(&cfg, o.Fault, keys.CAPrivate, p.Identity.IDNumber)
	if o.Fault.Has(FaultCardSecurity) || o.Fault.Has(FaultCardSecurityForged) || cam {
		// EF.CardSecurity carries every SecurityInfo of EF.CardAccess and
		// the Chip Authentication key (BSI TR-03110-3), signed like EF.SOD.
		infos := lds.BuildSecurityInfos(
			camInfo,
			lds.BuildPACEInfo(dg14PACE),
			lds.BuildChipAuthInfo(lds.ChipAuthInfo{Protocol: lds.OIDCAECDHAES128, Version: 1}),
			lds.BuildTAInfo(),
			caKeyInfo)
		cs, err := lds.BuildCardSecurity(infos, is.DS, is.DSKey, is.DS.NotBefore.Add(24*time.Hour))
		if err != nil {
			return nil, fmt.Errorf("sign EF.CardSecurity: %w", err)
		}
		if o.Fault.Has(FaultCardSecurityForged) {
			ta := lds.BuildTAInfo()
			i := bytes.Index(cs, ta)
			cs[i+len(ta)-1] = 2 // TerminalAuthenticationInfo version 1 -> 2
		}
		cfg.MF = append(cfg.MF, File{FID: 0x011D, SFI: 0x1D, Data: cs})
	}
	if o.Fault.Has(FaultNoPACE) {
		cfg.PACE = nil
		cfg.MF = nil
	}
	return New(cfg), nil
}

func deriveSeed(id string, salt int64) [32]byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(salt))
	return sha256.Sum256(append([]byte(id), b[:]...))
}
