package qr

import (
	"errors"
	"fmt"
)

// Sentinels a *FieldError matches with errors.Is.
var (
	ErrFieldCount  = errors.New("wrong number of fields")
	ErrIDNumber    = errors.New("bad ID number")
	ErrOldIDNumber = errors.New("bad old CMND number")
	ErrName        = errors.New("bad full name")
	ErrDate        = errors.New("bad date")
	ErrSex         = errors.New("bad sex")
	ErrText        = errors.New("bad text")
)

// ErrNotCardQR is matched (errors.Is) by a *NotCardError: the scan is
// something else than a CCCD / thẻ căn cước QR.
var ErrNotCardQR = errors.New("not a CCCD / thẻ căn cước QR code")

// fieldNames names the first 7 fields, shared by both generations.
var fieldNames = [FieldsCCCD]string{
	"id_number", "old_id_number", "full_name", "date_of_birth", "sex", "place_of_residence", "date_of_issue",
}

// FieldError reports a payload shaped like a card QR with one bad field. It
// never carries the field's value.
type FieldError struct {
	Index  int    // 0-based field index, or -1 for the payload as a whole
	Err    error  // one of the Err* sentinels
	Reason string // what is wrong, without personal data
}

// Field is the JSON name of the bad field, or "" for the whole payload.
func (e *FieldError) Field() string {
	if e.Index >= 0 && e.Index < len(fieldNames) {
		return fieldNames[e.Index]
	}
	if e.Index >= len(fieldNames) {
		return fmt.Sprintf("extra_%d", e.Index-len(fieldNames)+1)
	}
	return ""
}

func (e *FieldError) Error() string {
	if f := e.Field(); f != "" {
		return fmt.Sprintf("card QR field %d (%s): %v: %s", e.Index+1, f, e.Err, e.Reason)
	}
	return fmt.Sprintf("card QR: %v: %s", e.Err, e.Reason)
}

// Unwrap returns the sentinel.
func (e *FieldError) Unwrap() error { return e.Err }

// Kind names what a scanner read when it was not a card QR.
type Kind string

// Kinds of scans that are not card QRs.
const (
	KindUnknown       Kind = ""
	KindEmpty         Kind = "empty"
	KindTooLong       Kind = "too_long"
	KindURL           Kind = "url"
	KindVietQR        Kind = "vietqr"
	KindEMVCo         Kind = "emvco_payment"
	KindVNeID         Kind = "vneid"
	KindToken         Kind = "token"
	KindIDNumberOnly  Kind = "id_number_only"
	KindOldIDOnly     Kind = "old_id_only"
	KindMRZ           Kind = "mrz"
	KindHealthInsured Kind = "health_insurance"
	KindWiFi          Kind = "wifi"
	KindContact       Kind = "contact"
	KindJSON          Kind = "json"
)

var kindText = map[Kind]string{
	KindEmpty:         "an empty code",
	KindTooLong:       "a code far longer than any card QR",
	KindURL:           "a web address (URL)",
	KindVietQR:        "a VietQR bank-transfer code",
	KindEMVCo:         "a payment QR code (EMVCo)",
	KindVNeID:         "a VNeID app code (scan the QR on the card itself)",
	KindToken:         "a signed app token (for example from VNeID or an e-wallet)",
	KindIDNumberOnly:  "only a 12-digit ID number, not the card's QR",
	KindOldIDOnly:     "only a 9-digit old CMND number",
	KindMRZ:           "the machine-readable zone (MRZ) text",
	KindHealthInsured: "a health-insurance (BHYT) card QR",
	KindWiFi:          "a Wi-Fi network code",
	KindContact:       "a contact card or phone/e-mail/SMS code",
	KindJSON:          "a JSON document",
}

// Describe says in words what this kind of code is.
func (k Kind) Describe() string {
	if t, ok := kindText[k]; ok {
		return t
	}
	return "an unrecognised code"
}

// NotCardError reports a scan that is not a card QR, and what it was
// instead. It never carries the scanned text.
type NotCardError struct {
	Kind Kind
}

func (e *NotCardError) Error() string {
	return fmt.Sprintf("scanned %s, %v", e.Kind.Describe(), ErrNotCardQR)
}

// Is makes errors.Is(err, ErrNotCardQR) true.
func (e *NotCardError) Is(target error) bool { return target == ErrNotCardQR }
