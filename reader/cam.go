package reader

import (
	"fmt"

	"motcua/reader/cccd"
	"motcua/reader/ecc"
	"motcua/reader/icao"
	"motcua/reader/lds"
)

// PACE-CAM in the read: PACE with chip authentication mapping leaves a
// proof (icao.CAMProof) that can only be judged once the chip's static
// Chip Authentication key has been read from signed data: EF.CardSecurity
// right after PACE, DG14 among the data groups. Each signed source that
// holds a usable key judges every proof of the read (one per PACE session:
// a resumed read runs PACE-CAM again); the first failure is the verdict.
// A proof still pending at the end (no signed source held a key) is
// failed: the chip announced a proof nobody could check. Chip
// Authentication is not run on top of a passed PACE-CAM: it would prove
// the same key again.

// camSource is one signed file's static Chip Authentication keys.
type camSource struct {
	name   string
	keys   []ecc.Point
	curves []*ecc.Curve
}

// camAfterPACE records the proof of a PACE-CAM session and judges it with
// the signed keys already read (a resumed read).
func (m *readMachine) camAfterPACE(p *icao.CAMProof) {
	if p == nil {
		return
	}
	m.out.ChipAuthMethod = "CAM"
	m.camProofs = append(m.camProofs, p)
	for _, src := range m.camSources {
		p.Check(src.name, src.keys, src.curves)
	}
	m.camRecord()
}

// camKeys judges the proofs with the static keys of a signed file just
// read (lds.CardSecurity or lds.DG14); it reports whether PACE-CAM is in
// use, in which case Chip Authentication is not run again.
func (m *readMachine) camKeys(id lds.FileID, raw []byte) bool {
	if len(m.camProofs) == 0 {
		return false
	}
	var si *lds.SecurityInfos
	var err error
	name := lds.FileOf(id).Name
	if id == lds.CardSecurity {
		var cs *lds.CardSecurityData
		if cs, err = lds.ParseCardSecurity(raw); err == nil {
			si = cs.Infos
		}
	} else {
		si, err = lds.ParseDG14(raw)
	}
	if err != nil {
		// A signed file that should name the key does not parse: the
		// proof cannot be trusted to any key (as Chip Authentication
		// fails on a malformed DG14).
		for _, p := range m.camProofs {
			p.Fail(fmt.Sprintf("%s is malformed (%v)", name, err))
		}
		m.camRecord()
		return true
	}
	src := camSource{name: name}
	for _, k := range si.ChipKeys {
		if k.Key != nil && k.Key.Curve != nil {
			src.keys, src.curves = append(src.keys, k.Key.Point), append(src.curves, k.Key.Curve)
		}
	}
	if len(src.keys) == 0 {
		return true
	}
	m.camSources = append(m.camSources, src)
	for _, p := range m.camProofs {
		p.Check(src.name, src.keys, src.curves)
	}
	m.camRecord()
	return true
}

// camSettle ends the read's PACE-CAM: a proof still pending had no key to
// be checked against.
func (m *readMachine) camSettle() {
	for _, p := range m.camProofs {
		if p.State() == icao.CAMPending {
			p.Fail("neither EF.CardSecurity nor DG14 holds a static Chip Authentication key on the PACE curve to check the chip's proof against")
		}
	}
	m.camRecord()
}

// camRecord turns the proofs into the read's clone-detection verdict:
// failed as soon as one failed, passed when all passed.
func (m *readMachine) camRecord() {
	if len(m.camProofs) == 0 || m.out.ChipAuth == cccd.ChipAuthFailed {
		return
	}
	all := true
	for _, p := range m.camProofs {
		switch p.State() {
		case icao.CAMFailed:
			m.failChip(p.Reason())
			return
		case icao.CAMPending:
			all = false
		}
	}
	if all {
		m.out.ChipAuth, m.out.ChipAuthReason = cccd.ChipAuthPassed, ""
	}
}
