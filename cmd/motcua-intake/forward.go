package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"motcua/sync/intake"
)

// forwardCmd lists dossiers whose forwarding failed, or puts one back.
func forwardCmd(args []string, out io.Writer) int {
	if len(args) == 0 {
		return fail("forward: failed or requeue")
	}
	fs := flag.NewFlagSet("forward "+args[0], flag.ContinueOnError)
	db := fs.String("db", "", "PostgreSQL URL (forwarding needs it)")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	if *db == "" {
		return fail("forward: --db is required")
	}
	st, err := intake.OpenPG(bg, *db, 2)
	if err != nil {
		return fail("%v", err)
	}
	defer st.Close()
	switch args[0] {
	case "failed":
		ds, err := st.Dossiers(bg, time.Time{}, time.Time{}, false)
		if err != nil {
			return fail("%v", err)
		}
		fmt.Fprintf(out, "%-36s  %-18s  %-10s  %-8s  %s\n", "IDEMPOTENCY KEY", "DOSSIER CODE", "SERVICE", "DEVICE", "ERROR")
		for _, d := range ds {
			if d.ForwardState != intake.ForwardFailed {
				continue
			}
			e, _ := st.ForwardError(bg, d.IdempotencyKey)
			fmt.Fprintf(out, "%-36s  %-18s  %-10s  %-8s  %s\n", d.IdempotencyKey, d.DossierCode, d.Service, d.Device, e)
		}
		return 0
	case "requeue":
		if fs.NArg() != 1 {
			return fail("forward requeue needs the idempotency key")
		}
		if err := st.RequeueForward(bg, fs.Arg(0), time.Now()); errors.Is(err, intake.ErrNotFound) {
			return fail("forward requeue: %s has no failed forward", fs.Arg(0))
		} else if err != nil {
			return fail("%v", err)
		}
		fmt.Fprintf(out, "%s is pending for forwarding again\n", fs.Arg(0))
		return 0
	}
	return fail("forward: unknown subcommand %q (failed, requeue)", args[0])
}
