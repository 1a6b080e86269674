package engine

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// writeRecord writes v as JSON into dir under a time-stamped name, synced
// to disk before it reports success; an existing file is never replaced.
func writeRecord(dir, kind string, v any, at time.Time) (string, error) {
	if dir == "" {
		return "", fmt.Errorf("no folder configured for %s records", kind)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("%s record: %w", kind, err)
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return "", fmt.Errorf("%s record: %w", kind, err)
	}
	defer clear(b)
	for i := 0; ; i++ {
		name := fmt.Sprintf("%s-%s.json", kind, at.UTC().Format("20060102T150405.000000000Z"))
		if i > 0 {
			name = fmt.Sprintf("%s-%s-%d.json", kind, at.UTC().Format("20060102T150405.000000000Z"), i)
		}
		path := filepath.Join(dir, name)
		err := writeFileSync(path, b)
		if os.IsExist(err) && i < 100 {
			continue // two records in the same instant (a stopped clock)
		}
		if err != nil {
			return "", fmt.Errorf("%s record: %w", kind, err)
		}
		return path, nil
	}
}

// writeFileSync creates path (it must not exist), writes b and fsyncs.
func writeFileSync(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
