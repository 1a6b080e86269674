package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"motcua/sync/intake"
)

// reader is what list, device and report need: a backend opened directly,
// or a running intake's admin socket.
type reader interface {
	Dossiers(ctx context.Context, from, to time.Time, payloads bool) ([]intake.Dossier, error)
	Devices(ctx context.Context) ([]intake.Device, error)
	Report(ctx context.Context, month string) (*intake.Report, error)
	AddDevice(ctx context.Context, name string, creds []string) (intake.Device, error)
	RevokeDevice(ctx context.Context, id string) error
	Close() error
}

// direct adapts a Backend.
type direct struct{ intake.Backend }

func (d direct) Report(ctx context.Context, month string) (*intake.Report, error) {
	return intake.BuildReport(ctx, d.Backend, month, time.Now())
}

func (d direct) AddDevice(ctx context.Context, name string, creds []string) (intake.Device, error) {
	dev := intake.NewDevice(name, creds, time.Now())
	return dev, d.Backend.AddDevice(ctx, dev)
}

func (d direct) RevokeDevice(ctx context.Context, id string) error {
	return d.Backend.RevokeDevice(ctx, id, time.Now())
}

type socket struct{ *intake.AdminClient }

func (socket) Close() error { return nil }

// open returns a reader: PostgreSQL directly (MVCC: replicas may run); the
// running server's admin socket for a data directory in use; else the
// bbolt file itself.
func open(sf storeFlags) (reader, error) {
	if sf.db != "" {
		st, err := intake.OpenPG(bg, sf.db, 4)
		if err != nil {
			return nil, err
		}
		return direct{st}, nil
	}
	ac := intake.NewSocketAdminClient(sf.data)
	if _, err := ac.Devices(bg); err == nil {
		return socket{ac}, nil
	} else if !errors.Is(err, intake.ErrNotServing) {
		return nil, err
	}
	st, err := intake.OpenStore(sf.data)
	if err != nil {
		return nil, err
	}
	return direct{st}, nil
}

func list(args []string, out io.Writer) int {
	fs := flag.NewFlagSet("list", flag.ContinueOnError)
	var sf storeFlags
	sf.register(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	payloads := fs.Bool("payloads", false, "include payloads in JSON output")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if err := sf.check(); err != nil {
		return fail("list: %v", err)
	}
	r, err := open(sf)
	if err != nil {
		return fail("%v", err)
	}
	defer r.Close()
	ds, err := r.Dossiers(bg, time.Time{}, time.Time{}, *payloads)
	if err != nil {
		return fail("%v", err)
	}
	if *asJSON {
		if ds == nil {
			ds = []intake.Dossier{}
		}
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(ds); err != nil {
			return fail("%v", err)
		}
		return 0
	}
	fmt.Fprintf(out, "%-36s  %-18s  %-10s  %6s  %-11s  %-5s  %s\n", "IDEMPOTENCY KEY", "DOSSIER CODE", "SERVICE", "STATUS", "SUBMISSIONS", "FILES", "DEVICE")
	for _, d := range ds {
		dev := d.Device
		if dev == "" {
			dev = intake.PilotDevice
		}
		// FILES: attachments arrived / listed ("-": none listed).
		files := "-"
		if len(d.Attachments) > 0 {
			got := 0
			for _, a := range d.Attachments {
				if a.Received {
					got++
				}
			}
			files = fmt.Sprintf("%d/%d", got, len(d.Attachments))
		}
		fmt.Fprintf(out, "%-36s  %-18s  %-10s  %6d  %-11d  %-5s  %s\n", d.IdempotencyKey, d.DossierCode, d.Service, d.Status, d.Submissions, files, dev)
	}
	return 0
}
