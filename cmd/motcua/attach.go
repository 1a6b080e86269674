package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"motcua/sync/outbox"
)

// attachFlags collects repeated --attach NAME=FILE flags.
type attachFlags []string

func (a *attachFlags) String() string { return strings.Join(*a, ",") }

// Set checks the NAME=FILE form.
func (a *attachFlags) Set(v string) error {
	name, file, ok := strings.Cut(v, "=")
	if !ok || name == "" || file == "" {
		return fmt.Errorf("--attach wants NAME=FILE, got %q", v)
	}
	*a = append(*a, v)
	return nil
}

// mediaTypes maps file extensions to the media types attachments carry.
var mediaTypes = map[string]string{
	".pdf": "application/pdf", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png",
	".tif": "image/tiff", ".tiff": "image/tiff", ".xml": "application/xml", ".json": "application/json",
}

// sources opens the files (streamed into the outbox, not read into memory).
func (a attachFlags) sources() ([]outbox.AttachmentSource, func(), error) {
	var files []*os.File
	closeAll := func() {
		for _, f := range files {
			f.Close()
		}
	}
	var out []outbox.AttachmentSource
	for _, v := range a {
		name, path, _ := strings.Cut(v, "=")
		f, err := os.Open(path)
		if err != nil {
			closeAll()
			return nil, nil, fmt.Errorf("attachment %q: %w", name, err)
		}
		files = append(files, f)
		typ, ok := mediaTypes[strings.ToLower(filepath.Ext(path))]
		if !ok {
			typ = "application/octet-stream"
		}
		// Pages stay 0 (not told) for a given file: the listing does not
		// guess them; capture (motcua scan, the desk screens) knows them.
		out = append(out, outbox.AttachmentSource{Name: name, Type: typ, R: f})
	}
	return out, closeAll, nil
}
