package intake

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"

	"github.com/xuri/excelize/v2"
)

// ReportHeader is the column header of the report table (CSV and XLSX):
// Vietnamese for the working group, the code in brackets for machines.
var ReportHeader = []string{
	"Phạm vi (scope)", "Mã (key)", "Tên (name)", "Số hồ sơ (dossiers)",
	"Xác thực chip (chip_verified)", "Chip chưa xác thực (chip_unverified)", "QR (qr)", "Nhập tay (typed)", "Không rõ (unknown)",
	"Tỷ lệ xác thực chip (chip_verified_share)",
	"Tra cứu BHYT (bhyt_lookups)", "BHYT thành công (bhyt_found)", "Tỷ lệ BHYT thành công (bhyt_success_rate)",
}

// Table returns the report as rows of cells (the header first): ints,
// float64 shares, strings; BHYT cells are empty where not known (procedure
// rows, devices that reported no look-ups).
func (r *Report) Table() [][]any {
	out := [][]any{toAny(ReportHeader)}
	add := func(scope string, row ReportRow) {
		line := []any{scope, row.Key, row.Name, row.Dossiers}
		for _, c := range ReportChannels {
			line = append(line, row.ByChannel[c])
		}
		line = append(line, row.ChipVerifiedShare)
		if row.BHYTKnown && scope != "procedure" {
			line = append(line, row.BHYTLookups, row.BHYTFound, row.BHYTSuccessRate)
		} else {
			line = append(line, "", "", "")
		}
		out = append(out, line)
	}
	add("total", r.Total)
	for _, row := range r.ByDevice {
		add("device", row)
	}
	for _, row := range r.ByProcedure {
		add("procedure", row)
	}
	return out
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// cellText is a cell as CSV text: shares with 4 decimals.
func cellText(v any) string {
	switch x := v.(type) {
	case float64:
		return strconv.FormatFloat(x, 'f', 4, 64)
	case int:
		return strconv.Itoa(x)
	default:
		return fmt.Sprint(x)
	}
}

// WriteCSV writes the report table as CSV (UTF-8 with a byte-order mark, so
// Excel shows the Vietnamese header correctly).
func (r *Report) WriteCSV(w io.Writer) error {
	if _, err := w.Write([]byte("\ufeff")); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	for _, row := range r.Table() {
		rec := make([]string, len(row))
		for i, c := range row {
			rec[i] = cellText(c)
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// ReportSheet is the sheet holding the report table in the XLSX file.
const ReportSheet = "Bao cao"

// WriteXLSX writes the report as an Excel workbook: the table on sheet
// ReportSheet (numbers as numbers, shares as percentages), the month and
// generation time on a second sheet.
func (r *Report) WriteXLSX(w io.Writer) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", ReportSheet); err != nil {
		return err
	}
	pct, err := f.NewStyle(&excelize.Style{NumFmt: 10}) // 0.00%
	if err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	for i, row := range r.Table() {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(ReportSheet, cell, &row); err != nil {
			return err
		}
		for j, v := range row {
			if _, ok := v.(float64); ok {
				c, _ := excelize.CoordinatesToCellName(j+1, i+1)
				f.SetCellStyle(ReportSheet, c, c, pct)
			}
		}
	}
	last, _ := excelize.CoordinatesToCellName(len(ReportHeader), 1)
	f.SetCellStyle(ReportSheet, "A1", last, bold)
	f.SetColWidth(ReportSheet, "A", "A", 14)
	f.SetColWidth(ReportSheet, "B", "C", 24)
	f.SetColWidth(ReportSheet, "D", "M", 16)
	if _, err := f.NewSheet("Thong tin"); err != nil {
		return err
	}
	info := [][]any{
		{"Tháng (month)", r.Month},
		{"Từ (from)", r.From.Format("2006-01-02 15:04 -07:00")},
		{"Đến (to, exclusive)", r.To.Format("2006-01-02 15:04 -07:00")},
		{"Lập lúc (generated at, UTC)", r.GeneratedAt.Format("2006-01-02 15:04:05")},
		{"Nguồn BHYT (BHYT source)", "heartbeats of the devices (look-ups by result); empty where not reported"},
	}
	for i, row := range info {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Thong tin", cell, &row); err != nil {
			return err
		}
	}
	return f.Write(w)
}
