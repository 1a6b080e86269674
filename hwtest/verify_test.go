package hwtest

import (
	"bytes"
	"strings"
	"testing"

	"motcua/hwtest/simcard"
	"motcua/reader"
	"motcua/reader/cccd"
	"motcua/reader/pa"
)

// testTrust is a trust store holding the test CSCA of every synthetic card
// and the Vietnamese-like test CSCA (vn-pki).
func testTrust(t testing.TB) *pa.TrustStore {
	ts, err := simcard.DefaultTrust()
	if err != nil {
		t.Fatal(err)
	}
	vn, err := simcard.VNLike()
	if err != nil {
		t.Fatal(err)
	}
	c, err := pa.ParseCert(vn.CSCA)
	if err != nil {
		t.Fatal(err)
	}
	ts.Add(c)
	return ts
}

// Every forgery mode must produce the right verdict, through every transport.
func TestForgeryVerdicts(t *testing.T) {
	p := simcard.NewProfile(11)
	trust := testTrust(t)
	tests := []struct {
		fault    simcard.Fault
		passive  string
		chipAuth string
		verified bool
		// reason, when set, must appear in the failed verdict's reason
		// (passive's when passive failed, else chip_auth's).
		reason string
	}{
		{"", cccd.PassiveVerified, cccd.ChipAuthPassed, true, ""},
		{simcard.FaultDG13Altered, cccd.PassiveFailed, cccd.ChipAuthPassed, false, "DG13 does not match"},
		{simcard.FaultUntrustedSigner, cccd.PassiveChainUnknown, cccd.ChipAuthPassed, false, ""},
		{simcard.FaultExpiredSigner, cccd.PassiveFailed, cccd.ChipAuthPassed, false, "expired on 2023-06-01, before EF.SOD was signed"},
		{simcard.FaultOldSigner, cccd.PassiveVerified, cccd.ChipAuthPassed, true, ""},
		{simcard.FaultBERSOD, cccd.PassiveVerified, cccd.ChipAuthPassed, true, ""},
		{simcard.FaultAAOnly + "," + simcard.FaultAADER, cccd.PassiveVerified, cccd.ChipAuthPassed, true, ""},
		{simcard.FaultDG14KeyOnly, cccd.PassiveVerified, cccd.ChipAuthPassed, true, ""},
		{simcard.FaultVNPKI, cccd.PassiveVerified, cccd.ChipAuthPassed, true, ""},
		{simcard.FaultFace39794, cccd.PassiveVerified, cccd.ChipAuthPassed, true, ""},
		{simcard.FaultCardSecurity, cccd.PassiveVerified, cccd.ChipAuthPassed, true, ""},
		{simcard.FaultCardSecurityForged, cccd.PassiveFailed, cccd.ChipAuthPassed, false, "EF.CardSecurity"},
		{simcard.FaultCardSecurity + "," + simcard.FaultCardAccessAltered, cccd.PassiveFailed, cccd.ChipAuthPassed, false, "EF.CardAccess was altered"},
		{simcard.FaultDG14KeyOnly + "," + simcard.FaultClone, cccd.PassiveVerified, cccd.ChipAuthFailed, false, "probable clone"},
		{simcard.FaultClone, cccd.PassiveVerified, cccd.ChipAuthFailed, false, "probable clone"},
		// EF.SOD cannot be read whole, so what it signs is unknown: the
		// chip's own Chip Authentication still stands.
		{simcard.FaultTruncatedSOD, cccd.PassiveFailed, cccd.ChipAuthPassed, false, "EF.SOD"},
		{simcard.FaultAAOnly, cccd.PassiveVerified, cccd.ChipAuthPassed, true, ""},
		{simcard.FaultAAOnly + "," + simcard.FaultClone, cccd.PassiveVerified, cccd.ChipAuthFailed, false, "active authentication failed"},
		// Issue 12: the trust holes.
		{simcard.FaultCloneHidesDG14, cccd.PassiveVerified, cccd.ChipAuthFailed, false, "EF.SOD signs DG14"},
		{simcard.FaultCloneMuteAfterCA, cccd.PassiveVerified, cccd.ChipAuthFailed, false, "probable clone"},
		{simcard.FaultMuteAfterCA, cccd.PassiveVerified, cccd.ChipAuthPassed, true, ""},
		{simcard.FaultPhotoBomb, cccd.PassiveVerified, cccd.ChipAuthPassed, true, ""},
		{simcard.FaultExplicitCurve, cccd.PassiveFailed, cccd.ChipAuthFailed, false, "explicit EC parameters"},
		{simcard.FaultPlain6700, cccd.PassiveVerified, cccd.ChipAuthPassed, true, ""},
		{simcard.FaultCardAccessAltered, cccd.PassiveFailed, cccd.ChipAuthPassed, false, "EF.CardAccess was altered"},
		// PACE-CAM: a chip that announces it proves itself with it.
		{simcard.FaultPACECAM, cccd.PassiveVerified, cccd.ChipAuthPassed, true, ""},
		{simcard.FaultCAMWrongKey, cccd.PassiveVerified, cccd.ChipAuthFailed, false, "does not match the static key in EF.CardSecurity"},
		{simcard.FaultCAMNotDone, cccd.PassiveVerified, cccd.ChipAuthFailed, false, "sent no Chip Authentication data"},
		{simcard.FaultCAMRefused, cccd.PassiveVerified, cccd.ChipAuthFailed, false, "announces PACE-CAM but the chip did not run it"},
		{simcard.FaultPACECAM + "," + simcard.FaultClone, cccd.PassiveVerified, cccd.ChipAuthFailed, false, "probable clone"},
		{simcard.FaultPACECAM + "," + simcard.FaultShortOnly, cccd.PassiveVerified, cccd.ChipAuthPassed, true, ""},
	}
	for name, h := range harnesses(t) {
		t.Run(name, func(t *testing.T) {
			for _, tt := range tests {
				t.Run(string(tt.fault)+"_", func(t *testing.T) {
					res, err := reader.Read(insert(t, h, newCard(t, p, tt.fault)), reader.Options{
						Keys: idKey(t, p.Identity.IDNumber), Trust: trust,
					})
					if err != nil {
						t.Fatalf("a readable card must read (the verdict is data): %v", err)
					}
					v := res.Verification
					if v.Passive != tt.passive || v.ChipAuth != tt.chipAuth || v.Verified() != tt.verified {
						t.Fatalf("verdict %+v, want passive %s chip %s verified %v", v, tt.passive, tt.chipAuth, tt.verified)
					}
					if tt.passive != cccd.PassiveVerified && v.PassiveReason == "" {
						t.Fatal("a verdict other than verified needs a reason")
					}
					if tt.chipAuth == cccd.ChipAuthFailed && v.ChipAuthReason == "" {
						t.Fatal("a failed chip authentication needs a reason")
					}
					reason := v.ChipAuthReason
					if tt.passive == cccd.PassiveFailed {
						reason = v.PassiveReason
					}
					if !strings.Contains(reason, tt.reason) {
						t.Fatalf("reason %q does not say %q", reason, tt.reason)
					}
					if tt.fault == simcard.FaultExplicitCurve && !strings.Contains(v.ChipAuthReason, "explicit EC parameters") {
						t.Fatalf("chip_auth reason %q does not name the explicit parameters", v.ChipAuthReason)
					}
					if (tt.fault == simcard.FaultOldSigner) != strings.Contains(v.PassiveInfo, "document signer expired since 2023-06-01") {
						t.Fatalf("passive_info %q", v.PassiveInfo)
					}
					if tt.fault == simcard.FaultPhotoBomb {
						if len(res.Photo) != 0 || res.PhotoRefused == "" {
							t.Fatalf("photo bomb kept (%d bytes), refusal %q", len(res.Photo), res.PhotoRefused)
						}
					} else if len(res.Photo) == 0 || res.PhotoRefused != "" {
						t.Fatalf("photo lost (%d bytes), refusal %q", len(res.Photo), res.PhotoRefused)
					} else if !bytes.Equal(res.Photo, simcard.SyntheticFace(p.FaceSeed)) {
						t.Fatal("the face read is not the face the card holds")
					}
					if res.Identity.IDNumber != p.Identity.IDNumber {
						t.Fatal("identity lost")
					}
				})
			}
			t.Run("no trust store", func(t *testing.T) {
				res, err := reader.Read(insert(t, h, newCard(t, p, "")), reader.Options{Keys: idKey(t, p.Identity.IDNumber)})
				if err != nil || res.Verification.Passive != cccd.PassiveChainUnknown || res.Verification.Verified() {
					t.Fatalf("err %v verdict %+v", err, res.Verification)
				}
			})
		})
	}
}
