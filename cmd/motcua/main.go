// Command motcua is the Một Cửa Edge agent: it reads CCCD chip cards and
// their QR codes, prefills e-forms, buffers dossiers offline and syncs them.
//
// Each command lives in its own file and registers itself in init, so a
// concern's CLI sits next to nothing but its own flags; commands with
// sub-commands dispatch through subcommands, and every command parses its
// flags with the standard flag package (see cli.go).
package main

import (
	"fmt"
	"os"
	"strings"
)

// command is one subcommand. run gets the arguments after the subcommand
// name and returns the process exit code.
type command struct {
	summary string
	run     func(args []string) int
}

var commands = map[string]command{}

// defaultCommand runs when motcua is started with no arguments.
var defaultCommand = "app"

func register(name, summary string, run func(args []string) int) {
	if _, dup := commands[name]; dup {
		panic("motcua: command registered twice: " + name)
	}
	commands[name] = command{summary: summary, run: run}
}

func main() {
	args := os.Args[1:]
	name := defaultCommand
	if len(args) > 0 && (!strings.HasPrefix(args[0], "-") || args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
		name, args = args[0], args[1:]
	}
	if name == "help" || name == "-h" || name == "--help" || name == "-help" {
		usage(os.Stdout)
		return
	}
	c, ok := commands[name]
	if !ok {
		fmt.Fprintf(os.Stderr, "motcua: unknown command %q\n", name)
		usage(os.Stderr)
		os.Exit(2)
	}
	os.Exit(c.run(args))
}

func usage(w *os.File) {
	fmt.Fprintln(w, "usage: motcua COMMAND [flags]   (motcua COMMAND -h for a command's flags)")
	for _, n := range sortedNames(commands) {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
}

// fail prints a one-line reason and returns exit code 1.
func fail(format string, a ...any) int {
	fmt.Fprintf(os.Stderr, "motcua: "+format+"\n", a...)
	return 1
}
