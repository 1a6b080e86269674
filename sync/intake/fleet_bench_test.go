package intake

import (
	"encoding/json"
	"fmt"
	"io"
	"testing"
	"time"

	"motcua/sync/heartbeat/wire"
)

// fleetOf builds n devices: a tenth never heard of, a tenth silent for
// hours, the rest online, some revoked.
func fleetOf(n int, now time.Time) []Device {
	devs := make([]Device, n)
	for i := range devs {
		d := Device{ID: fmt.Sprintf("dev-%016x", i), Name: fmt.Sprintf("UBND xã %04d – quầy %d", i/3, i%3+1), EnrolledAt: now.AddDate(0, -1, 0)}
		switch {
		case i%10 == 0:
		case i%10 == 1:
			d.LastHeartbeatAt = now.Add(-time.Duration(i) * time.Minute)
		default:
			d.LastHeartbeatAt = now.Add(-time.Duration(i%300) * time.Second)
		}
		if !d.LastHeartbeatAt.IsZero() {
			sync := d.LastHeartbeatAt.Add(-time.Minute)
			d.LastHeartbeat = &wire.Report{Version: "1.4.2", Reader: wire.ReaderOK, LastSyncAt: &sync,
				Outbox: wire.Outbox{Pending: i % 7, NeedsAttention: i % 13 / 12, OldestPendingSeconds: int64(i % 7 * 60)}}
		}
		if i%97 == 0 {
			d.RevokedAt = now.Add(-time.Hour)
		}
		devs[i] = d
	}
	return devs
}

// BenchmarkFleetRender: the fleet page for 2,000 devices (sort + template),
// against encoding the same devices as JSON (the /v1/admin/devices answer)
// in the same run.
//
//	go test -run '^$' -bench Fleet -benchmem ./sync/intake/
func BenchmarkFleetRender(b *testing.B) {
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	devs := fleetOf(2000, now)
	b.Run("html-2000", func(b *testing.B) {
		for b.Loop() {
			if err := RenderFleet(io.Discard, devs, now, 15*time.Minute); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("metrics-2000", func(b *testing.B) {
		for b.Loop() {
			WriteMetrics(io.Discard, devs, now, 15*time.Minute)
		}
	})
	b.Run("baseline-json-2000", func(b *testing.B) {
		for b.Loop() {
			if err := json.NewEncoder(io.Discard).Encode(devs); err != nil {
				b.Fatal(err)
			}
		}
	})
}
