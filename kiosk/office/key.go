package office

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
)

// KeySize is the office key's length in bytes.
const KeySize = 32

// Key is the office key shared by the office's machines.
type Key [KeySize]byte

// ErrKeyFile is wrapped by every refusal of a key file (unreadable, open
// to others, not a key).
var ErrKeyFile = errors.New("office key file refused")

// NewKey draws a new office key from the system's random source.
func NewKey() (Key, error) {
	var k Key
	if _, err := rand.Read(k[:]); err != nil {
		return Key{}, fmt.Errorf("office key: %w", err)
	}
	return k, nil
}

// WriteKeyFile writes a new office key to path as 64 hex digits, readable
// by its owner only. It never overwrites: a second key would split the
// office in two (copy the one file to every machine instead).
func WriteKeyFile(path string) error {
	k, err := NewKey()
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("office key: %w", err)
	}
	_, err = f.WriteString(hex.EncodeToString(k[:]) + "\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return fmt.Errorf("office key: %w", err)
	}
	return nil
}

// LoadKeyFile reads the office key at path. A file group or others may
// read is refused (on systems with Unix permissions): the key lets its
// holder call officers and answer for them.
func LoadKeyFile(path string) (Key, error) {
	st, err := os.Stat(path)
	if err != nil {
		return Key{}, fmt.Errorf("%w: %v", ErrKeyFile, err)
	}
	if !st.Mode().IsRegular() {
		return Key{}, fmt.Errorf("%w: %s is not a regular file", ErrKeyFile, path)
	}
	if runtime.GOOS != "windows" && st.Mode().Perm()&0o077 != 0 {
		return Key{}, fmt.Errorf("%w: %s is readable by others (mode %04o); chmod 600 it", ErrKeyFile, path, st.Mode().Perm())
	}
	if st.Size() > 256 {
		return Key{}, fmt.Errorf("%w: %s is not an office key (too long)", ErrKeyFile, path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return Key{}, fmt.Errorf("%w: %v", ErrKeyFile, err)
	}
	raw, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(raw) != KeySize {
		return Key{}, fmt.Errorf("%w: %s is not an office key (64 hex digits; `motcua office key` writes one)", ErrKeyFile, path)
	}
	var k Key
	copy(k[:], raw)
	return k, nil
}
