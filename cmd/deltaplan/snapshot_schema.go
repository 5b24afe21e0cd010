package main

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/deltaplan/deltaplan/delta"
)

// Field metadata keys shown in the schema tree.
const (
	metaColumnMappingID   = "delta.columnMapping.id"
	metaColumnMappingName = "delta.columnMapping.physicalName"
	metaTypeChanges       = "delta.typeChanges"
)

// schemaJSON is `snapshot --json`'s metadata.schema: the parsed schema as
// structured JSON (an addition; schema_string stays as the log has it).
type schemaJSON struct {
	Fields []schemaFieldJSON `json:"fields"`
}

type schemaFieldJSON struct {
	Name     string         `json:"name"`
	Type     schemaTypeJSON `json:"type"`
	Nullable bool           `json:"nullable"`
	// PartitionColumn marks a top-level partition column.
	PartitionColumn bool `json:"partition_column"`
	// Column mapping (set when the field metadata has them).
	ColumnMappingID *json.RawMessage `json:"column_mapping_id,omitempty"`
	PhysicalName    *string          `json:"physical_name,omitempty"`
	// TypeChanges is the type-widening history (delta.typeChanges), as
	// written.
	TypeChanges json.RawMessage `json:"type_changes,omitempty"`
	// Metadata is every field metadata entry, values as raw JSON.
	Metadata map[string]json.RawMessage `json:"metadata"`
}

type schemaTypeJSON struct {
	Name              string            `json:"name"` // a primitive name, "decimal", "struct", "array" or "map"
	Text              string            `json:"text"` // Delta's simple-string form, e.g. decimal(10,2)
	Precision         *int              `json:"precision,omitempty"`
	Scale             *int              `json:"scale,omitempty"`
	Fields            []schemaFieldJSON `json:"fields,omitempty"`
	Element           *schemaTypeJSON   `json:"element,omitempty"`
	ContainsNull      *bool             `json:"contains_null,omitempty"`
	Key               *schemaTypeJSON   `json:"key,omitempty"`
	Value             *schemaTypeJSON   `json:"value,omitempty"`
	ValueContainsNull *bool             `json:"value_contains_null,omitempty"`
}

func newSchemaJSON(s *delta.Schema, partitions []string) *schemaJSON {
	if s == nil {
		return nil
	}
	part := map[string]bool{}
	for _, p := range partitions {
		part[p] = true
	}
	out := &schemaJSON{Fields: []schemaFieldJSON{}}
	for _, f := range s.Fields {
		out.Fields = append(out.Fields, newFieldJSON(f, part[f.Name]))
	}
	return out
}

func newFieldJSON(f delta.Field, partition bool) schemaFieldJSON {
	j := schemaFieldJSON{Name: f.Name, Type: newTypeJSON(f.Type), Nullable: f.Nullable, PartitionColumn: partition,
		Metadata: map[string]json.RawMessage{}}
	for k, v := range f.Metadata {
		j.Metadata[k] = v
	}
	if v, ok := f.Metadata[metaColumnMappingID]; ok {
		j.ColumnMappingID = &v
	}
	if v, ok := f.Metadata[metaColumnMappingName]; ok {
		var s string
		if json.Unmarshal(v, &s) == nil {
			j.PhysicalName = &s
		}
	}
	if v, ok := f.Metadata[metaTypeChanges]; ok {
		j.TypeChanges = v
	}
	return j
}

func newTypeJSON(t *delta.Type) schemaTypeJSON {
	j := schemaTypeJSON{Name: t.Name, Text: t.String()}
	switch t.Name {
	case "decimal":
		p, s := t.Precision, t.Scale
		j.Precision, j.Scale = &p, &s
	case "struct":
		j.Fields = []schemaFieldJSON{}
		for _, f := range t.Fields {
			j.Fields = append(j.Fields, newFieldJSON(f, false))
		}
	case "array":
		e := newTypeJSON(t.Element)
		cn := t.ContainsNull
		j.Element, j.ContainsNull = &e, &cn
	case "map":
		k, v := newTypeJSON(t.Key), newTypeJSON(t.Value)
		vn := t.ValueContainsNull
		j.Key, j.Value, j.ValueContainsNull = &k, &v, &vn
	}
	return j
}

// printSchemaTree prints the schema one field per line, indented by depth:
// name, type, nullability, partition column, column mapping id and
// physical name, and type changes.
func printSchemaTree(w io.Writer, s *schemaJSON) {
	if s == nil || len(s.Fields) == 0 {
		fmt.Fprintln(w, "schema:              (empty)")
		return
	}
	fmt.Fprintln(w, "schema:")
	for _, f := range s.Fields {
		printFieldTree(w, f, 1)
	}
}

func printFieldTree(w io.Writer, f schemaFieldJSON, depth int) {
	ind := strings.Repeat("  ", depth)
	var notes []string
	if f.Nullable {
		notes = append(notes, "nullable")
	} else {
		notes = append(notes, "not null")
	}
	if f.PartitionColumn {
		notes = append(notes, "partition column")
	}
	if f.ColumnMappingID != nil {
		notes = append(notes, "id "+string(*f.ColumnMappingID))
	}
	if f.PhysicalName != nil {
		notes = append(notes, "physical "+*f.PhysicalName)
	}
	if tc := typeChangesText(f.TypeChanges); tc != "" {
		notes = append(notes, "widened "+tc)
	}
	typ := f.Type.Name
	if f.Type.Name != "struct" && f.Type.Name != "array" && f.Type.Name != "map" {
		typ = f.Type.Text
	}
	fmt.Fprintf(w, "%s%s: %s (%s)\n", ind, f.Name, typ, strings.Join(notes, ", "))
	printTypeChildren(w, f.Type, depth+1)
}

// printTypeChildren prints a complex type's members below its field.
func printTypeChildren(w io.Writer, t schemaTypeJSON, depth int) {
	ind := strings.Repeat("  ", depth)
	member := func(label string, m *schemaTypeJSON, nullable *bool) {
		n := ""
		if nullable != nil {
			if *nullable {
				n = " (contains null)"
			} else {
				n = " (no nulls)"
			}
		}
		typ := m.Text
		if m.Name == "struct" || m.Name == "array" || m.Name == "map" {
			typ = m.Name
		}
		fmt.Fprintf(w, "%s%s: %s%s\n", ind, label, typ, n)
		printTypeChildren(w, *m, depth+1)
	}
	switch t.Name {
	case "struct":
		for _, f := range t.Fields {
			printFieldTree(w, f, depth)
		}
	case "array":
		member("element", t.Element, t.ContainsNull)
	case "map":
		member("key", t.Key, nil)
		member("value", t.Value, t.ValueContainsNull)
	}
}

// typeChangesText renders delta.typeChanges ([{"fromType", "toType",
// "fieldPath"?}]) as "short -> integer -> long"; "" when absent or not in
// that shape (the JSON form still carries it as written).
func typeChangesText(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var changes []struct {
		FromType  string `json:"fromType"`
		ToType    string `json:"toType"`
		FieldPath string `json:"fieldPath"`
	}
	if json.Unmarshal(raw, &changes) != nil || len(changes) == 0 {
		return string(raw)
	}
	var parts []string
	for _, c := range changes {
		p := c.FromType + " -> " + c.ToType
		if c.FieldPath != "" {
			p = c.FieldPath + ": " + p
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, "; ")
}

// printProperties prints the table properties (metaData configuration)
// sorted by key.
func printProperties(w io.Writer, cfg map[string]string) {
	if len(cfg) == 0 {
		fmt.Fprintln(w, "properties:          (none)")
		return
	}
	keys := make([]string, 0, len(cfg))
	for k := range cfg {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fmt.Fprintln(w, "properties:")
	for _, k := range keys {
		fmt.Fprintf(w, "  %s = %s\n", k, cfg[k])
	}
}
