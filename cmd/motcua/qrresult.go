package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"motcua/reader/cccd"
	"motcua/reader/qr"
	"motcua/reader/qr/camera"
	"motcua/reader/qr/decode"
)

// qrResult is what `motcua qr parse` and `motcua qr decode` print: one
// record per payload or image, holding the parsed card QR or an error that
// says what went wrong without personal data. It is CLI output, so it lives
// with the CLI. Error strings from reader/qr never carry personal data, and
// none is added here.
type qrResult struct {
	File    string      `json:"file,omitempty"`
	Payload *qr.Payload `json:"payload,omitempty"`
	Error   string      `json:"error,omitempty"`
	// Kind says what was scanned instead of a card QR ("url", "vietqr", ...).
	Kind qr.Kind `json:"kind,omitempty"`
	// Field is the bad field of a malformed card QR ("date_of_birth", ...).
	Field string `json:"field,omitempty"`
	// Step is the decode pipeline step that read the image.
	Step string `json:"decode_step,omitempty"`
}

// OK reports whether the record holds a payload.
func (r qrResult) OK() bool { return r.Error == "" && r.Payload != nil }

// qrParseText validates one scanned text.
func qrParseText(text string) qrResult {
	p, err := qr.Parse(text)
	if err != nil {
		return qrFromError(err)
	}
	return qrResult{Payload: p}
}

func qrFromError(err error) qrResult {
	r := qrResult{Error: err.Error()}
	var ne *qr.NotCardError
	var fe *qr.FieldError
	switch {
	case errors.As(err, &ne):
		r.Kind = ne.Kind
	case errors.As(err, &fe):
		r.Field = fe.Field()
	}
	return r
}

// qrDecodeFile finds the QR code in an image file and parses it.
func qrDecodeFile(path string) qrResult {
	img, err := camera.LoadImage(path)
	if err != nil {
		r := qrFromError(err)
		r.File = path
		return r
	}
	d, err := decode.Detailed(img)
	if err != nil {
		return qrResult{File: path, Error: err.Error()}
	}
	r := qrParseText(d.Text)
	r.File, r.Step = path, d.Step
	return r
}

// qrParseLines parses one payload per line of in (blank lines skipped), as a
// serial or wedge scanner piped in sends them, and calls emit for each.
func qrParseLines(in io.Reader, emit func(qrResult)) error {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 0, 8192), qr.MaxPayloadLen+2)
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		emit(qrParseText(sc.Text()))
	}
	return sc.Err()
}

// qrWriteJSON writes r as one line of JSON.
func qrWriteJSON(w io.Writer, r qrResult) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(w, string(b))
	return err
}

// qrSummary is the human form of a successful record: the ID number masked,
// name and address left out (they are in the JSON form). It is "" for an
// error record.
func qrSummary(r qrResult) string {
	if !r.OK() {
		return ""
	}
	p := r.Payload
	gen := "CCCD"
	if p.Generation == qr.GenerationCanCuoc {
		gen = "thẻ căn cước"
	}
	prefix := ""
	if r.File != "" {
		prefix = r.File + ": "
	}
	return fmt.Sprintf("%s%s QR, ID %s, born %s, %s, issued %s, %d extra fields (full fields with --json)",
		prefix, gen, cccd.MaskID(p.IDNumber), p.DateOfBirth, p.Sex, p.DateOfIssue, len(p.Extra))
}
