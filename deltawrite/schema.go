package deltawrite

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/deltaplan/deltaplan/delta"
)

// Supported column types, Arrow → Delta:
//
//	int64 long, int32 integer, int16 short, int8 byte, utf8 string,
//	bool boolean, float64 double, float32 float, date32 date,
//	timestamp[us, tz=UTC] timestamp, binary binary,
//	decimal128(p, s) decimal(p,s).
//
// Columns are top level (no structs, lists or maps). Timestamps must be
// microseconds in UTC, which is how a Delta timestamp reads back.
func deltaType(dt arrow.DataType) (string, bool) {
	switch t := dt.(type) {
	case *arrow.Int64Type:
		return "long", true
	case *arrow.Int32Type:
		return "integer", true
	case *arrow.Int16Type:
		return "short", true
	case *arrow.Int8Type:
		return "byte", true
	case *arrow.StringType:
		return "string", true
	case *arrow.BooleanType:
		return "boolean", true
	case *arrow.Float64Type:
		return "double", true
	case *arrow.Float32Type:
		return "float", true
	case *arrow.Date32Type:
		return "date", true
	case *arrow.TimestampType:
		if t.Unit == arrow.Microsecond && t.TimeZone == "UTC" {
			return "timestamp", true
		}
	case *arrow.BinaryType:
		return "binary", true
	case *arrow.Decimal128Type:
		if t.Precision >= 1 && t.Precision <= 38 && t.Scale >= 0 && t.Scale <= t.Precision {
			return fmt.Sprintf("decimal(%d,%d)", t.Precision, t.Scale), true
		}
	}
	return "", false
}

type jsonField struct {
	Name     string         `json:"name"`
	Type     string         `json:"type"`
	Nullable bool           `json:"nullable"`
	Metadata map[string]any `json:"metadata"`
}

type jsonStruct struct {
	Type   string      `json:"type"`
	Fields []jsonField `json:"fields"`
}

// validateFields checks names and types of new columns against the
// existing ones (seen: lower-cased names already taken).
func validateFields(fields []arrow.Field, seen map[string]bool) error {
	var probs []string
	for _, f := range fields {
		if f.Name == "" {
			probs = append(probs, "a column has an empty name")
			continue
		}
		if !utf8.ValidString(f.Name) {
			probs = append(probs, fmt.Sprintf("column %q: name is not valid UTF-8", f.Name))
		}
		if strings.ContainsAny(f.Name, " ,;{}()\n\t=") {
			probs = append(probs, fmt.Sprintf("column %q: name has a character Delta forbids without column mapping (one of ' ,;{}()\\n\\t=')", f.Name))
		}
		if seen[strings.ToLower(f.Name)] {
			probs = append(probs, fmt.Sprintf("column %q appears twice (names are case-insensitive)", f.Name))
		}
		seen[strings.ToLower(f.Name)] = true
		if _, ok := deltaType(f.Type); !ok {
			probs = append(probs, fmt.Sprintf("column %q: type %s has no Delta equivalent here (want int8/16/32/64, utf8, bool, float32/64, date32, timestamp[us, tz=UTC], binary or decimal128)", f.Name, f.Type))
		}
	}
	if len(probs) > 0 {
		return fmt.Errorf("%w: %s", ErrUnsupportedType, strings.Join(probs, "; "))
	}
	return nil
}

// schemaString renders fields as a Delta schemaString.
func schemaString(fields []arrow.Field) (string, error) {
	s := jsonStruct{Type: "struct", Fields: make([]jsonField, len(fields))}
	for i, f := range fields {
		t, ok := deltaType(f.Type)
		if !ok {
			return "", fmt.Errorf("%w: column %q: %s", ErrUnsupportedType, f.Name, f.Type)
		}
		s.Fields[i] = jsonField{Name: f.Name, Type: t, Nullable: f.Nullable, Metadata: map[string]any{}}
	}
	b, err := json.Marshal(s)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// tableSchema parses a schemaString into the Arrow schema records must
// have, refusing columns this writer cannot write.
func tableSchema(schemaString string) (*arrow.Schema, error) {
	ds, err := delta.ParseSchema(schemaString)
	if err != nil {
		return nil, err
	}
	as, err := ds.ArrowSchema()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnsupportedTable, err)
	}
	fields := as.Fields()
	for i := range fields {
		fields[i].Metadata = arrow.Metadata{} // field metadata is not compared
	}
	if err := validateFields(fields, map[string]bool{}); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnsupportedTable, err)
	}
	return arrow.NewSchema(fields, nil), nil
}

// sameSchema reports how got differs from want (names, types,
// nullability, order); field metadata does not count.
func sameSchema(want, got *arrow.Schema) error {
	wf, gf := want.Fields(), got.Fields()
	var probs []string
	for i := 0; i < max(len(wf), len(gf)); i++ {
		switch {
		case i >= len(gf):
			probs = append(probs, fmt.Sprintf("column %d %q (%s) is missing", i, wf[i].Name, wf[i].Type))
		case i >= len(wf):
			probs = append(probs, fmt.Sprintf("column %d %q (%s) is not in the table", i, gf[i].Name, gf[i].Type))
		case wf[i].Name != gf[i].Name:
			probs = append(probs, fmt.Sprintf("column %d is %q, the table has %q", i, gf[i].Name, wf[i].Name))
		case !arrow.TypeEqual(wf[i].Type, gf[i].Type):
			probs = append(probs, fmt.Sprintf("column %q is %s, the table has %s", gf[i].Name, gf[i].Type, wf[i].Type))
		case wf[i].Nullable != gf[i].Nullable:
			probs = append(probs, fmt.Sprintf("column %q nullable=%v, the table has nullable=%v", gf[i].Name, gf[i].Nullable, wf[i].Nullable))
		}
	}
	if len(probs) > 0 {
		return fmt.Errorf("%w: %s", ErrSchemaMismatch, strings.Join(probs, "; "))
	}
	return nil
}
