package config

import (
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Grants an application can be given for sensitive data.
const (
	GrantPhoto     = "photo"
	GrantEthnicity = "ethnicity"
	GrantReligion  = "religion"
	// GrantHealth: clinic check-ins (BHYT look-up results, department,
	// queue ticket), health data under Decree 356/2025.
	GrantHealth = "health"
)

// ValidGrant reports whether g is a known grant.
func ValidGrant(g string) bool {
	return g == GrantPhoto || g == GrantEthnicity || g == GrantReligion || g == GrantHealth
}

// validate checks every value and returns all problems, keyed by dotted key.
func (c *Config) validate() Errors {
	var es Errors
	bad := func(key, format string, a ...any) {
		es = append(es, &Error{Key: key, Msg: fmt.Sprintf(format, a...)})
	}
	oneOf := func(key, v string, allowed ...string) {
		if !slices.Contains(allowed, v) {
			bad(key, "%q is not one of %s", v, strings.Join(quoteAll(allowed), ", "))
		}
	}

	oneOf("reader.extended", c.Reader.Extended, "auto", "on", "off")
	oneOf("reader.simulated_pace", c.Reader.SimulatedPace, "", "contactless") // issue 21

	p := &c.Provider
	oneOf("provider.kind", p.Kind, "", "intake", "igate")
	if p.Kind != "" {
		if p.Endpoint == "" {
			bad("provider.endpoint", "required when provider.kind is %q", p.Kind)
		} else if err := checkEndpoint(p.Endpoint); err != nil {
			bad("provider.endpoint", "%v", err)
		}
	} else if p.Endpoint != "" {
		bad("provider.kind", "must be \"intake\" or \"igate\" when provider.endpoint is set")
	}
	switch p.Kind {
	case "intake":
		if p.Token == "" && os.Getenv("MOTCUA_SYNC_TOKEN") == "" {
			bad("provider.token", "required for the intake provider (or set $MOTCUA_SYNC_TOKEN)")
		}
	case "igate":
		if p.ClientID == "" {
			bad("provider.client_id", "required for the igate provider")
		}
		if p.ClientSecret == "" {
			bad("provider.client_secret", "required for the igate provider")
		}
	}
	if (p.CertFile == "") != (p.KeyFile == "") {
		bad("provider.cert_file", "cert_file and key_file go together (mutual TLS needs both)")
	}
	if p.Timeout.Duration <= 0 || p.Timeout.Duration > 10*time.Minute {
		bad("provider.timeout", "must be between 1ns and 10m (got %s)", p.Timeout.Duration)
	}

	if d := c.Kiosk.IdleTimeout.Duration; d < 10*time.Second || d > 24*time.Hour {
		bad("kiosk.idle_timeout", "must be between 10s and 24h (got %s)", d)
	}
	oneOf("kiosk.language", c.Kiosk.Language, "vi", "en")
	oneOf("kiosk.mode", c.Kiosk.Mode, "kiosk", "desk", "clinic", "notary")
	oneOf("kiosk.gateway_password_encoding", c.Kiosk.GatewayPasswordEncoding, "md5", "md5_upper", "plain")
	oneOf("kiosk.gateway_body", c.Kiosk.GatewayBody, "json", "form")
	oneOf("kiosk.gateway_login_body", c.Kiosk.GatewayLoginBody, "json", "form")
	oneOf("kiosk.gateway_history_body", c.Kiosk.GatewayHistoryBody, "json", "form")
	// Receipt slips (kiosk/printer checks the address itself when the app starts).
	oneOf("kiosk.printer_qr", c.Kiosk.PrinterQR, "native", "raster")
	if w := c.Kiosk.PrinterWidth; w < 128 || w > 2048 || w%8 != 0 {
		bad("kiosk.printer_width", "must be a multiple of 8 dots: 576 for 80 mm paper, 384 for 58 mm (got %d)", w)
	}
	if a := c.Kiosk.Printer; a != "" && !strings.HasPrefix(a, "tcp://") && !strings.HasPrefix(a, "usb:") && !strings.HasPrefix(a, "serial:") {
		bad("kiosk.printer", "must be tcp://HOST:9100, usb:/dev/usb/lp0 or serial:/dev/ttyUSB0")
	}
	if u := c.Kiosk.StatusURL; u != "" && (!strings.HasPrefix(u, "https://") || strings.Count(u, "{code}") != 1) {
		bad("kiosk.status_url", "must be an https URL with {code} exactly once")
	}
	oneOf("kiosk.capture_source", c.Kiosk.CaptureSource, "", "scanner", "camera", "folder")
	if n := c.Kiosk.CaptureDPI; n < 75 || n > 600 {
		bad("kiosk.capture_dpi", "must be between 75 and 600 (got %d)", n)
	}
	if c.Kiosk.CaptureSource == "folder" && c.Kiosk.CaptureFolder == "" {
		bad("kiosk.capture_folder", "required when capture_source is \"folder\"")
	}
	if c.Kiosk.CaptureSource == "camera" && c.Kiosk.CaptureCamera == "" {
		bad("kiosk.capture_camera", "required when capture_source is \"camera\"")
	}
	// Voice guidance (issue 19).
	oneOf("kiosk.voice_name", c.Kiosk.VoiceName, "vi", "vi-vn-x-central", "vi-vn-x-south")
	if v := c.Kiosk.VoiceVolume; v < 0 || v > 100 {
		bad("kiosk.voice_volume", "must be 0 to 100 (got %d)", v)
	}
	if u := c.Kiosk.GatewayURL; u != "" && !strings.HasPrefix(u, "https://") && !loopbackHTTP(u) {
		bad("kiosk.gateway_url", "must be https (plain http only to loopback)")
	}
	// A public kiosk's admin screen: a short PIN is guessed in minutes.
	if pin := c.Kiosk.AdminPIN; pin != "" && (len(pin) < 6 || len(pin) > 12 || strings.Trim(pin, "0123456789") != "") {
		bad("kiosk.admin_pin", "must be 6 to 12 digits")
	}

	if d := c.Retention.AcceptedPayload.Duration; d <= 0 || d > 365*24*time.Hour {
		bad("retention.accepted_payload", "must be between 1ns and 8760h (got %s)", d)
	}
	if n := c.Retention.MaxAttempts; n < 1 || n > 1000 {
		bad("retention.max_attempts", "must be between 1 and 1000 (got %d)", n)
	}

	if err := CheckLoopback(c.API.Listen); err != nil {
		bad("api.listen", "%v", err)
	}
	for _, o := range c.API.Origins {
		if _, err := NormalizeOrigin(o); err != nil {
			bad("api.origins", "%v", err)
		}
	}
	for _, g := range c.API.DefaultGrants {
		if !ValidGrant(g) {
			bad("api.default_grants", "unknown grant %q (photo, ethnicity, religion, health)", g)
		}
	}

	oneOf("log.level", c.Log.Level, "debug", "info", "warn", "error")
	if o := c.Log.Output; o != "stderr" && o != "journal" && !filepath.IsAbs(o) {
		bad("log.output", "must be \"stderr\", \"journal\" or an absolute file path (got %q)", o)
	}
	// The lists, when given, must be usable (a self check-in without them
	// is refused when the app starts, unless it is the demo, which has its own).
	if len(c.Clinic.Departments)+len(c.Clinic.Reasons) > 0 {
		if err := c.Clinic.Menu().Validate(); err != nil {
			bad("clinic.departments", "%v", err)
		}
	}
	if c.Clinic.SelfService && c.Kiosk.Mode != "clinic" {
		bad("clinic.self_service", "needs kiosk.mode = \"clinic\"")
	}
	if d := c.Service.HealthInterval.Duration; d < 0 || d > time.Hour {
		bad("service.health_interval", "must be between 0s and 1h (got %s)", d)
	}
	c.validateOffice(bad) // issue 19, office link
	return es
}

func quoteAll(s []string) []string {
	q := make([]string, len(s))
	for i, v := range s {
		q[i] = fmt.Sprintf("%q", v)
	}
	return q
}

func checkEndpoint(s string) error {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return fmt.Errorf("not an absolute URL: %q", s)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if isLoopbackHost(u.Hostname()) {
			return nil
		}
		return fmt.Errorf("plain http only to a loopback address; use https")
	}
	return fmt.Errorf("scheme must be https (got %q)", u.Scheme)
}

// CheckLoopback accepts a listen address host:port whose host is a
// loopback address or "localhost".
func CheckLoopback(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("not host:port: %q", addr)
	}
	if port == "" {
		return fmt.Errorf("no port in %q", addr)
	}
	if !isLoopbackHost(host) {
		return fmt.Errorf("the local API listens on loopback only (127.0.0.1, ::1 or localhost), not %q", host)
	}
	return nil
}

func isLoopbackHost(h string) bool {
	if strings.EqualFold(h, "localhost") {
		return true
	}
	a, err := netip.ParseAddr(strings.Trim(h, "[]"))
	return err == nil && a.IsLoopback()
}

// NormalizeOrigin checks a browser origin (scheme://host[:port], no path)
// and returns it lower-cased.
func NormalizeOrigin(o string) (string, error) {
	u, err := url.Parse(o)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", fmt.Errorf("origin must look like http(s)://host[:port] (got %q)", o)
	}
	return strings.ToLower(u.Scheme + "://" + u.Host), nil
}

// loopbackHTTP reports whether u is a plain-HTTP URL to a loopback host
// (a test gateway on this machine).
func loopbackHTTP(u string) bool {
	p, err := url.Parse(u)
	return err == nil && p.Scheme == "http" && isLoopbackHost(p.Hostname())
}
