package clinic

import (
	"bufio"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// VisitLog remembers who checked in today at which facility, to flag a
// second check-in of the same person the same day instead of duplicating it
// silently. It keeps no personal data in clear: each line is an HMAC of the
// facility and the person's number under a key of this installation, and
// files of earlier days are removed when a new day starts.
type VisitLog struct {
	dir string
	key []byte
	mu  sync.Mutex
}

// OpenVisitLog opens (creating) a visit log in dir, with its key file.
func OpenVisitLog(dir string) (*VisitLog, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("visit log: %w", err)
	}
	kp := filepath.Join(dir, "visits.key")
	key, err := os.ReadFile(kp)
	if errors.Is(err, fs.ErrNotExist) {
		key = make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, err
		}
		if err := os.WriteFile(kp, key, 0o600); err != nil {
			return nil, fmt.Errorf("visit log key: %w", err)
		}
	} else if err != nil {
		return nil, fmt.Errorf("visit log key: %w", err)
	}
	if len(key) != 32 {
		return nil, fmt.Errorf("visit log key %s: %d bytes, want 32", kp, len(key))
	}
	return &VisitLog{dir: dir, key: key}, nil
}

// Note records a visit and reports whether the same person already checked
// in at the facility today (the gateway's local day).
func (v *VisitLog) Note(facility, person string, now time.Time) (seen bool, err error) {
	return v.visit(facility, person, now, true)
}

// Seen reports whether the person already checked in at the facility
// today, without noting a visit.
func (v *VisitLog) Seen(facility, person string, now time.Time) (bool, error) {
	return v.visit(facility, person, now, false)
}

func (v *VisitLog) visit(facility, person string, now time.Time, note bool) (seen bool, err error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	day := now.In(vnZone).Format("20060102")
	name := "visits-" + day + ".log"
	v.prune(name)
	m := hmac.New(sha256.New, v.key)
	m.Write([]byte(facility + "\x00" + person))
	tag := hex.EncodeToString(m.Sum(nil))
	path := filepath.Join(v.dir, name)
	if f, err := os.Open(path); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if sc.Text() == tag {
				seen = true
				break
			}
		}
		f.Close()
		if err := sc.Err(); err != nil {
			return false, fmt.Errorf("visit log: %w", err)
		}
	}
	if seen || !note {
		return seen, nil
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return false, fmt.Errorf("visit log: %w", err)
	}
	if _, err := f.WriteString(tag + "\n"); err != nil {
		f.Close()
		return false, fmt.Errorf("visit log: %w", err)
	}
	return false, f.Close()
}

// prune removes the files of other days: the log serves today only.
func (v *VisitLog) prune(keep string) {
	entries, _ := os.ReadDir(v.dir)
	for _, e := range entries {
		n := e.Name()
		if strings.HasPrefix(n, "visits-") && strings.HasSuffix(n, ".log") && n != keep {
			os.Remove(filepath.Join(v.dir, n))
		}
	}
}
