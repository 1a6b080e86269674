package config

import (
	"strings"
	"testing"
)

// TestOfficeValidation: the office link is all or nothing (listen, peers,
// key_file), with usable addresses; each problem names its key.
func TestOfficeValidation(t *testing.T) {
	for _, c := range []struct {
		doc, key string
	}{
		{`peers = ["10.0.0.2:8790"]` + "\nkey_file = \"/k\"", "office.listen"},
		{`listen = "0.0.0.0:8790"` + "\nkey_file = \"/k\"", "office.peers"},
		{`listen = "0.0.0.0:8790"` + "\npeers = [\"10.0.0.2:8790\"]", "office.key_file"},
		{`listen = "0.0.0.0"` + "\npeers = [\"10.0.0.2:8790\"]\nkey_file = \"/k\"", "office.listen"},
		{`listen = "0.0.0.0:8790"` + "\npeers = [\":8790\"]\nkey_file = \"/k\"", "office.peers"},
		{`listen = "0.0.0.0:8790"` + "\npeers = [\"10.0.0.2:0\"]\nkey_file = \"/k\"", "office.peers"},
		{`listen = "127.0.0.1:8790"` + "\npeers = [\"10.0.0.2:8790\"]\nkey_file = \"/k\"", "office.listen"},
		{`listen = "0.0.0.0:8790"` + "\npeers = [\"10.0.0.2:8790\"]\nkey_file = \"/k\"\nname = \"\\u0007\"", "office.name"},
	} {
		_, err := Parse([]byte("[office]\n"+c.doc+"\n"), "t.toml")
		if err == nil || !strings.Contains(err.Error(), c.key) {
			t.Errorf("%q: %v, want a problem with %s", c.doc, err, c.key)
		}
	}
	cfg, err := Parse([]byte("[agent]\ndevice = \"kiosk-01\"\n[office]\nlisten = \"0.0.0.0:8790\"\npeers = [\"10.0.0.2:8790\"]\nkey_file = \"/etc/motcua/office.key\"\n"), "t.toml")
	if err != nil || cfg.OfficeName() != "kiosk-01" {
		t.Fatalf("a good [office]: %v", err)
	}
}
