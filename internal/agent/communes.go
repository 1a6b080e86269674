package agent

import (
	"fmt"

	"motcua/internal/config"
	"motcua/kiosk/address"
)

// Communes loads the operator's commune data (kiosk.communes), or returns
// nil when none is configured: the program then maps provinces only and the
// citizen confirms the commune. A listed file that is missing or has a bad
// row stops the start with the file, line and reason: a kiosk that silently
// lost its commune table would file addresses without MaXa.
func Communes(cfg *config.Config) (*address.Table, error) {
	if len(cfg.Kiosk.Communes) == 0 {
		return nil, nil
	}
	t, err := address.LoadTables(cfg.Kiosk.Communes...)
	if err != nil {
		return nil, fmt.Errorf("config: kiosk.communes: %w", err)
	}
	return t, nil
}
