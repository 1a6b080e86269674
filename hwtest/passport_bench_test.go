package hwtest

import (
	"testing"
	"time"

	"motcua/hwtest/simcard"
	"motcua/reader"
	"motcua/reader/cccd"
	"motcua/reader/lds"
)

// BenchmarkPassportRead reads the simulated e-passport whole (PACE with the
// scanned MRZ, Chip Authentication, a 20.5 KB JPEG 2000 face) with Passive
// Authentication, and then decodes the face; the CCCD read (a 16 KB JPEG
// face, PACE with the CAN) is the baseline in the same run; the same
// passport as a PACE-CAM chip (its proof in PACE, EF.CardSecurity read, no
// Chip Authentication) is the third case. Reported: APDUs,
// bytes, wall time in-process, the time the same exchanges take under the
// contactless model (3 ms per APDU plus 424 kbit/s), and the face decode.
//
//	go test -run '^$' -bench PassportRead -benchtime 20x ./hwtest/
func BenchmarkPassportRead(b *testing.B) {
	trust := testTrust(b)
	passport := simcard.PassportProfile()
	mrz, err := passport.Passport.MRZLines()
	if err != nil {
		b.Fatal(err)
	}
	pk, err := reader.KeyFromMRZ(mrz)
	if err != nil {
		b.Fatal(err)
	}
	id := simcard.ReferenceProfile()
	for _, tc := range []struct {
		name  string
		p     simcard.Profile
		keys  []reader.Key
		fault simcard.Fault
	}{
		{"cccd-jpeg-baseline", id, idKey(b, id.Identity.IDNumber), ""},
		{"passport-jpeg2000", passport, []reader.Key{pk}, ""},
		{"passport-jpeg2000-pace-cam", passport, []reader.Key{pk}, simcard.FaultPACECAM},
	} {
		b.Run(tc.name, func(b *testing.B) {
			var total, link, decode time.Duration
			var apdus, bytes, faceBytes, n int
			for b.Loop() {
				b.StopTimer()
				card, err := tc.p.Card(simcard.CardOptions{Extended: true, Fault: tc.fault})
				if err != nil {
					b.Fatal(err)
				}
				conn, remove := inProcess{}.Insert(b, card)
				lm := &linkModel{Conn: conn, model: simcard.Contactless424}
				b.StartTimer()
				start := time.Now()
				res, err := reader.Read(lm, reader.Options{Keys: tc.keys, Trust: trust})
				total += time.Since(start)
				if err != nil || !res.Verification.Verified() || res.Verification.Passive != cccd.PassiveVerified {
					b.Fatalf("err %v verdict %+v", err, res.Verification)
				}
				start = time.Now()
				if _, err := lds.DecodePhoto(res.Photo); err != nil {
					b.Fatal(err)
				}
				decode += time.Since(start)
				b.StopTimer()
				link += lm.modelled
				apdus, bytes, faceBytes = res.Stats.APDUs, res.Stats.Bytes, len(res.Photo)
				n++
				remove()
				b.StartTimer()
			}
			d := time.Duration(n)
			ms := func(x time.Duration) float64 { return float64((x / d).Microseconds()) / 1000 }
			b.ReportMetric(float64(apdus), "apdus")
			b.ReportMetric(float64(bytes), "bytes")
			b.ReportMetric(float64(faceBytes), "face-bytes")
			b.ReportMetric(ms(total), "ms-read")
			b.ReportMetric(ms(link), "contactless-ms-full")
			b.ReportMetric(ms(decode), "ms-face-decode")
		})
	}
}
