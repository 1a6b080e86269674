package cardloop

import (
	"context"
	"errors"

	"motcua/reader"
	"motcua/reader/iso7816"
)

// Reasons a read failed, as Failed events carry them (the same labels the
// metrics and the local API show).
const (
	ReasonWrongKey    = "wrong_key"
	ReasonNoKey       = "no_key"
	ReasonCardRemoved = "card_removed"
	ReasonMalformed   = "malformed"
	ReasonTimeout     = "timeout"
	ReasonOther       = "other"
)

// Classify says why a read failed.
func Classify(err error) string {
	switch {
	case errors.Is(err, reader.ErrWrongKey):
		return ReasonWrongKey
	case errors.Is(err, reader.ErrNoKey):
		return ReasonNoKey
	case errors.Is(err, iso7816.ErrCardRemoved):
		return ReasonCardRemoved
	case errors.Is(err, reader.ErrMalformed):
		return ReasonMalformed
	case errors.Is(err, context.DeadlineExceeded):
		return ReasonTimeout
	}
	return ReasonOther
}

// AsksForKey is the loop's retry policy: after a wrong or missing key the
// same card waits for another key (the citizen re-types the CAN, scans the
// QR again); any other failure ends the card's reads until it is put back,
// because reading again would fail the same way or harm a card that is
// half-removed.
func AsksForKey(reason string) bool {
	return reason == ReasonWrongKey || reason == ReasonNoKey
}
