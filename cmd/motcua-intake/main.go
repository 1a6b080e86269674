// Command motcua-intake is the receiver of the motcua intake API
// (sync/intake/openapi.yaml): the province hub. It keeps dossiers in an
// embedded bbolt file (pilots, tests) or in PostgreSQL (any number of
// replicas on one database), authenticates each enrolled device (token or
// client certificate), takes heartbeats, serves a fleet page and metrics,
// and writes the monthly report.
//
//	motcua-intake serve (--data DIR | --db postgres://...) [--token PILOT] [--admin-token T]
//	    [--addr HOST:PORT] [--tls-cert F --tls-key F [--tls-client-ca F]]
//	    [--heartbeat-every D] [--offline-after D] [--rate R] [--burst N]
//	    [--forward-igate URL --forward-igate-client-id ID --forward-igate-unit U
//	     [--forward-igate-secret-file F] [--forward-igate-ca F]]
//	    [--fault-drop P] [--fault-5xx P] [--fault-reset P]
//	    [--fault-silent-accept P] [--fault-delay DUR] [--fault-seed N]
//	motcua-intake list (--data DIR | --db URL) [--json] [--payloads]
//	motcua-intake device add (--data DIR | --db URL) --name NAME [--cert F | --cert-sha256 HEX] [--token]
//	motcua-intake device list|revoke (--data DIR | --db URL) [ID]
//	motcua-intake report (--data DIR | --db URL) --month YYYY-MM --format xlsx|csv|json --out FILE
//	motcua-intake forward failed|requeue --db URL [KEY]
//
// With --data, list/device/report go through the running server's admin
// socket (DIR/admin.sock) when one runs, else open the file themselves.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		usage(os.Stderr)
		os.Exit(2)
	}
	args := os.Args[2:]
	switch os.Args[1] {
	case "serve":
		os.Exit(serve(args))
	case "list":
		os.Exit(list(args, os.Stdout))
	case "device":
		os.Exit(device(args, os.Stdout))
	case "report":
		os.Exit(report(args, os.Stdout))
	case "forward":
		os.Exit(forwardCmd(args, os.Stdout))
	case "help", "-h", "--help":
		usage(os.Stdout)
	default:
		fmt.Fprintf(os.Stderr, "motcua-intake: unknown command %q\n", os.Args[1])
		usage(os.Stderr)
		os.Exit(2)
	}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, `usage: motcua-intake serve (--data DIR | --db postgres://...) [--token PILOT] [--admin-token T] [--addr HOST:PORT] [--tls-cert F --tls-key F [--tls-client-ca F]] [--fault-... P]
       motcua-intake list (--data DIR | --db URL) [--json] [--payloads]
       motcua-intake device add (--data DIR | --db URL) --name NAME [--cert F | --cert-sha256 HEX] [--token]
       motcua-intake device list (--data DIR | --db URL) [--json]
       motcua-intake device revoke (--data DIR | --db URL) ID
       motcua-intake report (--data DIR | --db URL) --month YYYY-MM [--format xlsx|csv|json] --out FILE
       motcua-intake forward failed|requeue --db URL [KEY]`)
}

func fail(format string, a ...any) int {
	fmt.Fprintf(os.Stderr, "motcua-intake: "+format+"\n", a...)
	return 1
}

// storeFlags are --data and --db, shared by every command.
type storeFlags struct{ data, db string }

func (s *storeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&s.data, "data", "", "data directory of the embedded store")
	fs.StringVar(&s.db, "db", "", "PostgreSQL URL (or $MOTCUA_INTAKE_DB)")
}

func (s *storeFlags) check() error {
	if s.db == "" {
		s.db = os.Getenv("MOTCUA_INTAKE_DB")
	}
	if (s.data == "") == (s.db == "") {
		return errors.New("give exactly one of --data DIR and --db URL")
	}
	return nil
}

var bg = context.Background()
