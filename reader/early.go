package reader

import (
	"motcua/reader/cccd"
	"motcua/reader/lds"
)

// Early is what a read can show before its verdict: the identity as soon
// as DG13 and DG1 have arrived, then the photo once DG2 has. Nothing in it
// is checked yet: EF.SOD, DG14, Chip Authentication and Passive
// Authentication come after it, and only the final ReadResult carries the
// verdict. It is a type of its own, not a ReadResult, so that it can never
// be filed or judged as a read; a front end shows it as "checking" and
// lets nothing go on from it.
type Early struct {
	Identity cccd.Identity
	// Document and DocumentNumber as in cccd.ReadResult.
	Document, DocumentNumber string
	// Warnings are the MRZ and ID-number cross-checks (not verdicts).
	Warnings []string
	// Photo is the DG2 face image (set on the second report only, when it
	// passed the photo budget); PhotoRefused says why it is not kept.
	Photo        []byte
	PhotoMIME    string
	PhotoRefused string
}

// Wipe zeroes the photo bytes and clears the identity.
func (e *Early) Wipe() {
	clear(e.Photo)
	e.Identity.Wipe()
	*e = Early{}
}

// reportEarly calls Options.OnEarly after DG1 was asked for (the identity)
// and after DG2 arrived (the photo). A file that does not parse reports
// nothing: the final Assemble fails the read with the same error.
func (m *readMachine) reportEarly(id lds.FileID) {
	if m.opts.OnEarly == nil || (id != lds.DG1 && id != lds.DG2) {
		return
	}
	if id == lds.DG2 && (!m.earlySent || m.out.Files[lds.DG2] == nil) {
		return // no identity was shown (no photo alone), or no photo came
	}
	var res cccd.ReadResult
	if err := assembleIdentity(&res, m.out); err != nil {
		return
	}
	e := &Early{Identity: res.Identity, Document: res.Document, DocumentNumber: res.DocumentNumber, Warnings: res.Warnings}
	if id == lds.DG2 {
		if err := assemblePhoto(&res, m.out); err != nil {
			e.Wipe()
			return
		}
		e.Photo, e.PhotoMIME, e.PhotoRefused = res.Photo, res.PhotoMIME, res.PhotoRefused
	}
	m.earlySent = true
	m.opts.OnEarly(e)
}
