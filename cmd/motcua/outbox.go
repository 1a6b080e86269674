package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"motcua/internal/agent"
	"motcua/sync/outbox"
)

func init() {
	register("outbox", "offline outbox: add, list, retry, audit, rotate-key", runOutbox)
}

func runOutbox(args []string) int {
	return subcommands("outbox", args, []sub{
		{"add", "store a dossier: --service CODE --file PAYLOAD.json ('-' for stdin)", outboxAdd},
		{"list", "list the dossiers [--json] [--state STATE]", outboxList},
		{"retry", "send a needs_attention record again: retry UUID", outboxRetry},
		{"audit", "the audit records of accepted dossiers [--json]", outboxAudit},
		{"rotate-key", "seal new payloads with a new key", outboxRotate},
	}, nil)
}

// outboxFlags parses an outbox command's flags and returns the agent's
// outbox directory and options from the configuration (the one outbox
// path the agent uses: see agent.OutboxDir).
func outboxFlags(fs *flag.FlagSet, args []string) (dir string, opts outbox.Options, pos []string, code int) {
	af := addAgentFlags(fs, false)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return "", opts, nil, 2
	}
	cfg, err := af.load()
	if err != nil {
		return "", opts, nil, configFailure(err)
	}
	d, err := cfg.DataDir(outbox.DefaultDataDir)
	if err != nil {
		return "", opts, nil, fail("%v", err)
	}
	opts = outbox.Options{Device: cfg.Device(), Retention: cfg.Retention.AcceptedPayload.Duration, MaxAttempts: cfg.Retention.MaxAttempts}
	if _, err := os.Stat(filepath.Join(agent.LegacyOutboxDir(d), outbox.DBFile)); err == nil {
		// An outbox in the app's old place: bring it into the one path
		// first (under the agent lock; a running agent does it at its start).
		if l, err := agent.AcquireLock(d, "motcua outbox"); err == nil {
			_, err = agent.MigrateOutbox(d, opts, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
			l.Release()
			if err != nil {
				return "", opts, nil, fail("%v", err)
			}
		}
	}
	return agent.OutboxDir(d), opts, pos, -1
}

// openOutbox opens the store and reports a recovered (corrupt) file loudly.
func openOutbox(dir string, opts outbox.Options) (*outbox.Store, error) {
	if dir == "" {
		return nil, errors.New("no data directory: set --data or MOTCUA_DATA")
	}
	if opts.Timeout == 0 {
		// sync --watch holds the lock during each pass; wait it out.
		opts.Timeout = 30 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	s, err := outbox.Open(dir, opts)
	if errors.Is(err, outbox.ErrLocked) {
		if h := agent.Holder(dir); h != nil && h.Binary != "" {
			return nil, fmt.Errorf("%w: %s (pid %d) holds it open; stop it, or use its screens", err, h.Binary, h.PID)
		}
	}
	if err != nil {
		return nil, err
	}
	if r := s.Recovered(); r != nil {
		fmt.Fprintf(os.Stderr, "motcua: WARNING: the outbox file was corrupt and has been moved to %s; a fresh outbox was created\n", r.MovedTo)
	}
	return s, nil
}

func outboxAdd(args []string) int {
	fs := newFlags("outbox add", "--service CODE --file PAYLOAD.json [--config FILE] [--data DIR]")
	service := fs.String("service", "", "national procedure code (mã TTHC), e.g. 1.004222")
	file := fs.String("file", "", "JSON payload file ('-' for stdin)")
	dir, opts, _, code := outboxFlags(fs, args)
	if code >= 0 {
		return code
	}
	if *service == "" || *file == "" {
		return fail("outbox add needs --service and --file")
	}
	var payload []byte
	var err error
	if *file == "-" {
		payload, err = io.ReadAll(io.LimitReader(os.Stdin, outbox.DefaultMaxPayload+1))
	} else {
		payload, err = os.ReadFile(*file)
	}
	if err != nil {
		return fail("read payload: %v", err)
	}
	s, err := openOutbox(dir, opts)
	if err != nil {
		return fail("%v", err)
	}
	defer s.Close()
	id, err := s.Add(context.Background(), *service, payload)
	if err != nil {
		return fail("%v", err)
	}
	fmt.Println(id) // printed only after the commit is fsynced
	return 0
}

func outboxList(args []string) int {
	fs := newFlags("outbox list", "[--json] [--state STATE] [--config FILE] [--data DIR]")
	asJSON := fs.Bool("json", false, "print JSON")
	state := fs.String("state", "", "only records in this state (pending, sending, accepted, rejected, needs_attention)")
	dir, opts, _, code := outboxFlags(fs, args)
	if code >= 0 {
		return code
	}
	var f outbox.Filter
	if *state != "" {
		if !outbox.State(*state).Valid() {
			return fail("unknown state %q", *state)
		}
		f.States = []outbox.State{outbox.State(*state)}
	}
	var recs []outbox.Record
	if outboxExists(dir) {
		opts.ReadOnly = true
		s, err := openOutbox(dir, opts)
		if err != nil {
			return fail("%v", err)
		}
		defer s.Close()
		if recs, err = s.List(f); err != nil {
			return fail("%v", err)
		}
	}
	if *asJSON {
		type row struct {
			outbox.Record
			StatusName string `json:"provincial_status_name,omitempty"`
		}
		rows := make([]row, 0, len(recs))
		for _, r := range recs {
			rows = append(rows, row{r, outbox.StatusName(r.ProvincialStatus)})
		}
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rows); err != nil {
			return fail("%v", err)
		}
		return 0
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "UUID\tSERVICE\tSTATE\tATTEMPTS\tCREATED\tDOSSIER CODE\tSTATUS\tNOTE")
	for _, r := range recs {
		note := r.Reason
		if note == "" && r.State == outbox.Pending {
			note = r.LastError
		}
		status := ""
		if r.ProvincialStatus != 0 {
			status = fmt.Sprintf("%d %s", r.ProvincialStatus, outbox.StatusName(r.ProvincialStatus))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\n", r.UUID, r.Service, r.State, r.Attempts,
			r.CreatedAt.Local().Format(time.DateTime), r.DossierCode, status, strings.ReplaceAll(note, "\t", " "))
	}
	tw.Flush()
	return 0
}

func outboxRetry(args []string) int {
	fs := newFlags("outbox retry", "UUID [--config FILE] [--data DIR]")
	dir, opts, pos, code := outboxFlags(fs, args)
	if code >= 0 {
		return code
	}
	if len(pos) != 1 {
		return fail("outbox retry needs one UUID")
	}
	s, err := openOutbox(dir, opts)
	if err != nil {
		return fail("%v", err)
	}
	defer s.Close()
	if err := s.Requeue(pos[0]); err != nil {
		return fail("%v", err)
	}
	fmt.Printf("%s is pending again (same UUID, so the receiver will not create a second dossier)\n", pos[0])
	return 0
}

func outboxAudit(args []string) int {
	fs := newFlags("outbox audit", "[--json] [--config FILE] [--data DIR]")
	asJSON := fs.Bool("json", false, "print JSON")
	dir, opts, _, code := outboxFlags(fs, args)
	if code >= 0 {
		return code
	}
	var recs []outbox.AuditRecord
	if outboxExists(dir) {
		opts.ReadOnly = true
		s, err := openOutbox(dir, opts)
		if err != nil {
			return fail("%v", err)
		}
		defer s.Close()
		if recs, err = s.Audit(); err != nil {
			return fail("%v", err)
		}
	}
	if *asJSON {
		if recs == nil {
			recs = []outbox.AuditRecord{}
		}
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		enc.Encode(recs)
		return 0
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "UUID\tSERVICE\tDEVICE\tCREATED\tACCEPTED\tDOSSIER CODE\tPAYLOAD PURGED")
	for _, a := range recs {
		purged := ""
		if !a.PurgedAt.IsZero() {
			purged = a.PurgedAt.Local().Format(time.DateTime)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", a.UUID, a.Service, a.Device,
			a.CreatedAt.Local().Format(time.DateTime), a.AcceptedAt.Local().Format(time.DateTime), a.DossierCode, purged)
	}
	tw.Flush()
	return 0
}

func outboxRotate(args []string) int {
	fs := newFlags("outbox rotate-key", "[--config FILE] [--data DIR]")
	dir, opts, _, code := outboxFlags(fs, args)
	if code >= 0 {
		return code
	}
	s, err := openOutbox(dir, opts)
	if err != nil {
		return fail("%v", err)
	}
	defer s.Close()
	id, err := s.RotateKey()
	if err != nil {
		return fail("%v", err)
	}
	fmt.Printf("new payloads are sealed with key %d; older keys stay in the key file\n", id)
	return 0
}

// outboxExists reports whether dir holds an outbox database (listing a
// directory that has none shows an empty outbox instead of creating one).
func outboxExists(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, outbox.DBFile))
	return err == nil
}
