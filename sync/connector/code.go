package connector

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Code returns a short code for a delivery or status error, fit for clear
// metadata and log lines: it is built from the error's class and HTTP
// status only, never from text the receiver sent (a rejection reason may
// quote a citizen's name and address).
func Code(err error) string {
	var (
		rej *RejectedError
		tmp *TemporaryError
		unx *UnexpectedError
		hld *HoldError
	)
	switch {
	case err == nil:
		return ""
	case errors.As(err, &hld):
		return hld.Code
	case errors.As(err, &rej):
		if rej.HTTPStatus == 0 {
			return "rejected_by_adapter"
		}
		return "rejected_http_" + strconv.Itoa(rej.HTTPStatus)
	case errors.Is(err, ErrInFlight):
		return "in_flight_409"
	case errors.Is(err, ErrUnauthorized):
		return "unauthorized"
	case errors.Is(err, ErrNotFound):
		return "not_found"
	case errors.As(err, &tmp):
		if tmp.NotSent {
			return "unreachable"
		}
		if st := httpStatusOf(tmp.Err); st != 0 {
			return "no_answer_http_" + strconv.Itoa(st)
		}
		if errors.Is(tmp.Err, context.DeadlineExceeded) || strings.Contains(tmp.Err.Error(), "Timeout") ||
			strings.Contains(tmp.Err.Error(), "timeout") {
			return "no_answer_timeout"
		}
		return "no_answer"
	case errors.As(err, &unx):
		if unx.HTTPStatus != 0 {
			return "unexpected_http_" + strconv.Itoa(unx.HTTPStatus)
		}
		return "unexpected_answer"
	case errors.Is(err, context.Canceled):
		return "canceled"
	}
	return "error"
}

// httpStatusError is the cause of a TemporaryError for an HTTP status.
type httpStatusError struct{ status int }

func (e *httpStatusError) Error() string { return fmt.Sprintf("HTTP %d", e.status) }

func httpStatusOf(err error) int {
	var he *httpStatusError
	if errors.As(err, &he) {
		return he.status
	}
	return 0
}
