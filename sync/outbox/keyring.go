package outbox

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"time"
)

// sealVersion is the first byte of every sealed payload.
const sealVersion = 1

// keyFileVersion is the format version of the key file.
const keyFileVersion = 1

// keyFile is the on-disk form of a Keyring: the master keys that still
// wrap a live record's data key (or that a retained backup needs), and
// which one wraps new data keys. Keys nothing needs any more are removed.
type keyFile struct {
	Version int          `json:"version"`
	Current uint32       `json:"current"`
	Keys    []keyFileKey `json:"keys"`
	// NextID is the ID the next key gets, so the ID of a retired key is
	// never used again.
	NextID uint32 `json:"next_id,omitempty"`
}

type keyFileKey struct {
	ID      uint32    `json:"id"`
	Key     string    `json:"key"` // base64, 32 bytes
	Created time.Time `json:"created"`
}

// Keyring holds the AES-256-GCM master keys of an outbox by key ID. The
// current key wraps the data keys of new records; every key unwraps the data
// keys it wrapped. Payloads are sealed with per-record data keys.
type Keyring struct {
	path    string
	current uint32
	aeads   map[uint32]cipher.AEAD
	file    keyFile
}

// ErrKeyMissing is returned when the store holds sealed payloads but the key
// file is absent, or a payload names a key ID the key file does not hold.
var ErrKeyMissing = errors.New("outbox: encryption key missing")

// loadKeyring reads the key file at path. When the file does not exist and
// create is true, a new file with one fresh key is created with mode 0600.
func loadKeyring(path string, create bool) (*Keyring, bool, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if !create {
			return nil, false, fmt.Errorf("%w: %s does not exist", ErrKeyMissing, path)
		}
		kr := &Keyring{path: path, aeads: map[uint32]cipher.AEAD{}, file: keyFile{Version: keyFileVersion}}
		if err := kr.addKey(); err != nil {
			return nil, false, err
		}
		if err := kr.write(true); err != nil {
			return nil, false, err
		}
		return kr, true, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("read key file: %w", err)
	}
	var kf keyFile
	if err := json.Unmarshal(data, &kf); err != nil {
		return nil, false, fmt.Errorf("key file %s is not valid: %w", path, err)
	}
	if kf.Version != keyFileVersion {
		return nil, false, fmt.Errorf("key file %s: unsupported version %d", path, kf.Version)
	}
	kr := &Keyring{path: path, current: kf.Current, aeads: map[uint32]cipher.AEAD{}, file: kf}
	for _, k := range kf.Keys {
		raw, err := base64.StdEncoding.DecodeString(k.Key)
		if err != nil || len(raw) != 32 {
			return nil, false, fmt.Errorf("key file %s: key %d is not 32 base64-encoded bytes", path, k.ID)
		}
		a, err := newAEAD(raw)
		if err != nil {
			return nil, false, err
		}
		kr.aeads[k.ID] = a
	}
	if _, ok := kr.aeads[kr.current]; !ok {
		return nil, false, fmt.Errorf("key file %s: current key %d not present", path, kr.current)
	}
	return kr, false, nil
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("aes: %w", err)
	}
	return cipher.NewGCM(b)
}

// addKey generates a new random key with the next ID and makes it current.
func (kr *Keyring) addKey() error {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return fmt.Errorf("generate key: %w", err)
	}
	a, err := newAEAD(raw)
	if err != nil {
		return err
	}
	id := max(kr.file.NextID, 1)
	for _, k := range kr.file.Keys {
		if k.ID >= id {
			id = k.ID + 1
		}
	}
	kr.file.NextID = id + 1
	kr.file.Keys = append(kr.file.Keys, keyFileKey{ID: id, Key: base64.StdEncoding.EncodeToString(raw), Created: time.Now().UTC()})
	kr.file.Current = id
	kr.current = id
	kr.aeads[id] = a
	return nil
}

// write stores the key file atomically: a 0600 temporary file, fsync,
// rename, fsync of the directory. With exclusive set it refuses to replace
// an existing file.
func (kr *Keyring) write(exclusive bool) error {
	data, err := json.MarshalIndent(kr.file, "", "  ")
	if err != nil {
		return err
	}
	dir := filepath.Dir(kr.path)
	tmp, err := os.CreateTemp(dir, ".outbox.key.*")
	if err != nil {
		return fmt.Errorf("write key file: %w", classifyIOError(err))
	}
	tmpName := tmp.Name()
	defer os.Remove(tmpName)
	if err := tmp.Chmod(0o600); err != nil && runtime.GOOS != "windows" {
		tmp.Close()
		return fmt.Errorf("write key file: %w", err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write key file: %w", classifyIOError(err))
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write key file: %w", classifyIOError(err))
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write key file: %w", classifyIOError(err))
	}
	if exclusive {
		// Link fails if the target exists, so two first runs cannot both
		// create a key.
		if err := os.Link(tmpName, kr.path); err != nil {
			return fmt.Errorf("create key file: %w", classifyIOError(err))
		}
	} else if err := os.Rename(tmpName, kr.path); err != nil {
		return fmt.Errorf("replace key file: %w", classifyIOError(err))
	}
	return syncDir(dir)
}

// syncDir fsyncs a directory so a rename or create in it is durable.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync dir: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync dir: %w", classifyIOError(err))
	}
	return nil
}

// CurrentKeyID returns the ID of the key that wraps new data keys.
func (kr *Keyring) CurrentKeyID() uint32 { return kr.current }

// KeyIDs returns the IDs of the master keys the key file holds.
func (kr *Keyring) KeyIDs() []uint32 {
	ids := make([]uint32, 0, len(kr.file.Keys))
	for _, k := range kr.file.Keys {
		ids = append(ids, k.ID)
	}
	return ids
}

// seal encrypts plaintext for the record uuid under the current master key
// (format 1 and 2 payloads; kept for migration and tests). The UUID is
// authenticated data, so a payload cannot be moved to another record.
func (kr *Keyring) seal(uuid string, plaintext []byte) ([]byte, error) {
	a := kr.aeads[kr.current]
	out := make([]byte, 5+a.NonceSize(), 5+a.NonceSize()+len(plaintext)+a.Overhead())
	out[0] = sealVersion
	binary.BigEndian.PutUint32(out[1:5], kr.current)
	if _, err := rand.Read(out[5:]); err != nil {
		return nil, fmt.Errorf("nonce: %w", err)
	}
	return a.Seal(out, out[5:], plaintext, aad(uuid)), nil
}

// open decrypts a payload sealed directly under a master key (formats 1
// and 2).
func (kr *Keyring) open(uuid string, sealed []byte) ([]byte, error) {
	if len(sealed) < 5 || sealed[0] != sealVersion {
		return nil, errors.New("sealed payload: unknown format")
	}
	id := binary.BigEndian.Uint32(sealed[1:5])
	a, ok := kr.aeads[id]
	if !ok {
		return nil, fmt.Errorf("%w: payload sealed with key %d", ErrKeyMissing, id)
	}
	ns := a.NonceSize()
	if len(sealed) < 5+ns+a.Overhead() {
		return nil, errors.New("sealed payload: truncated")
	}
	pt, err := a.Open(nil, sealed[5:5+ns], sealed[5+ns:], aad(uuid))
	if err != nil {
		return nil, errors.New("sealed payload: authentication failed")
	}
	return pt, nil
}

func aad(uuid string) []byte { return []byte("motcua-outbox-v1:" + uuid) }

// wrapVersion is the first byte of a wrapped data key.
const wrapVersion = 2

// wrapLen is the length of a wrapped data key: version, master key ID,
// nonce, the 32-byte key and the GCM tag.
const wrapLen = 1 + 4 + 12 + dataKeyLen + 16

// wrap encrypts a record's data key under the current master key, bound to
// the record's UUID.
func (kr *Keyring) wrap(uuid string, dk []byte) ([]byte, error) {
	a := kr.aeads[kr.current]
	out := make([]byte, 5+a.NonceSize(), wrapLen)
	out[0] = wrapVersion
	binary.BigEndian.PutUint32(out[1:5], kr.current)
	if _, err := rand.Read(out[5:]); err != nil {
		return nil, fmt.Errorf("nonce: %w", err)
	}
	return a.Seal(out, out[5:], dk, wrapAAD(uuid)), nil
}

// unwrap recovers a record's data key.
func (kr *Keyring) unwrap(uuid string, wrapped []byte) ([]byte, error) {
	id, ok := wrappedKeyID(wrapped)
	if !ok {
		return nil, errors.New("wrapped data key: unknown format")
	}
	a, ok := kr.aeads[id]
	if !ok {
		return nil, fmt.Errorf("%w: data key wrapped with master key %d", ErrKeyMissing, id)
	}
	dk, err := a.Open(nil, wrapped[5:17], wrapped[17:], wrapAAD(uuid))
	if err != nil {
		return nil, errors.New("wrapped data key: authentication failed")
	}
	return dk, nil
}

// wrappedKeyID returns the master key ID a wrapped data key names.
func wrappedKeyID(w []byte) (uint32, bool) {
	if len(w) != wrapLen || w[0] != wrapVersion {
		return 0, false
	}
	return binary.BigEndian.Uint32(w[1:5]), true
}

func wrapAAD(uuid string) []byte { return []byte("motcua-outbox-dek-v3:" + uuid) }

// without returns a copy of the keyring without the given (non-current)
// master keys.
func (kr *Keyring) without(drop map[uint32]bool) *Keyring {
	c := kr.clone()
	c.file.Keys = c.file.Keys[:0]
	for _, k := range kr.file.Keys {
		if drop[k.ID] && k.ID != kr.current {
			delete(c.aeads, k.ID)
			continue
		}
		c.file.Keys = append(c.file.Keys, k)
	}
	return c
}

// clone returns an independent copy, so a failed rotation changes nothing.
func (kr *Keyring) clone() *Keyring {
	c := &Keyring{path: kr.path, current: kr.current, aeads: make(map[uint32]cipher.AEAD, len(kr.aeads)), file: kr.file}
	for k, v := range kr.aeads {
		c.aeads[k] = v
	}
	c.file.Keys = append([]keyFileKey(nil), kr.file.Keys...)
	return c
}
