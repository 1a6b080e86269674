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

	"motcua/sync/outbox"
)

func init() {
	register("outbox", "offline outbox: add, list, retry, audit, rotate-key", runOutbox)
}

const outboxUsage = `usage: motcua outbox add --service CODE --file PAYLOAD.json [--attach NAME=FILE]... [--data DIR]
       motcua outbox list [--json] [--state STATE] [--data DIR]
       motcua outbox retry UUID [--data DIR]      (send a needs_attention record again)
       motcua outbox audit [--json] [--data DIR]
       motcua outbox rotate-key [--data DIR]`

func runOutbox(args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, outboxUsage)
		return 2
	}
	switch args[0] {
	case "add":
		return outboxAdd(args[1:])
	case "list":
		return outboxList(args[1:])
	case "retry":
		return outboxRetry(args[1:])
	case "audit":
		return outboxAudit(args[1:])
	case "rotate-key":
		return outboxRotate(args[1:])
	}
	fmt.Fprintln(os.Stderr, outboxUsage)
	return 2
}

// dataFlags adds the flags every outbox/sync command shares.
func dataFlags(fs *flag.FlagSet) (dir, device *string) {
	def, _ := outbox.DefaultDataDir()
	dir = fs.String("data", def, "data directory")
	host, _ := os.Hostname()
	if d := os.Getenv("MOTCUA_DEVICE"); d != "" {
		host = d
	}
	device = fs.String("device", host, "device identifier recorded in audit records")
	return dir, device
}

// openOutbox opens the store and reports a recovered (corrupt) file loudly.
func openOutbox(dir, device string, opts outbox.Options) (*outbox.Store, error) {
	if dir == "" {
		return nil, errors.New("no data directory: set --data or MOTCUA_DATA")
	}
	opts.Device = device
	if opts.Timeout == 0 {
		// sync --watch holds the lock during each pass; wait it out.
		opts.Timeout = 30 * time.Second
	}
	opts.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	s, err := outbox.Open(dir, opts)
	if err != nil {
		return nil, err
	}
	if r := s.Recovered(); r != nil {
		fmt.Fprintf(os.Stderr, "motcua: WARNING: the outbox file was corrupt and has been moved to %s; a fresh outbox was created\n", r.MovedTo)
	}
	return s, nil
}

func outboxAdd(args []string) int {
	fs := flag.NewFlagSet("outbox add", flag.ContinueOnError)
	dir, device := dataFlags(fs)
	service := fs.String("service", "", "national procedure code (mã TTHC), e.g. 1.004222")
	file := fs.String("file", "", "JSON payload file ('-' for stdin)")
	var attach attachFlags
	fs.Var(&attach, "attach", "attachment NAME=FILE (repeatable): sealed and sent with the dossier")
	if err := fs.Parse(args); err != nil {
		return 2
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
	s, err := openOutbox(*dir, *device, outbox.Options{})
	if err != nil {
		return fail("%v", err)
	}
	defer s.Close()
	srcs, closeAll, err := attach.sources()
	if err != nil {
		return fail("%v", err)
	}
	defer closeAll()
	id, err := s.AddWithAttachments(context.Background(), *service, payload, srcs)
	if err != nil {
		if errors.Is(err, outbox.ErrDiskFull) {
			return fail("%v (nothing was stored; the files are untouched)", err)
		}
		return fail("%v", err)
	}
	fmt.Println(id) // printed only after the commit (and every attachment) is fsynced
	return 0
}

func outboxList(args []string) int {
	fs := flag.NewFlagSet("outbox list", flag.ContinueOnError)
	dir, device := dataFlags(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	state := fs.String("state", "", "only records in this state (pending, sending, accepted, rejected, needs_attention)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	var f outbox.Filter
	if *state != "" {
		if !outbox.State(*state).Valid() {
			return fail("unknown state %q", *state)
		}
		f.States = []outbox.State{outbox.State(*state)}
	}
	var recs []outbox.Record
	if outboxExists(*dir) {
		s, err := openOutbox(*dir, *device, outbox.Options{ReadOnly: true})
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
	fmt.Fprintln(tw, "UUID\tSERVICE\tSTATE\tATTEMPTS\tCREATED\tFILES\tDOSSIER CODE\tSTATUS\tNOTE")
	for _, r := range recs {
		note := r.Reason
		if note == "" && r.State == outbox.Pending {
			note = r.LastError
		}
		status := ""
		if r.ProvincialStatus != 0 {
			status = fmt.Sprintf("%d %s", r.ProvincialStatus, outbox.StatusName(r.ProvincialStatus))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%d\t%s\t%s\t%s\n", r.UUID, r.Service, r.State, r.Attempts,
			r.CreatedAt.Local().Format(time.DateTime), len(r.Attachments), r.DossierCode, status, strings.ReplaceAll(note, "\t", " "))
	}
	tw.Flush()
	return 0
}

func outboxRetry(args []string) int {
	fs := flag.NewFlagSet("outbox retry", flag.ContinueOnError)
	dir, device := dataFlags(fs)
	if err := fs.Parse(reorder(args)); err != nil {
		return 2
	}
	if fs.NArg() != 1 {
		return fail("outbox retry needs one UUID")
	}
	s, err := openOutbox(*dir, *device, outbox.Options{})
	if err != nil {
		return fail("%v", err)
	}
	defer s.Close()
	if err := s.Requeue(fs.Arg(0)); err != nil {
		return fail("%v", err)
	}
	fmt.Printf("%s is pending again (same UUID, so the receiver will not create a second dossier)\n", fs.Arg(0))
	return 0
}

func outboxAudit(args []string) int {
	fs := flag.NewFlagSet("outbox audit", flag.ContinueOnError)
	dir, device := dataFlags(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	var recs []outbox.AuditRecord
	if outboxExists(*dir) {
		s, err := openOutbox(*dir, *device, outbox.Options{ReadOnly: true})
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
	fs := flag.NewFlagSet("outbox rotate-key", flag.ContinueOnError)
	dir, device := dataFlags(fs)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	s, err := openOutbox(*dir, *device, outbox.Options{})
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

// reorder moves flags before positional arguments so "retry UUID --data D"
// parses like "retry --data D UUID".
func reorder(args []string) []string {
	var flags, pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if strings.HasPrefix(a, "-") {
			flags = append(flags, a)
			if !strings.Contains(a, "=") && i+1 < len(args) {
				flags = append(flags, args[i+1])
				i++
			}
			continue
		}
		pos = append(pos, a)
	}
	return append(flags, pos...)
}
