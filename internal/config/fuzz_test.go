package config

import (
	"errors"
	"testing"
)

// FuzzParse: any document either parses into a valid configuration or
// fails with located Errors; it never panics.
func FuzzParse(f *testing.F) {
	f.Add(DefaultTOML)
	f.Add([]byte("[api]\nlisten = \"0.0.0.0:1\"\n"))
	f.Add([]byte("[kiosk]\nidle_timeout = \"x\"\n[[api]]\n"))
	f.Add([]byte("a = [1, \n"))
	f.Fuzz(func(t *testing.T, doc []byte) {
		c, err := Parse(doc, "f.toml")
		if err == nil {
			if errs := c.validate(); len(errs) > 0 {
				t.Fatalf("Parse accepted an invalid configuration: %v", errs)
			}
			return
		}
		var es Errors
		if !errors.As(err, &es) || len(es) == 0 {
			t.Fatalf("error is not Errors: %T %v", err, err)
		}
	})
}
