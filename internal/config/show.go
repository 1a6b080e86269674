package config

import (
	"bytes"
	"reflect"

	toml "github.com/pelletier/go-toml/v2"
)

// Mask is what a set secret shows as.
const Mask = "********"

// Masked returns a copy with every secret field that is set replaced by Mask.
func (c Config) Masked() Config {
	maskSecrets(reflect.ValueOf(&c).Elem())
	return c
}

func maskSecrets(v reflect.Value) {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := v.Field(i)
		switch {
		case f.Kind() == reflect.Struct:
			maskSecrets(f)
		case t.Field(i).Tag.Get("secret") == "true" && f.Kind() == reflect.String && f.String() != "":
			f.SetString(Mask)
		}
	}
}

// TOML renders the configuration (call Masked first for display).
func (c Config) TOML() ([]byte, error) {
	var b bytes.Buffer
	enc := toml.NewEncoder(&b)
	enc.SetIndentTables(false)
	if err := enc.Encode(c); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
