package main

import (
	"errors"
	"flag"
	"fmt"
	"os"

	"motcua/internal/config"
)

func init() {
	register("config", "check or show the configuration file (check, show, default)", runConfig)
}

const configUsage = `usage: motcua config check [--config FILE] [--set section.key=value ...]
       motcua config show  [--config FILE] [--set ...]   (secrets masked)
       motcua config default                              (the documented defaults)`

func runConfig(args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, configUsage)
		return 2
	}
	sub := args[0]
	if sub == "default" {
		os.Stdout.Write(config.DefaultTOML)
		return 0
	}
	if sub != "check" && sub != "show" {
		fmt.Fprintln(os.Stderr, configUsage)
		return 2
	}
	fs := flag.NewFlagSet("config "+sub, flag.ContinueOnError)
	cf := config.AddFlags(fs)
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	cfg, err := cf.Load()
	if err != nil {
		return configFailure(err)
	}
	src := cf.Path
	if src == "" {
		src = config.DefaultPath()
		if _, err := os.Stat(src); err != nil {
			src = "built-in defaults (" + src + " does not exist)"
		}
	}
	if sub == "check" {
		fmt.Printf("ok: %s\n", src)
		return 0
	}
	b, err := cfg.Masked().TOML()
	if err != nil {
		return fail("%v", err)
	}
	fmt.Printf("# effective configuration from %s; secrets masked\n", src)
	os.Stdout.Write(b)
	return 0
}

// configFailure prints every configuration error on its own line.
func configFailure(err error) int {
	var es config.Errors
	if errors.As(err, &es) {
		for _, e := range es {
			fmt.Fprintf(os.Stderr, "motcua: config: %v\n", e)
		}
		return 1
	}
	return fail("%v", err)
}
