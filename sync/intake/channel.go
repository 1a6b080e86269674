package intake

import (
	"encoding/json"
	"time"
)

// Vietnam is the time zone of dossier codes and monthly reports (UTC+7, no
// daylight saving), fixed so the intake needs no tz database.
var Vietnam = time.FixedZone("ICT", 7*3600)

// Channels of a dossier: how its applicant was identified.
const (
	ChannelChipVerified   = "chip_verified"
	ChannelChipUnverified = "chip_unverified"
	ChannelQR             = "qr"
	ChannelTyped          = "typed"
	ChannelUnknown        = "unknown"
)

// ChannelOf reads the applicant's provenance from a motcua.dossier/v1
// payload (kiosk/dossier: the party with role "applicant", else the first
// party). Any other payload is ChannelUnknown: the intake accepts documents
// it cannot classify, it only does not count them as verified.
func ChannelOf(payload []byte) string {
	var doc struct {
		Schema  string `json:"schema"`
		Parties []struct {
			Role       string `json:"role"`
			Index      int    `json:"index"`
			Provenance string `json:"provenance"`
		} `json:"parties"`
	}
	if json.Unmarshal(payload, &doc) != nil || doc.Schema != "motcua.dossier/v1" || len(doc.Parties) == 0 {
		return ChannelUnknown
	}
	p := doc.Parties[0]
	for _, q := range doc.Parties {
		if q.Role == "applicant" && q.Index == 0 {
			p = q
			break
		}
	}
	switch p.Provenance {
	case ChannelChipVerified, ChannelChipUnverified, ChannelQR, ChannelTyped:
		return p.Provenance
	}
	return ChannelUnknown
}
