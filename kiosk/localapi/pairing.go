package localapi

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"motcua/internal/config"
)

// PairingsFile is the file in the data directory that holds the paired
// applications (token hashes only).
const PairingsFile = "api-pairings.json"

// TokenPrefix starts every pairing token, so a leaked one is recognisable.
const TokenPrefix = "mcp_"

// Errors of the pairing store.
var (
	ErrUnknownApp = errors.New("no application paired under that name")
	ErrBadAppName = errors.New("application name must be 1-64 letters, digits, '.', '-' or '_'")
)

// App is a paired application.
type App struct {
	Name      string    `json:"name"`
	Grants    []string  `json:"grants"`
	TokenHash string    `json:"token_sha256"` // hex SHA-256 of the token
	PairedAt  time.Time `json:"paired_at"`
}

// Granted reports whether the application may receive the sensitive field g.
func (a *App) Granted(g string) bool { return a != nil && slices.Contains(a.Grants, g) }

// Pairings is the store of paired applications in a data directory. The
// file is re-read when it changes, so `motcua serve pair` in another
// process takes effect on a running server.
type Pairings struct {
	path string

	mu      sync.Mutex
	apps    []App
	mtime   time.Time
	size    int64
	changed chan struct{} // closed (and replaced) when the set of apps changes
}

// OpenPairings opens (without creating) the store in dir.
func OpenPairings(dir string) (*Pairings, error) {
	p := &Pairings{path: filepath.Join(dir, PairingsFile), changed: make(chan struct{})}
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.reloadLocked(); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *Pairings) reloadLocked() error {
	st, err := os.Stat(p.path)
	if errors.Is(err, os.ErrNotExist) {
		if len(p.apps) > 0 {
			p.signalLocked()
		}
		p.apps, p.mtime, p.size = nil, time.Time{}, 0
		return nil
	}
	if err != nil {
		return fmt.Errorf("pairings: %w", err)
	}
	if st.ModTime().Equal(p.mtime) && st.Size() == p.size && p.apps != nil {
		return nil
	}
	b, err := os.ReadFile(p.path)
	if err != nil {
		return fmt.Errorf("pairings: %w", err)
	}
	var apps []App
	if err := json.Unmarshal(b, &apps); err != nil {
		return fmt.Errorf("pairings: %s is not valid: %w", p.path, err)
	}
	if apps == nil {
		apps = []App{}
	}
	if !slices.EqualFunc(p.apps, apps, sameApp) {
		p.signalLocked()
	}
	p.apps, p.mtime, p.size = apps, st.ModTime(), st.Size()
	return nil
}

func sameApp(a, b App) bool {
	return a.Name == b.Name && a.TokenHash == b.TokenHash && slices.Equal(a.Grants, b.Grants)
}

// signalLocked wakes whoever waits on Changed.
func (p *Pairings) signalLocked() {
	close(p.changed)
	p.changed = make(chan struct{})
}

// Changed returns a channel closed at the next change of the paired
// applications seen by this store: a Pair or Unpair through it at once, a
// change by another process (`motcua serve unpair`) at the next Refresh.
func (p *Pairings) Changed() <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.changed
}

// Refresh re-reads the file if another process changed it.
func (p *Pairings) Refresh() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.reloadLocked()
}

// byHash returns the current applications keyed by token hash.
func (p *Pairings) byHash() (map[string]App, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.reloadLocked(); err != nil {
		return nil, err
	}
	m := make(map[string]App, len(p.apps))
	for _, a := range p.apps {
		m[a.TokenHash] = a
	}
	return m, nil
}

func validAppName(n string) bool {
	if len(n) == 0 || len(n) > 64 {
		return false
	}
	for i := 0; i < len(n); i++ {
		c := n[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '.' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// Pair pairs (or re-pairs, replacing the old token) the application name
// with the grants and returns its new token. Only the token's hash is kept.
func (p *Pairings) Pair(name string, grants []string) (string, error) {
	if !validAppName(name) {
		return "", ErrBadAppName
	}
	for _, g := range grants {
		if !config.ValidGrant(g) {
			return "", fmt.Errorf("unknown grant %q (photo, ethnicity, religion, health)", g)
		}
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", err
	}
	token := TokenPrefix + base64.RawURLEncoding.EncodeToString(raw[:])
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.reloadLocked(); err != nil {
		return "", err
	}
	apps := slices.DeleteFunc(slices.Clone(p.apps), func(a App) bool { return a.Name == name })
	g := slices.Clone(grants)
	slices.Sort(g)
	apps = append(apps, App{Name: name, Grants: slices.Compact(g), TokenHash: hashToken(token), PairedAt: time.Now().UTC()})
	if err := p.saveLocked(apps); err != nil {
		return "", err
	}
	return token, nil
}

// Unpair removes the application.
func (p *Pairings) Unpair(name string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.reloadLocked(); err != nil {
		return err
	}
	n := len(p.apps)
	apps := slices.DeleteFunc(slices.Clone(p.apps), func(a App) bool { return a.Name == name })
	if len(apps) == n {
		return ErrUnknownApp
	}
	return p.saveLocked(apps)
}

// List returns the paired applications.
func (p *Pairings) List() ([]App, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.reloadLocked(); err != nil {
		return nil, err
	}
	return slices.Clone(p.apps), nil
}

// Lookup finds the application a token belongs to.
func (p *Pairings) Lookup(token string) (*App, bool) {
	if len(token) < len(TokenPrefix)+16 {
		return nil, false
	}
	return p.lookupHash(hashToken(token))
}

// lookupHash finds the application whose token hashes to hash.
func (p *Pairings) lookupHash(hash string) (*App, bool) {
	h := []byte(hash)
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.reloadLocked(); err != nil {
		return nil, false
	}
	var found *App
	for i := range p.apps {
		if subtle.ConstantTimeCompare(h, []byte(p.apps[i].TokenHash)) == 1 {
			a := p.apps[i]
			found = &a
		}
	}
	return found, found != nil
}

func (p *Pairings) saveLocked(apps []App) error {
	b, err := json.MarshalIndent(apps, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p.path), 0o700); err != nil {
		return fmt.Errorf("pairings: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(p.path), ".pairings-*")
	if err != nil {
		return fmt.Errorf("pairings: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("pairings: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("pairings: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("pairings: %w", err)
	}
	if err := os.Chmod(tmp.Name(), 0o600); err != nil {
		return fmt.Errorf("pairings: %w", err)
	}
	if err := os.Rename(tmp.Name(), p.path); err != nil {
		return fmt.Errorf("pairings: %w", err)
	}
	if !slices.EqualFunc(p.apps, apps, sameApp) {
		p.signalLocked()
	}
	p.apps = apps
	p.mtime = time.Time{} // force a re-stat on next use
	return nil
}

func hashToken(t string) string {
	s := sha256.Sum256([]byte(t))
	return hex.EncodeToString(s[:])
}

// Dir is the directory the store lives in.
func (p *Pairings) Dir() string { return filepath.Dir(p.path) }
