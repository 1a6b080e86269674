package outbox

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// TestCorruptFileIsMovedAside damages the database in several ways and
// checks that Open keeps the damaged file, says so loudly, and starts fresh.
func TestCorruptFileIsMovedAside(t *testing.T) {
	cases := []struct {
		name   string
		damage func(t *testing.T, path string)
	}{
		{"garbage", func(t *testing.T, path string) {
			os.WriteFile(path, bytes.Repeat([]byte("not a bbolt file "), 1000), 0o600)
		}},
		{"both meta pages zeroed", func(t *testing.T, path string) {
			overwrite(t, path, 0, make([]byte, 2*4096))
		}},
		{"data pages scribbled", func(t *testing.T, path string) {
			fi, _ := os.Stat(path)
			junk := bytes.Repeat([]byte{0xA5, 0x5A, 0xFF, 0x00}, int(fi.Size()-2*4096)/4)
			overwrite(t, path, 2*4096, junk)
		}},
		{"truncated after header", func(t *testing.T, path string) {
			os.Truncate(path, 4096+100)
		}},
		{"a record's header mangled", func(t *testing.T, path string) {
			// Sound to bbolt, but the indexes cannot be built from it.
			db, err := bolt.Open(path, 0o600, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if err := db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bRec).Put(u64(7), []byte("not a record")) }); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			s := openT(t, dir, Options{})
			for range 50 {
				if _, err := s.Add(context.Background(), "1.004222", bytes.Repeat([]byte(`1`), 500)); err != nil {
					t.Fatal(err)
				}
			}
			s.Close()
			path := filepath.Join(dir, DBFile)
			c.damage(t, path)
			damaged, _ := os.ReadFile(path)

			var logs bytes.Buffer
			s2, err := Open(dir, Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
			if err != nil {
				t.Fatalf("Open on damaged file: %v", err)
			}
			defer s2.Close()
			rec := s2.Recovered()
			if rec == nil {
				t.Fatal("damage not detected")
			}
			kept, err := os.ReadFile(rec.MovedTo)
			if err != nil || !bytes.Equal(kept, damaged) {
				t.Fatalf("damaged file not kept intact at %s: %v", rec.MovedTo, err)
			}
			if !strings.Contains(logs.String(), "level=ERROR") || !strings.Contains(logs.String(), "CORRUPT") ||
				!strings.Contains(logs.String(), rec.MovedTo) {
				t.Errorf("not reported loudly: %s", logs.String())
			}
			list, err := s2.List(Filter{})
			if err != nil || len(list) != 0 {
				t.Errorf("fresh store: %d records, %v", len(list), err)
			}
			if _, err := s2.Add(context.Background(), "1.004222", []byte(`{}`)); err != nil {
				t.Errorf("fresh store not writable: %v", err)
			}
		})
	}
}

func overwrite(t *testing.T, path string, off int64, data []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(data, off); err != nil {
		t.Fatal(err)
	}
}

func TestSoundFileIsNotMoved(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir, Options{})
	s.Add(context.Background(), "1.004222", []byte(`{}`))
	s.Close()
	s = openT(t, dir, Options{})
	if s.Recovered() != nil {
		t.Fatalf("sound file reported corrupt: %+v", s.Recovered())
	}
	matches, _ := filepath.Glob(filepath.Join(dir, "*.corrupt-*"))
	if len(matches) != 0 {
		t.Errorf("unexpected files %v", matches)
	}
}
