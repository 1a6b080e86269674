// Package pgtest starts a throwaway PostgreSQL cluster for tests: initdb in
// a temporary directory, a postgres server listening only on a unix socket
// in that directory (no TCP, no system service), stopped by its pid. As root
// the cluster runs as the unprivileged user nobody (initdb refuses root).
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// ErrNoBinaries is returned when initdb/postgres are not installed (Debian
// package postgresql, /usr/lib/postgresql/*/bin).
var ErrNoBinaries = errors.New("pgtest: PostgreSQL binaries not found in /usr/lib/postgresql/*/bin or $PATH (install the Debian package postgresql)")

// Cluster is a running throwaway cluster.
type Cluster struct {
	// Dir holds the data directory and the socket.
	Dir string
	cmd *exec.Cmd
	seq atomic.Int64
	log *os.File
}

// binDir finds the newest installed PostgreSQL's bin directory.
func binDir() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", ErrNoBinaries
}

func version(dir string) int {
	var v int
	fmt.Sscanf(filepath.Base(filepath.Dir(dir)), "%d", &v)
	return v
}

// asUser runs cmd as nobody when we are root, and has the kernel stop it
// (SIGQUIT: immediate shutdown) if the test process dies without Stop.
func asUser(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGQUIT}
	if os.Geteuid() == 0 {
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: 65534, Gid: 65534}
	}
}

// Start creates and starts a cluster; Stop must be called.
func Start() (*Cluster, error) {
	bin, err := binDir()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "motcua-pg-")
	if err != nil {
		return nil, err
	}
	c := &Cluster{Dir: dir}
	fail := func(err error) (*Cluster, error) {
		c.Stop()
		return nil, err
	}
	if os.Geteuid() == 0 {
		if err := os.Chown(dir, 65534, 65534); err != nil {
			return fail(err)
		}
	}
	data := filepath.Join(dir, "data")
	init := exec.Command(filepath.Join(bin, "initdb"), "-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync", "--locale=C")
	init.Dir = dir
	asUser(init)
	if out, err := init.CombinedOutput(); err != nil {
		return fail(fmt.Errorf("pgtest: initdb: %v\n%s", err, out))
	}
	c.log, err = os.Create(filepath.Join(dir, "postgres.log"))
	if err != nil {
		return fail(err)
	}
	c.cmd = exec.Command(filepath.Join(bin, "postgres"), "-D", data, "-k", dir, "-c", "listen_addresses=",
		"-c", "max_connections=300", "-c", "shared_buffers=64MB")
	c.cmd.Dir = dir
	c.cmd.Stdout, c.cmd.Stderr = c.log, c.log
	asUser(c.cmd)
	if err := c.cmd.Start(); err != nil {
		return fail(fmt.Errorf("pgtest: postgres: %w", err))
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		conn, err := pgx.Connect(ctx, c.url("postgres"))
		cancel()
		if err == nil {
			conn.Close(context.Background())
			return c, nil
		}
		if time.Now().After(deadline) {
			logb, _ := os.ReadFile(c.log.Name())
			return fail(fmt.Errorf("pgtest: postgres did not come up: %v\n%s", err, logb))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (c *Cluster) url(db string) string {
	return "postgres://postgres@/" + db + "?host=" + c.Dir + "&sslmode=disable"
}

// NewDatabase creates a fresh database and returns its URL.
func (c *Cluster) NewDatabase(prefix string) (string, error) {
	name := fmt.Sprintf("%s_%d", strings.ToLower(prefix), c.seq.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.url("postgres"))
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return "", fmt.Errorf("pgtest: create database: %w", err)
	}
	return c.url(name), nil
}

// Stop stops the server (SIGINT: fast shutdown; SIGKILL after 15 s) by its
// pid and removes the directory.
func (c *Cluster) Stop() error {
	if c.cmd != nil && c.cmd.Process != nil {
		c.cmd.Process.Signal(syscall.SIGINT)
		done := make(chan struct{})
		go func() { c.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			c.cmd.Process.Kill()
			<-done
		}
	}
	if c.log != nil {
		c.log.Close()
	}
	return os.RemoveAll(c.Dir)
}
