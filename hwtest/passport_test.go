package hwtest

import (
	"bytes"
	"testing"

	"motcua/hwtest/simcard"
	"motcua/reader"
	"motcua/reader/cccd"
	"motcua/reader/lds"
)

// TestPassport: an e-passport (TD3 MRZ, no DG13, JPEG 2000 face) reads
// with the MRZ typed (document number, birth, expiry) or scanned (both
// lines as a keyboard-wedge MRZ reader types them), by PACE with the MRZ
// or by BAC, with the same honest verdicts as an ID card; in-process and,
// with MOTCUA_PCSC=1, through pcscd and vpcd.
func TestPassport(t *testing.T) {
	p := simcard.PassportProfile()
	pp := p.Passport
	scanned, err := pp.MRZLines()
	if err != nil {
		t.Fatal(err)
	}
	trust := testTrust(t)
	key := func(t *testing.T, s string) []reader.Key {
		k, err := reader.KeyFromMRZ(s)
		if err != nil {
			t.Fatal(err)
		}
		return []reader.Key{k}
	}
	for name, h := range harnesses(t) {
		t.Run(name, func(t *testing.T) {
			for _, tt := range []struct {
				name, fault, mrz, access string
				passive, chip            string
				face                     string
			}{
				{"PACE-MRZ typed", "", "C0123456/930105/340301", cccd.AccessPACE, cccd.PassiveVerified, cccd.ChipAuthPassed, lds.MIMEJPEG2000},
				{"PACE-MRZ scanned", "", scanned, cccd.AccessPACE, cccd.PassiveVerified, cccd.ChipAuthPassed, lds.MIMEJPEG2000},
				{"BAC scanned", string(simcard.FaultNoPACE), scanned, cccd.AccessBAC, cccd.PassiveVerified, cccd.ChipAuthPassed, lds.MIMEJPEG2000},
				{"39794-5 face", string(simcard.FaultFace39794), scanned, cccd.AccessPACE, cccd.PassiveVerified, cccd.ChipAuthPassed, lds.MIMEJPEG2000},
				{"clone", string(simcard.FaultClone), scanned, cccd.AccessPACE, cccd.PassiveVerified, cccd.ChipAuthFailed, lds.MIMEJPEG2000},
				{"MRZ altered after signing", string(simcard.FaultDG13Altered), scanned, cccd.AccessPACE, cccd.PassiveFailed, cccd.ChipAuthPassed, lds.MIMEJPEG2000},
				// PACE-CAM with the MRZ (as ICAO 9303-11 Appendix I does).
				{"PACE-CAM", string(simcard.FaultPACECAM), scanned, cccd.AccessPACE, cccd.PassiveVerified, cccd.ChipAuthPassed, lds.MIMEJPEG2000},
				{"PACE-CAM for another key", string(simcard.FaultCAMWrongKey), scanned, cccd.AccessPACE, cccd.PassiveVerified, cccd.ChipAuthFailed, lds.MIMEJPEG2000},
				{"PACE-CAM announced, not done", string(simcard.FaultCAMNotDone), scanned, cccd.AccessPACE, cccd.PassiveVerified, cccd.ChipAuthFailed, lds.MIMEJPEG2000},
				{"PACE-CAM clone", string(simcard.FaultPACECAM + "," + simcard.FaultClone), scanned, cccd.AccessPACE, cccd.PassiveVerified, cccd.ChipAuthFailed, lds.MIMEJPEG2000},
			} {
				t.Run(tt.name, func(t *testing.T) {
					res, err := reader.Read(insert(t, h, newCard(t, p, simcard.Fault(tt.fault))), reader.Options{Keys: key(t, tt.mrz), Trust: trust})
					if err != nil {
						t.Fatal(err)
					}
					v := res.Verification
					if res.Access != tt.access || v.Passive != tt.passive || v.ChipAuth != tt.chip {
						t.Fatalf("access %s, verdict %+v; want %s %s %s", res.Access, v, tt.access, tt.passive, tt.chip)
					}
					if tt.passive == cccd.PassiveFailed {
						return // the identity shown is the altered one, flagged failed
					}
					if res.Document != cccd.DocumentPassport || res.DocumentNumber != pp.DocumentNumber {
						t.Fatalf("document %q %q", res.Document, res.DocumentNumber)
					}
					id := res.Identity
					if id.FullName != "NGUYEN VAN THU" || id.DateOfBirth != pp.DateOfBirth || id.DateOfExpiry != pp.DateOfExpiry ||
						id.Sex != "Nam" || id.Nationality != "VNM" || id.IDNumber != pp.PersonalNumber {
						t.Fatalf("identity %+v", id)
					}
					if res.PhotoMIME != tt.face || !bytes.Equal(res.Photo, simcard.PassportFaceJP2()) || res.PhotoRefused != "" {
						t.Fatalf("face %s, %d bytes, refused %q", res.PhotoMIME, len(res.Photo), res.PhotoRefused)
					}
					if img, err := lds.DecodePhoto(res.Photo); err != nil || img.Bounds().Dx() != 240 {
						t.Fatalf("the JPEG 2000 face does not decode: %v", err)
					}
					if res.Stats.APDUsToIdentity == 0 {
						t.Fatal("no identity milestone (the MRZ is a passport's identity)")
					}
				})
			}
			t.Run("wrong MRZ", func(t *testing.T) {
				_, err := reader.Read(insert(t, h, newCard(t, p, "")), reader.Options{Keys: key(t, "C0123457/930105/340301")})
				if err == nil {
					t.Fatal("a wrong MRZ opened the passport")
				}
			})
		})
	}
}

// TestPassportProfileRefusesUnmodelledFaults: a fault the passport does not
// model is an error, not silently a genuine passport.
func TestPassportProfileRefusesUnmodelledFaults(t *testing.T) {
	if _, err := simcard.PassportProfile().Card(simcard.CardOptions{Fault: simcard.FaultVNPKI}); err == nil {
		t.Fatal("vn-pki accepted on a passport")
	}
}
