package main

import (
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"

	"motcua/internal/config"
)

// The one dispatch style of motcua: a command is a function of its
// arguments; a command with sub-commands dispatches through subcommands;
// every command parses its flags with the standard flag package through
// parseArgs (flags may come before or after positional arguments), and the
// flags shared by many commands are registered by addAgentFlags with one
// meaning each.

// cmdFunc runs one command with the arguments after its name and returns
// the exit code.
type cmdFunc func(args []string) int

// sub is one sub-command of a command group.
type sub struct {
	name, summary string
	run           cmdFunc
}

// subcommands dispatches args[0] among subs. def runs when args is empty or
// starts with a flag (nil: print the usage). "help", -h and --help print it.
func subcommands(group string, args []string, subs []sub, def cmdFunc) int {
	usage := func(w *os.File) {
		fmt.Fprintf(w, "usage: motcua %s SUBCOMMAND [flags]   (motcua %s SUBCOMMAND -h for its flags)\n", group, group)
		for _, s := range subs {
			fmt.Fprintf(w, "  %-12s %s\n", s.name, s.summary)
		}
	}
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") && def == nil {
			usage(os.Stdout)
			return 0
		}
		if def != nil {
			return def(args)
		}
		usage(os.Stderr)
		return 2
	}
	if args[0] == "help" {
		usage(os.Stdout)
		return 0
	}
	for _, s := range subs {
		if s.name == args[0] {
			return s.run(args[1:])
		}
	}
	fmt.Fprintf(os.Stderr, "motcua %s: unknown subcommand %q\n", group, args[0])
	usage(os.Stderr)
	return 2
}

// newFlags is a flag set for "motcua NAME" whose -h prints synopsis first.
func newFlags(name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet("motcua "+name, flag.ContinueOnError)
	fs.Usage = func() {
		if synopsis != "" {
			fmt.Fprintln(fs.Output(), "usage: motcua "+name+" "+synopsis)
		}
		fs.PrintDefaults()
	}
	return fs
}

// parseArgs parses flags anywhere among the arguments ("retry UUID --data D"
// and "retry --data D UUID" mean the same) and returns the positional ones.
// Everything after "--" is positional.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		before := len(args)
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if consumed := before - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), nil
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
}

// agentFlags are the flags shared by the commands that use the agent's
// configuration and data. Each maps onto one configuration key, so a flag
// means the same in every command and in the file.
type agentFlags struct {
	cfg    *config.Flags
	data   string
	device string
	reader string
	sim    bool
}

// addAgentFlags registers --config, --set, --data and --device, and with
// withReader also --reader and --sim.
func addAgentFlags(fs *flag.FlagSet, withReader bool) *agentFlags {
	f := &agentFlags{cfg: config.AddFlags(fs)}
	fs.StringVar(&f.data, "data", "", "data directory (agent.data_dir; default $MOTCUA_DATA, else the per-user data directory)")
	fs.StringVar(&f.device, "device", "", "device identifier recorded in dossiers and audit records (agent.device; default $MOTCUA_DEVICE, else the host name)")
	if withReader {
		fs.StringVar(&f.reader, "reader", "", "PC/SC reader name (reader.name; default the first reader with a card)")
		fs.BoolVar(&f.sim, "sim", false, "use the simulated reader with a synthetic card (reader.simulated; demos and tests)")
	}
	return f
}

// load applies the flags onto the configuration file and loads it.
func (f *agentFlags) load() (*config.Config, error) {
	if f.device == "" {
		f.device = os.Getenv("MOTCUA_DEVICE")
	}
	f.cfg.Set("agent.data_dir", f.data)
	f.cfg.Set("agent.device", f.device)
	f.cfg.Set("reader.name", f.reader)
	if f.sim {
		f.cfg.Set("reader.simulated", "true")
	}
	return f.cfg.Load()
}

// source is the configuration file loaded ("" for the built-in defaults).
func (f *agentFlags) source() string { return f.cfg.Source }

func sortedNames[V any](m map[string]V) []string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
