package hubtest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"motcua/sync/connector"
	"motcua/sync/hub/pgtest"
)

var (
	cluster    *pgtest.Cluster
	clusterErr error
	binDir     string
	intakeBin  string
	buildOnce  sync.Once
	buildErr   error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if cluster != nil {
		cluster.Stop()
	}
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

var clusterOnce sync.Once

// database returns a fresh database on the package's cluster, or skips when
// PostgreSQL is not installed.
func database(t testing.TB) string {
	t.Helper()
	clusterOnce.Do(func() { cluster, clusterErr = pgtest.Start() })
	if errors.Is(clusterErr, pgtest.ErrNoBinaries) {
		t.Skip(clusterErr)
	}
	if clusterErr != nil {
		t.Fatal(clusterErr)
	}
	u, err := cluster.NewDatabase("hub")
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// build builds motcua-intake once.
func build(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "motcua-hubtest-bin-")
		if buildErr != nil {
			return
		}
		intakeBin = filepath.Join(binDir, "motcua-intake")
		if out, err := exec.Command("go", "build", "-o", intakeBin, "motcua/cmd/motcua-intake").CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("build motcua-intake: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return intakeBin
}

// replica is one running motcua-intake serve process.
type replica struct {
	t      testing.TB
	bin    string
	args   []string
	addr   string
	cmd    *exec.Cmd
	stderr *bytes.Buffer
}

// startReplica starts serve with args on addr (127.0.0.1:0 for any port).
func startReplica(t testing.TB, bin, addr string, args ...string) *replica {
	r := &replica{t: t, bin: bin, args: args, addr: addr}
	r.start()
	t.Cleanup(r.stop)
	return r
}

func (r *replica) start() {
	r.t.Helper()
	r.stderr = &bytes.Buffer{}
	r.cmd = exec.Command(r.bin, append([]string{"serve", "--addr", r.addr}, r.args...)...)
	r.cmd.Stderr = r.stderr
	out, err := r.cmd.StdoutPipe()
	if err != nil {
		r.t.Fatal(err)
	}
	if err := r.cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	lines := make(chan string, 1)
	go func() {
		l, _ := bufio.NewReader(out).ReadString('\n')
		lines <- l
	}()
	select {
	case l := <-lines:
		i := strings.LastIndex(l, "://")
		if i < 0 {
			r.t.Fatalf("replica did not start: %q\n%s", l, r.stderr)
		}
		r.addr = strings.TrimSpace(l[i+3:])
	case <-time.After(30 * time.Second):
		r.cmd.Process.Kill()
		r.t.Fatalf("replica did not start in 30 s\n%s", r.stderr)
	}
}

func (r *replica) url() string { return "http://" + r.addr }

// kill SIGKILLs the replica by pid and reaps it.
func (r *replica) kill() {
	if r.cmd != nil && r.cmd.ProcessState == nil {
		r.cmd.Process.Signal(syscall.SIGKILL)
		r.cmd.Wait()
	}
}

// stop asks the replica to shut down (SIGTERM), SIGKILL after 10 s.
func (r *replica) stop() {
	if r.cmd == nil || r.cmd.ProcessState != nil {
		return
	}
	r.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { r.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		r.cmd.Process.Kill()
		<-done
	}
}

// enrol runs `motcua-intake device add` and returns the device's ID and token.
// storeFlag is "--db" or "--data".
func enrol(t testing.TB, bin, storeFlag, store, name string) (id, token string) {
	t.Helper()
	out, err := exec.Command(bin, "device", "add", storeFlag, store, "--name", name).CombinedOutput()
	if err != nil {
		t.Fatalf("device add: %v\n%s", err, out)
	}
	for _, l := range strings.Split(string(out), "\n") {
		if f := strings.Fields(l); len(f) > 1 && f[0] == "device" {
			id = f[1]
		}
		if _, tok, ok := strings.Cut(l, "): "); ok {
			token = strings.TrimSpace(tok)
		}
	}
	if id == "" || !strings.HasPrefix(token, "mcd_") {
		t.Fatalf("device add output: %s", out)
	}
	return id, token
}

// roundRobin spreads an agent's requests over several replicas, as a load
// balancer in front of them would: each call goes to the next one.
type roundRobin struct {
	conns []connector.Connector
	n     atomic.Uint64
}

func (r *roundRobin) next() connector.Connector {
	return r.conns[int(r.n.Add(1))%len(r.conns)]
}

// Submit implements connector.Connector.
func (r *roundRobin) Submit(ctx context.Context, s connector.Submission) (connector.Receipt, error) {
	return r.next().Submit(ctx, s)
}

// Status implements connector.Connector.
func (r *roundRobin) Status(ctx context.Context, uuid, code string) (int, error) {
	return r.next().Status(ctx, uuid, code)
}

func newRoundRobin(t testing.TB, urls []string, token string, timeout time.Duration) *roundRobin {
	rr := &roundRobin{}
	for _, u := range urls {
		c, err := connector.NewIntake(connector.IntakeConfig{Endpoint: u, Token: token, Timeout: timeout})
		if err != nil {
			t.Fatal(err)
		}
		rr.conns = append(rr.conns, c)
	}
	return rr
}
