package intake

import (
	"fmt"
	"html"
	"html/template"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"motcua/sync/heartbeat/wire"
)

// FleetDevice is one device as the fleet view shows it.
type FleetDevice struct {
	Device
	// Online is true when the last heartbeat is younger than the offline
	// threshold.
	Online bool
	// Silence is the time since the last heartbeat (0: never).
	Silence time.Duration
}

// Fleet orders devices for the fleet view: active devices offline first
// (never heard of, then the longest silent), then the online ones by name,
// revoked devices last.
func Fleet(devs []Device, now time.Time, offlineAfter time.Duration) []FleetDevice {
	out := make([]FleetDevice, 0, len(devs))
	for _, d := range devs {
		f := FleetDevice{Device: d}
		if !d.LastHeartbeatAt.IsZero() {
			f.Silence = now.Sub(d.LastHeartbeatAt)
			f.Online = f.Silence <= offlineAfter
		}
		out = append(out, f)
	}
	rank := func(f FleetDevice) int {
		switch {
		case f.Revoked():
			return 3
		case f.LastHeartbeatAt.IsZero():
			return 0
		case !f.Online:
			return 1
		}
		return 2
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if ra, rb := rank(a), rank(b); ra != rb {
			return ra < rb
		}
		if rank(a) == 1 && a.Silence != b.Silence {
			return a.Silence > b.Silence
		}
		return a.Name < b.Name
	})
	return out
}

// fleetRow is one table row, flattened to strings so the template does no
// reflection beyond field access on a flat struct (2,000 rows render fast).
type fleetRow struct {
	Class, State, Name, ID, Silence                            string
	HasHB                                                      bool
	Version, Reader, Pending, Oldest, NeedsAttention, LastSync string
}

func ago(d time.Duration) string {
	switch {
	case d <= 0:
		return "—"
	case d < time.Minute:
		return strconv.Itoa(int(d.Seconds())) + "s"
	case d < time.Hour:
		return strconv.Itoa(int(d.Minutes())) + "m"
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return strconv.Itoa(int(d.Hours()/24)) + "d"
}

var fleetTmpl = template.Must(template.New("fleet").Parse(`<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><meta http-equiv="refresh" content="60">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>motcua — thiết bị ({{.Total}})</title>
<style>
body{font:14px system-ui,sans-serif;margin:1em;color:#222}
table{border-collapse:collapse;width:100%}th,td{padding:4px 8px;border-bottom:1px solid #ddd;text-align:left}
th{background:#f4f4f4;position:sticky;top:0}td.n{text-align:right;font-variant-numeric:tabular-nums}
tr.offline td{background:#fdecea}tr.never td{background:#fff4e5}tr.revoked td{color:#999;text-decoration:line-through}
.sum span{margin-right:1.5em}
</style></head><body>
<h1>Thiết bị (fleet)</h1>
<p class="sum"><span>Tổng: <b id="total">{{.Total}}</b></span><span>Mất kết nối (offline &gt; {{.OfflineAfter}}): <b id="offline">{{.Offline}}</b></span><span>Trực tuyến: <b id="online">{{.Online}}</b></span><span>Cập nhật: {{.Now}}</span></p>
<table id="fleet"><thead><tr><th>Trạng thái</th><th>Tên</th><th>Mã thiết bị</th><th>Lần cuối</th><th>Phiên bản</th><th>Đầu đọc</th>
<th>Chờ gửi</th><th>Lâu nhất</th><th>Cần xử lý</th><th>Đồng bộ cuối</th></tr></thead><tbody>
{{.Rows}}</tbody></table></body></html>
`))

// fleetRows renders the table rows. Every value is escaped with
// html.EscapeString (text and double-quoted attributes alike); html/template
// would do the same per cell through reflection, ten times slower for a
// 2,000-device fleet.
func fleetRows(rows []fleetRow) template.HTML {
	var b strings.Builder
	b.Grow(len(rows) * 400)
	e := html.EscapeString
	for _, r := range rows {
		b.WriteString(`<tr class="` + e(r.Class) + `" data-device="` + e(r.ID) + `">` + "\n")
		b.WriteString("<td>" + e(r.State) + "</td><td>" + e(r.Name) + "</td><td>" + e(r.ID) + "</td><td>" + e(r.Silence) + "</td>\n")
		if r.HasHB {
			b.WriteString("<td>" + e(r.Version) + "</td><td>" + e(r.Reader) + `</td><td class="n">` + e(r.Pending) + "</td><td>" + e(r.Oldest) +
				`</td><td class="n">` + e(r.NeedsAttention) + "</td><td>" + e(r.LastSync) + "</td>\n")
		} else {
			b.WriteString(`<td colspan="6">—</td>` + "\n")
		}
		b.WriteString("</tr>\n")
	}
	return template.HTML(b.String())
}

// RenderFleet writes the fleet page (self-contained HTML: inline style, no
// script, no external asset).
func RenderFleet(w io.Writer, devs []Device, now time.Time, offlineAfter time.Duration) error {
	fl := Fleet(devs, now, offlineAfter)
	rows := make([]fleetRow, len(fl))
	var online, offline int
	for i, f := range fl {
		r := fleetRow{Name: f.Name, ID: f.ID, Silence: ago(f.Silence)}
		switch {
		case f.Revoked():
			r.Class, r.State = "revoked", "thu hồi"
		case f.LastHeartbeatAt.IsZero():
			r.Class, r.State = "never", "chưa báo"
			offline++
		case !f.Online:
			r.Class, r.State = "offline", "offline"
			offline++
		default:
			r.Class, r.State = "online", "online"
			online++
		}
		if hb := f.LastHeartbeat; hb != nil {
			r.HasHB = true
			r.Version, r.Reader = hb.Version, hb.Reader
			r.Pending, r.NeedsAttention = strconv.Itoa(hb.Outbox.Pending), strconv.Itoa(hb.Outbox.NeedsAttention)
			r.Oldest = ago(time.Duration(hb.Outbox.OldestPendingSeconds) * time.Second)
			r.LastSync = "—"
			if hb.LastSyncAt != nil {
				r.LastSync = hb.LastSyncAt.In(Vietnam).Format("02/01 15:04")
			}
		}
		rows[i] = r
	}
	return fleetTmpl.Execute(w, map[string]any{"Rows": fleetRows(rows), "Total": len(rows), "Online": online, "Offline": offline,
		"OfflineAfter": ago(offlineAfter), "Now": now.In(Vietnam).Format("02/01/2006 15:04")})
}

func (s *Server) fleet(w http.ResponseWriter, r *http.Request) {
	devs, err := s.store.Devices(r.Context())
	if err != nil {
		s.log.Error("fleet", "err", err)
		writeError(w, http.StatusInternalServerError, "store failure")
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	RenderFleet(w, devs, s.now(), s.offlineAfter)
}

// metrics serves Prometheus text exposition, one series per device.
func (s *Server) metrics(w http.ResponseWriter, r *http.Request) {
	devs, err := s.store.Devices(r.Context())
	if err != nil {
		s.log.Error("metrics", "err", err)
		writeError(w, http.StatusInternalServerError, "store failure")
		return
	}
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	WriteMetrics(w, devs, s.now(), s.offlineAfter)
}

// WriteMetrics writes the per-device gauges in Prometheus text format.
func WriteMetrics(w io.Writer, devs []Device, now time.Time, offlineAfter time.Duration) {
	fl := Fleet(devs, now, offlineAfter)
	type metric struct {
		name, help string
		val        func(f FleetDevice, hb *wire.Report) (float64, bool)
	}
	b2f := func(b bool) float64 {
		if b {
			return 1
		}
		return 0
	}
	ms := []metric{
		{"motcua_device_online", "1 when the device sent a heartbeat within the offline threshold.",
			func(f FleetDevice, _ *wire.Report) (float64, bool) { return b2f(f.Online), true }},
		{"motcua_device_revoked", "1 when the device's enrolment is revoked.",
			func(f FleetDevice, _ *wire.Report) (float64, bool) { return b2f(f.Revoked()), true }},
		{"motcua_device_last_heartbeat_timestamp_seconds", "Unix time of the device's last heartbeat.",
			func(f FleetDevice, _ *wire.Report) (float64, bool) {
				return float64(f.LastHeartbeatAt.Unix()), !f.LastHeartbeatAt.IsZero()
			}},
		{"motcua_device_reader_ok", "1 when the device reported a working card reader.",
			func(_ FleetDevice, hb *wire.Report) (float64, bool) {
				return b2f(hb != nil && hb.Reader == wire.ReaderOK), hb != nil
			}},
		{"motcua_device_outbox_pending", "Dossiers waiting in the device's outbox.",
			func(_ FleetDevice, hb *wire.Report) (float64, bool) {
				return num(hb, func(o wire.Outbox) int64 { return int64(o.Pending) })
			}},
		{"motcua_device_outbox_needs_attention", "Dossiers in the device's outbox that need an operator.",
			func(_ FleetDevice, hb *wire.Report) (float64, bool) {
				return num(hb, func(o wire.Outbox) int64 { return int64(o.NeedsAttention) })
			}},
		{"motcua_device_outbox_oldest_pending_seconds", "Age of the oldest pending dossier in the device's outbox.",
			func(_ FleetDevice, hb *wire.Report) (float64, bool) {
				return num(hb, func(o wire.Outbox) int64 { return o.OldestPendingSeconds })
			}},
		{"motcua_device_last_sync_timestamp_seconds", "Unix time of the device's last definite answer from the hub.",
			func(_ FleetDevice, hb *wire.Report) (float64, bool) {
				if hb == nil || hb.LastSyncAt == nil {
					return 0, false
				}
				return float64(hb.LastSyncAt.Unix()), true
			}},
	}
	for _, m := range ms {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s gauge\n", m.name, m.help, m.name)
		for _, f := range fl {
			if v, ok := m.val(f, f.LastHeartbeat); ok {
				fmt.Fprintf(w, "%s{device=\"%s\",name=\"%s\"} %g\n", m.name, esc(f.ID), esc(f.Name), v)
			}
		}
	}
	fmt.Fprintf(w, "# HELP motcua_device_info Version and reader state of each device.\n# TYPE motcua_device_info gauge\n")
	for _, f := range fl {
		if hb := f.LastHeartbeat; hb != nil {
			fmt.Fprintf(w, "motcua_device_info{device=\"%s\",version=\"%s\",reader=\"%s\"} 1\n", esc(f.ID), esc(hb.Version), esc(hb.Reader))
		}
	}
}

func num(hb *wire.Report, f func(wire.Outbox) int64) (float64, bool) {
	if hb == nil {
		return 0, false
	}
	return float64(f(hb.Outbox)), true
}

// labelEscaper escapes a Prometheus label value (built once: a Replacer
// is costly to build).
var labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

func esc(s string) string { return labelEscaper.Replace(s) }
