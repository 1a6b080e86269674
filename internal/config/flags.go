package config

import (
	"flag"
	"os"
	"strings"
)

// Sets collects repeated --set section.key=value flags.
type Sets []string

// String joins the overrides.
func (s *Sets) String() string { return strings.Join(*s, " ") }

// Set appends one override.
func (s *Sets) Set(v string) error { *s = append(*s, v); return nil }

// Flags are the configuration flags every long-running subcommand takes.
type Flags struct {
	Path string
	Sets Sets
	// Source is set by Load: the file the configuration came from, or ""
	// when there was none (the built-in defaults).
	Source string
}

// AddFlags registers --config and --set on fs.
func AddFlags(fs *flag.FlagSet) *Flags {
	f := &Flags{}
	fs.StringVar(&f.Path, "config", "", "configuration file (default $MOTCUA_CONFIG, else "+DefaultPath()+" when it exists)")
	fs.Var(&f.Sets, "set", "override one setting, section.key=value (repeatable), e.g. --set api.listen=127.0.0.1:7421")
	return f
}

// Set adds an override for key when value is not empty (for convenience
// flags like --listen that map onto a key).
func (f *Flags) Set(key, value string) {
	if value != "" {
		f.Sets = append(f.Sets, key+"="+value)
	}
}

// Load loads the named file (which must exist), or the default path when
// it exists, then applies the overrides.
func (f *Flags) Load() (*Config, error) {
	if f.Path != "" {
		f.Source = f.Path
		return Load(f.Path, false, f.Sets)
	}
	p := DefaultPath()
	if _, err := os.Stat(p); err == nil {
		f.Source = p
	}
	return Load(p, true, f.Sets)
}
