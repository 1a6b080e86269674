package outbox

import (
	"errors"
	"fmt"
	"strings"
	"syscall"

	berrors "go.etcd.io/bbolt/errors"
)

var (
	// ErrNotFound is returned for a UUID the store does not hold.
	ErrNotFound = errors.New("outbox: no such submission")
	// ErrDiskFull is returned when a write fails because the disk (or the
	// process's file size limit) is full. Nothing already stored is lost.
	ErrDiskFull = errors.New("outbox: disk full")
	// ErrReadOnly is returned when the store cannot be written because the
	// disk or file is read-only. Stored records stay readable.
	ErrReadOnly = errors.New("outbox: storage is read-only")
	// ErrLocked is returned when another process holds the store open.
	ErrLocked = errors.New("outbox: store is in use by another process")
	// ErrInvalidState is returned for a state transition the machine does
	// not allow, e.g. accepting a record that is not being sent.
	ErrInvalidState = errors.New("outbox: invalid state transition")
	// ErrInvalidInput is returned for a bad service code or payload.
	ErrInvalidInput = errors.New("outbox: invalid input")
	// ErrConflictingCode is returned when a receiver reports an official
	// dossier code other than the one already recorded for the record.
	ErrConflictingCode = errors.New("outbox: the receiver reported a different official dossier code")
	// ErrPayloadPurged is returned by Payload after retention removed it.
	ErrPayloadPurged = errors.New("outbox: payload purged after retention")
	// ErrNoneDue is returned by Claim when no pending record is due.
	ErrNoneDue = errors.New("outbox: nothing due")
	// ErrUndecryptable is returned by Claim for a payload that cannot be
	// decrypted; the record has been parked as needs_attention.
	ErrUndecryptable = errors.New("outbox: payload cannot be decrypted")
	// ErrClosed is returned after Close.
	ErrClosed = errors.New("outbox: store closed")
)

// classifyIOError wraps an I/O error with ErrDiskFull or ErrReadOnly when it
// is one of those conditions, keeping the original error in the chain.
func classifyIOError(err error) error {
	if err == nil {
		return nil
	}
	switch {
	case errors.Is(err, ErrDiskFull), errors.Is(err, ErrReadOnly), errors.Is(err, ErrLocked):
		return err
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EFBIG), errors.Is(err, syscall.EDQUOT):
		return fmt.Errorf("%w: %v", ErrDiskFull, err)
	case errors.Is(err, syscall.EROFS), errors.Is(err, syscall.EACCES), errors.Is(err, syscall.EPERM),
		errors.Is(err, berrors.ErrDatabaseReadOnly):
		return fmt.Errorf("%w: %v", ErrReadOnly, err)
	case errors.Is(err, berrors.ErrDatabaseNotOpen):
		return fmt.Errorf("%w: %v", ErrClosed, err)
	case errors.Is(err, berrors.ErrTimeout):
		return fmt.Errorf("%w: %v", ErrLocked, err)
	}
	// bbolt formats some errors with %s, losing the errno: match the text.
	msg := err.Error()
	switch {
	case strings.Contains(msg, "no space left on device"), strings.Contains(msg, "file too large"),
		strings.Contains(msg, "disk quota exceeded"), strings.Contains(msg, "There is not enough space on the disk"):
		return fmt.Errorf("%w: %v", ErrDiskFull, err)
	case strings.Contains(msg, "read-only file system"):
		return fmt.Errorf("%w: %v", ErrReadOnly, err)
	}
	return err
}
