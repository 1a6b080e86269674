package iso7816

import "fmt"

// StatusError is a non-9000 status word. Compare with errors.Is against the
// sentinels below; 6Cxx and 61xx match their sentinel whatever the low byte.
type StatusError struct {
	SW uint16
}

// Sentinel status errors callers branch on.
var (
	ErrWarningEndOfFile            = &StatusError{SW: 0x6282}
	ErrMemoryFailure               = &StatusError{SW: 0x6581}
	ErrWrongLength                 = &StatusError{SW: 0x6700}
	ErrSecureMessagingUnsupported  = &StatusError{SW: 0x6882}
	ErrSecurityStatusNotSatisfied  = &StatusError{SW: 0x6982}
	ErrAuthenticationBlocked       = &StatusError{SW: 0x6983}
	ErrReferenceDataNotUsable      = &StatusError{SW: 0x6984}
	ErrConditionsNotSatisfied      = &StatusError{SW: 0x6985}
	ErrCommandNotAllowed           = &StatusError{SW: 0x6986}
	ErrSMDataObjectsMissing        = &StatusError{SW: 0x6987}
	ErrSMDataObjectsIncorrect      = &StatusError{SW: 0x6988}
	ErrWrongData                   = &StatusError{SW: 0x6A80}
	ErrFunctionNotSupported        = &StatusError{SW: 0x6A81}
	ErrFileNotFound                = &StatusError{SW: 0x6A82}
	ErrRecordNotFound              = &StatusError{SW: 0x6A83}
	ErrIncorrectP1P2               = &StatusError{SW: 0x6A86}
	ErrReferenceDataNotFound       = &StatusError{SW: 0x6A88}
	ErrWrongParameters             = &StatusError{SW: 0x6B00}
	ErrWrongLe                     = &StatusError{SW: 0x6C00}
	ErrInstructionNotSupported     = &StatusError{SW: 0x6D00}
	ErrClassNotSupported           = &StatusError{SW: 0x6E00}
	ErrNoPreciseDiagnosis          = &StatusError{SW: 0x6F00}
	ErrVerificationFailedRetryLeft = &StatusError{SW: 0x63C0}
)

var statusText = map[uint16]string{
	0x6282: "end of file reached before Le bytes",
	0x6581: "memory failure",
	0x6700: "wrong length",
	0x6882: "secure messaging not supported",
	0x6982: "security status not satisfied",
	0x6983: "authentication method blocked",
	0x6984: "reference data not usable",
	0x6985: "conditions of use not satisfied",
	0x6986: "command not allowed",
	0x6987: "expected secure messaging data objects missing",
	0x6988: "secure messaging data objects incorrect",
	0x6A80: "incorrect data",
	0x6A81: "function not supported",
	0x6A82: "file not found",
	0x6A83: "record not found",
	0x6A86: "incorrect P1/P2",
	0x6A88: "referenced data not found",
	0x6B00: "wrong parameters (offset outside file)",
	0x6D00: "instruction not supported",
	0x6E00: "class not supported",
	0x6F00: "no precise diagnosis",
}

func (e *StatusError) family() uint16 {
	switch e.SW >> 8 {
	case 0x61, 0x6C:
		return e.SW & 0xFF00
	}
	if e.SW&0xFFF0 == 0x63C0 {
		return 0x63C0
	}
	return e.SW
}

// Error describes the status word.
func (e *StatusError) Error() string {
	if t, ok := statusText[e.SW]; ok {
		return fmt.Sprintf("card status %04X: %s", e.SW, t)
	}
	switch e.family() {
	case 0x6C00:
		return fmt.Sprintf("card status %04X: wrong Le, %d bytes available", e.SW, e.SW&0xFF)
	case 0x63C0:
		return fmt.Sprintf("card status %04X: verification failed, %d tries left", e.SW, e.SW&0x0F)
	}
	return fmt.Sprintf("card status %04X", e.SW)
}

// Is lets errors.Is match a status error against a sentinel.
func (e *StatusError) Is(target error) bool {
	t, ok := target.(*StatusError)
	return ok && t.family() == e.family()
}
