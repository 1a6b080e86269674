package intake

import (
	"context"
	"errors"
	"time"

	"motcua/sync/heartbeat/wire"
)

// Backend is what the intake keeps: dossiers deduplicated by idempotency key
// forever and bound to the device that first submitted them, the enrolled
// devices, and the latest heartbeat of each. Store (bbolt, one process) and
// PGStore (PostgreSQL, any number of replicas) implement it.
type Backend interface {
	// SubmitFrom records a submission by device: a new key gets a new
	// dossier bound to device (created true); a known key of the same device
	// with the same body returns its dossier with the submission count
	// raised; a known key of the same device with another body is
	// ErrKeyReuse; a key bound to another device is ErrOtherDevice (checked
	// first, so nothing about the other dossier leaks).
	SubmitFrom(ctx context.Context, device, key, service string, payload []byte, now time.Time) (Dossier, bool, error)
	// Lookup returns the dossier of a key (ErrNotFound).
	Lookup(ctx context.Context, key string) (Dossier, error)
	// UpdateStatus sets the national status code (1..10) of a dossier.
	UpdateStatus(ctx context.Context, key string, status int) (Dossier, error)
	// Dossiers returns the dossiers first submitted in [from, to) (zero
	// times: no bound), ordered by idempotency key, with payloads only
	// when payloads is true.
	Dossiers(ctx context.Context, from, to time.Time, payloads bool) ([]Dossier, error)

	// AddDevice enrols a device (ErrDeviceExists for a taken ID or
	// credential).
	AddDevice(ctx context.Context, d Device) error
	// Devices lists the enrolled devices with their latest heartbeat.
	Devices(ctx context.Context) ([]Device, error)
	// RevokeDevice marks a device revoked at the given time (ErrNoDevice).
	RevokeDevice(ctx context.Context, id string, at time.Time) error
	// DeviceByCredential finds the device holding a credential hash
	// (CredentialHash) (ErrNoDevice).
	DeviceByCredential(ctx context.Context, cred string) (Device, error)
	// PutHeartbeat records a device's heartbeat: it becomes the device's
	// latest state and its counts are added to the month it arrived in.
	PutHeartbeat(ctx context.Context, device string, hb wire.Report, at time.Time) error
	// Counts returns the heartbeat counts of a month ("2026-11"), by device.
	Counts(ctx context.Context, month string) (map[string]wire.Counts, error)
	// Tally counts the dossiers first submitted in [from, to) by device,
	// procedure and channel.
	Tally(ctx context.Context, from, to time.Time) ([]Tally, error)

	// Close releases the backend.
	Close() error
}

var (
	// ErrOtherDevice is returned when a device uses an idempotency key
	// bound to another device.
	ErrOtherDevice = errors.New("intake: idempotency key belongs to another device")
	// ErrNoDevice is returned for an unknown device or credential.
	ErrNoDevice = errors.New("intake: no such device")
	// ErrDeviceExists is returned when an enrolment reuses an ID, a name or
	// a credential.
	ErrDeviceExists = errors.New("intake: device ID, name or credential already enrolled")
)

// PilotDevice is the device ID of the shared-token pilot mode; dossiers
// stored before devices existed belong to it.
const PilotDevice = "pilot"

// Tally is the number of dossiers of one device, procedure and channel.
type Tally struct {
	Device  string `json:"device"`
	Service string `json:"service"`
	Channel string `json:"channel"`
	N       int    `json:"n"`
}

// Device is an enrolled agent.
type Device struct {
	// ID is the stable identifier (dossiers are bound to it).
	ID string `json:"id"`
	// Name is the operator's label, e.g. "UBND xã Tân Phú – quầy 1".
	Name string `json:"name"`
	// Credentials are credential hashes (CredentialHash): a token, a
	// client-certificate fingerprint, or both.
	Credentials []string `json:"credentials"`
	// EnrolledAt and RevokedAt (zero: active) are in UTC.
	EnrolledAt time.Time `json:"enrolled_at"`
	RevokedAt  time.Time `json:"revoked_at,omitzero"`
	// LastHeartbeat is the latest heartbeat (nil: none yet) and
	// LastHeartbeatAt when it arrived.
	LastHeartbeat   *wire.Report `json:"last_heartbeat,omitempty"`
	LastHeartbeatAt time.Time    `json:"last_heartbeat_at,omitzero"`
}

// Revoked reports whether the device was revoked.
func (d Device) Revoked() bool { return !d.RevokedAt.IsZero() }

// pilotRecord is the device record the pilot device gets with its first
// heartbeat (it has no credential: the shared token is configuration).
func pilotRecord(at time.Time) Device {
	return Device{ID: PilotDevice, Name: "pilot (shared token)", EnrolledAt: at.UTC()}
}

// ownerOf maps a stored owner to a device ID: dossiers from before devices
// existed have none and belong to the pilot device.
func ownerOf(device string) string {
	if device == "" {
		return PilotDevice
	}
	return device
}
