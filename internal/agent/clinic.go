package agent

import (
	"motcua/internal/config"
	"motcua/kiosk/clinic"
)

// ClinicGateway is the social-insurance gateway client of the
// configuration (kiosk.gateway_*), or nil when no gateway is configured.
// The app's clinic mode and `motcua clinic` use the same one.
func ClinicGateway(cfg *config.Config) (*clinic.HTTPGateway, error) {
	k := cfg.Kiosk
	if k.GatewayURL == "" {
		return nil, nil
	}
	return clinic.NewGateway(clinic.GatewayConfig{
		BaseURL: k.GatewayURL, Username: k.GatewayUser, Password: k.GatewayPassword,
		PasswordEncoding: clinic.PasswordEncoding(k.GatewayPasswordEncoding),
		Body:             clinic.BodyEncoding(k.GatewayBody),
		LoginBody:        clinic.BodyEncoding(k.GatewayLoginBody),
		HistoryBody:      clinic.BodyEncoding(k.GatewayHistoryBody),
	})
}

// ClinicStaff is the staff member the gateway look-ups are made under.
func ClinicStaff(cfg *config.Config) clinic.Staff {
	return clinic.Staff{Name: cfg.Kiosk.StaffName, IDNumber: cfg.Kiosk.StaffID}
}
