// Package result is what `motcua qr parse` and `motcua qr decode` print: one
// record per payload or image, holding the parsed card QR or an error that
// says what went wrong without personal data. The kiosk and the local API
// can use the same records.
package result

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

// Result is one parsed payload or image. Error strings from reader/qr never
// carry personal data, and none is added here.
type Result struct {
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
func (r Result) OK() bool { return r.Error == "" && r.Payload != nil }

// Parse validates one scanned text.
func Parse(text string) Result {
	p, err := qr.Parse(text)
	if err != nil {
		return fromError(err)
	}
	return Result{Payload: p}
}

func fromError(err error) Result {
	r := Result{Error: err.Error()}
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

// DecodeFile finds the QR code in an image file and parses it.
func DecodeFile(path string) Result {
	img, err := camera.LoadImage(path)
	if err != nil {
		r := fromError(err)
		r.File = path
		return r
	}
	d, err := decode.Detailed(img)
	if err != nil {
		return Result{File: path, Error: err.Error()}
	}
	r := Parse(d.Text)
	r.File, r.Step = path, d.Step
	return r
}

// ParseLines parses one payload per line of in (blank lines skipped), as a
// serial or wedge scanner piped in sends them, and calls emit for each.
func ParseLines(in io.Reader, emit func(Result)) error {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 0, 8192), qr.MaxPayloadLen+2)
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		emit(Parse(sc.Text()))
	}
	return sc.Err()
}

// WriteJSON writes r as one line of JSON.
func WriteJSON(w io.Writer, r Result) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(w, string(b))
	return err
}

// Summary is the human form of a successful record: the ID number masked,
// name and address left out (they are in the JSON form). It is "" for an
// error record.
func Summary(r Result) string {
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
