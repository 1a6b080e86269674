package crashtest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"motcua/sync/connector"
	"motcua/sync/intake"
	"motcua/sync/outbox"
	"motcua/sync/worker"
)

// Synthetic personal data carried in every payload; it must never show up
// in any child's log output.
const fakeID = "001099012345"

func TestMain(m *testing.M) {
	switch os.Getenv("CRASHTEST_CHILD") {
	case "agent":
		os.Exit(agent(false))
	case "final":
		os.Exit(agent(true))
	}
	dir, err := os.MkdirTemp("", "motcua-crashtest-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	buildDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// buildDir holds the binaries built once for all tests of this package.
var buildDir string

// agent is the child process: it opens the outbox, runs the sync worker
// against the intake, and (unless final) keeps adding submissions, printing
// "ACK uuid n" after each Add returns. The parent SIGKILLs it at a random
// moment. In final mode it adds nothing and exits once the outbox is empty.
func agent(final bool) int {
	dir, endpoint := os.Getenv("CRASHTEST_DIR"), os.Getenv("CRASHTEST_ENDPOINT")
	start, _ := strconv.Atoi(os.Getenv("CRASHTEST_START"))
	seed, _ := strconv.ParseUint(os.Getenv("CRASHTEST_SEED"), 10, 64)
	lg := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	s, err := outbox.Open(dir, outbox.Options{Timeout: 10 * time.Second, MaxAttempts: 100000, Logger: lg, Device: "crash-test"})
	if err != nil {
		fmt.Fprintln(os.Stderr, "agent open:", err)
		return 3
	}
	defer s.Close()
	conn, err := connector.NewIntake(connector.IntakeConfig{Endpoint: endpoint, Token: "crash-token", Timeout: 500 * time.Millisecond})
	if err != nil {
		fmt.Fprintln(os.Stderr, "agent connector:", err)
		return 3
	}
	w, err := worker.New(worker.Config{Store: s, Conn: tracedConn{conn}, BaseDelay: 5 * time.Millisecond, MaxDelay: 80 * time.Millisecond,
		InFlightDelay: 20 * time.Millisecond, Idle: 50 * time.Millisecond, Seed: seed, Logger: lg})
	if err != nil {
		fmt.Fprintln(os.Stderr, "agent worker:", err)
		return 3
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if final {
		deadline := time.Now().Add(45 * time.Second)
		for time.Now().Before(deadline) {
			if _, err := w.Drain(ctx); err != nil {
				fmt.Fprintln(os.Stderr, "agent drain:", err)
				return 3
			}
			c, err := s.Counts()
			if err != nil {
				fmt.Fprintln(os.Stderr, "agent counts:", err)
				return 3
			}
			if c[outbox.Pending]+c[outbox.Sending] == 0 {
				fmt.Println("DONE")
				return 0
			}
			time.Sleep(10 * time.Millisecond)
		}
		fmt.Fprintln(os.Stderr, "agent: outbox not empty at deadline")
		return 4
	}
	go w.Run(ctx)
	// The parent's kill clock starts here, so a slow start (a loaded
	// machine, the race detector) does not use up the round.
	os.Stdout.WriteString("READY\n")
	rnd := rand.New(rand.NewPCG(seed, 99))
	for i := 0; i < 5000; i++ {
		n := start + i
		payload := fmt.Sprintf(`{"n":%d,"ChuHoSo":{"SoDinhDanh":%q,"HoTen":"Phạm Thị Kiểm"}}`, n, fakeID)
		var id string
		var err error
		if n%3 == 0 {
			// Every third dossier carries two scanned attachments, large
			// enough that kills land in the middle of uploads.
			id, err = s.AddWithAttachments(ctx, "1.004222", []byte(payload), []outbox.AttachmentSource{
				{Name: "Giấy khai sinh", Type: "application/pdf", Pages: 2, R: bytes.NewReader(attachmentBytes(n, 0))},
				{Name: "CT01", Type: "image/jpeg", Pages: 1, R: bytes.NewReader(attachmentBytes(n, 1))}})
		} else {
			id, err = s.Add(ctx, "1.004222", []byte(payload))
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "agent add:", err)
			return 3
		}
		// One write per line: the parent counts only complete lines.
		os.Stdout.WriteString("ACK " + id + " " + strconv.Itoa(n) + "\n")
		w.Notify()
		time.Sleep(time.Duration(rnd.IntN(4000)) * time.Microsecond)
	}
	select {}
}

// tracedConn prints "UP< uuid i" when an attachment upload starts reading
// the sealed file and "UP> uuid i" when it has read it to the end, so the
// parent can tell the rounds whose SIGKILL landed in the middle of one.
type tracedConn struct{ *connector.Intake }

func (c tracedConn) Submit(ctx context.Context, s connector.Submission) (connector.Receipt, error) {
	for i := range s.Attachments {
		open := s.Attachments[i].Open
		tag := s.UUID + " " + strconv.Itoa(i)
		s.Attachments[i].Open = func() (io.ReadCloser, error) {
			rc, err := open()
			if err != nil {
				return nil, err
			}
			os.Stdout.WriteString("UP< " + tag + "\n")
			return &tracedReader{rc, tag}, nil
		}
	}
	return c.Intake.Submit(ctx, s)
}

type tracedReader struct {
	io.ReadCloser
	tag string
}

func (r *tracedReader) Read(p []byte) (int, error) {
	n, err := r.ReadCloser.Read(p)
	if err == io.EOF {
		os.Stdout.WriteString("UP> " + r.tag + "\n")
	}
	return n, err
}

// attachmentBytes is the deterministic content of attachment i of
// submission n (64-320 KiB), so the parent can check what arrived.
func attachmentBytes(n, i int) []byte {
	r := rand.New(rand.NewPCG(uint64(n), uint64(i)+1))
	b := make([]byte, 64<<10+r.IntN(256<<10))
	for j := range b {
		b[j] = byte(r.Uint32())
	}
	return b
}

// envInt reads an integer tuning knob from the environment.
func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// TestCrashExactlyOnce SIGKILLs an enqueueing and syncing agent at random
// points, round after round, against motcua-intake with every fault on, then
// lets a last agent drain the outbox. Every acknowledged submission must be
// at the intake exactly once, with the payload it was acknowledged for.
//
// CRASHTEST_ROUNDS (default 40) and CRASHTEST_SEED (default 1) tune it; a
// soak is e.g. CRASHTEST_ROUNDS=500 go test -run Crash -timeout 1h.
func TestCrashExactlyOnce(t *testing.T) {
	rounds := envInt("CRASHTEST_ROUNDS", 40)
	seed := uint64(envInt("CRASHTEST_SEED", 1))
	rnd := rand.New(rand.NewPCG(seed, 7))
	tmp := t.TempDir()
	agentDir := filepath.Join(tmp, "agent")
	intakeDir := filepath.Join(tmp, "intake")

	_, bin := buildCLIs(t, tmp)
	intakeCmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--data", intakeDir, "--token", "crash-token",
		"--fault-drop", "0.1", "--fault-5xx", "0.1", "--fault-reset", "0.1", "--fault-silent-accept", "0.15",
		"--fault-delay", "1ms", "--fault-seed", strconv.FormatUint(seed, 10), "--quiet",
		// Attachments triple the requests of a dossier, and every fault
		// makes more: the per-device rate limit (tested elsewhere) would
		// turn this test into one of 429s.
		"--rate", "-1")
	intakeOut, err := intakeCmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var intakeErr bytes.Buffer
	intakeCmd.Stderr = &intakeErr
	if err := intakeCmd.Start(); err != nil {
		t.Fatal(err)
	}
	intakeDone := false
	stopIntake := func() {
		if intakeDone {
			return
		}
		intakeDone = true
		intakeCmd.Process.Signal(syscall.SIGTERM)
		waitOrKill(intakeCmd, 10*time.Second)
	}
	t.Cleanup(stopIntake)
	line, err := bufio.NewReader(intakeOut).ReadString('\n')
	if err != nil || !strings.Contains(line, "listening on ") {
		t.Fatalf("intake did not start: %q %v\n%s", line, err, intakeErr.String())
	}
	endpoint := strings.TrimSpace(line[strings.LastIndex(line, " ")+1:])

	acked := map[string]int{} // uuid -> n
	var childLogs bytes.Buffer
	run := func(mode string, round int, killAfter time.Duration) (string, error) {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "CRASHTEST_CHILD="+mode, "CRASHTEST_DIR="+agentDir, "CRASHTEST_ENDPOINT="+endpoint,
			"CRASHTEST_START="+strconv.Itoa(round*10000), "CRASHTEST_SEED="+strconv.FormatUint(seed*1000+uint64(round), 10))
		var stdout, stderr bytes.Buffer
		cmd.Stderr = &stderr
		pipe, err := cmd.StdoutPipe()
		if err != nil {
			return "", err
		}
		ready := make(chan struct{})
		copied := make(chan struct{})
		if err := cmd.Start(); err != nil {
			return "", err
		}
		go func() {
			defer close(copied)
			br := bufio.NewReader(pipe)
			signalled := false
			for {
				line, err := br.ReadString('\n')
				stdout.WriteString(line)
				if !signalled && line == "READY\n" {
					signalled = true
					close(ready)
				}
				if err != nil {
					if !signalled {
						close(ready)
					}
					return
				}
			}
		}()
		var werr error
		if killAfter > 0 {
			select {
			case <-ready:
			case <-time.After(60 * time.Second):
			}
			time.Sleep(killAfter)
			cmd.Process.Signal(syscall.SIGKILL)
			<-copied
			cmd.Wait()
		} else {
			werr = waitOrKill(cmd, 60*time.Second, copied)
		}
		childLogs.Write(stderr.Bytes())
		return stdout.String(), werr
	}
	midUpload := 0
	for round := range rounds {
		out, err := run("agent", round, time.Duration(20+rnd.IntN(280))*time.Millisecond)
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		open := map[string]bool{}
		for _, l := range strings.Split(out, "\n") {
			if tag, ok := strings.CutPrefix(l, "UP< "); ok {
				open[tag] = true
			} else if tag, ok := strings.CutPrefix(l, "UP> "); ok {
				delete(open, tag)
			}
		}
		if len(open) > 0 {
			midUpload++ // killed while an attachment was on the wire
		}
		for _, l := range strings.SplitAfter(out, "\n") {
			f := strings.Fields(l)
			if !strings.HasSuffix(l, "\n") || len(f) != 3 || f[0] != "ACK" {
				continue // a line cut by the kill is not an acknowledgement
			}
			n, _ := strconv.Atoi(f[2])
			acked[f[1]] = n
		}
	}
	out, err := run("final", rounds, 0)
	if err != nil || !strings.Contains(out, "DONE") {
		t.Fatalf("final drain: %v %q\n%s", err, out, tail(childLogs.String(), 3000))
	}
	stopIntake()

	// What the intake holds, read with the real CLI.
	lc := exec.Command(bin, "list", "--data", intakeDir, "--json", "--payloads")
	listOut, err := lc.Output()
	if err != nil {
		t.Fatalf("motcua-intake list: %v", err)
	}
	var dossiers []intake.Dossier
	if err := json.Unmarshal(listOut, &dossiers); err != nil {
		t.Fatal(err)
	}
	byKey := map[string]intake.Dossier{}
	byN := map[int]string{}
	resubmitted := 0
	for _, d := range dossiers {
		if _, dup := byKey[d.IdempotencyKey]; dup {
			t.Errorf("key %s held twice", d.IdempotencyKey)
		}
		byKey[d.IdempotencyKey] = d
		var p struct {
			N int `json:"n"`
		}
		json.Unmarshal(d.Payload, &p)
		if other, dup := byN[p.N]; dup {
			t.Errorf("submission n=%d arrived twice, as %s and %s", p.N, other, d.IdempotencyKey)
		}
		byN[p.N] = d.IdempotencyKey
		if d.Submissions > 1 {
			resubmitted++
		}
	}
	for id, n := range acked {
		d, ok := byKey[id]
		if !ok {
			t.Errorf("acknowledged %s (n=%d) missing at the intake", id, n)
			continue
		}
		if byN[n] != id {
			t.Errorf("acknowledged %s carries n=%d at the intake under another key", id, n)
		}
		if want := map[bool]int{true: 2, false: 0}[n%3 == 0]; len(d.Attachments) != want {
			t.Errorf("acknowledged %s (n=%d) lists %d attachments at the intake, want %d", id, n, len(d.Attachments), want)
		}
	}
	// Every attachment at the intake exactly once (one file per listed
	// name, nothing else in the dossier's directory) and byte-identical.
	withFiles := 0
	ist, err := intake.OpenStore(intakeDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dossiers {
		if len(d.Attachments) == 0 {
			continue
		}
		withFiles++
		var p struct {
			N int `json:"n"`
		}
		json.Unmarshal(d.Payload, &p)
		if !d.Complete() {
			t.Errorf("dossier %s (n=%d) incomplete at the end: %+v", d.IdempotencyKey, p.N, d.Attachments)
			continue
		}
		for i, a := range d.Attachments {
			rc, _, err := ist.OpenAttachment(context.Background(), d.IdempotencyKey, a.Name)
			if err != nil {
				t.Errorf("%s %q: %v", d.IdempotencyKey, a.Name, err)
				continue
			}
			got, _ := io.ReadAll(rc)
			rc.Close()
			if !bytes.Equal(got, attachmentBytes(p.N, i)) {
				t.Errorf("%s (n=%d) attachment %q is not byte-identical (%d bytes)", d.IdempotencyKey, p.N, a.Name, len(got))
			}
		}
		ents, _ := os.ReadDir(filepath.Join(intakeDir, "attachments", d.IdempotencyKey))
		files := 0
		for _, e := range ents {
			if !strings.HasPrefix(e.Name(), ".") {
				files++
			}
		}
		if files != len(d.Attachments) {
			t.Errorf("%s keeps %d files for %d listed attachments", d.IdempotencyKey, files, len(d.Attachments))
		}
	}
	ist.Close()
	if withFiles == 0 {
		t.Error("no dossier with attachments reached the intake: the test exercised nothing")
	}
	if midUpload == 0 {
		t.Error("no SIGKILL landed while an attachment was being uploaded: the test exercised too little")
	}

	s, err := outbox.Open(agentDir, outbox.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	recs, _ := s.List(outbox.Filter{})
	for _, r := range recs {
		d, ok := byKey[r.UUID]
		if r.State != outbox.Accepted || !ok || d.DossierCode != r.DossierCode {
			t.Errorf("outbox %s is %s code %q; intake has %v code %q", r.UUID, r.State, r.DossierCode, ok, d.DossierCode)
		}
	}
	if len(recs) != len(dossiers) {
		t.Errorf("outbox holds %d records, intake %d dossiers", len(recs), len(dossiers))
	}
	if len(acked) < rounds {
		t.Errorf("only %d acknowledgements in %d rounds: the test exercised too little", len(acked), rounds)
	}
	if resubmitted == 0 {
		t.Errorf("no dossier was submitted twice: faults did not bite")
	}
	if strings.Contains(childLogs.String(), fakeID) || strings.Contains(childLogs.String(), "Kiểm") {
		t.Errorf("child logs contain payload data")
	}
	t.Logf("%d rounds, %d acknowledged, %d stored (incl. unacknowledged at kill), %d dossiers resubmitted after lost answers, %d with attachments, %d rounds killed mid-upload",
		rounds, len(acked), len(recs), resubmitted, withFiles, midUpload)
}

// waitOrKill waits for cmd (and for its output to be copied, when copied
// is given) at most d, then kills it.
func waitOrKill(cmd *exec.Cmd, d time.Duration, copied ...chan struct{}) error {
	done := make(chan error, 1)
	go func() {
		for _, c := range copied {
			<-c
		}
		done <- cmd.Wait()
	}()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		cmd.Process.Kill()
		<-done
		return errors.New("child did not finish in time; killed")
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
