package printer

import (
	"errors"
	"fmt"
)

// Kinds of printer failure; callers branch on them with errors.Is. In
// every case the slip is not (or not surely) printed: the caller keeps the
// receipt on screen.
var (
	// ErrOutOfPaper: the paper roll is at its end.
	ErrOutOfPaper = errors.New("printer out of paper")
	// ErrOffline: the printer says it is offline (cover open, error, feed).
	ErrOffline = errors.New("printer offline")
	// ErrNoAnswer: the printer did not answer a status query in time
	// (switched off, cable out, or not an ESC/POS printer).
	ErrNoAnswer = errors.New("printer does not answer")
	// ErrUnreachable: the printer could not be opened or connected.
	ErrUnreachable = errors.New("printer unreachable")
	// ErrWrite: the slip could not be sent completely.
	ErrWrite = errors.New("printer write failed")
	// ErrConfig: the printer setting is wrong.
	ErrConfig = errors.New("printer setting")
)

// Error is a failed print, with a sentence for the screen.
type Error struct {
	Kind   error  // one of the Err* values above
	Detail string // what was seen, for the log (no personal data)
	Err    error  // underlying cause, if any
}

func (e *Error) Error() string {
	s := e.Kind.Error()
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap lets errors.Is match both the kind and the cause.
func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Err}
}

// MessageVI is the sentence the kiosk shows (and an officer reads).
func (e *Error) MessageVI() string {
	const keep = " Biên nhận vẫn hiển thị trên màn hình; xin gặp cán bộ hỗ trợ."
	switch e.Kind {
	case ErrOutOfPaper:
		return "Máy in đã hết giấy." + keep
	case ErrOffline:
		return "Máy in đang tạm dừng (nắp mở hoặc lỗi)." + keep
	case ErrNoAnswer, ErrUnreachable:
		return "Không kết nối được máy in." + keep
	case ErrWrite:
		return "Phiếu có thể chưa in đủ." + keep
	default:
		return "Chưa cấu hình máy in." + keep
	}
}

func fail(kind error, detail string, err error) *Error {
	return &Error{Kind: kind, Detail: detail, Err: err}
}

// Status is the printer's answer to the real-time status queries.
type Status struct {
	Offline, CoverOpen, PaperEnd, PaperNearEnd, Failed bool
}

// check turns a status into an error, nil when the printer can print.
func (s Status) check() error {
	switch {
	case s.PaperEnd:
		return fail(ErrOutOfPaper, "paper roll sensor: end", nil)
	case s.CoverOpen:
		return fail(ErrOffline, "cover open", nil)
	case s.Failed:
		return fail(ErrOffline, "printer error", nil)
	case s.Offline:
		return fail(ErrOffline, "offline", nil)
	}
	return nil
}

// String describes the status for the CLI and the log.
func (s Status) String() string {
	var parts []string
	add := func(ok bool, w string) {
		if ok {
			parts = append(parts, w)
		}
	}
	add(s.Offline, "offline")
	add(s.CoverOpen, "cover open")
	add(s.PaperEnd, "paper end")
	add(s.PaperNearEnd, "paper near end")
	add(s.Failed, "error")
	if len(parts) == 0 {
		return "ready"
	}
	return fmt.Sprint(parts)
}
