package outbox

import (
	"crypto/rand"
	"errors"
	"fmt"
)

// dataKeyLen is the length of a record's data key (AES-256).
const dataKeyLen = 32

// dataSealVersion is the first byte of a payload or detail sealed under a
// record's data key (format 3).
const dataSealVersion = 2

// Purposes bound into the additional data, so a detail cannot be passed
// off as a payload or moved to another record.
const (
	purposePayload = "payload"
	purposeDetail  = "detail"
)

// newDataKey draws a fresh per-record data key. Destroying every wrapped
// copy of it (and the master key that wrapped the older copies) makes the
// record's payload unrecoverable: crypto-shredding.
func newDataKey() ([]byte, error) {
	dk := make([]byte, dataKeyLen)
	if _, err := rand.Read(dk); err != nil {
		return nil, fmt.Errorf("generate data key: %w", err)
	}
	return dk, nil
}

// sealData encrypts plaintext under a record's data key.
func sealData(dk []byte, uuid, purpose string, plaintext []byte) ([]byte, error) {
	a, err := newAEAD(dk)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 1+a.NonceSize(), 1+a.NonceSize()+len(plaintext)+a.Overhead())
	out[0] = dataSealVersion
	if _, err := rand.Read(out[1:]); err != nil {
		return nil, fmt.Errorf("nonce: %w", err)
	}
	return a.Seal(out, out[1:], plaintext, dataAAD(uuid, purpose)), nil
}

// openData decrypts what sealData sealed.
func openData(dk []byte, uuid, purpose string, sealed []byte) ([]byte, error) {
	a, err := newAEAD(dk)
	if err != nil {
		return nil, err
	}
	ns := a.NonceSize()
	if len(sealed) < 1+ns+a.Overhead() || sealed[0] != dataSealVersion {
		return nil, errors.New("sealed " + purpose + ": unknown format or truncated")
	}
	pt, err := a.Open(nil, sealed[1:1+ns], sealed[1+ns:], dataAAD(uuid, purpose))
	if err != nil {
		return nil, errors.New("sealed " + purpose + ": authentication failed")
	}
	return pt, nil
}

func dataAAD(uuid, purpose string) []byte {
	return []byte("motcua-outbox-v3:" + purpose + ":" + uuid)
}
