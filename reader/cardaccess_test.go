package reader

import (
	"encoding/hex"
	"testing"

	"motcua/reader/icao"
	"motcua/reader/iso7816"
	"motcua/reader/lds"
)

// cardAccessChip answers READ BINARY of EF.CardAccess (SFI 1C) with one
// file and refuses everything else.
type cardAccessChip struct{ file []byte }

func (c cardAccessChip) Transmit(apdu []byte) ([]byte, error) {
	cmd, _, err := iso7816.ParseCommand(apdu)
	if err != nil || cmd.Ins != 0xB0 || cmd.P1 != 0x9C {
		return []byte{0x6A, 0x82}, nil
	}
	off := int(cmd.P2)
	if off >= len(c.file) {
		return []byte{0x6B, 0x00}, nil
	}
	return append(append([]byte(nil), c.file[off:]...), 0x90, 0x00), nil
}

// EF.CardAccess as real documents and public test suites carry it, and
// what the reader makes of it: the PACE it runs (PACE-CAM before generic
// mapping, whatever the order), and what it will ask the chip to prove.
func TestCardAccessVectors(t *testing.T) {
	tests := []struct {
		name  string
		hex   string
		oid   string // PACE protocol chosen; "" for none (BAC)
		param int
		gm    string // the generic mapping kept for a chip that refuses CAM
		ca    bool   // Chip Authentication announced
		cam   bool   // PACE-CAM announced
		cs    bool   // EF.CardSecurity to be read (TA or PACE-CAM)
	}{
		// The German eID test card "ePA - BDr GmbH - Testkarte v2.0"
		// (published with OpenPACE): TA v2, CA ECDH AES-128 key 0x41, PACE
		// ECDH GM AES-128 on brainpoolP256r1, CA domain parameters, CardInfo.
		{"German eID test card", "318182300D060804007F00070202020201023012060A04007F000702020302020201020201413012060A04007F0007020204020202010202010D301C060904007F000702020302300C060704007F0007010202010D020141302B060804007F0007020206161F655041202D2042447220476D6248202D20546573746B617274652076322E3004491715411928800A01B421FA07000000000000000000000000000000000000201010291010",
			"0.4.0.127.0.7.2.2.4.2.2", 13, "", true, false, true},
		// ICAO 9303-11 Appendix G.1: PACE ECDH GM AES-128, brainpoolP256r1.
		{"ICAO Appendix G.1", "31143012060A04007F0007020204020202010202010D", "0.4.0.127.0.7.2.2.4.2.2", 13, "", false, false, false},
		// ICAO 9303-11 Appendix I.1: PACE-CAM AES-128, brainpoolP256r1.
		{"ICAO Appendix I.1", "31143012060A04007F0007020204060202010202010D", "0.4.0.127.0.7.2.2.4.6.2", 13, "", false, true, true},
		// GM and CAM on brainpoolP384r1 with AES-256, in both orders
		// (gmrtd's selection vectors): CAM is chosen, GM kept.
		{"GM then CAM", "31283012060a04007f000702020402040201020201103012060a04007f00070202040604020102020110",
			"0.4.0.127.0.7.2.2.4.6.4", 16, "0.4.0.127.0.7.2.2.4.2.4", false, true, true},
		{"CAM then GM", "31283012060a04007f000702020406040201020201103012060a04007f00070202040204020102020110",
			"0.4.0.127.0.7.2.2.4.6.4", 16, "0.4.0.127.0.7.2.2.4.2.4", false, true, true},
		// PACEInfo version 1 is not a usable announcement (9303-11 §9.2.1).
		{"PACEInfo version 1", "31143012060A04007F0007020204020202010102010D", "", 0, "", false, false, false},
		// DH generic mapping (Appendix G.2's protocol): not implemented, BAC.
		{"DH GM only", "31143012060A04007F0007020204010202010202010D", "", 0, "", false, false, false},
		// ECDH integrated mapping (Appendix H's protocol): not implemented.
		{"ECDH IM only", "31143012060A04007F0007020204040202010202010D", "", 0, "", false, false, false},
		// IM announced before GM: GM is run.
		{"IM then GM", "31283012060A04007F0007020204040202010202010D3012060A04007F0007020204020202010202010D",
			"0.4.0.127.0.7.2.2.4.2.2", 13, "", false, false, false},
		// CAM with 3DES does not exist: not run, GM is (EF.CardSecurity is
		// still looked for, as for any id-PACE-ECDH-CAM announcement).
		{"CAM-3DES then GM", "31283012060A04007F0007020204060102010202010D3012060A04007F0007020204020202010202010D",
			"0.4.0.127.0.7.2.2.4.2.2", 13, "", false, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw, err := hex.DecodeString(tt.hex)
			if err != nil {
				t.Fatal(err)
			}
			m := &readMachine{sess: &icao.Session{T: cardAccessChip{raw}}, out: &RawRead{Files: map[lds.FileID][]byte{}}}
			if err := m.readCardAccess(); err != nil {
				t.Fatal(err)
			}
			got, param, gm := "", 0, ""
			if m.pace != nil {
				got, param = m.pace.Protocol.OID.String(), m.pace.ParamID
			}
			if m.paceGM != nil {
				gm = m.paceGM.Protocol.OID.String()
			}
			if got != tt.oid || param != tt.param || gm != tt.gm || m.out.CardAccessCA != tt.ca || m.out.CardAccessCAM != tt.cam || m.wantCardSecurity != tt.cs {
				t.Fatalf("PACE %s/%d GM %q CA %v CAM %v EF.CardSecurity %v; want %s/%d GM %q CA %v CAM %v EF.CardSecurity %v",
					got, param, gm, m.out.CardAccessCA, m.out.CardAccessCAM, m.wantCardSecurity, tt.oid, tt.param, tt.gm, tt.ca, tt.cam, tt.cs)
			}
		})
	}
}
