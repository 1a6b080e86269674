package hwtest

import (
	"errors"
	"testing"
	"time"

	"motcua/hwtest/simcard"
	"motcua/reader"
	"motcua/reader/cccd"
	"motcua/reader/lds"
	"motcua/reader/pa"
)

// linkModel wraps a connection and adds up the time the exchanges would
// take on a contactless link, without sleeping.
type linkModel struct {
	reader.Conn
	model    simcard.Latency
	modelled time.Duration
}

func (l *linkModel) Transmit(apdu []byte) ([]byte, error) {
	out, err := l.Conn.Transmit(apdu)
	l.modelled += l.model.Cost(len(apdu), len(out))
	return out, err
}

// BenchmarkRead reads a full synthetic card (DG2 about 16 KB) and reports
// APDUs, bytes, the APDUs and time to DG13 (when a form can appear), and the
// time the same exchanges would take on a contactless link (3 ms per APDU
// plus 424 kbit/s), per transport and APDU form: extended length, short
// APDUs only, and a card that announces extended length then answers the
// first extended protected read with a plain 6700 (plain-6700: one lost
// exchange, a new session, then short reads).
//
//	go test -run '^$' -bench Read -benchtime 20x ./hwtest/
func BenchmarkRead(b *testing.B) {
	p := simcard.ReferenceProfile()
	for hname, h := range harnesses(b) {
		for _, form := range []struct {
			name  string
			fault simcard.Fault
		}{{"extended", ""}, {"short", simcard.FaultShortOnly}, {"plain-6700", simcard.FaultPlain6700}} {
			b.Run(hname+"/"+form.name, func(b *testing.B) {
				var apdus, bytes, toID int
				var toDG13, total, link, linkDG13 time.Duration
				n := 0
				for b.Loop() {
					b.StopTimer()
					card, err := p.Card(simcard.CardOptions{Fault: form.fault, Extended: form.fault != simcard.FaultShortOnly})
					if err != nil {
						b.Fatal(err)
					}
					conn, remove := h.Insert(b, card)
					lm := &linkModel{Conn: conn, model: simcard.Contactless424}
					b.StartTimer()
					start := time.Now()
					res, err := reader.Read(lm, reader.Options{
						Keys: idKey(b, p.Identity.IDNumber),
						OnFile: func(f lds.FileID, _ []byte) {
							if f == lds.DG13 {
								toDG13 += time.Since(start)
								linkDG13 += lm.modelled
							}
						},
					})
					total += time.Since(start)
					b.StopTimer()
					if err != nil {
						b.Fatal(err)
					}
					link += lm.modelled
					apdus, bytes, toID = res.Stats.APDUs, res.Stats.Bytes, res.Stats.APDUsToIdentity
					n++
					remove()
					b.StartTimer()
				}
				d := time.Duration(n)
				ms := func(x time.Duration) float64 { return float64((x / d).Microseconds()) / 1000 }
				b.ReportMetric(float64(apdus), "apdus")
				b.ReportMetric(float64(toID), "apdus-to-DG13")
				b.ReportMetric(float64(bytes), "bytes")
				b.ReportMetric(ms(toDG13), "ms-to-DG13")
				b.ReportMetric(ms(total), "ms-full")
				b.ReportMetric(ms(linkDG13), "contactless-ms-to-DG13")
				b.ReportMetric(ms(link), "contactless-ms-full")
			})
		}
	}
}

// BenchmarkPassiveAuthentication times Passive Authentication (hashes,
// signature, chain) over the files of a synthetic card; BenchmarkRead's
// in-process figure is the baseline it is compared with.
//
//	go test -run '^$' -bench 'PassiveAuthentication|ChipAuth' ./hwtest/
func BenchmarkPassiveAuthentication(b *testing.B) {
	p := simcard.ReferenceProfile()
	card, err := p.Card(simcard.CardOptions{Extended: true})
	if err != nil {
		b.Fatal(err)
	}
	conn, remove := inProcess{}.Insert(b, card)
	defer remove()
	raw, err := reader.ReadFiles(conn, reader.Options{Keys: idKey(b, p.Identity.IDNumber), NoChipAuth: true})
	if err != nil {
		b.Fatal(err)
	}
	trust := testTrust(b)
	dgs := map[lds.FileID][]byte{}
	for id, f := range raw.Files {
		if id <= 16 {
			dgs[id] = f
		}
	}
	for b.Loop() {
		if r := pa.Verify(raw.Files[lds.SOD], dgs, trust, time.Now()); r.Verdict != cccd.PassiveVerified {
			b.Fatal(r.Reason)
		}
	}
}

// BenchmarkChipAuth reads the card with and without Chip Authentication,
// and a PACE-CAM chip whose proof comes with PACE (it reads EF.CardSecurity
// and runs no Chip Authentication); the differences are what clone
// detection costs in time, APDUs and modelled contactless time.
//
//	go test -run '^$' -bench ChipAuth ./hwtest/
func BenchmarkChipAuth(b *testing.B) {
	p := simcard.ReferenceProfile()
	for _, tc := range []struct {
		name  string
		skip  bool
		fault simcard.Fault
	}{{"without-CA", true, ""}, {"with-CA", false, ""}, {"PACE-CAM", false, simcard.FaultPACECAM}} {
		b.Run(tc.name, func(b *testing.B) {
			var apdus, caAPDUs, n int
			var link time.Duration
			for b.Loop() {
				b.StopTimer()
				card, _ := p.Card(simcard.CardOptions{Extended: true, Fault: tc.fault})
				conn, remove := inProcess{}.Insert(b, card)
				lm := &linkModel{Conn: conn, model: simcard.Contactless424}
				b.StartTimer()
				raw, err := reader.ReadFiles(lm, reader.Options{Keys: idKey(b, p.Identity.IDNumber), NoChipAuth: tc.skip, SkipPhoto: true})
				if err != nil {
					b.Fatal(err)
				}
				if !tc.skip && raw.ChipAuth != cccd.ChipAuthPassed {
					b.Fatalf("clone check %s: %s", raw.ChipAuth, raw.ChipAuthReason)
				}
				apdus, caAPDUs = raw.Stats.APDUs, raw.ChipAuthAPDUs
				b.StopTimer()
				link += lm.modelled
				n++
				remove()
				b.StartTimer()
			}
			b.ReportMetric(float64(apdus), "apdus")
			b.ReportMetric(float64(caAPDUs), "ca-apdus")
			b.ReportMetric(float64((link/time.Duration(n)).Microseconds())/1000, "contactless-ms")
		})
	}
}

// cardFiles reads a synthetic card's files in-process, clone detection off.
func cardFiles(b *testing.B, fault simcard.Fault) map[lds.FileID][]byte {
	p := simcard.ReferenceProfile()
	card, err := p.Card(simcard.CardOptions{Fault: fault, Extended: true})
	if err != nil {
		b.Fatal(err)
	}
	conn, remove := inProcess{}.Insert(b, card)
	defer remove()
	raw, err := reader.ReadFiles(conn, reader.Options{Keys: idKey(b, p.Identity.IDNumber), NoChipAuth: true})
	if err != nil {
		b.Fatal(err)
	}
	return raw.Files
}

// BenchmarkRejectExplicitCurve times Passive Authentication of the
// explicit-curve card (its document signer key has explicit EC parameters
// with a 32 KB group order: refused, with a reason) against a genuine
// card's Passive Authentication, the baseline, in the same run.
//
//	go test -run '^$' -bench 'RejectExplicitCurve|PhotoBomb' ./hwtest/
func BenchmarkRejectExplicitCurve(b *testing.B) {
	trust := testTrust(b)
	for _, tc := range []struct {
		name  string
		fault simcard.Fault
		want  string
	}{{"genuine-PA", "", cccd.PassiveVerified}, {"explicit-curve-reject", simcard.FaultExplicitCurve, cccd.PassiveFailed}} {
		files := cardFiles(b, tc.fault)
		dgs := map[lds.FileID][]byte{}
		for id, f := range files {
			if id <= 16 {
				dgs[id] = f
			}
		}
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				if r := pa.Verify(files[lds.SOD], dgs, trust, time.Now()); r.Verdict != tc.want {
					b.Fatalf("%s: %s", r.Verdict, r.Reason)
				}
			}
			b.ReportMetric(float64(len(files[lds.SOD])), "sod-bytes")
		})
	}
}

// BenchmarkPhotoBomb times the refusal of the photo-bomb card's DG2 image
// (382 bytes declaring 65535x65535) against decoding a genuine card's
// face, the baseline, both through lds.DecodePhoto.
func BenchmarkPhotoBomb(b *testing.B) {
	for _, tc := range []struct {
		name  string
		fault simcard.Fault
	}{{"genuine-decode", ""}, {"bomb-refused", simcard.FaultPhotoBomb}} {
		face, err := lds.ParseDG2(cardFiles(b, tc.fault)[lds.DG2])
		if err != nil {
			b.Fatal(err)
		}
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, err := lds.DecodePhoto(face.Image)
				if refused := errors.Is(err, lds.ErrPhotoRefused); refused != (tc.fault != "") {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(face.Image)), "image-bytes")
		})
	}
}

// BenchmarkPassiveAuthenticationChains times Passive Authentication with the
// Vietnamese-like chain (ecdsa-with-SHA512 over brainpoolP512r1, explicit
// parameters, checked with reader/ecc's Montgomery arithmetic) against the
// P-256/SHA-256 chain of the default test PKI (the standard library's
// constant-time code), in the same run.
//
//	go test -run '^$' -bench PassiveAuthenticationChains ./hwtest/
func BenchmarkPassiveAuthenticationChains(b *testing.B) {
	trust := testTrust(b)
	for _, tc := range []struct {
		name  string
		fault simcard.Fault
	}{{"P-256-SHA256", ""}, {"VN-like-brainpoolP512r1-SHA512-explicit", simcard.FaultVNPKI}} {
		files := cardFiles(b, tc.fault)
		dgs := map[lds.FileID][]byte{}
		for id, f := range files {
			if id <= 16 {
				dgs[id] = f
			}
		}
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				if r := pa.Verify(files[lds.SOD], dgs, trust, time.Now()); r.Verdict != cccd.PassiveVerified {
					b.Fatalf("%s: %s", r.Verdict, r.Reason)
				}
			}
		})
	}
}
