package notary

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // signing photos come from the camera as JPEG
	_ "image/png"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// SchemaV2 is version 1 plus the signing photos, witness and interpreter
// roles, and the electronic notarial document's QR/link. A record without
// any of them is still written as version 1.
const SchemaV2 = "motcua.notary/v2"

// Party roles besides the parties of the act (Luật Công chứng 2024: người
// làm chứng, người phiên dịch), and the notary as shown on a photo.
const (
	RoleWitness     = "người làm chứng"
	RoleInterpreter = "người phiên dịch"
	// ShowsNotary names the notary among the people a signing photo shows.
	ShowsNotary = "công chứng viên"
)

// Limits of a signing photo.
const (
	MaxSigningPhotos     = 4
	MaxSigningPhotoBytes = 8 << 20
	maxSigningPixels     = 40_000_000
	minSigningSide       = 480 // smaller and faces are not identifiable
)

// SigningPhoto is a photo of the signing (Luật Công chứng 2024 Điều 50;
// Nghị định 104/2025 Điều 46): it shows the signer and the notary, is kept
// exactly as the camera gave it (never re-encoded, cropped or touched up),
// and is identified in the record by its SHA-256. The bytes themselves are
// stored beside the record (an attachment of the dossier) and printed on
// the record's page; the JSON carries only the hash.
type SigningPhoto struct {
	SHA256 string    `json:"sha256"`
	Type   string    `json:"type"`
	Size   int       `json:"size"`
	Width  int       `json:"width"`
	Height int       `json:"height"`
	At     time.Time `json:"taken_at"`
	// Shows lists who is in the photo: the notary (ShowsNotary) and the
	// roles of the parties, witnesses and interpreters.
	Shows []string `json:"shows"`
	data  []byte
}

// Bytes returns the photo exactly as captured (to store it beside the
// record); nil after Wipe.
func (p *SigningPhoto) Bytes() []byte { return p.data }

// ElectronicDocument is the electronic notarial document (văn bản công
// chứng điện tử) the record refers to: the content of its QR code and/or
// its look-up link, as the notarial system issued them. Their format is the
// issuer's and is kept as given (bounded, printable text; the link https).
type ElectronicDocument struct {
	QR   string `json:"qr,omitempty"`
	Link string `json:"link,omitempty"`
}

// AddSigningPhoto adds a photo of the signing, unedited. shows names who is
// in it; it must include the notary and at least one role of the record.
// The photo must decode as JPEG or PNG, be large enough for faces to be
// identifiable, and stay within the size limits.
func (r *Record) AddSigningPhoto(data []byte, shows []string, at time.Time) error {
	if len(r.SigningPhotos) >= MaxSigningPhotos {
		return fmt.Errorf("notary: at most %d signing photos", MaxSigningPhotos)
	}
	if len(data) > MaxSigningPhotoBytes {
		return fmt.Errorf("notary: signing photo is %d bytes, limit %d", len(data), MaxSigningPhotoBytes)
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("notary: signing photo is not a JPEG or PNG image: %w", err)
	}
	if cfg.Width*cfg.Height > maxSigningPixels {
		return fmt.Errorf("notary: signing photo is %dx%d pixels, too large", cfg.Width, cfg.Height)
	}
	if min(cfg.Width, cfg.Height) < minSigningSide {
		return fmt.Errorf("notary: signing photo is %dx%d pixels; at least %d on the short side so that faces are identifiable", cfg.Width, cfg.Height, minSigningSide)
	}
	if _, _, err := image.Decode(bytes.NewReader(data)); err != nil {
		return fmt.Errorf("notary: signing photo does not decode: %w", err)
	}
	if !slices.Contains(shows, ShowsNotary) {
		return errors.New("notary: a signing photo must show the notary")
	}
	roles := r.roles()
	party := false
	for _, s := range shows {
		switch {
		case s == ShowsNotary:
		case roles[s]:
			party = true
		default:
			return fmt.Errorf("notary: the photo shows %q, who is not a party, witness or interpreter of the act", s)
		}
	}
	if !party {
		return errors.New("notary: a signing photo must show at least one signer besides the notary")
	}
	sum := sha256.Sum256(data)
	r.SigningPhotos = append(r.SigningPhotos, SigningPhoto{SHA256: hex.EncodeToString(sum[:]), Type: "image/" + format,
		Size: len(data), Width: cfg.Width, Height: cfg.Height, At: at.UTC(), Shows: slices.Clone(shows),
		data: bytes.Clone(data)})
	return nil
}

func (r *Record) roles() map[string]bool {
	m := map[string]bool{}
	for _, p := range r.Parties {
		m[p.Role] = true
	}
	return m
}

// MissingFromPhotos lists the roles of the record (parties, witnesses,
// interpreters) that no signing photo shows; with no photo at all it lists
// every role. An empty list means the signing is documented.
func (r *Record) MissingFromPhotos() []string {
	shown := map[string]bool{}
	for _, ph := range r.SigningPhotos {
		for _, s := range ph.Shows {
			shown[s] = true
		}
	}
	var out []string
	for _, p := range r.Parties {
		if !shown[p.Role] && !slices.Contains(out, p.Role) {
			out = append(out, p.Role)
		}
	}
	return out
}

// VerifySigningPhoto reports whether data is, byte for byte, the signing
// photo i of the record (its hash matches).
func (r *Record) VerifySigningPhoto(i int, data []byte) error {
	if i < 0 || i >= len(r.SigningPhotos) {
		return fmt.Errorf("notary: no signing photo %d", i+1)
	}
	sum := sha256.Sum256(data)
	if hex.EncodeToString(sum[:]) != r.SigningPhotos[i].SHA256 {
		return fmt.Errorf("notary: signing photo %d differs from the one recorded (edited or another photo)", i+1)
	}
	return nil
}

// SetElectronicDocument records the electronic notarial document's QR
// content and/or link.
func (r *Record) SetElectronicDocument(qr, link string) error {
	if qr == "" && link == "" {
		return errors.New("notary: the electronic document needs its QR content or its link")
	}
	for _, s := range []string{qr, link} {
		if len(s) > 2048 || !utf8.ValidString(s) || strings.ContainsFunc(s, func(c rune) bool { return c < 0x20 || c == 0x7f }) {
			return errors.New("notary: the electronic document's QR content or link is not printable text of at most 2048 bytes")
		}
	}
	if link != "" {
		u, err := url.Parse(link)
		if err != nil || u.Scheme != "https" || u.Host == "" {
			return errors.New("notary: the electronic document's link must be an https URL")
		}
	}
	r.EDocument = &ElectronicDocument{QR: qr, Link: link}
	return nil
}

// schema returns the version the record's content needs.
func (r *Record) schema() string {
	if len(r.SigningPhotos) > 0 || r.EDocument != nil {
		return SchemaV2
	}
	for _, p := range r.Parties {
		if p.Role == RoleWitness || p.Role == RoleInterpreter {
			return SchemaV2
		}
	}
	return SchemaV1
}
