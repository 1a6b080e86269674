package catalog

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/pelletier/go-toml/v2"
)

// AliasFile is the name of the operator's alias overlay in the service
// folder. Procedure codes are re-announced when ministries take services
// over (GPLX and LLTP moved to Bộ Công an in 2025); the overlay maps a
// file's code to the code the provincial system uses now, without editing
// the service file:
//
//	[[alias]]
//	code = "1.002809"        # the code in the service file
//	now  = "2.002000"        # the code the provincial system uses
//	note = "QĐ .../QĐ-BCA"   # optional: where the new code was announced
//
// The service is then found under both codes and submitted under the new.
const AliasFile = "aliases.toml"

type aliasFile struct {
	Alias []struct {
		Code string `toml:"code"`
		Now  string `toml:"now"`
		Note string `toml:"note"`
	} `toml:"alias"`
}

// ErrAlias is returned by Alias for an alias that cannot apply.
var ErrAlias = errors.New("bad alias")

// Alias makes the service with the file code findable under now and
// submitted as now.
func (c *Catalog) Alias(code, now string) error {
	if !codePattern.MatchString(now) {
		return fmt.Errorf("%w: %q is not a procedure code", ErrAlias, now)
	}
	s, ok := c.services[code]
	if !ok {
		return fmt.Errorf("%w: no service %s", ErrAlias, code)
	}
	if other, ok := c.services[now]; ok && other != s {
		return fmt.Errorf("%w: %s is already the code of %q", ErrAlias, now, other.NameVI)
	}
	if other, ok := c.aliases[now]; ok && other != s {
		return fmt.Errorf("%w: %s already aliases %s", ErrAlias, now, other.Code)
	}
	if s.alias != "" && s.alias != now {
		return fmt.Errorf("%w: %s already aliased to %s", ErrAlias, code, s.alias)
	}
	s.alias = now
	c.aliases[now] = s
	return nil
}

// loadAliases applies the overlay file; each bad entry is a LoadError and
// the others still apply.
func (c *Catalog) loadAliases(path string, b []byte) {
	var f aliasFile
	dec := toml.NewDecoder(bytes.NewReader(b)).DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		line := 0
		var de *toml.DecodeError
		if errors.As(err, &de) {
			line, _ = de.Position()
		}
		c.Errors = append(c.Errors, LoadError{Path: path, Line: line, Reason: err.Error()})
		return
	}
	for _, a := range f.Alias {
		if err := c.Alias(a.Code, a.Now); err != nil {
			c.Errors = append(c.Errors, LoadError{Path: path, Line: lineOf(b, `"`+a.Now+`"`), Reason: err.Error()})
		}
	}
}
