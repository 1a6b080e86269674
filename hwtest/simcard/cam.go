package simcard

import (
	"crypto/sha256"
	"encoding/asn1"
	"math/rand/v2"

	"motcua/reader/ecc"
	"motcua/reader/icao"
	"motcua/reader/lds"
)

// PACE-CAM variants (ICAO 9303-11 §4.4.3.5) of the CCCD and the passport:
// the same suite as generic mapping (AES-128, brainpoolP256r1), announced
// in EF.CardAccess, DG14 and EF.CardSecurity alike.
var (
	camProtocol = icao.PACEProtocol{OID: append(append(asn1.ObjectIdentifier{}, icao.OIDPACEECDHCAM...), 2), Cipher: icao.AES128}
	camPACEInfo = lds.PACEInfo{Protocol: camProtocol.OID, Version: 2, ParameterID: 13}
)

// camFault reports whether the fault set makes a PACE-CAM chip.
func camFault(f Fault) bool {
	return f.Has(FaultPACECAM) || f.Has(FaultCAMWrongKey) || f.Has(FaultCAMNotDone) || f.Has(FaultCAMRefused)
}

// camInfo is the PACE-CAM PACEInfo to list, nil for other chips.
func camInfo(f Fault) []byte {
	if !camFault(f) {
		return nil
	}
	return lds.BuildPACEInfo(camPACEInfo)
}

// configureCAM makes cfg a PACE-CAM chip: CAM first, generic mapping too
// (a chip runs both on the same parameters), proving staticKey; or one of
// the forgeries: another chip's key, no Chip Authentication data, CAM
// refused. cloneSeed names the chip whose key a clone holds.
func configureCAM(cfg *Config, f Fault, staticKey []byte, cloneSeed string) {
	if !camFault(f) {
		return
	}
	gm := paceParams
	cfg.PACE = &icao.PACEParams{Protocol: camProtocol, ParamID: 13}
	cfg.PACEAlso = []icao.PACEProtocol{gm.Protocol}
	cfg.CAMKey = staticKey
	switch {
	case f.Has(FaultCAMWrongKey):
		cfg.CAMKey = otherChipKey(cloneSeed)
	case f.Has(FaultCAMNotDone):
		cfg.CAMKey = nil
	case f.Has(FaultCAMRefused):
		cfg.PACE, cfg.PACEAlso = &gm, nil
	}
}

// otherChipKey is the static key of another chip (FaultCAMWrongKey): a
// clone that holds a key, just not the one the signed data names.
func otherChipKey(seed string) []byte {
	s := sha256.Sum256([]byte("motcua synthetic clone key: " + seed))
	k, _, _ := ecc.BrainpoolP256r1.GenerateKey(rand.NewChaCha8(s))
	return k
}
