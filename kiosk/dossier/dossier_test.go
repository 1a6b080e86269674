package dossier

import (
	"encoding/json"
	"os"
	"testing"
)

// The schema file in the repository must describe what JSON() writes: every
// top-level key written is declared, and the version constant matches.
func TestSchemaFileMatches(t *testing.T) {
	b, err := os.ReadFile("dossier.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var schema struct {
		ID         string                     `json:"$id"`
		Required   []string                   `json:"required"`
		Properties map[string]json.RawMessage `json:"properties"`
	}
	if err := json.Unmarshal(b, &schema); err != nil {
		t.Fatalf("schema is not JSON: %v", err)
	}
	if schema.ID != SchemaV1 {
		t.Fatalf("schema $id %q, code writes %q", schema.ID, SchemaV1)
	}
	d := Dossier{Schema: SchemaV1, ServiceCode: "1.000466", Parties: []Party{{Role: "applicant"}}, Fields: map[string]Value{}}
	out, _ := d.JSON()
	var m map[string]any
	json.Unmarshal(out, &m)
	for k := range m {
		if _, ok := schema.Properties[k]; !ok {
			t.Errorf("JSON key %q not in the schema", k)
		}
	}
	for _, k := range schema.Required {
		if _, ok := m[k]; !ok {
			t.Errorf("required key %q not written", k)
		}
	}
	if _, err := Parse(out); err != nil {
		t.Fatal(err)
	}
	if _, err := Parse([]byte(`{"schema":"motcua.dossier/v0"}`)); err == nil {
		t.Fatal("old schema accepted")
	}
}

// Version 2 adds the attachment list; its schema file declares every key
// written, a dossier without attachments stays version 1, and bad entries
// or a version-1 document carrying attachments are refused.
func TestSchemaV2Attachments(t *testing.T) {
	b, err := os.ReadFile("dossier.v2.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var schema struct {
		ID         string                     `json:"$id"`
		Properties map[string]json.RawMessage `json:"properties"`
	}
	if err := json.Unmarshal(b, &schema); err != nil || schema.ID != SchemaV2 {
		t.Fatalf("v2 schema: %v, $id %q", err, schema.ID)
	}
	d := Dossier{Schema: SchemaV1, ServiceCode: "1.000466", Parties: []Party{{Role: "applicant"}}, Fields: map[string]Value{}}
	sum := "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	if err := d.SetAttachments([]Attachment{{Name: "Giấy khai sinh", Type: "application/pdf", Pages: 2, Size: 4, SHA256: sum}}); err != nil {
		t.Fatal(err)
	}
	if d.Schema != SchemaV2 {
		t.Fatalf("schema %q with attachments", d.Schema)
	}
	out, _ := d.JSON()
	var m map[string]any
	json.Unmarshal(out, &m)
	for k := range m {
		if _, ok := schema.Properties[k]; !ok {
			t.Errorf("JSON key %q not in the v2 schema", k)
		}
	}
	p, err := Parse(out)
	if err != nil || len(p.Attachments) != 1 || p.Attachments[0].SHA256 != sum {
		t.Fatalf("parse v2: %v %+v", err, p)
	}
	for name, list := range map[string][]Attachment{
		"twice":    {{Name: "a", Type: "application/pdf", SHA256: sum}, {Name: "a", Type: "application/pdf", SHA256: sum}},
		"bad hash": {{Name: "a", Type: "application/pdf", SHA256: "abc"}},
		"no type":  {{Name: "a", Type: "pdf", SHA256: sum}},
	} {
		if err := (&Dossier{}).SetAttachments(list); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
	v1 := []byte(`{"schema":"motcua.dossier/v1","service_code":"1.000466","parties":[{"role":"a"}],"attachments":[{"name":"a","type":"application/pdf","size":1,"sha256":"` + sum + `"}]}`)
	if _, err := Parse(v1); err == nil {
		t.Error("version 1 with attachments accepted")
	}
	if err := d.SetAttachments(nil); err != nil || d.Schema != SchemaV1 {
		t.Errorf("no attachments: %v, schema %q", err, d.Schema)
	}
}
