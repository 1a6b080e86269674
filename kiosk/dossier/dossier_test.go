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
