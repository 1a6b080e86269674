package config

import (
	"fmt"
	"net"
	"strconv"
	"unicode"
	"unicode/utf8"
)

// validateOffice checks [office] (the office link, kiosk/office): all or
// nothing of listen, peers and key_file; addresses host:port with a port.
func (c *Config) validateOffice(bad func(key, format string, a ...any)) {
	o := c.Office
	if o.Listen == "" {
		if len(o.Peers) > 0 || o.KeyFile != "" {
			bad("office.listen", "required when office.peers or office.key_file is set (answers come back to it), e.g. \"0.0.0.0:8790\"")
		}
		return
	}
	if err := hostPort(o.Listen, true); err != nil {
		bad("office.listen", "%v", err)
	} else if isLoopbackHost(mustHost(o.Listen)) && len(o.Peers) > 0 && !allLoopback(o.Peers) {
		bad("office.listen", "a loopback address (%s) cannot be reached by peers on the LAN", o.Listen)
	}
	if len(o.Peers) == 0 {
		bad("office.peers", "list the office's other machines (host:port), e.g. [\"10.0.0.21:8790\"]")
	}
	if len(o.Peers) > 64 {
		bad("office.peers", "at most 64 machines (got %d)", len(o.Peers))
	}
	for _, p := range o.Peers {
		if err := hostPort(p, false); err != nil {
			bad("office.peers", "%v", err)
		}
	}
	if o.KeyFile == "" {
		bad("office.key_file", "required: the office key shared by the office's machines (`motcua office key FILE` writes one)")
	}
	if n := utf8.RuneCountInString(o.Name); n > 64 || !printable(o.Name) {
		bad("office.name", "at most 64 printable characters")
	}
}

func hostPort(s string, listen bool) error {
	h, p, err := net.SplitHostPort(s)
	if err != nil {
		return fmt.Errorf("%q is not host:port: %v", s, err)
	}
	n, err := strconv.Atoi(p)
	if err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("%q: the port must be 1 to 65535", s)
	}
	if h == "" && !listen {
		return fmt.Errorf("%q: a peer needs its host", s)
	}
	return nil
}

func mustHost(s string) string { h, _, _ := net.SplitHostPort(s); return h }

func allLoopback(peers []string) bool {
	for _, p := range peers {
		if !isLoopbackHost(mustHost(p)) {
			return false
		}
	}
	return true
}

func printable(s string) bool {
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

// OfficeName is this machine's name on the office link: office.name, else
// the device name.
func (c *Config) OfficeName() string {
	if c.Office.Name != "" {
		return c.Office.Name
	}
	return c.Device()
}
