package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"motcua/kiosk/engine"
	"os"
	"strings"
	"time"

	"motcua/reader"
	"motcua/reader/cccd"
	"motcua/reader/iso7816"
	"motcua/reader/lds"
	"motcua/reader/pa"
	"motcua/reader/qr"
)

func init() {
	register("read", "wait for a card, read its chip, print the identity", runRead)
}

func runRead(args []string) int {
	fs := newFlags("read", "[--can N | --id N | --qr PAYLOAD | --mrz MRZ] [--json] [--config FILE] [--reader NAME | --sim]")
	can := fs.String("can", "", "card access number (6 digits)")
	id := fs.String("id", "", "12-digit ID number (its last 6 digits are the CAN)")
	qrPayload := fs.String("qr", "", "the card's QR payload (gives the CAN and BAC key candidates)")
	mrz := fs.String("mrz", "", "BAC/PACE key DOCNUMBER/YYMMDD/YYMMDD (document number, birth, expiry), or the whole MRZ (TD1, TD2 or a passport's TD3, as typed or scanned)")
	asJSON := fs.Bool("json", false, "print the identity as JSON")
	photo := fs.String("photo", "", "write the face image (DG2) to this file")
	simCard := fs.String("sim-card", "", "card profile JSON for the simulated reader (default: a synthetic citizen)")
	simFault := fs.String("sim-fault", "", "fault mode of the simulated card")
	extended := fs.String("extended", "", "extended-length APDUs: auto, on or off (reader.extended)")
	timeout := fs.Duration("timeout", 60*time.Second, "how long to wait for a card")
	skipPhoto := fs.Bool("no-photo", false, "do not read the face image (DG2)")
	trustDir := fs.String("trust", "", "trust store folder: ICAO master lists (.ml), CSCA certificates (.pem/.crt/.cer/.der), CRLs (.crl) (trust.csca_dir)")
	af := addAgentFlags(fs, true)
	if _, err := parseArgs(fs, args); err != nil {
		return 2
	}
	cfg, err := af.load()
	if err != nil {
		return configFailure(err)
	}
	// The configuration file's reader and trust store, unless a flag says
	// otherwise (the same keys as the agent's).
	readerName, sim := cfg.Reader.Name, cfg.Reader.Simulated
	if *trustDir == "" && af.source() != "" {
		*trustDir = cfg.Trust.CSCADir
	}
	if *extended == "" {
		*extended = cfg.Reader.Extended
	}

	var qrp *qr.Payload
	if *qrPayload != "" {
		p, err := qr.Parse(*qrPayload)
		if err != nil {
			return fail("--qr: %v", err)
		}
		qrp = p
	}
	keys, err := keysFromFlags(*can, *id, qrp, *mrz)
	if err != nil {
		return fail("%v", err)
	}
	opts := reader.Options{Keys: keys, SkipPhoto: *skipPhoto && *photo == ""}
	if *trustDir != "" {
		ts, err := pa.LoadDir(*trustDir)
		if err != nil {
			return fail("%v", err)
		}
		for _, p := range ts.Problems {
			fmt.Fprintf(os.Stderr, "motcua: trust store: %s\n", p)
		}
		opts.Trust = ts
	}
	switch *extended {
	case "auto":
	case "on":
		opts.Extended = reader.ExtendedOn
	case "off":
		opts.Extended = reader.ExtendedOff
	default:
		return fail("--extended must be auto, on or off")
	}

	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	term, err := openTerminal(ctx, terminalChoice{
		Name: readerName, Sim: sim, SimCard: *simCard, SimFault: *simFault,
	})
	if err != nil {
		return fail("%v", err)
	}
	defer term.Close()
	if len(opts.Keys) == 0 {
		// The simulated reader knows its card: behave as if its QR was scanned.
		if p := term.DemoQR(); p != "" {
			qrp, _ = qr.Parse(p)
			if opts.Keys, err = keysFromFlags("", "", qrp, ""); err != nil {
				return fail("%v", err)
			}
		} else {
			return fail("%v", reader.ErrNoKey)
		}
	}
	if !*asJSON {
		fmt.Fprintf(os.Stderr, "Đang chờ thẻ trên %s… (waiting for a card)\n", term.Name())
	}
	conn, err := term.WaitAndConnect(ctx)
	if err != nil {
		return fail("%v", err)
	}
	defer conn.Close()
	if !*asJSON {
		opts.OnFile = func(f lds.FileID, raw []byte) {
			fmt.Fprintf(os.Stderr, "  đã đọc %s (%d bytes)\n", f, len(raw))
		}
	}
	res, err := reader.Read(conn, opts)
	if err != nil {
		return fail("%s", readFailure(err))
	}
	defer res.Wipe()
	if qrp != nil {
		for _, m := range qr.CrossCheck(qrp, res.Identity) {
			res.Warnings = append(res.Warnings, "QR vs chip: "+m.Message)
		}
	}
	if *photo != "" {
		if res.PhotoRefused != "" {
			return fail("%s (nothing written to %s)", res.PhotoRefused, *photo)
		}
		if len(res.Photo) == 0 {
			return fail("the card has no face image (DG2)")
		}
		if err := os.WriteFile(*photo, res.Photo, 0o600); err != nil {
			return fail("write photo: %v", err)
		}
	}
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(res); err != nil {
			return fail("%v", err)
		}
		return 0
	}
	printIdentity(os.Stdout, res)
	return 0
}

// keysFromFlags turns what the citizen has into access keys.
func keysFromFlags(can, id string, q *qr.Payload, mrz string) ([]reader.Key, error) {
	var keys []reader.Key
	if can != "" {
		k, err := reader.KeyFromCAN(can)
		if err != nil {
			return nil, fmt.Errorf("--can: %w", err)
		}
		keys = append(keys, k)
	}
	if id != "" {
		k, err := reader.KeyFromID(id)
		if err != nil {
			return nil, fmt.Errorf("--id: %w", err)
		}
		keys = append(keys, k)
	}
	if q != nil {
		ks, err := engine.KeysForPayload(q)
		if err != nil {
			return nil, fmt.Errorf("--qr: %w", err)
		}
		keys = append(keys, ks...)
	}
	if mrz != "" {
		k, err := reader.KeyFromMRZ(mrz)
		if err != nil {
			return nil, fmt.Errorf("--mrz: %w", err)
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// readFailure is the one-line reason printed for a failed read.
func readFailure(err error) string {
	switch {
	case errors.Is(err, reader.ErrWrongKey):
		return "wrong key: the card refused the ID number / CAN / MRZ given (" + err.Error() + ")"
	case errors.Is(err, iso7816.ErrCardRemoved):
		return "the card was removed before the read finished; place it again and hold it still"
	case errors.Is(err, reader.ErrMalformed):
		return err.Error()
	}
	return err.Error()
}

func printIdentity(w io.Writer, r *cccd.ReadResult) {
	id := r.Identity
	rows := []struct{ label, v string }{
		{"Số định danh", id.IDNumber},
		{"Họ và tên", id.FullName},
		{"Ngày sinh", id.DateOfBirth},
		{"Giới tính", id.Sex},
		{"Quốc tịch", id.Nationality},
		{"Dân tộc", id.Ethnicity},
		{"Tôn giáo", id.Religion},
		{"Quê quán", id.PlaceOfOrigin},
		{"Nơi thường trú", id.PlaceOfResidence},
		{"Đặc điểm nhận dạng", id.IdentifyingMarks},
		{"Ngày cấp", id.DateOfIssue},
		{"Có giá trị đến", orText(id.DateOfExpiry, "Không thời hạn")},
		{"Họ tên cha", id.FatherName},
		{"Họ tên mẹ", id.MotherName},
		{"Vợ/chồng", id.SpouseName},
		{"Số CMND cũ", id.OldIDNumber},
	}
	if r.Document == cccd.DocumentPassport {
		// The chip of a passport gives its MRZ: no DG13 fields to show.
		rows = []struct{ label, v string }{
			{"Hộ chiếu số", r.DocumentNumber},
			{"Họ và tên (MRZ)", id.FullName},
			{"Ngày sinh", id.DateOfBirth},
			{"Giới tính", id.Sex},
			{"Quốc tịch", id.Nationality},
			{"Có giá trị đến", id.DateOfExpiry},
			{"Số định danh", id.IDNumber},
		}
	}
	for _, row := range rows {
		fmt.Fprintf(w, "%-20s %s\n", row.label+":", row.v)
	}
	fmt.Fprintf(w, "\nAccess: %s   data groups: %s   APDUs: %d (%d to the identity)   bytes: %d   %d ms\n",
		strings.ToUpper(r.Access), strings.Join(r.DataGroups, " "), r.Stats.APDUs, r.Stats.APDUsToIdentity, r.Stats.Bytes, r.Stats.Total)
	if v := r.Verification; v != nil {
		fmt.Fprintf(w, "Xác thực (verification): %s", v.Passive)
		if v.PassiveReason != "" {
			fmt.Fprintf(w, " (%s)", v.PassiveReason)
		}
		fmt.Fprintf(w, "; chip: %s", v.ChipAuth)
		if v.ChipAuthReason != "" {
			fmt.Fprintf(w, " (%s)", v.ChipAuthReason)
		}
		fmt.Fprintln(w)
	}
	if r.PhotoRefused != "" {
		fmt.Fprintf(w, "Ảnh chân dung (photo): không hiển thị được — %s\n", r.PhotoRefused)
	}
	for _, warn := range r.Warnings {
		fmt.Fprintf(w, "Cảnh báo (warning): %s\n", warn)
	}
}

func orText(v, alt string) string {
	if v == "" {
		return alt
	}
	return v
}
