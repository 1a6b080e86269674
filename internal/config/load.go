package config

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	toml "github.com/pelletier/go-toml/v2"
)

// Error is one configuration mistake, located at its line and column in the
// file (Line 0 when it comes from a flag: Source then names the flag).
type Error struct {
	Source string // file path, or "--set KEY" for a flag override
	Line   int
	Column int
	Key    string // dotted key, e.g. "provider.endpoint"; "" for syntax errors
	Msg    string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Source)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
		if e.Column > 0 {
			fmt.Fprintf(&b, ":%d", e.Column)
		}
	}
	b.WriteString(": ")
	if e.Key != "" && e.Source != "--set "+e.Key {
		b.WriteString(e.Key + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errors is every mistake found in one load, in file order.
type Errors []*Error

func (es Errors) Error() string {
	s := make([]string, len(es))
	for i, e := range es {
		s[i] = e.Error()
	}
	return strings.Join(s, "\n")
}

// Load reads the file at path (the defaults alone when path is "" or, with
// optional set, when the file does not exist), applies the overrides
// ("section.key=value", value in TOML syntax or a bare string) and validates
// the result. Every error is an *Error or Errors carrying the line.
func Load(path string, optional bool, overrides []string) (*Config, error) {
	c := Defaults()
	var lines keyLines
	if path != "" {
		b, err := os.ReadFile(path)
		switch {
		case err == nil:
			if err := decode(&c, b, path); err != nil {
				return nil, err
			}
			lines = scanKeyLines(b)
		case optional && errors.Is(err, os.ErrNotExist):
			path = ""
		default:
			return nil, fmt.Errorf("config: %w", err)
		}
	}
	from := map[string]string{}
	for _, o := range overrides {
		key, err := applyOverride(&c, o)
		if err != nil {
			return nil, err
		}
		from[key] = "--set " + key
	}
	if errs := c.validate(); len(errs) > 0 {
		for _, e := range errs {
			if src, ok := from[e.Key]; ok {
				e.Source = src
				continue
			}
			if path == "" {
				e.Source = "defaults"
				continue
			}
			e.Source = path
			e.Line = lines[e.Key]
		}
		return nil, errs
	}
	return &c, nil
}

// Parse decodes and validates a configuration document (named name in errors).
func Parse(b []byte, name string) (*Config, error) {
	c := Defaults()
	if err := decode(&c, b, name); err != nil {
		return nil, err
	}
	if errs := c.validate(); len(errs) > 0 {
		lines := scanKeyLines(b)
		for _, e := range errs {
			e.Source, e.Line = name, lines[e.Key]
		}
		return nil, errs
	}
	return &c, nil
}

// decode strictly decodes b onto c: unknown keys, wrong types and syntax
// errors come back as Errors with their positions.
func decode(c *Config, b []byte, source string) error {
	err := toml.NewDecoder(bytes.NewReader(b)).DisallowUnknownFields().Decode(c)
	if err == nil {
		return nil
	}
	var strict *toml.StrictMissingError
	if errors.As(err, &strict) {
		var es Errors
		for i := range strict.Errors {
			e := &strict.Errors[i]
			row, col := e.Position()
			es = append(es, &Error{Source: source, Line: row, Column: col, Key: strings.Join(e.Key(), "."), Msg: "unknown key"})
		}
		return es
	}
	var de *toml.DecodeError
	if errors.As(err, &de) {
		row, col := de.Position()
		msg := strings.TrimPrefix(de.Error(), "toml: ")
		return Errors{{Source: source, Line: row, Column: col, Key: strings.Join(de.Key(), "."), Msg: msg}}
	}
	return Errors{{Source: source, Msg: err.Error()}}
}

// applyOverride decodes one "section.key=value" onto c and returns the key.
func applyOverride(c *Config, o string) (string, error) {
	key, val, ok := strings.Cut(o, "=")
	key = strings.TrimSpace(key)
	section, name, dotted := strings.Cut(key, ".")
	if !ok || !dotted || section == "" || name == "" || strings.ContainsAny(name, ". ") {
		return "", &Error{Source: "--set " + o, Msg: "want section.key=value, e.g. api.listen=127.0.0.1:7420"}
	}
	val = strings.TrimSpace(val)
	src := "--set " + key
	doc := fmt.Sprintf("[%s]\n%s = %s\n", section, name, val)
	trial := *c
	err := decode(&trial, []byte(doc), src)
	var es Errors
	if err != nil && errors.As(err, &es) && len(es) == 1 && es[0].Msg != "unknown key" {
		// A bare word (a URL, a path, a host:port) is taken as a string.
		quoted := *c
		if qerr := decode(&quoted, []byte(fmt.Sprintf("[%s]\n%s = %s\n", section, name, strconv.Quote(val))), src); qerr == nil {
			trial, err = quoted, nil
		}
	}
	if err != nil {
		var es Errors
		if errors.As(err, &es) {
			for _, e := range es {
				e.Line, e.Column = 0, 0
				e.Key = key
			}
		}
		return "", err
	}
	*c = trial
	return key, nil
}

// keyLines maps dotted keys to the line they are set on.
type keyLines map[string]int

// scanKeyLines finds "[table]" headers and "key =" lines: enough to point
// a validation error at its line (decode already rejected bad syntax).
func scanKeyLines(b []byte) keyLines {
	m := keyLines{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	table := ""
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || line[0] == '#':
		case line[0] == '[':
			table = strings.TrimSpace(strings.Trim(line, "[]"))
			if table != "" {
				m[table] = n
			}
		default:
			k, _, ok := strings.Cut(line, "=")
			if !ok {
				continue
			}
			k = strings.Trim(strings.TrimSpace(k), `"'`)
			if table != "" {
				k = table + "." + k
			}
			if _, seen := m[k]; !seen {
				m[k] = n
			}
		}
	}
	return m
}
