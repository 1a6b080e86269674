package cccd

import "testing"

// Verified needs Passive Authentication to a trusted CSCA and a chip that
// proved itself or, by what its EF.SOD signs, has nothing to prove.
func TestVerifiedNeedsProof(t *testing.T) {
	for _, tt := range []struct {
		passive, chip string
		want          bool
	}{
		{PassiveVerified, ChipAuthPassed, true},
		{PassiveVerified, ChipAuthNotSupported, true},
		{PassiveVerified, ChipAuthNotChecked, false},
		{PassiveVerified, ChipAuthFailed, false},
		{PassiveVerified, "", false},
		{PassiveChainUnknown, ChipAuthPassed, false},
		{PassiveFailed, ChipAuthPassed, false},
		{PassiveNotChecked, ChipAuthNotSupported, false},
	} {
		v := &Verification{Passive: tt.passive, ChipAuth: tt.chip}
		if v.Verified() != tt.want {
			t.Errorf("passive %q chip_auth %q: Verified() = %v", tt.passive, tt.chip, !tt.want)
		}
	}
	var none *Verification
	if none.Verified() {
		t.Error("no verification is not verified")
	}
}
