package localapi

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"

	"motcua/internal/config"
)

// Listen opens a TCP listener on addr, which must be a loopback address
// ("localhost" is resolved and every address it gives must be loopback).
func Listen(addr string) (net.Listener, error) {
	if err := config.CheckLoopback(addr); err != nil {
		return nil, fmt.Errorf("local API: %w", err)
	}
	host, port, _ := net.SplitHostPort(addr)
	if strings.EqualFold(host, "localhost") {
		host = "127.0.0.1"
	}
	l, err := net.Listen("tcp", net.JoinHostPort(host, port))
	if err != nil {
		return nil, fmt.Errorf("local API: %w", err)
	}
	if ta, ok := l.Addr().(*net.TCPAddr); !ok || !ta.IP.IsLoopback() {
		l.Close()
		return nil, fmt.Errorf("local API: %s is not a loopback address", l.Addr())
	}
	return l, nil
}

// loopbackHost reports whether the Host header names this machine's
// loopback interface (refusing anything else defeats DNS rebinding).
func loopbackHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.IsLoopback()
}

// origins is the set of configured browser origins.
type origins map[string]bool

func newOrigins(list []string) (origins, error) {
	o := origins{}
	for _, s := range list {
		n, err := config.NormalizeOrigin(s)
		if err != nil {
			return nil, err
		}
		o[n] = true
	}
	return o, nil
}

// allowed reports whether a request's Origin header is acceptable: absent
// (a non-browser caller) or configured.
func (o origins) allowed(r *http.Request) (origin string, ok bool) {
	origin = r.Header.Get("Origin")
	if origin == "" {
		return "", true
	}
	n, err := config.NormalizeOrigin(origin)
	if err != nil {
		return origin, false
	}
	return n, o[n]
}

// peerLoopback reports whether the TCP peer is on loopback.
func peerLoopback(remote string) bool {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		return false
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.Unmap().IsLoopback()
}
