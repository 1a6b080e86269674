package main

import (
	"errors"
	"fmt"
	"os"

	"motcua/internal/config"
)

func init() {
	register("config", "check or show the configuration file (check, show, default)", runConfig)
}

func runConfig(args []string) int {
	return subcommands("config", args, []sub{
		{"check", "validate the configuration file (line-precise errors)", func(a []string) int { return configCheckShow("check", a) }},
		{"show", "print the effective configuration, secrets masked", func(a []string) int { return configCheckShow("show", a) }},
		{"default", "print the documented defaults", func(a []string) int {
			if _, err := parseArgs(newFlags("config default", ""), a); err != nil {
				return 2
			}
			os.Stdout.Write(config.DefaultTOML)
			return 0
		}},
	}, nil)
}

func configCheckShow(sub string, args []string) int {
	fs := newFlags("config "+sub, "[--config FILE] [--set section.key=value ...]")
	af := addAgentFlags(fs, false)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) > 0 {
		return fail("config %s: unexpected argument %q", sub, pos[0])
	}
	cfg, err := af.load()
	if err != nil {
		return configFailure(err)
	}
	src := af.source()
	if src == "" {
		src = "built-in defaults (" + config.DefaultPath() + " does not exist)"
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
