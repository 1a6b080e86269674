package outbox

import (
	"bytes"
	"crypto/cipher"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// File names inside the data directory.
const (
	// DBFile is the bbolt database of the outbox.
	DBFile = "outbox.db"
	// KeyFile is the default key file, created 0600 on first run.
	KeyFile = "outbox.key"
)

// Bucket names of format 4 (the older layouts are in legacy.go).
var (
	bDetail    = []byte("detail") // seq -> Detail JSON sealed under the data key
	bAudit     = []byte("audit")  // uuid -> AuditRecord JSON
	allBuckets = [][]byte{bRec, bDetail, bAudit, bFormat, bAside}
)

// Defaults for Options.
const (
	DefaultTimeout     = 2 * time.Second
	DefaultRetention   = 7 * 24 * time.Hour
	DefaultMaxAttempts = 30
	DefaultMaxPayload  = 16 << 20
)

// Options configure Open. The zero value is usable.
type Options struct {
	// Timeout is how long Open waits for another process's file lock
	// before failing with ErrLocked. Default DefaultTimeout.
	Timeout time.Duration
	// Retention is how long an accepted record keeps its payload before
	// Purge removes it. Default DefaultRetention.
	Retention time.Duration
	// PurgeSlack lets an accepted payload outlive Retention by up to this
	// much, so that purges come in batches: Purge removes anything only
	// once the oldest expired payload is PurgeSlack past its retention,
	// and then removes every expired one. In format 4 a purge that removes
	// something rewrites every live record (its data key is re-wrapped
	// under a new master key, BenchmarkRewrapLive), so an agent that
	// purges on every sync pass sets an hour; 0 purges as soon as the
	// retention ends (the `motcua outbox purge` command).
	PurgeSlack time.Duration
	// MaxAttempts is how many deliveries without a definite answer a
	// record gets before it needs attention. Default DefaultMaxAttempts.
	MaxAttempts int
	// MaxPayload is the largest payload Add accepts. Default DefaultMaxPayload.
	MaxPayload int
	// MaxAttachment is the largest attachment AddWithAttachments accepts
	// (plaintext bytes). Default DefaultMaxAttachment.
	MaxAttachment int64
	// AttachmentBudget is the disk space all sealed attachments may take
	// together. Default DefaultAttachmentBudget.
	AttachmentBudget int64
	// BackupRetention is how long a migration backup is kept at most
	// (default DefaultBackupRetention); it is deleted earlier once a record
	// it holds is purged.
	BackupRetention time.Duration
	// CorruptRetention is how long a corrupt database moved aside is kept
	// (default DefaultCorruptRetention).
	CorruptRetention time.Duration
	// Device identifies this agent in audit records.
	Device string
	// KeyFile overrides the key file path (default DIR/outbox.key).
	KeyFile string
	// ReadOnly opens the store for reading only (also chosen automatically
	// when the file or disk is read-only).
	ReadOnly bool
	// Logger receives start-up reports (corrupt file, read-only disk,
	// purges). Default: text to stderr. It never receives payload data.
	Logger *slog.Logger
	// Now overrides the clock (tests).
	Now func() time.Time
}

// Recovery describes a corrupt database found at Open and moved aside.
type Recovery struct {
	// MovedTo is the path the corrupt file now has.
	MovedTo string
	// Reason is what the check found.
	Reason string
}

// Store is an open outbox. It is safe for concurrent use by goroutines of
// one process; bbolt's file lock keeps other processes out.
type Store struct {
	db       *bolt.DB
	kr       *Keyring
	opts     Options
	dir      string
	readOnly bool
	recovery *Recovery
	log      *slog.Logger

	// format is the layout of the open file: CurrentFormat, or an older
	// one opened read-only and not migrated.
	format int
	// idx is the in-memory index (index.go), built at Open; wmu is held
	// around every write transaction and the index change that follows
	// it (update).
	idx *index
	wmu sync.Mutex

	mu     sync.Mutex // guards kr, closed and ownKey
	closed bool
	ownKey []byte // the owner key once loaded (owner.go)

	// Group commit of Add (see Add).
	attMu    sync.Mutex // one attachment writer at a time, so the budget holds
	addMu    sync.Mutex
	addQ     []*addReq
	commitMu sync.Mutex
}

// Open opens (creating if needed) the outbox in dir. It checks the database
// file; a corrupt file is moved aside (never deleted), reported loudly on
// the logger and by Recovered, and a fresh store is created. Records left in
// sending by a crash go back to pending, and expired payloads are purged.
// On a read-only file or disk the store opens read-only: listing works and
// writes return ErrReadOnly.
func Open(dir string, opts Options) (*Store, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.Retention <= 0 {
		opts.Retention = DefaultRetention
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = DefaultMaxAttempts
	}
	if opts.MaxPayload <= 0 {
		opts.MaxPayload = DefaultMaxPayload
	}
	if opts.MaxAttachment <= 0 {
		opts.MaxAttachment = DefaultMaxAttachment
	}
	if opts.AttachmentBudget <= 0 {
		opts.AttachmentBudget = DefaultAttachmentBudget
	}
	if opts.BackupRetention <= 0 {
		opts.BackupRetention = DefaultBackupRetention
	}
	if opts.CorruptRetention <= 0 {
		opts.CorruptRetention = DefaultCorruptRetention
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.KeyFile == "" {
		opts.KeyFile = filepath.Join(dir, KeyFile)
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	s := &Store{opts: opts, dir: dir, log: log, readOnly: opts.ReadOnly}
	if !s.readOnly {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("outbox: create data directory: %w", classifyIOError(err))
		}
	}
	path := filepath.Join(dir, DBFile)
	db, err := s.openChecked(path)
	if err != nil {
		return nil, err
	}
	s.db = db

	kr, created, err := loadKeyring(opts.KeyFile, false)
	if errors.Is(err, ErrKeyMissing) && s.readOnly {
		// Metadata stays listable without the key; payloads do not open.
		log.Warn("outbox: key file missing; metadata only, payloads cannot be decrypted", "path", opts.KeyFile)
		kr, err = &Keyring{path: opts.KeyFile, aeads: map[uint32]cipher.AEAD{}}, nil
	} else if errors.Is(err, ErrKeyMissing) {
		// Only a store without sealed payloads may get a new key.
		n, cerr := s.countPayloads()
		if cerr != nil {
			db.Close()
			return nil, cerr
		}
		if n > 0 {
			db.Close()
			return nil, fmt.Errorf("%w: %d sealed payloads need %s; restore it from backup", ErrKeyMissing, n, opts.KeyFile)
		}
		kr, created, err = loadKeyring(opts.KeyFile, true)
	}
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("outbox: %w", err)
	}
	if created {
		log.Info("outbox: created encryption key file", "path", opts.KeyFile)
	}
	if fi, err := os.Stat(opts.KeyFile); err == nil && fi.Mode().Perm()&0o077 != 0 && !isWindows() {
		log.Warn("outbox: key file is readable by other users; chmod 600 it", "path", opts.KeyFile, "mode", fi.Mode().Perm().String())
	}
	s.kr = kr

	if err := s.prepare(path); err != nil {
		s.db.Close()
		return nil, err
	}
	if err := s.loadIndex(); err != nil {
		s.db.Close()
		return nil, err
	}
	if !s.readOnly {
		if n, err := s.resetSending(); err != nil {
			s.db.Close()
			return nil, err
		} else if n > 0 {
			log.Warn("outbox: deliveries interrupted by a crash will be retried with the same idempotency key", "count", n)
		}
		if _, err := s.Purge(); err != nil {
			s.db.Close()
			return nil, err
		}
		if err := s.sweepAttachments(); err != nil {
			s.db.Close()
			return nil, err
		}
	}
	return s, nil
}

// prepare migrates the store to the current format, makes sure every
// bucket exists, and registers copies of the database: the corrupt file
// Open just moved aside (after which a new master key is made current, so
// the fresh store shares no key with the copy) and any copy found in the
// directory.
func (s *Store) prepare(path string) error {
	if err := s.upgrade(path); err != nil {
		return err
	}
	if s.readOnly {
		return nil
	}
	if err := ensureBuckets(s.db); err != nil {
		return err
	}
	if s.recovery != nil {
		pinned := s.keyring().KeyIDs()
		if err := s.addMasterKey(); err != nil {
			return fmt.Errorf("outbox: %w", err)
		}
		err := s.db.Update(func(tx *bolt.Tx) error {
			return putAside(tx, asideFile{Name: filepath.Base(s.recovery.MovedTo), Kind: AsideCorrupt,
				Created: s.opts.Now().UTC(), Keys: pinned})
		})
		if err != nil {
			return fmt.Errorf("outbox: register the corrupt copy: %w", classifyIOError(err))
		}
	}
	return s.registerFound()
}

// openChecked opens and checks the database file, moving a corrupt one
// aside and creating a fresh one, and falling back to read-only.
func (s *Store) openChecked(path string) (*bolt.DB, error) {
	db, err := s.openBolt(path)
	if err == nil {
		if cerr := checkDB(db); cerr == nil {
			return db, nil
		} else {
			db.Close()
			err = cerr
		}
	}
	if !isCorruption(err) {
		return nil, err
	}
	if s.readOnly {
		return nil, fmt.Errorf("outbox: database %s is corrupt (%v) and the store is read-only, so it cannot be moved aside", path, err)
	}
	aside := fmt.Sprintf("%s.corrupt-%s", path, s.opts.Now().UTC().Format("20060102T150405.000000000Z"))
	if rerr := os.Rename(path, aside); rerr != nil {
		return nil, fmt.Errorf("outbox: database %s is corrupt (%v) and could not be moved aside: %w", path, err, classifyIOError(rerr))
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		return nil, err
	}
	s.recovery = &Recovery{MovedTo: aside, Reason: err.Error()}
	s.log.Error("OUTBOX DATABASE CORRUPT: moved aside and started a fresh store; the old file is kept for recovery",
		"moved_to", aside, "reason", err.Error())
	return s.openBolt(path)
}

// openBolt opens the bbolt file, falling back to read-only when the file or
// disk refuses writes. A panic inside bbolt on a mangled file is turned into
// a corruption error.
func (s *Store) openBolt(path string) (db *bolt.DB, err error) {
	defer func() {
		if r := recover(); r != nil {
			db, err = nil, fmt.Errorf("%w: bbolt panicked opening the file: %v", errCorrupt, r)
		}
	}()
	// The freelist is not written with every commit (one page less per
	// fsynced commit); bbolt rebuilds it from the pages at Open, which walks
	// the file anyway for the start-up check. Data durability is unchanged:
	// every commit is still fsynced before it returns.
	bo := boltOptions(s.opts.Timeout, s.readOnly)
	db, err = bolt.Open(path, 0o600, bo)
	if err != nil && !s.readOnly && isReadOnlyErr(err) {
		if _, serr := os.Stat(path); serr == nil {
			bo.ReadOnly = true
			db, err = bolt.Open(path, 0o600, bo)
			if err == nil {
				s.readOnly = true
				s.log.Error("OUTBOX IS READ-ONLY: the disk or file refuses writes; stored records are kept and listed, new submissions are refused",
					"path", path)
			}
		}
	}
	if err != nil {
		return nil, fmt.Errorf("outbox: open %s: %w", path, classifyIOError(err))
	}
	return db, nil
}

// boltOptions are the bbolt options of the store (the enqueue benchmark's
// bare baselines open their files with the same ones).
func boltOptions(timeout time.Duration, readOnly bool) *bolt.Options {
	return &bolt.Options{Timeout: timeout, ReadOnly: readOnly, NoFreelistSync: true, FreelistType: bolt.FreelistMapType}
}

func isWindows() bool { return os.PathSeparator == '\\' }

func isReadOnlyErr(err error) bool {
	return errors.Is(err, fs.ErrPermission) || errors.Is(classifyIOError(err), ErrReadOnly)
}

// errCorrupt marks errors found by the start-up check.
var errCorrupt = errors.New("database corrupt")

func isCorruption(err error) bool {
	return errors.Is(err, errCorrupt) || errors.Is(err, berrors.ErrInvalid) ||
		errors.Is(err, berrors.ErrChecksum) || errors.Is(err, berrors.ErrVersionMismatch) ||
		errors.Is(err, berrors.ErrInvalidMapping) ||
		// A file cut short by a crash while it was being created.
		(err != nil && strings.Contains(err.Error(), "file size too small"))
}

// checkDB walks every bucket and key (recovering from bbolt panics on
// mangled pages) and then runs bbolt's own consistency check.
func checkDB(db *bolt.DB) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %v", errCorrupt, r)
		}
	}()
	return db.View(func(tx *bolt.Tx) error {
		if err := tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			if !bytes.Equal(name, bRec) {
				return b.ForEach(func(k, v []byte) error { return nil })
			}
			// Format 4's records: every header must decode, since the
			// indexes are built from them.
			return b.ForEach(func(k, v []byte) error {
				if len(k) != 8 {
					return fmt.Errorf("record key %x: %w", k, errBadValue)
				}
				if _, err := decodeHdr(v); err != nil {
					return fmt.Errorf("record %x: %w", k, err)
				}
				return nil
			})
		}); err != nil {
			return fmt.Errorf("%w: %v", errCorrupt, err)
		}
		for cerr := range tx.Check() {
			if err == nil {
				err = fmt.Errorf("%w: %v", errCorrupt, cerr)
			}
		}
		return err
	})
}

func ensureBuckets(db *bolt.DB) error {
	missing := false
	if err := db.View(func(tx *bolt.Tx) error {
		for _, b := range allBuckets {
			missing = missing || tx.Bucket(b) == nil
		}
		return nil
	}); err != nil || !missing {
		return err // all there: no commit
	}
	err := db.Update(func(tx *bolt.Tx) error {
		for _, b := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("outbox: initialise: %w", classifyIOError(err))
	}
	return nil
}

// loadIndex builds the in-memory index from the file (one scan of the
// records' headers). A read-only store builds it once too: while it is
// open, bbolt's shared file lock keeps every writer out, so the file
// cannot change under it.
func (s *Store) loadIndex() error {
	err := s.db.View(func(tx *bolt.Tx) error {
		s.format = storeFormat(tx)
		if s.format == 0 {
			s.format = CurrentFormat
		}
		ix, err := buildIndex(tx, s.format)
		s.idx = ix
		return err
	})
	if err != nil {
		return fmt.Errorf("outbox: read the records: %w", classifyIOError(err))
	}
	return nil
}

// countPayloads counts the sealed payloads and data keys, in any format.
func (s *Store) countPayloads() (int, error) {
	n := 0
	err := s.db.View(func(tx *bolt.Tx) error {
		f := storeFormat(tx)
		if f < FormatV4 {
			for _, name := range [][]byte{bPayload, bData} {
				if b := tx.Bucket(name); b != nil {
					n += b.Stats().KeyN
				}
			}
			n += countLegacyKeys(tx)
			return nil
		}
		return scanStored(tx, f, func(st *stored) error {
			if st.sealed != nil || st.wrapped != nil {
				n++
			}
			return nil
		})
	})
	return n, err
}

// Recovered returns what Open found and moved aside, or nil when the file
// was sound.
func (s *Store) Recovered() *Recovery { return s.recovery }

// ReadOnly reports whether the store was opened read-only.
func (s *Store) ReadOnly() bool { return s.readOnly }

// Dir returns the data directory.
func (s *Store) Dir() string { return s.dir }

// Close closes the database. It is safe to call more than once.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	return s.db.Close()
}

// keyring returns the current keyring (swapped by RotateKey).
func (s *Store) keyring() *Keyring {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.kr
}
