package dossier

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// SchemaV2 is version 1 plus the list of attachments (dossier.v2.schema.json).
// A dossier without attachments is still written as version 1, so readers
// of version 1 keep working for every dossier they could read before.
const SchemaV2 = "motcua.dossier/v2"

// Attachment lists one digitised attachment (thành phần hồ sơ). The file
// itself travels separately (the outbox seals it, the connector uploads it)
// and the receiver checks it against Size and SHA256.
type Attachment struct {
	// Name is the catalogue's attachment name.
	Name string `json:"name"`
	// Type is the media type, e.g. application/pdf.
	Type string `json:"type"`
	// Pages is the page count (0: not paged).
	Pages int `json:"pages,omitempty"`
	// Size is the file's length in bytes.
	Size int64 `json:"size"`
	// SHA256 is the file's hex SHA-256.
	SHA256 string `json:"sha256"`
}

var hexSHA256 = regexp.MustCompile(`^[0-9a-f]{64}$`)

// Check reports what is wrong with the attachment entry.
func (a Attachment) Check() error {
	switch {
	case a.Name == "" || len(a.Name) > 128 || strings.ContainsAny(a.Name, "/\\"):
		return fmt.Errorf("dossier: attachment name %q", a.Name)
	case !strings.Contains(a.Type, "/"):
		return fmt.Errorf("dossier: attachment %q: media type %q", a.Name, a.Type)
	case a.Size < 0 || a.Pages < 0:
		return fmt.Errorf("dossier: attachment %q: negative size or pages", a.Name)
	case !hexSHA256.MatchString(a.SHA256):
		return fmt.Errorf("dossier: attachment %q: SHA-256 is not 64 lowercase hex digits", a.Name)
	}
	return nil
}

// SetAttachments lists the dossier's attachments and moves it to schema
// version 2 (version 1 when the list is empty). Names must be unique.
func (d *Dossier) SetAttachments(list []Attachment) error {
	seen := map[string]bool{}
	for _, a := range list {
		if err := a.Check(); err != nil {
			return err
		}
		if seen[a.Name] {
			return fmt.Errorf("dossier: attachment %q listed twice", a.Name)
		}
		seen[a.Name] = true
	}
	if len(list) > 64 {
		return errors.New("dossier: more than 64 attachments")
	}
	d.Attachments = append([]Attachment(nil), list...)
	d.Schema = SchemaV1
	if len(list) > 0 {
		d.Schema = SchemaV2
	}
	return nil
}
