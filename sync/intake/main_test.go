package intake

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"

	"motcua/sync/hub/pgtest"
)

var (
	pgOnce    sync.Once
	pgCluster *pgtest.Cluster
	pgErr     error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if pgCluster != nil {
		pgCluster.Stop()
	}
	os.Exit(code)
}

// pgURL returns a fresh database of the package's throwaway cluster
// (started on first use), or skips when PostgreSQL is not installed.
func pgURL(t testing.TB) string {
	t.Helper()
	pgOnce.Do(func() { pgCluster, pgErr = pgtest.Start() })
	if errors.Is(pgErr, pgtest.ErrNoBinaries) {
		t.Skip(pgErr)
	}
	if pgErr != nil {
		t.Fatal(pgErr)
	}
	u, err := pgCluster.NewDatabase("intake")
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// backends runs f against the bbolt store and a PostgreSQL store.
func backends(t *testing.T, f func(t *testing.T, b Backend)) {
	t.Run("bbolt", func(t *testing.T) {
		s, err := OpenStore(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		f(t, s)
	})
	t.Run("postgres", func(t *testing.T) {
		s, err := OpenPG(context.Background(), pgURL(t), 8)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		f(t, s)
	})
}

func keyN(n int) string { return fmt.Sprintf("11111111-2222-4333-8444-%012d", n) }

func contextWithCancel() (context.Context, context.CancelFunc) {
	return context.WithCancel(context.Background())
}

func httptestRequest(method, path string) *http.Request {
	return httptest.NewRequest(method, path, nil)
}

func newRecorder() *httptest.ResponseRecorder { return httptest.NewRecorder() }
