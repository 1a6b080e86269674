package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"motcua/sync/outbox"
)

// The outbox of an agent lives in one place: DATA/outbox.db with its key
// DATA/outbox.key (what `motcua serve`, `motcua outbox` and `motcua sync`
// always used). Earlier versions of the app kept theirs one level down, in
// DATA/outbox/; MigrateOutbox brings such a store into the one path.

// OutboxDir is the directory of the outbox of the data directory dir: the
// data directory itself.
func OutboxDir(dir string) string { return dir }

// LegacyOutboxDir is where the app kept its outbox before there was one path.
func LegacyOutboxDir(dir string) string { return filepath.Join(dir, "outbox") }

// Migration says what MigrateOutbox did.
type Migration struct {
	// Moved: the legacy files became the outbox (the one path had none).
	Moved bool
	// Copied is how many never-sent dossiers were copied into an outbox that
	// already existed (under new UUIDs: they had never left the machine).
	Copied int
	// Kept is how many records stayed in the archived legacy store because
	// copying them would break exactly-once delivery or they are history
	// (sent or in doubt, accepted, rejected, needing attention).
	Kept int
	// ArchivedTo is where the legacy store went after a copy ("" if none).
	ArchivedTo string
}

// MigrateOutbox moves or copies a legacy outbox (DATA/outbox/outbox.db) into
// the one path (DATA/outbox.db). Nothing is lost:
//
//   - When the one path has no database, the legacy files are renamed into
//     it (key first, then the database; a crash between the two is finished
//     on the next start). Records keep their UUIDs, states and payloads.
//   - When both exist, every pending dossier that was never sent is copied
//     through the outbox API (a new UUID is safe: no receiver has seen it).
//     Records that may have reached a receiver keep their UUID only in the
//     legacy store, which is archived as DATA/outbox.legacy-TIME and named in
//     the log with the command that delivers it (`motcua sync --once --data`).
//     A journal of copied UUIDs makes an interrupted copy resume, not repeat.
//
// It must run under the agent lock (see AcquireLock).
func MigrateOutbox(dir string, opts outbox.Options, log *slog.Logger) (Migration, error) {
	var m Migration
	legacy := LegacyOutboxDir(dir)
	legacyDB := filepath.Join(legacy, outbox.DBFile)
	if _, err := os.Stat(legacyDB); errors.Is(err, os.ErrNotExist) {
		return m, nil
	} else if err != nil {
		return m, fmt.Errorf("outbox migration: %w", err)
	}
	target := OutboxDir(dir)
	targetDB := filepath.Join(target, outbox.DBFile)
	legacyKey, targetKey := filepath.Join(legacy, outbox.KeyFile), filepath.Join(target, outbox.KeyFile)
	_, errDB := os.Stat(targetDB)
	_, errLegacyKey := os.Stat(legacyKey)
	_, errTargetKey := os.Stat(targetKey)
	if errors.Is(errDB, os.ErrNotExist) && (errors.Is(errLegacyKey, os.ErrNotExist) || errors.Is(errTargetKey, os.ErrNotExist)) {
		if errLegacyKey == nil {
			if err := os.Rename(legacyKey, targetKey); err != nil {
				return m, fmt.Errorf("outbox migration: move key: %w", err)
			}
		}
		if err := os.Rename(legacyDB, targetDB); err != nil {
			return m, fmt.Errorf("outbox migration: move database: %w", err)
		}
		syncDir(target)
		os.Remove(legacy) // only when empty
		m.Moved = true
		log.Warn("outbox moved to the one path of this agent", "from", legacyDB, "to", targetDB)
		return m, nil
	}
	return copyOutbox(dir, opts, log)
}

// journalFile lists, one per line, the legacy UUIDs already copied.
const journalFile = "migrated-to-data-dir"

func copyOutbox(dir string, opts outbox.Options, log *slog.Logger) (Migration, error) {
	var m Migration
	legacy := LegacyOutboxDir(dir)
	if opts.Timeout == 0 {
		opts.Timeout = 30 * time.Second
	}
	from, err := outbox.Open(legacy, opts)
	if err != nil {
		return m, fmt.Errorf("outbox migration: open %s: %w", legacy, err)
	}
	defer func() {
		if from != nil {
			from.Close()
		}
	}()
	to, err := outbox.Open(OutboxDir(dir), opts)
	if err != nil {
		return m, fmt.Errorf("outbox migration: %w", err)
	}
	defer to.Close()
	recs, err := from.List(outbox.Filter{})
	if err != nil {
		return m, fmt.Errorf("outbox migration: list %s: %w", legacy, err)
	}
	j, err := openJournal(filepath.Join(legacy, journalFile))
	if err != nil {
		return m, err
	}
	defer j.close()
	for _, r := range recs {
		if r.State != outbox.Pending || r.Attempts > 0 {
			m.Kept++
			continue
		}
		if j.done[r.UUID] {
			m.Copied++
			continue
		}
		p, err := from.Payload(r.UUID)
		if err != nil {
			return m, fmt.Errorf("outbox migration: payload of %s: %w", r.UUID, err)
		}
		_, err = to.Add(context.Background(), r.Service, p)
		clear(p)
		if err != nil {
			return m, fmt.Errorf("outbox migration: copy %s: %w", r.UUID, err)
		}
		if err := j.add(r.UUID); err != nil {
			return m, err
		}
		m.Copied++
	}
	from.Close()
	from = nil
	j.close()
	m.ArchivedTo = filepath.Join(dir, "outbox.legacy-"+time.Now().UTC().Format("20060102T150405Z"))
	if err := os.Rename(legacy, m.ArchivedTo); err != nil {
		return m, fmt.Errorf("outbox migration: archive %s: %w", legacy, err)
	}
	syncDir(dir)
	log.Warn("a second outbox was merged into the one path of this agent", "copied", m.Copied, "archived_to", m.ArchivedTo)
	if m.Kept > 0 {
		log.Error("the archived outbox keeps records that were sent or are history; deliver what is left with `motcua sync --once --data "+m.ArchivedTo+"`",
			"records", m.Kept, "archived_to", m.ArchivedTo)
	}
	return m, nil
}

// journal records copied UUIDs durably, one per line.
type journal struct {
	f    *os.File
	done map[string]bool
}

func openJournal(path string) (*journal, error) {
	j := &journal{done: map[string]bool{}}
	if b, err := os.ReadFile(path); err == nil {
		for _, l := range strings.Fields(string(b)) {
			j.done[l] = true
		}
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("outbox migration journal: %w", err)
	}
	j.f = f
	return j, nil
}

func (j *journal) add(id string) error {
	if _, err := j.f.WriteString(id + "\n"); err != nil {
		return fmt.Errorf("outbox migration journal: %w", err)
	}
	if err := j.f.Sync(); err != nil {
		return fmt.Errorf("outbox migration journal: %w", err)
	}
	j.done[id] = true
	return nil
}

func (j *journal) close() {
	if j.f != nil {
		j.f.Close()
		j.f = nil
	}
}

// syncDir makes renames in dir durable (best effort; Windows has no
// directory fsync).
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
