// Package config is the agent's single TOML configuration file: its
// documented defaults (motcua.toml, embedded), strict decoding with
// line-precise errors, validation, flag overrides and a masked rendering
// for `motcua config show`.
package config

import (
	_ "embed"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"motcua/kiosk/clinic"
)

// DefaultTOML is the documented default configuration file. Packaging
// installs it as /etc/motcua/motcua.toml; decoding it yields Defaults().
//
//go:embed motcua.toml
var DefaultTOML []byte

// Config is the whole configuration. Field tags name the TOML keys; fields
// tagged secret:"true" are masked by Masked.
type Config struct {
	Agent     Agent     `toml:"agent"`
	Reader    Reader    `toml:"reader"`
	Trust     Trust     `toml:"trust"`
	Provider  Provider  `toml:"provider"`
	Kiosk     Kiosk     `toml:"kiosk"`
	Retention Retention `toml:"retention"`
	API       API       `toml:"api"`
	Log       Log       `toml:"log"`
	Service   Service   `toml:"service"`
	// Clinic is the clinic's self check-in ([clinic]).
	Clinic Clinic `toml:"clinic"`
	// Office is the office link between the office's machines ([office],
	// kiosk/office; issue 19: help calls from kiosks to desks).
	Office Office `toml:"office"`
}

// Office configures the office link: the machines of one office (kiosks,
// desks, a desk's motcua serve) send each other signed messages over the
// LAN, so a kiosk's call for help reaches the desks without the WAN.
// Off while Listen is empty. The local API stays loopback-only; this is a
// separate listener carrying no personal data (kiosk/office's doc).
type Office struct {
	// Listen is this machine's address on the office LAN, e.g.
	// "0.0.0.0:8790" ("" : no link).
	Listen string `toml:"listen"`
	// Peers are the other machines' listen addresses (host:port).
	Peers []string `toml:"peers"`
	// KeyFile holds the office key shared by the office's machines
	// (`motcua office key FILE` writes one; mode 0600).
	KeyFile string `toml:"key_file"`
	// Name is this machine's name on the link ("" : agent.device).
	Name string `toml:"name"`
}

// Agent identifies the device and where it keeps its data.
type Agent struct {
	Device  string `toml:"device"`
	DataDir string `toml:"data_dir"`
}

// Reader selects the card reader.
type Reader struct {
	Name      string `toml:"name"`
	Simulated bool   `toml:"simulated"`
	Extended  string `toml:"extended"`
	ReadPhoto bool   `toml:"read_photo"`
	// SimulatedPace (issue 21): "contactless" makes the demo's simulated
	// reader take a contactless reader's time per exchange (3 ms plus 424
	// kbit/s), so the demo shows what a person sees; "" is instant.
	SimulatedPace string `toml:"simulated_pace"`
}

// Trust is the CSCA trust store for Passive Authentication.
type Trust struct {
	CSCADir string `toml:"csca_dir"`
}

// Provider is the provincial system (or intake API) dossiers go to.
type Provider struct {
	Kind         string   `toml:"kind"`
	Endpoint     string   `toml:"endpoint"`
	Token        string   `toml:"token" secret:"true"`
	ClientID     string   `toml:"client_id"`
	ClientSecret string   `toml:"client_secret" secret:"true"`
	CAFile       string   `toml:"ca_file"`
	CertFile     string   `toml:"cert_file"`
	KeyFile      string   `toml:"key_file"`
	Timeout      Duration `toml:"timeout"`
	// Unit is the receiving unit code (MaDonViTiepNhan) for "igate".
	Unit string `toml:"unit"`
}

// Kiosk configures the full-screen kiosk app.
type Kiosk struct {
	Fullscreen  bool     `toml:"fullscreen"`
	IdleTimeout Duration `toml:"idle_timeout"`
	Language    string   `toml:"language"`
	// CatalogDir holds the operator's service files, which override or add
	// to the built-in catalogue ("" for the built-in ones only).
	CatalogDir string `toml:"catalog_dir"`
	// Mode is what the app is for: kiosk, desk, clinic or notary.
	Mode string `toml:"mode"`
	// AdminPIN opens the admin screen ("" keeps it shut).
	AdminPIN     string `toml:"admin_pin" secret:"true"`
	LargeText    bool   `toml:"large_text"`
	HighContrast bool   `toml:"high_contrast"`
	// PrintCommand prints a receipt PNG given as its last argument
	// (e.g. "lp -o fit-to-page"); "" hides the print button.
	PrintCommand string `toml:"print_command"`
	// RecordsDir is where clinic check-in and notary records are written.
	RecordsDir string `toml:"records_dir"`
	// Communes lists the operator's commune data files (CSV: the commune
	// register and/or the old→new mapping; kiosk/address/README.md): with
	// them the kiosk maps an old commune to today's, offers every new
	// commune when it was split, and the commune picker lists communes.
	// Empty: provinces only, the citizen confirms the commune.
	Communes []string `toml:"communes"`
	// Receipt slips and QR (kiosk/printer, sync/receipt). Printer is the
	// ESC/POS printer of receipt slips: tcp://HOST:9100, usb:/dev/usb/lp0
	// or serial:/dev/ttyUSB0[?baud=N] ("" none; print_command then
	// prints). PrinterWidth is its printable width in dots (576 for 80 mm,
	// 384 for 58 mm; 0 = 576), PrinterQR "native" or "raster" ("" =
	// native), PrinterNoStatus skips status queries on one-way links.
	// StatusURL is where the official dossier QR links to: an https URL
	// template with {code} ("" = the national portal's look-up page).
	Printer         string `toml:"printer"`
	PrinterWidth    int    `toml:"printer_width"`
	PrinterQR       string `toml:"printer_qr"`
	PrinterNoStatus bool   `toml:"printer_no_status"`
	StatusURL       string `toml:"status_url"`
	// Facility, StaffName and StaffID identify the clinic for BHYT look-ups;
	// NotaryID and Office identify the notary.
	Facility  string `toml:"facility"`
	StaffName string `toml:"staff_name"`
	StaffID   string `toml:"staff_id"`
	NotaryID  string `toml:"notary_id"`
	Office    string `toml:"office"`
	// GatewayURL, GatewayUser and GatewayPassword are the social-insurance
	// gateway account for clinic mode.
	GatewayURL      string `toml:"gateway_url"`
	GatewayUser     string `toml:"gateway_user"`
	GatewayPassword string `toml:"gateway_password" secret:"true"`
	// Where public integrations of the gateway differ, the choice is
	// configuration (kiosk/clinic.GatewayConfig): how the password travels
	// ("md5", "md5_upper", "plain") and how bodies are sent ("json" or
	// "form") for the look-up, the login and the visit history.
	GatewayPasswordEncoding string `toml:"gateway_password_encoding"`
	GatewayBody             string `toml:"gateway_body"`
	GatewayLoginBody        string `toml:"gateway_login_body"`
	GatewayHistoryBody      string `toml:"gateway_history_body"`

	// Desk capture of attachments and notary signing photos
	// (kiosk/engine.CaptureConfig): CaptureSource is "scanner" (SANE),
	// "camera" (a V4L2 document camera) or "folder" (a drop folder); ""
	// offers no capture. ScannerDevice is the SANE device ("" = SANE's
	// default, "test" = its test backend), CaptureDPI the resolution kept,
	// CaptureFolder the drop folder, CaptureCamera the V4L2 device (the
	// notary's signing photos too).
	CaptureSource string `toml:"capture_source"`
	ScannerDevice string `toml:"scanner_device"`
	CaptureDPI    int    `toml:"capture_dpi"`
	CaptureFolder string `toml:"capture_folder"`
	CaptureCamera string `toml:"capture_camera"`
	// Voice guidance (issue 19): a kiosk speaks each step in Vietnamese
	// (espeak-ng); desk, clinic and notary modes stay silent. VoiceVolume
	// is 0..100; VoiceName an espeak-ng Vietnamese voice; VoicePlayer a
	// command that plays a WAV from stdin ("" finds pw-play, paplay, aplay).
	Voice       bool   `toml:"voice"`
	VoiceVolume int    `toml:"voice_volume"`
	VoiceName   string `toml:"voice_name"`
	VoicePlayer string `toml:"voice_player"`
}

// Clinic configures clinic mode's self check-in: patients check themselves
// in at a kiosk, choose the department and the reason from the hospital's
// lists and take a queue ticket.
type Clinic struct {
	SelfService bool `toml:"self_service"`
	// FacilityName heads the printed queue ticket.
	FacilityName string `toml:"facility_name"`
	// Departments ([[clinic.departments]]: code, name, name_en, prefix) and
	// Reasons ([[clinic.reasons]]: code, name, name_en) are what patients
	// choose from.
	Departments []clinic.Department `toml:"departments"`
	Reasons     []clinic.Reason     `toml:"reasons"`
}

// Menu is the self check-in's choice of departments and reasons.
func (c Clinic) Menu() clinic.Menu {
	return clinic.Menu{Departments: c.Departments, Reasons: c.Reasons}
}

// Retention bounds how long data stays.
type Retention struct {
	AcceptedPayload Duration `toml:"accepted_payload"`
	MaxAttempts     int      `toml:"max_attempts"`
}

// API configures the local integration API.
type API struct {
	Listen        string   `toml:"listen"`
	Origins       []string `toml:"origins"`
	DefaultGrants []string `toml:"default_grants"`
}

// Log configures structured logging.
type Log struct {
	Level  string `toml:"level"`
	Output string `toml:"output"`
}

// Service configures the systemd integration.
type Service struct {
	HealthInterval Duration `toml:"health_interval"`
}

// Duration is a time.Duration written as a Go duration string in TOML.
type Duration struct{ time.Duration }

// UnmarshalText parses "30s", "15m", "168h".
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("not a duration (use e.g. \"30s\", \"15m\", \"168h\"): %q", b)
	}
	d.Duration = v
	return nil
}

// MarshalText writes the duration as a Go duration string.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.Duration.String()), nil }

// Defaults returns the configuration used when no file is given. It is
// exactly what DefaultTOML decodes to (a test keeps them equal).
func Defaults() Config {
	return Config{
		Reader:   Reader{Extended: "auto", ReadPhoto: true},
		Trust:    Trust{CSCADir: "/etc/motcua/csca"},
		Provider: Provider{Timeout: Duration{30 * time.Second}},
		Kiosk: Kiosk{Fullscreen: true, IdleTimeout: Duration{2 * time.Minute}, Language: "vi", Mode: "kiosk",
			GatewayPasswordEncoding: "md5", GatewayBody: "json", GatewayLoginBody: "json", GatewayHistoryBody: "form",
			PrinterWidth: 576, PrinterQR: "native", CaptureDPI: 200,
			Voice: true, VoiceVolume: 80, VoiceName: "vi", Communes: []string{}},
		Retention: Retention{AcceptedPayload: Duration{168 * time.Hour}, MaxAttempts: 30},
		API:       API{Listen: "127.0.0.1:7420", Origins: []string{}, DefaultGrants: []string{}},
		Log:       Log{Level: "info", Output: "stderr"},
		Clinic:    Clinic{Departments: []clinic.Department{}, Reasons: []clinic.Reason{}},
		Office:    Office{Peers: []string{}}, // issue 19: off
	}
}

// DefaultPath is the configuration file used when none is named:
// $MOTCUA_CONFIG, else /etc/motcua/motcua.toml (on Windows
// %ProgramData%\motcua\motcua.toml).
func DefaultPath() string {
	if p := os.Getenv("MOTCUA_CONFIG"); p != "" {
		return p
	}
	if runtime.GOOS == "windows" {
		pd := os.Getenv("ProgramData")
		if pd == "" {
			pd = `C:\ProgramData`
		}
		return filepath.Join(pd, "motcua", "motcua.toml")
	}
	return "/etc/motcua/motcua.toml"
}

// DataDir resolves the data directory: agent.data_dir, else $MOTCUA_DATA,
// else the per-user default of the outbox (passed in as fallback).
func (c *Config) DataDir(fallback func() (string, error)) (string, error) {
	if c.Agent.DataDir != "" {
		return c.Agent.DataDir, nil
	}
	if d := os.Getenv("MOTCUA_DATA"); d != "" {
		return d, nil
	}
	return fallback()
}

// Device is agent.device, else the host name.
func (c *Config) Device() string {
	if c.Agent.Device != "" {
		return c.Agent.Device
	}
	h, _ := os.Hostname()
	return h
}
