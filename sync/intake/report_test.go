package intake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"motcua/sync/heartbeat/wire"
)

// doc is a motcua.dossier/v1 payload whose applicant has provenance prov.
func doc(prov string) []byte {
	return []byte(fmt.Sprintf(`{"schema":"motcua.dossier/v1","service_code":"x","parties":[{"role":"applicant","index":0,"provenance":%q,"fields":{}},{"role":"witness","index":0,"provenance":"chip_verified","fields":{}}]}`, prov))
}

// fixtureMonth fills a backend with November 2026 (Vietnam time) and its
// edges: two communes' devices, the pilot, three procedures, every channel,
// BHYT look-ups reported in heartbeats.
func fixtureMonth(t *testing.T, b Backend) (idA, idB string) {
	t.Helper()
	enrol := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	a := Device{ID: "dev-a", Name: "UBND xã Tân Phú", Credentials: []string{CredentialHash(CredToken, []byte("a"))}, EnrolledAt: enrol}
	bb := Device{ID: "dev-b", Name: "UBND phường 3", Credentials: []string{CredentialHash(CredToken, []byte("b"))}, EnrolledAt: enrol}
	for _, d := range []Device{a, bb} {
		if err := b.AddDevice(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	n := 0
	sub := func(dev, svc string, payload []byte, at time.Time) {
		n++
		if _, _, err := b.SubmitFrom(ctx, dev, keyN(n), svc, payload, at); err != nil {
			t.Fatal(err)
		}
	}
	nov := time.Date(2026, 11, 10, 2, 0, 0, 0, time.UTC)
	// Edges: 31 Oct 23:30 ICT (October), 1 Nov 00:30 ICT (November),
	// 30 Nov 23:59 ICT (November), 1 Dec 00:30 ICT (December).
	sub("dev-a", "1.004222", doc("chip_verified"), time.Date(2026, 10, 31, 16, 30, 0, 0, time.UTC))
	sub("dev-a", "1.004222", doc("chip_verified"), time.Date(2026, 10, 31, 17, 30, 0, 0, time.UTC))
	sub("dev-a", "1.004222", doc("chip_verified"), time.Date(2026, 11, 30, 16, 59, 0, 0, time.UTC))
	sub("dev-a", "1.004222", doc("qr"), time.Date(2026, 11, 30, 17, 30, 0, 0, time.UTC))
	// Inside November.
	sub("dev-a", "1.004222", doc("chip_unverified"), nov)
	sub("dev-a", "1.000466", doc("chip_verified"), nov)
	sub("dev-a", "1.000466", doc("typed"), nov)
	sub("dev-b", "1.004222", doc("qr"), nov)
	sub("dev-b", "1.004222", doc("chip_verified"), nov)
	sub("dev-b", "2.000986", []byte(`{"other":"format"}`), nov)
	sub(PilotDevice, "2.000986", doc("qr"), nov)
	// A replay in November of an October dossier changes nothing.
	if _, _, err := b.SubmitFrom(ctx, "dev-a", keyN(1), "1.004222", doc("chip_verified"), nov); err != nil {
		t.Fatal(err)
	}
	hb := func(dev string, at time.Time, found, notFound, errs int) {
		r := wire.Report{Version: "1", Reader: wire.ReaderOK, Counts: wire.Counts{wire.BHYT: {"found": found, "not_found": notFound, "error": errs}}}
		if err := b.PutHeartbeat(ctx, dev, r, at); err != nil {
			t.Fatal(err)
		}
	}
	hb("dev-a", nov, 6, 1, 1)
	hb("dev-a", nov.Add(time.Hour), 2, 0, 0)
	hb("dev-a", time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC), 50, 0, 0) // December
	return a.ID, bb.ID
}

// The November report, cell by cell, from both backends; the CSV and the
// XLSX carry exactly these cells; the API answers the same report as JSON.
func TestMonthlyReportFixture(t *testing.T) {
	want := [][]any{
		toAny(ReportHeader),
		//  scope, key, name, dossiers, chip_verified, chip_unverified, qr, typed, unknown, share, bhyt lookups, found, rate
		{"total", "", "", 9, 4, 1, 2, 1, 1, 4.0 / 9, 10, 8, 0.8},
		{"device", "dev-a", "UBND xã Tân Phú", 5, 3, 1, 0, 1, 0, 3.0 / 5, 10, 8, 0.8},
		{"device", "dev-b", "UBND phường 3", 3, 1, 0, 1, 0, 1, 1.0 / 3, "", "", ""},
		{"device", "pilot", "pilot (shared token)", 1, 0, 0, 1, 0, 0, 0.0, "", "", ""},
		{"procedure", "1.000466", "", 2, 1, 0, 0, 1, 0, 0.5, "", "", ""},
		{"procedure", "1.004222", "", 5, 3, 1, 1, 0, 0, 3.0 / 5, "", "", ""},
		{"procedure", "2.000986", "", 2, 0, 0, 1, 0, 1, 0.0, "", "", ""},
	}
	backends(t, func(t *testing.T, b Backend) {
		fixtureMonth(t, b)
		now := time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)
		rep, err := BuildReport(ctx, b, "2026-11", now)
		if err != nil {
			t.Fatal(err)
		}
		got := rep.Table()
		if len(got) != len(want) {
			t.Fatalf("%d rows, want %d:\n%v", len(got), len(want), got)
		}
		for i := range want {
			for j := range want[i] {
				if !reflect.DeepEqual(got[i][j], want[i][j]) {
					t.Errorf("row %d col %d (%s): %#v, want %#v", i, j, ReportHeader[j], got[i][j], want[i][j])
				}
			}
		}
		// CSV: the same cells as text.
		var csvBuf bytes.Buffer
		if err := rep.WriteCSV(&csvBuf); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimPrefix(strings.TrimSpace(csvBuf.String()), "\ufeff"), "\n")
		if len(lines) != len(want) || lines[1] != "total,,,9,4,1,2,1,1,0.4444,10,8,0.8000" || lines[3] != "device,dev-b,UBND phường 3,3,1,0,1,0,1,0.3333,,," {
			t.Errorf("csv:\n%s", csvBuf.String())
		}
		// XLSX: read back cell by cell; numbers are numbers.
		var x bytes.Buffer
		if err := rep.WriteXLSX(&x); err != nil {
			t.Fatal(err)
		}
		f, err := excelize.OpenReader(&x)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		for i := range want {
			for j := range want[i] {
				cell, _ := excelize.CoordinatesToCellName(j+1, i+1)
				raw, err := f.GetCellValue(ReportSheet, cell, excelize.Options{RawCellValue: true})
				if err != nil {
					t.Fatal(err)
				}
				exp := fmt.Sprint(want[i][j])
				if v, ok := want[i][j].(float64); ok {
					var g float64
					if _, err := fmt.Sscan(raw, &g); err != nil || g-v > 1e-12 || v-g > 1e-12 { // Excel keeps 15 digits
						t.Errorf("xlsx %s: %q, want %v", cell, raw, v)
					}
					continue
				}
				if raw != exp {
					t.Errorf("xlsx %s: %q, want %q", cell, raw, exp)
				}
			}
		}
		if typ, _ := f.GetCellType(ReportSheet, "D2"); typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString {
			t.Errorf("dossier count stored as text")
		}
		// The API: the same report as JSON.
		srv, _ := NewServer(b, "", Faults{}, nil)
		srv.SetAdminToken("op")
		srv.now = func() time.Time { return now }
		rec := doAdmin(t, srv, "/v1/admin/report?month=2026-11", "op")
		var api Report
		if err := json.Unmarshal(rec, &api); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(api.Table(), got) {
			t.Errorf("API report differs:\n%v\n%v", api.Table(), got)
		}
		if dec, _ := BuildReport(ctx, b, "2026-12", now); dec.Total.Dossiers != 1 || dec.Total.BHYTLookups != 50 {
			t.Errorf("December: %+v", dec.Total)
		}
		if _, err := BuildReport(ctx, b, "2026-13", now); err == nil {
			t.Error("month 13 accepted")
		}
	})
}

func doAdmin(t *testing.T, srv *Server, path, tok string) []byte {
	t.Helper()
	req := httptestRequest("GET", path)
	req.Header.Set("Authorization", "Bearer "+tok)
	rec := newRecorder()
	srv.Handler().ServeHTTP(rec, req)
	if rec.Code != 200 {
		t.Fatalf("%s: %d %s", path, rec.Code, rec.Body)
	}
	return rec.Body.Bytes()
}
