package reader

import (
	"encoding/asn1"
	"strings"
	"testing"

	"motcua/reader/cccd"
	"motcua/reader/ecc"
	"motcua/reader/icao"
	"motcua/reader/iso7816"
	"motcua/reader/lds"
)

// camChip is the chip side of PACE (icao.PACECard) behind a transport.
type camChip struct{ pc *icao.PACECard }

func (c camChip) Transmit(apdu []byte) ([]byte, error) {
	cmd, _, err := iso7816.ParseCommand(apdu)
	if err != nil {
		return nil, err
	}
	switch cmd.Ins {
	case 0x22:
		if err := c.pc.SetAT(cmd.Data); err != nil {
			return []byte{0x6A, 0x80}, nil
		}
		return []byte{0x90, 0x00}, nil
	case 0x86:
		out, _, err := c.pc.GeneralAuthenticate(cmd.Data)
		if err != nil {
			return []byte{0x69, 0x85}, nil
		}
		return iso7816.Response{Data: out, SW: 0x9000}.Bytes(), nil
	}
	return []byte{0x6D, 0x00}, nil
}

// camProof runs PACE-CAM against a chip proving key (nil: no data).
func camProof(t *testing.T, key []byte) *icao.CAMProof {
	t.Helper()
	proto, err := icao.ParsePACEProtocol(append(append(asn1.ObjectIdentifier{}, icao.OIDPACEECDHCAM...), 2))
	if err != nil {
		t.Fatal(err)
	}
	params := icao.PACEParams{Protocol: proto, ParamID: 13}
	pc := icao.NewPACECard(params, nil, icao.CANPassword("047064"))
	pc.CAMKey = key
	res, err := icao.EstablishPACE(camChip{pc}, params, icao.CANPassword("047064"), nil)
	if err != nil {
		t.Fatal(err)
	}
	return res.CAM
}

// The read's PACE-CAM bookkeeping (cam.go): proofs judged by each signed
// source as it arrives, a resumed session judged at once by what is known,
// failures final, pending proofs failed at the end.
func TestCAMInTheRead(t *testing.T) {
	c := ecc.BrainpoolP256r1
	sk, pk, _ := c.GenerateKey(nil)
	other, otherPK, _ := c.GenerateKey(nil)
	dg14 := func(pub ecc.Point) []byte {
		k, err := lds.BuildChipAuthPublicKey(lds.ChipAuthPublicKey{Key: &lds.PublicKey{Curve: c, Point: pub}})
		if err != nil {
			t.Fatal(err)
		}
		return lds.BuildDG14(lds.BuildChipAuthInfo(lds.ChipAuthInfo{Protocol: lds.OIDCAECDHAES128, Version: 1}), k)
	}
	noKeyDG14 := lds.BuildDG14(lds.BuildTAInfo())
	type step struct {
		proof []byte // a new PACE-CAM session proving this key (nil: none)
		file  []byte // then a DG14 arrives (nil: none)
	}
	tests := []struct {
		name   string
		key    []byte // the chip's CAM key in the first session
		steps  []step
		settle bool
		want   string
		reason string
	}{
		{"DG14 proves it", sk, []step{{file: dg14(pk)}}, true, cccd.ChipAuthPassed, ""},
		{"pending until DG14", sk, nil, false, cccd.ChipAuthNotChecked, ""},
		{"no key anywhere", sk, []step{{file: noKeyDG14}}, true, cccd.ChipAuthFailed, "neither EF.CardSecurity nor DG14"},
		{"DG14 malformed", sk, []step{{file: []byte{0x6E, 0x04, 0x31, 0x02, 0x30, 0x05}}}, true, cccd.ChipAuthFailed, "DG14 is malformed"},
		{"another chip's key", other, []step{{file: dg14(pk)}}, true, cccd.ChipAuthFailed, "does not match the static key in DG14"},
		{"resumed session proves it again", sk, []step{{file: dg14(pk)}, {proof: sk}}, true, cccd.ChipAuthPassed, ""},
		{"resumed session with another key", sk, []step{{file: dg14(pk)}, {proof: other}}, true, cccd.ChipAuthFailed, "does not match"},
		{"failure is final", other, []step{{file: dg14(otherPK)}, {file: dg14(pk)}}, true, cccd.ChipAuthFailed, "does not match"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &readMachine{out: &RawRead{ChipAuth: cccd.ChipAuthNotChecked}}
			m.camAfterPACE(camProof(t, tt.key))
			for _, st := range tt.steps {
				if st.proof != nil {
					m.camAfterPACE(camProof(t, st.proof))
				}
				if st.file != nil && !m.camKeys(lds.DG14, st.file) {
					t.Fatal("camKeys says PACE-CAM is not in use")
				}
			}
			if tt.settle {
				m.camSettle()
			}
			if m.out.ChipAuth != tt.want || m.out.ChipAuthMethod != "CAM" || !strings.Contains(m.out.ChipAuthReason, tt.reason) {
				t.Fatalf("%s (%s) %q, want %s with %q", m.out.ChipAuth, m.out.ChipAuthMethod, m.out.ChipAuthReason, tt.want, tt.reason)
			}
		})
	}
	// Without PACE-CAM nothing is judged and Chip Authentication runs.
	m := &readMachine{out: &RawRead{ChipAuth: cccd.ChipAuthNotChecked}}
	if m.camKeys(lds.DG14, dg14(pk)) || m.out.ChipAuthMethod != "" {
		t.Fatal("PACE-CAM bookkeeping without PACE-CAM")
	}
}
