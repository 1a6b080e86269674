//go:build linux

package outbox

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Crash tests of format 4's derived indexes: a process killed between a
// commit and the index change that follows it, or in the middle of
// commits, leaves a file whose reopening gives the indexes a fresh rebuild
// gives, with every acknowledged dossier and every committed change.

// crashClock is the children's clock: fixed, so a parent can reopen with
// the same time and nothing is purged or due unexpectedly.
var crashNow = time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)

// runCrashChild runs the crash modes (see runChild); it prints "ack UUID"
// for each acknowledged add and "commit WHAT UUID" right before the
// commit it dies after.
func runCrashChild(mode, dir string) int {
	clk := &clock{t: crashNow}
	s, err := Open(dir, Options{Now: clk.Now, Retention: time.Minute, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		fmt.Fprintln(os.Stderr, "open:", err)
		return 3
	}
	ctx := WithOwners(context.Background(), "001099000123")
	add := func() string {
		id, err := s.Add(ctx, "1.004222", []byte(testPayload))
		if err != nil {
			fmt.Fprintln(os.Stderr, "add:", err)
			os.Exit(3)
		}
		fmt.Printf("ack %s\n", id)
		return id
	}
	die := func() { syscall.Kill(os.Getpid(), syscall.SIGKILL); select {} }
	switch mode {
	case "commitdie:add":
		add()
		req, err := s.newAddReq(ctx, "1.004222", []byte(testPayload))
		if err != nil {
			return 3
		}
		fmt.Printf("commit add %s\n", req.rec.UUID)
		afterCommit = die
		s.enqueue(req)
	case "commitdie:claim", "commitdie:settle", "commitdie:purge":
		a, b := add(), add()
		if mode == "commitdie:claim" {
			fmt.Printf("commit claim %s\n", a)
			afterCommit = die
		}
		if _, _, err := s.ClaimBatch(clk.Now(), 2); err != nil {
			return 3
		}
		if mode == "commitdie:settle" {
			fmt.Printf("commit settle %s\n", a)
			afterCommit = die
		}
		if _, err := s.Settle([]Outcome{{UUID: a, Kind: Accept, DossierCode: "H01-1"}, {UUID: b, Kind: Reject, Code: "rejected_http_422", Detail: "text"}}); err != nil {
			return 3
		}
		clk.Add(2 * time.Minute)
		fmt.Printf("commit purge %s\n", a)
		afterCommit = die
		s.Purge()
	case "churn":
		rng := rand.New(rand.NewPCG(uint64(os.Getpid()), 1))
		for {
			switch rng.IntN(5) {
			case 0, 1:
				add()
			case 2:
				s.ClaimBatch(clk.Now(), 4)
			case 3:
				var outs []Outcome
				s.idx.mu.RLock()
				for seq := range s.idx.sending {
					outs = append(outs, Outcome{UUID: s.idx.recs[seq].id, Kind: OutcomeKind(1 + rng.IntN(4)), DossierCode: "H01-2",
						Code: "x", Next: clk.Now().Add(time.Duration(rng.IntN(60)) * time.Second)})
				}
				s.idx.mu.RUnlock()
				s.Settle(outs)
			case 4:
				clk.Add(time.Duration(rng.IntN(30)) * time.Second)
				s.Purge()
			}
		}
	default:
		return 2
	}
	fmt.Fprintln(os.Stderr, "child was not killed")
	return 4
}

// runKilled runs a crash child and returns its stdout lines; the child
// must end by SIGKILL (its own, or the parent's after killAfter).
func runKilled(t *testing.T, mode, dir string, killAfter time.Duration) []string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "OUTBOX_TEST_CHILD="+mode, "OUTBOX_TEST_DIR="+dir)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if killAfter > 0 {
		timer := time.AfterFunc(killAfter, func() { cmd.Process.Signal(syscall.SIGKILL) })
		defer timer.Stop()
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatal("crash child did not end")
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("child %s ended with %v, not SIGKILL\n%s", mode, err, stderr.String())
	}
	var lines []string
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	return lines
}

func reopenT(t *testing.T, dir string) *Store {
	t.Helper()
	s, err := Open(dir, Options{Now: func() time.Time { return crashNow.Add(-time.Hour) }, Retention: 1000 * time.Hour,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestCrashBetweenCommitAndIndex kills the process right after each kind
// of commit (add, claim, settle, purge) and before its index change: the
// reopened store holds the committed change, and its indexes equal a
// fresh rebuild and a scan.
func TestCrashBetweenCommitAndIndex(t *testing.T) {
	for _, what := range []string{"add", "claim", "settle", "purge"} {
		t.Run(what, func(t *testing.T) {
			dir := t.TempDir()
			lines := runKilled(t, "commitdie:"+what, dir, 0)
			var acked []string
			var committed string
			for _, l := range lines {
				f := strings.Fields(l)
				switch {
				case len(f) == 2 && f[0] == "ack":
					acked = append(acked, f[1])
				case len(f) == 3 && f[0] == "commit":
					committed = f[2]
				}
			}
			if committed == "" {
				t.Fatalf("child output %q", lines)
			}
			s := reopenT(t, dir)
			defer s.Close()
			checkIndex(t, s, "reopened")
			for _, id := range acked {
				if _, err := s.Get(id); err != nil {
					t.Errorf("acknowledged %s lost: %v", id, err)
				}
			}
			r, err := s.Get(committed)
			if err != nil {
				t.Fatalf("the committed change's record: %v", err)
			}
			switch what {
			case "add":
				if p, err := s.Payload(committed); r.State != Pending || err != nil || string(p) != testPayload {
					t.Fatalf("committed add: %s %q %v", r.State, p, err)
				}
				if o, _ := s.Owned("001099000123"); len(o) != 2 {
					t.Fatalf("owner index after the crash: %d records", len(o))
				}
			case "claim":
				// sending at the crash: put back to pending at Open, the attempt counted
				if r.State != Pending || r.Attempts != 1 || r.LastError != CodeInterrupted {
					t.Fatalf("claimed record after the crash: %+v", r)
				}
			case "settle":
				if r.State != Accepted || r.DossierCode != "H01-1" {
					t.Fatalf("settled record after the crash: %+v", r)
				}
			case "purge":
				if r.State != Accepted || r.PurgedAt.IsZero() {
					t.Fatalf("purged record after the crash: %+v", r)
				}
				if _, err := s.Payload(committed); !errors.Is(err, ErrPayloadPurged) {
					t.Fatalf("purged payload: %v", err)
				}
			}
			if what == "purge" || what == "settle" {
				c, _ := s.Counts()
				if c[Accepted] != 1 || c[Rejected] != 1 {
					t.Fatalf("counts after the crash %v", c)
				}
			}
		})
	}
}

// TestCrashMidCommit kills a process that adds, claims, settles and
// purges without pause at random moments (most land inside a commit:
// writing pages or fsyncing), six times on the same store: each reopening
// keeps every acknowledged dossier and rebuilds indexes that equal a scan.
func TestCrashMidCommit(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(3, 5))
	var acked []string
	for round := range 6 {
		lines := runKilled(t, "churn", dir, time.Duration(150+rng.IntN(250))*time.Millisecond)
		for _, l := range lines {
			if f := strings.Fields(l); len(f) == 2 && f[0] == "ack" {
				acked = append(acked, f[1])
			}
		}
		s := reopenT(t, dir)
		checkIndex(t, s, fmt.Sprintf("round %d", round))
		for _, id := range acked {
			if _, err := s.Get(id); err != nil {
				t.Fatalf("round %d: acknowledged %s lost: %v", round, id, err)
			}
		}
		s.Close()
	}
	if len(acked) < 6 {
		t.Fatalf("the children acknowledged only %d dossiers", len(acked))
	}
}
