package outbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Kinds of copies of the database kept next to it.
const (
	// AsideBackup is the copy taken before a format migration
	// (outbox.db.v<N>.bak).
	AsideBackup = "backup"
	// AsideCorrupt is a corrupt database moved aside at Open
	// (outbox.db.corrupt-<time>).
	AsideCorrupt = "corrupt"
)

// Defaults for the retention of copies.
const (
	// DefaultBackupRetention is how long a migration backup is kept at
	// most (it goes earlier once a record it holds is purged).
	DefaultBackupRetention = 7 * 24 * time.Hour
	// DefaultCorruptRetention is how long a corrupt copy is kept for an
	// operator to recover dossiers from it.
	DefaultCorruptRetention = 30 * 24 * time.Hour
)

var bAside = []byte("aside") // file name -> asideFile JSON

// asideFile is the registry entry of a copy kept next to the database.
type asideFile struct {
	Name    string    `json:"name"`
	Kind    string    `json:"kind"`
	Created time.Time `json:"created"`
	// Keys are the master keys the copy's payloads need; they stay in the
	// key file while the copy is kept.
	Keys []uint32 `json:"keys"`
}

// Aside describes a copy of the database kept next to it, and when it
// goes.
type Aside struct {
	// Path is the copy's path.
	Path string
	// Kind is AsideBackup or AsideCorrupt.
	Kind string
	// Created is when it was made (or first found).
	Created time.Time
	// Expires is when it is deleted at the latest.
	Expires time.Time
}

func listAside(tx *bolt.Tx) ([]asideFile, error) {
	b := tx.Bucket(bAside)
	if b == nil {
		return nil, nil
	}
	var out []asideFile
	err := b.ForEach(func(k, v []byte) error {
		var a asideFile
		if err := json.Unmarshal(v, &a); err != nil {
			return fmt.Errorf("aside entry %q: %w", k, err)
		}
		out = append(out, a)
		return nil
	})
	return out, err
}

func putAside(tx *bolt.Tx, a asideFile) error {
	b, err := tx.CreateBucketIfNotExists(bAside)
	if err != nil {
		return err
	}
	return putJSON(b, []byte(a.Name), a)
}

// Asides lists the backups and corrupt copies kept next to the database.
func (s *Store) Asides() ([]Aside, error) {
	var out []Aside
	err := s.db.View(func(tx *bolt.Tx) error {
		as, err := listAside(tx)
		for _, a := range as {
			out = append(out, Aside{Path: filepath.Join(s.dir, a.Name), Kind: a.Kind, Created: a.Created,
				Expires: a.Created.Add(s.asideRetention(a.Kind))})
		}
		return err
	})
	return out, classifyIOError(err)
}

func (s *Store) asideRetention(kind string) time.Duration {
	if kind == AsideBackup {
		return s.opts.BackupRetention
	}
	return s.opts.CorruptRetention
}

// asideKind tells from a file name in the data directory whether it is a
// copy of the database.
func asideKind(name string) string {
	switch {
	case strings.HasPrefix(name, DBFile+".corrupt-"):
		return AsideCorrupt
	case strings.HasPrefix(name, DBFile+".v") && strings.HasSuffix(name, ".bak"):
		return AsideBackup
	}
	return ""
}

// registerFound registers copies in the data directory that the registry
// does not know (made by an older agent, or by a crash between the copy
// and its registration). They pin every master key present now and get a
// full retention from now.
func (s *Store) registerFound() error {
	ents, err := os.ReadDir(s.dir)
	if err != nil {
		return fmt.Errorf("outbox: list data directory: %w", err)
	}
	now := s.opts.Now().UTC()
	keys := s.keyring().KeyIDs()
	unknown := false
	if err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bAside)
		for _, e := range ents {
			if asideKind(e.Name()) != "" && !e.IsDir() && (b == nil || b.Get([]byte(e.Name())) == nil) {
				unknown = true
			}
		}
		return nil
	}); err != nil || !unknown {
		return classifyIOError(err) // nothing to register: no commit
	}
	var found []string
	err = s.db.Update(func(tx *bolt.Tx) error {
		found = found[:0]
		b := tx.Bucket(bAside)
		for _, e := range ents {
			kind := asideKind(e.Name())
			if kind == "" || e.IsDir() || (b != nil && b.Get([]byte(e.Name())) != nil) {
				continue
			}
			if err := putAside(tx, asideFile{Name: e.Name(), Kind: kind, Created: now, Keys: keys}); err != nil {
				return err
			}
			b = tx.Bucket(bAside)
			found = append(found, e.Name())
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("outbox: register copies: %w", classifyIOError(err))
	}
	for _, f := range found {
		s.log.Warn("outbox: found a copy of the database; it is kept for its retention, then deleted", "file", f)
	}
	return nil
}

// expireAside deletes the copies whose retention has ended, and migration
// backups made after a record created at or before purgedFrom (so they hold
// a payload that was just purged). It then retires master keys nothing
// needs.
func (s *Store) expireAside(now, purgedFrom time.Time) error {
	due := func(a asideFile) bool {
		return now.Sub(a.Created) >= s.asideRetention(a.Kind) ||
			(a.Kind == AsideBackup && !purgedFrom.IsZero() && !purgedFrom.After(a.Created))
	}
	any := false
	if err := s.db.View(func(tx *bolt.Tx) error {
		as, err := listAside(tx)
		for _, a := range as {
			any = any || due(a)
		}
		return err
	}); err != nil || !any {
		return classifyIOError(err) // nothing expires: no commit
	}
	var gone []asideFile
	err := s.db.Update(func(tx *bolt.Tx) error {
		gone = gone[:0]
		as, err := listAside(tx)
		if err != nil {
			return err
		}
		for _, a := range as {
			if !due(a) {
				continue
			}
			if err := os.Remove(filepath.Join(s.dir, a.Name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				s.log.Error("outbox: could not delete an expired copy of the database", "file", a.Name, "err", err)
				continue
			}
			if err := tx.Bucket(bAside).Delete([]byte(a.Name)); err != nil {
				return err
			}
			gone = append(gone, a)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("outbox: expire copies: %w", classifyIOError(err))
	}
	if len(gone) == 0 {
		return nil
	}
	if err := syncDir(s.dir); err != nil {
		return err
	}
	for _, a := range gone {
		s.log.Warn("outbox: deleted a copy of the database (its retention ended, or it held a purged record)", "file", a.Name, "kind", a.Kind)
	}
	return s.retireKeys()
}
