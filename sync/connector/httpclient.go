package connector

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"syscall"
	"time"
)

// TLSConfig configures the client side of TLS.
type TLSConfig struct {
	// CAFile is a PEM bundle of CAs to trust instead of the system pool.
	CAFile string
	// CertFile and KeyFile are a PEM client certificate and key, for
	// receivers that require mutual TLS.
	CertFile, KeyFile string
	// ServerName overrides the name checked in the server certificate.
	ServerName string
}

// ErrInsecureEndpoint is returned for a plain-HTTP endpoint that is not a
// loopback address.
var ErrInsecureEndpoint = errors.New("connector: plain http is allowed only to a loopback address; use https")

// CheckEndpoint parses an endpoint URL and enforces the transport rule:
// https anywhere, http only to 127.0.0.0/8, ::1 or localhost.
func CheckEndpoint(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("connector: endpoint: %w", err)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("connector: endpoint %q has no host", raw)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !IsLoopbackHost(u.Hostname()) {
			return nil, fmt.Errorf("%w (got %s)", ErrInsecureEndpoint, u.Host)
		}
	default:
		return nil, fmt.Errorf("connector: endpoint scheme %q, want https", u.Scheme)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	return u, nil
}

// IsLoopbackHost reports whether host is localhost or a loopback IP.
func IsLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// NewHTTPClient returns an HTTP client for u with the given TLS settings
// and per-request timeout.
func NewHTTPClient(u *url.URL, tc TLSConfig, timeout time.Duration) (*http.Client, error) {
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: tc.ServerName}
	if tc.CAFile != "" {
		pem, err := os.ReadFile(tc.CAFile)
		if err != nil {
			return nil, fmt.Errorf("connector: CA file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("connector: CA file %s holds no PEM certificate", tc.CAFile)
		}
		cfg.RootCAs = pool
	}
	if tc.CertFile != "" || tc.KeyFile != "" {
		if tc.CertFile == "" || tc.KeyFile == "" {
			return nil, errors.New("connector: client certificate needs both a cert and a key file")
		}
		cert, err := tls.LoadX509KeyPair(tc.CertFile, tc.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("connector: client certificate: %w", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:       cfg,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: timeout,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       60 * time.Second,
		ForceAttemptHTTP2:     true,
	}
	if u.Scheme == "http" {
		tr.Proxy = nil // loopback only; never through a proxy
	}
	return &http.Client{
		Transport: tr,
		Timeout:   timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse // a redirect is an unexpected answer
		},
	}, nil
}

// transportError classifies an error from http.Client.Do.
func transportError(op string, err error) error {
	var oe *net.OpError
	// "dial": no connection; "remote error": the server refused the TLS
	// handshake (e.g. no client certificate), so it processed nothing.
	if errors.As(err, &oe) && (oe.Op == "dial" || oe.Op == "remote error") {
		return &TemporaryError{Op: op, NotSent: true, Err: err}
	}
	if errors.Is(err, syscall.ECONNREFUSED) {
		return &TemporaryError{Op: op, NotSent: true, Err: err}
	}
	var ce *tls.CertificateVerificationError
	if errors.As(err, &ce) {
		return &TemporaryError{Op: op, NotSent: true, Err: err}
	}
	return &TemporaryError{Op: op, Err: err}
}
