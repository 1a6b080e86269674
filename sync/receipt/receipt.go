// Package receipt builds what a dossier receipt shows besides its text: the
// receipt number and the QR payload. Once the provincial system has given
// the dossier its official code (mã hồ sơ), the QR is the official dossier
// QR of Thông tư 01/2023/TT-VPCP Điều 26: a link to the status look-up on
// the national public-service portal. Before that it is the local receipt
// reference, plainly labelled as such. No personal data goes into either.
package receipt

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"motcua/sync/outbox"
)

// DefaultStatusURL is the status look-up the official QR links to, with
// {code} standing for the mã hồ sơ.
//
// Where it comes from: https://dichvucong.gov.vn/p/home/dvc-tra-cuu-ho-so.html
// is the national portal's dossier look-up page ("Tra cứu hồ sơ"), linked as
// such by public sites. How the portal takes a dossier code in the URL is
// not documented in any public source found, so the default does not invent
// a query parameter: the code rides in the fragment, which opens the
// look-up page and never reaches the server, and a scanner at the kiosk
// reads the code back from it. An operator whose province confirms the
// portal's parameter sets the template (Config.StatusURL, `--status-url`),
// e.g. "https://dichvucong.gov.vn/p/home/dvc-tra-cuu-ho-so.html?PARAM={code}".
const DefaultStatusURL = "https://dichvucong.gov.vn/p/home/dvc-tra-cuu-ho-so.html#{code}"

// LocalPrefix starts a local receipt payload (the format the kiosk's
// receipt screen has printed since version 1).
const LocalPrefix = "MOTCUA1"

// Config says where the official QR links to.
type Config struct {
	// StatusURL is an https URL template with {code} exactly once; ""
	// means DefaultStatusURL.
	StatusURL string
}

// ErrBadTemplate reports a status URL template that cannot be used.
var ErrBadTemplate = errors.New("receipt: status URL template must be an https URL with {code} exactly once")

// Check validates the configuration.
func (c Config) Check() error {
	t := c.template()
	if strings.Count(t, "{code}") != 1 {
		return ErrBadTemplate
	}
	u, err := url.Parse(strings.Replace(t, "{code}", "X", 1))
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return ErrBadTemplate
	}
	return nil
}

func (c Config) template() string {
	if c.StatusURL == "" {
		return DefaultStatusURL
	}
	return c.StatusURL
}

// QR is the content of a receipt's QR code and what to print under it.
type QR struct {
	// Content is what the QR code holds.
	Content string
	// Official is true for the official dossier QR (a link to the status
	// look-up by mã hồ sơ); false for the local receipt reference.
	Official bool
	// LabelVI and LabelEN say plainly which one it is.
	LabelVI, LabelEN string
}

// Labels of the two kinds of QR.
const (
	OfficialLabelVI = "Mã QR hồ sơ: quét để tra cứu trên Cổng Dịch vụ công quốc gia"
	OfficialLabelEN = "Official dossier QR: scan to look the dossier up on the national portal"
	LocalLabelVI    = "Mã biên nhận tại quầy (chưa có mã hồ sơ chính thức)"
	LocalLabelEN    = "Local receipt reference (no official dossier code yet)"
)

// Number is the receipt number people read aloud: the UUID's first group,
// upper case (as the kiosk's receipt screen shows it).
func Number(uuid string) string {
	ref, _, _ := strings.Cut(uuid, "-")
	return strings.ToUpper(ref)
}

// LocalPayload is the local receipt reference: the client reference (the
// outbox UUID), the procedure code and the device, so the desk can find the
// dossier. It is what the kiosk's receipt screen encodes.
func LocalPayload(uuid, service, device string) string {
	return strings.Join([]string{LocalPrefix, uuid, service, device}, "|")
}

// OfficialPayload is the official dossier QR content for a mã hồ sơ.
func OfficialPayload(code string, cfg Config) (string, error) {
	if err := cfg.Check(); err != nil {
		return "", err
	}
	if !outbox.ValidOfficialCode(code) {
		return "", fmt.Errorf("receipt: %q is not an official dossier code", code)
	}
	return strings.Replace(cfg.template(), "{code}", url.QueryEscape(code), 1), nil
}

// For returns the receipt QR of a record: the official one once its mã hồ
// sơ is known, else the local receipt reference.
func For(r outbox.Record, cfg Config) (QR, error) {
	if r.OfficialCode != "" {
		c, err := OfficialPayload(r.OfficialCode, cfg)
		if err != nil {
			return QR{}, err
		}
		return QR{Content: c, Official: true, LabelVI: OfficialLabelVI, LabelEN: OfficialLabelEN}, nil
	}
	if err := cfg.Check(); err != nil {
		return QR{}, err // a bad configuration is reported before it matters
	}
	return QR{Content: LocalPayload(r.UUID, r.Service, r.Device), LabelVI: LocalLabelVI, LabelEN: LocalLabelEN}, nil
}

// Scanned is what a scanned receipt QR refers to.
type Scanned struct {
	// OfficialCode is set for an official dossier QR.
	OfficialCode string
	// UUID and Service are set for a local receipt reference.
	UUID, Service string
}

// Parse reads a receipt QR back (the kiosk's "scan your receipt"): an
// official QR made with cfg, or a local reference. Anything else is refused.
func Parse(content string, cfg Config) (Scanned, error) {
	if rest, ok := strings.CutPrefix(content, LocalPrefix+"|"); ok {
		f := strings.Split(rest, "|")
		if len(f) != 3 || !outbox.ValidUUID(f[0]) {
			return Scanned{}, errors.New("receipt: not a local receipt reference")
		}
		return Scanned{UUID: f[0], Service: f[1]}, nil
	}
	if err := cfg.Check(); err != nil {
		return Scanned{}, err
	}
	pre, post, _ := strings.Cut(cfg.template(), "{code}")
	mid, ok := strings.CutPrefix(content, pre)
	if ok {
		mid, ok = strings.CutSuffix(mid, post)
	}
	if ok {
		if code, err := url.QueryUnescape(mid); err == nil && outbox.ValidOfficialCode(code) {
			return Scanned{OfficialCode: code}, nil
		}
	}
	return Scanned{}, errors.New("receipt: not a receipt QR of this kiosk's configuration")
}

// ExpectedResult is the expected result date of a dossier filed at filed
// whose procedure takes days working days (catalog ProcessingDays; 0: the
// same day): Saturdays and Sundays are skipped. Public holidays are not
// known here (they are announced each year), so receipts call the date
// expected ("dự kiến") and the office's appointment slip decides.
func ExpectedResult(filed time.Time, days int) time.Time {
	d := time.Date(filed.Year(), filed.Month(), filed.Day(), 0, 0, 0, 0, filed.Location())
	for days > 0 {
		d = d.AddDate(0, 0, 1)
		if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
			days--
		}
	}
	return d
}
