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

// keyFile is the on-disk form of a Keyring: every key ever used, so that a
// rotation keeps old records readable, and which one seals new records.
type keyFile struct {
	Version int          `json:"version"`
	Current uint32       `json:"current"`
	Keys    []keyFileKey `json:"keys"`
}

type keyFileKey struct {
	ID      uint32    `json:"id"`
	Key     string    `json:"key"` // base64, 32 bytes
	Created time.Time `json:"created"`
}

// Keyring holds the AES-256-GCM keys of an outbox by key ID. The current key
// seals new payloads; every key opens the payloads it sealed.
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
	var id uint32 = 1
	for _, k := range kr.file.Keys {
		if k.ID >= id {
			id = k.ID + 1
		}
	}
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

// CurrentKeyID returns the ID of the key that seals new payloads.
func (kr *Keyring) CurrentKeyID() uint32 { return kr.current }

// seal encrypts plaintext for the record uuid under the current key. The
// UUID is authenticated data, so a payload cannot be moved to another record.
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

// open decrypts a sealed payload of record uuid.
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

// sealedKeyID returns the key ID a sealed payload names.
func sealedKeyID(sealed []byte) (uint32, bool) {
	if len(sealed) < 5 || sealed[0] != sealVersion {
		return 0, false
	}
	return binary.BigEndian.Uint32(sealed[1:5]), true
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
