package delta

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/deltaplan/deltaplan/model"
)

// Type is a Delta data type. Name is the primitive name ("long", "string",
// "decimal", "timestamp_ntz", ...) or "struct", "array", "map".
//
// Invariants: Fields is set only for struct; Element only for array; Key and
// Value only for map; Precision and Scale only for decimal.
type Type struct {
	Name              string
	Precision, Scale  int
	Fields            []Field // struct
	Element           *Type   // array
	ContainsNull      bool    // array
	Key, Value        *Type   // map
	ValueContainsNull bool    // map
}

// Field is one struct field (or top-level column).
type Field struct {
	Name     string
	Type     *Type
	Nullable bool
	// Metadata is the field metadata, values as raw JSON.
	Metadata map[string]json.RawMessage
}

// Schema is a table schema: the top-level struct.
type Schema struct{ Fields []Field }

// Column mapping metadata keys.
const (
	metaPhysicalName = "delta.columnMapping.physicalName"
	metaColumnID     = "delta.columnMapping.id"
)

// PhysicalName returns the name data files and statistics use for the field
// under the given column mapping mode.
func (f *Field) PhysicalName(mode string) string {
	if mode == "name" || mode == "id" {
		if raw, ok := f.Metadata[metaPhysicalName]; ok {
			var s string
			if json.Unmarshal(raw, &s) == nil && s != "" {
				return s
			}
		}
	}
	return f.Name
}

// String renders the type in Delta's simple-string form.
func (t *Type) String() string {
	switch t.Name {
	case "decimal":
		return fmt.Sprintf("decimal(%d,%d)", t.Precision, t.Scale)
	case "struct":
		parts := make([]string, len(t.Fields))
		for i, f := range t.Fields {
			parts[i] = f.Name + ":" + f.Type.String()
		}
		return "struct<" + strings.Join(parts, ",") + ">"
	case "array":
		return "array<" + t.Element.String() + ">"
	case "map":
		return "map<" + t.Key.String() + "," + t.Value.String() + ">"
	}
	return t.Name
}

// ParseSchema parses a Delta schemaString.
//
// An empty string is an empty schema: early writers (and some tests) omit
// schemaString from metaData.
func ParseSchema(schemaString string) (*Schema, error) {
	if strings.TrimSpace(schemaString) == "" {
		return &Schema{}, nil
	}
	var raw rawField
	dec := json.NewDecoder(strings.NewReader(schemaString))
	dec.UseNumber()
	if err := dec.Decode(&raw.Type); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidSchema, err)
	}
	t, err := raw.Type.toType("")
	if err != nil {
		return nil, err
	}
	if t.Name != "struct" {
		return nil, fmt.Errorf("%w: top level is %s, want struct", ErrInvalidSchema, t.Name)
	}
	return &Schema{Fields: t.Fields}, nil
}

type rawField struct {
	Name     string                     `json:"name"`
	Type     rawType                    `json:"type"`
	Nullable *bool                      `json:"nullable"`
	Metadata map[string]json.RawMessage `json:"metadata"`
}

// rawType is either a JSON string (primitive) or an object (complex type).
type rawType struct {
	prim              string
	Type              string     `json:"type"`
	Fields            []rawField `json:"fields"`
	ElementType       *rawType   `json:"elementType"`
	ContainsNull      *bool      `json:"containsNull"`
	KeyType           *rawType   `json:"keyType"`
	ValueType         *rawType   `json:"valueType"`
	ValueContainsNull *bool      `json:"valueContainsNull"`
}

func (r *rawType) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		return json.Unmarshal(b, &r.prim)
	}
	type plain rawType
	return json.Unmarshal(b, (*plain)(r))
}

func boolOr(b *bool, def bool) bool {
	if b == nil {
		return def
	}
	return *b
}

func (r *rawType) toType(at string) (*Type, error) {
	if r == nil {
		return nil, fmt.Errorf("%w: missing type at %q", ErrInvalidSchema, at)
	}
	if r.prim != "" {
		return parsePrimitive(r.prim, at)
	}
	switch r.Type {
	case "struct":
		t := &Type{Name: "struct"}
		seen := map[string]bool{}
		for _, f := range r.Fields {
			if f.Name == "" {
				return nil, fmt.Errorf("%w: empty field name in struct at %q", ErrInvalidSchema, at)
			}
			if seen[strings.ToLower(f.Name)] {
				return nil, fmt.Errorf("%w: duplicate field %q at %q", ErrInvalidSchema, f.Name, at)
			}
			seen[strings.ToLower(f.Name)] = true
			ft, err := f.Type.toType(joinPath(at, f.Name))
			if err != nil {
				return nil, err
			}
			t.Fields = append(t.Fields, Field{Name: f.Name, Type: ft, Nullable: boolOr(f.Nullable, true), Metadata: f.Metadata})
		}
		return t, nil
	case "array":
		e, err := r.ElementType.toType(at + "[]")
		if err != nil {
			return nil, err
		}
		return &Type{Name: "array", Element: e, ContainsNull: boolOr(r.ContainsNull, true)}, nil
	case "map":
		k, err := r.KeyType.toType(at + "{key}")
		if err != nil {
			return nil, err
		}
		v, err := r.ValueType.toType(at + "{value}")
		if err != nil {
			return nil, err
		}
		return &Type{Name: "map", Key: k, Value: v, ValueContainsNull: boolOr(r.ValueContainsNull, true)}, nil
	}
	return nil, fmt.Errorf("%w: unknown complex type %q at %q", ErrInvalidSchema, r.Type, at)
}

func joinPath(a, b string) string {
	if a == "" {
		return b
	}
	return a + "." + b
}

var primitives = map[string]bool{
	"string": true, "long": true, "integer": true, "short": true, "byte": true,
	"float": true, "double": true, "boolean": true, "binary": true, "date": true,
	"timestamp": true, "timestamp_ntz": true, "void": true, "variant": true,
}

func parsePrimitive(s, at string) (*Type, error) {
	if primitives[s] {
		return &Type{Name: s}, nil
	}
	if strings.HasPrefix(s, "decimal") {
		p, sc := 10, 0 // Spark's default for a bare "decimal"
		if rest := strings.TrimPrefix(s, "decimal"); rest != "" {
			if !strings.HasPrefix(rest, "(") || !strings.HasSuffix(rest, ")") {
				return nil, fmt.Errorf("%w: bad decimal type %q at %q", ErrInvalidSchema, s, at)
			}
			ps := strings.Split(rest[1:len(rest)-1], ",")
			if len(ps) != 2 {
				return nil, fmt.Errorf("%w: bad decimal type %q at %q", ErrInvalidSchema, s, at)
			}
			var err1, err2 error
			p, err1 = strconv.Atoi(strings.TrimSpace(ps[0]))
			sc, err2 = strconv.Atoi(strings.TrimSpace(ps[1]))
			if err1 != nil || err2 != nil || p < 1 || p > 38 || sc < 0 || sc > p {
				return nil, fmt.Errorf("%w: bad decimal type %q at %q", ErrInvalidSchema, s, at)
			}
		}
		return &Type{Name: "decimal", Precision: p, Scale: sc}, nil
	}
	// Other names (for example geometry types) are kept; readers that need
	// them reject them where they matter (ArrowSchema, the protocol gate).
	return &Type{Name: s}, nil
}

// kindOf maps a primitive Delta type to the comparison domain used for
// statistics and partition values; ok is false for types without one.
func kindOf(t *Type) (k model.Kind, scale int32, ok bool) {
	switch t.Name {
	case "byte", "short", "integer", "long":
		return model.KindInt, 0, true
	case "float", "double":
		return model.KindFloat, 0, true
	case "decimal":
		return model.KindDecimal, int32(t.Scale), true
	case "string":
		return model.KindString, 0, true
	case "binary":
		return model.KindBinary, 0, true
	case "boolean":
		return model.KindBool, 0, true
	case "date":
		return model.KindDate, 0, true
	case "timestamp":
		return model.KindTimestamp, 0, true
	case "timestamp_ntz":
		return model.KindTimestampNTZ, 0, true
	}
	return model.KindNull, 0, false
}

// Leaf is a primitive column reachable through structs only (the columns
// Delta keeps statistics for).
type Leaf struct {
	Logical  model.Column
	Physical []string
	Type     *Type
}

// Leaves lists the schema's struct-reachable primitive columns in schema
// order, with physical names for the column mapping mode.
func (s *Schema) Leaves(mode string) []Leaf {
	var out []Leaf
	var walk func(fields []Field, logical, physical []string)
	walk = func(fields []Field, logical, physical []string) {
		for i := range fields {
			f := &fields[i]
			l := append(append([]string(nil), logical...), f.Name)
			p := append(append([]string(nil), physical...), f.PhysicalName(mode))
			switch f.Type.Name {
			case "struct":
				walk(f.Type.Fields, l, p)
			case "array", "map":
			default:
				out = append(out, Leaf{Logical: l, Physical: p, Type: f.Type})
			}
		}
	}
	walk(s.Fields, nil, nil)
	return out
}

// Field returns the top-level field with the given name.
func (s *Schema) Field(name string) (*Field, bool) {
	for i := range s.Fields {
		if s.Fields[i].Name == name {
			return &s.Fields[i], true
		}
	}
	return nil, false
}

// ArrowSchema converts the schema (logical names) to an Arrow schema.
// Timestamps become microsecond timestamps (zone "UTC" for timestamp, none
// for timestamp_ntz); field metadata is kept, values as their JSON text
// (strings unquoted).
func (s *Schema) ArrowSchema() (*arrow.Schema, error) {
	fields := make([]arrow.Field, len(s.Fields))
	for i := range s.Fields {
		f, err := arrowField(&s.Fields[i], s.Fields[i].Name)
		if err != nil {
			return nil, err
		}
		fields[i] = f
	}
	return arrow.NewSchema(fields, nil), nil
}

func arrowField(f *Field, at string) (arrow.Field, error) {
	dt, err := arrowType(f.Type, at)
	if err != nil {
		return arrow.Field{}, err
	}
	var md arrow.Metadata
	if len(f.Metadata) > 0 {
		keys := make([]string, 0, len(f.Metadata))
		for k := range f.Metadata {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		vals := make([]string, len(keys))
		for i, k := range keys {
			raw := f.Metadata[k]
			var s string
			if json.Unmarshal(raw, &s) == nil {
				vals[i] = s
			} else {
				vals[i] = string(raw)
			}
		}
		md = arrow.NewMetadata(keys, vals)
	}
	return arrow.Field{Name: f.Name, Type: dt, Nullable: f.Nullable, Metadata: md}, nil
}

func arrowType(t *Type, at string) (arrow.DataType, error) {
	switch t.Name {
	case "boolean":
		return arrow.FixedWidthTypes.Boolean, nil
	case "byte":
		return arrow.PrimitiveTypes.Int8, nil
	case "short":
		return arrow.PrimitiveTypes.Int16, nil
	case "integer":
		return arrow.PrimitiveTypes.Int32, nil
	case "long":
		return arrow.PrimitiveTypes.Int64, nil
	case "float":
		return arrow.PrimitiveTypes.Float32, nil
	case "double":
		return arrow.PrimitiveTypes.Float64, nil
	case "string":
		return arrow.BinaryTypes.String, nil
	case "binary":
		return arrow.BinaryTypes.Binary, nil
	case "date":
		return arrow.FixedWidthTypes.Date32, nil
	case "timestamp":
		return &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, nil
	case "timestamp_ntz":
		return &arrow.TimestampType{Unit: arrow.Microsecond}, nil
	case "void":
		return arrow.Null, nil
	case "variant":
		// The protocol's physical form of an (unshredded) variant.
		return arrow.StructOf(
			arrow.Field{Name: "value", Type: arrow.BinaryTypes.Binary},
			arrow.Field{Name: "metadata", Type: arrow.BinaryTypes.Binary},
		), nil
	case "decimal":
		return &arrow.Decimal128Type{Precision: int32(t.Precision), Scale: int32(t.Scale)}, nil
	case "struct":
		fs := make([]arrow.Field, len(t.Fields))
		for i := range t.Fields {
			f, err := arrowField(&t.Fields[i], joinPath(at, t.Fields[i].Name))
			if err != nil {
				return nil, err
			}
			fs[i] = f
		}
		return arrow.StructOf(fs...), nil
	case "array":
		e, err := arrowType(t.Element, at+"[]")
		if err != nil {
			return nil, err
		}
		return arrow.ListOfField(arrow.Field{Name: "element", Type: e, Nullable: t.ContainsNull}), nil
	case "map":
		k, err := arrowType(t.Key, at+"{key}")
		if err != nil {
			return nil, err
		}
		v, err := arrowType(t.Value, at+"{value}")
		if err != nil {
			return nil, err
		}
		mt := arrow.MapOf(k, v)
		mt.SetItemNullable(t.ValueContainsNull)
		return mt, nil
	}
	return nil, fmt.Errorf("%w: type %q of column %q has no Arrow equivalent", ErrInvalidSchema, t.Name, at)
}
