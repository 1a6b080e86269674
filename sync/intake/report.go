package intake

import (
	"context"
	"fmt"
	"sort"
	"time"

	"motcua/sync/heartbeat/wire"
)

// Report is the monthly report to the Đề án 06 working group: dossiers per
// device (commune) and per procedure, by identification channel, the share
// whose applicant was chip-verified, and BHYT look-ups and successes as the
// devices reported them in heartbeats.
type Report struct {
	// Month is "YYYY-MM"; From and To bound it in Vietnam time.
	Month       string    `json:"month"`
	From        time.Time `json:"from"`
	To          time.Time `json:"to"`
	GeneratedAt time.Time `json:"generated_at"`
	// Total covers every dossier of the month.
	Total ReportRow `json:"total"`
	// ByDevice and ByProcedure are ordered by key.
	ByDevice    []ReportRow `json:"by_device"`
	ByProcedure []ReportRow `json:"by_procedure"`
}

// ReportRow is one line of the report.
type ReportRow struct {
	// Key is the device ID or the procedure code ("" for the total); Name
	// the device's name.
	Key  string `json:"key,omitempty"`
	Name string `json:"name,omitempty"`
	// Dossiers is the number of dossiers first submitted in the month;
	// ByChannel splits it by identification channel (Channel*).
	Dossiers  int            `json:"dossiers"`
	ByChannel map[string]int `json:"by_channel"`
	// ChipVerifiedShare is ByChannel[chip_verified] / Dossiers (0 when
	// there are no dossiers).
	ChipVerifiedShare float64 `json:"chip_verified_share"`
	// BHYTLookups and BHYTFound come from heartbeats (per device and total
	// only: heartbeats do not tie look-ups to procedures); BHYTKnown says
	// whether any device reported look-ups. BHYTSuccessRate is
	// BHYTFound / BHYTLookups (0 without look-ups).
	BHYTKnown       bool    `json:"bhyt_known"`
	BHYTLookups     int     `json:"bhyt_lookups"`
	BHYTFound       int     `json:"bhyt_found"`
	BHYTSuccessRate float64 `json:"bhyt_success_rate"`
}

// ReportChannels are the channels in report column order.
var ReportChannels = []string{ChannelChipVerified, ChannelChipUnverified, ChannelQR, ChannelTyped, ChannelUnknown}

// BHYTFoundLabel is the heartbeat BHYT result counted as a success.
const BHYTFoundLabel = "found"

// MonthRange parses "YYYY-MM" into its bounds in Vietnam time.
func MonthRange(month string) (from, to time.Time, err error) {
	from, err = time.ParseInLocation("2006-01", month, Vietnam)
	if err != nil {
		return from, to, fmt.Errorf("intake: month %q is not YYYY-MM", month)
	}
	return from, from.AddDate(0, 1, 0), nil
}

// BuildReport computes the report of a month from a backend.
func BuildReport(ctx context.Context, b Backend, month string, now time.Time) (*Report, error) {
	from, to, err := MonthRange(month)
	if err != nil {
		return nil, err
	}
	tallies, err := b.Tally(ctx, from, to)
	if err != nil {
		return nil, fmt.Errorf("intake: report: %w", err)
	}
	counts, err := b.Counts(ctx, month)
	if err != nil {
		return nil, fmt.Errorf("intake: report: %w", err)
	}
	devs, err := b.Devices(ctx)
	if err != nil {
		return nil, fmt.Errorf("intake: report: %w", err)
	}
	names := map[string]string{PilotDevice: "pilot (shared token)"}
	for _, d := range devs {
		names[d.ID] = d.Name
	}
	rep := &Report{Month: month, From: from, To: to, GeneratedAt: now.UTC(), Total: newRow("", "")}
	byDev, byProc := map[string]*ReportRow{}, map[string]*ReportRow{}
	row := func(m map[string]*ReportRow, key, name string) *ReportRow {
		if m[key] == nil {
			r := newRow(key, name)
			m[key] = &r
		}
		return m[key]
	}
	for _, t := range tallies {
		for _, r := range []*ReportRow{&rep.Total, row(byDev, t.Device, names[t.Device]), row(byProc, t.Service, "")} {
			r.Dossiers += t.N
			r.ByChannel[t.Channel] += t.N
		}
	}
	for dev, c := range counts {
		lookups, found := bhyt(c)
		for _, r := range []*ReportRow{&rep.Total, row(byDev, dev, names[dev])} {
			r.BHYTKnown = true
			r.BHYTLookups += lookups
			r.BHYTFound += found
		}
	}
	rep.Total.finish()
	rep.ByDevice, rep.ByProcedure = sorted(byDev), sorted(byProc)
	return rep, nil
}

func newRow(key, name string) ReportRow {
	r := ReportRow{Key: key, Name: name, ByChannel: map[string]int{}}
	for _, c := range ReportChannels {
		r.ByChannel[c] = 0
	}
	return r
}

func bhyt(c wire.Counts) (lookups, found int) {
	for label, n := range c[wire.BHYT] {
		lookups += n
		if label == BHYTFoundLabel {
			found += n
		}
	}
	return lookups, found
}

func (r *ReportRow) finish() {
	if r.Dossiers > 0 {
		r.ChipVerifiedShare = float64(r.ByChannel[ChannelChipVerified]) / float64(r.Dossiers)
	}
	if r.BHYTLookups > 0 {
		r.BHYTSuccessRate = float64(r.BHYTFound) / float64(r.BHYTLookups)
	}
}

func sorted(m map[string]*ReportRow) []ReportRow {
	out := make([]ReportRow, 0, len(m))
	for _, r := range m {
		r.finish()
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}
