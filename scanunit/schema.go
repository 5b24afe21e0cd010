package scanunit

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/deltaplan/deltaplan/delta"
	"github.com/deltaplan/deltaplan/model"
)

// DefaultStringPrefixLength is the number of characters Delta writers keep
// of a string column's min/max statistics when the table does not set
// delta.dataSkippingStringPrefixLength.
const DefaultStringPrefixLength = 32

// Field is one column the pruner may be asked about, by logical path.
type Field struct {
	Path model.Column
	// Kind is the comparison domain; KindNull for a struct, array or map
	// (only IS [NOT] NULL applies) or when unknown (nothing is checked).
	Kind model.Kind
	// Type is the Delta type name ("float", "double", "struct", ...), ""
	// when unknown. A "float" column compares literals also as float32.
	Type string
	// StringPrefix is, for a string column, the prefix length of its
	// statistics: a max shorter than it (and without a tie-break character)
	// is the exact maximum. 0 means unknown: every max may be cut.
	StringPrefix int
}

// Schema lists the columns of a table; NewPruner resolves the predicate's
// columns against it case-insensitively and type-checks its literals.
// Column mapping is already undone by the reader (model.FileSet names
// statistics by logical path), so only logical names appear here.
type Schema []Field

// SchemaOf lists the partition and statistics columns of fs, sorted by path.
// It knows no types beyond the statistics' kinds; prefer SchemaOfTable.
func SchemaOf(fs *model.FileSet) Schema {
	var s Schema
	for _, p := range fs.Partitions {
		s = append(s, Field{Path: model.Column{p.Name}, Kind: p.Values.Kind})
	}
	for _, st := range fs.Stats {
		s = append(s, Field{Path: st.Path, Kind: st.Min.Kind})
	}
	sort.SliceStable(s, func(i, j int) bool { return s[i].Path.String() < s[j].Path.String() })
	return s
}

// SchemaOfTable lists every column of the table's schema (top-level, nested
// struct fields, and the structs, arrays and maps themselves) with its type
// and, for strings, the statistics prefix length the table configures.
func SchemaOfTable(m *delta.Metadata) (Schema, error) {
	if m == nil || m.Schema == nil {
		return nil, fmt.Errorf("scanunit: table has no schema")
	}
	prefix := DefaultStringPrefixLength
	if v, ok := m.Configuration["delta.dataSkippingStringPrefixLength"]; ok {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 0 {
			return nil, fmt.Errorf("scanunit: table property delta.dataSkippingStringPrefixLength=%q is not a non-negative integer", v)
		}
		prefix = n
	}
	var s Schema
	var walk func(fields []delta.Field, path model.Column)
	walk = func(fields []delta.Field, path model.Column) {
		for i := range fields {
			f := &fields[i]
			p := append(append(model.Column(nil), path...), f.Name)
			fd := Field{Path: p, Kind: kindOfType(f.Type)}
			if f.Type != nil {
				fd.Type = f.Type.Name
			}
			if fd.Kind == model.KindString {
				fd.StringPrefix = prefix
			}
			s = append(s, fd)
			if f.Type != nil && f.Type.Name == "struct" {
				walk(f.Type.Fields, p)
			}
		}
	}
	walk(m.Schema.Fields, nil)
	sort.SliceStable(s, func(i, j int) bool { return s[i].Path.String() < s[j].Path.String() })
	return s, nil
}

func kindOfType(t *delta.Type) model.Kind {
	if t == nil {
		return model.KindNull
	}
	switch t.Name {
	case "byte", "short", "integer", "long":
		return model.KindInt
	case "float", "double":
		return model.KindFloat
	case "decimal":
		return model.KindDecimal
	case "string":
		return model.KindString
	case "binary":
		return model.KindBinary
	case "boolean":
		return model.KindBool
	case "date":
		return model.KindDate
	case "timestamp":
		return model.KindTimestamp
	case "timestamp_ntz":
		return model.KindTimestampNTZ
	}
	return model.KindNull
}

// resolver maps predicate columns to schema fields case-insensitively.
type resolver struct {
	byFold map[string][]int // lower-cased dotted path -> indices into schema
	schema Schema
}

func newResolver(schema Schema) *resolver {
	r := &resolver{byFold: map[string][]int{}, schema: schema}
	seen := map[string]bool{}
	for i, f := range schema {
		key := f.Path.String()
		if seen[key] {
			continue // SchemaOf may list a column twice; the first wins
		}
		seen[key] = true
		fold := strings.ToLower(key)
		r.byFold[fold] = append(r.byFold[fold], i)
	}
	return r
}

// resolve returns the field a predicate column names: the one field equal
// to it ignoring case (ErrAmbiguousColumn when several are, ErrUnknownColumn
// when none is).
func (r *resolver) resolve(c model.Column) (Field, error) {
	m := r.byFold[strings.ToLower(c.String())]
	switch len(m) {
	case 0:
		return Field{}, fmt.Errorf("filter reads %q: %w", c.String(), ErrUnknownColumn)
	case 1:
		return r.schema[m[0]], nil
	}
	names := make([]string, len(m))
	for i, j := range m {
		names[i] = r.schema[j].Path.String()
	}
	return Field{}, fmt.Errorf("filter reads %q, which matches %s: %w", c.String(), strings.Join(names, ", "), ErrAmbiguousColumn)
}

// literalFits reports whether lit can be a value of a column of kind k (a
// NULL fits anything; a string fits a date or timestamp column when it
// parses as one, and a float column when it parses as a number, NaN or
// Infinity).
func literalFits(k model.Kind, lit model.Value) bool {
	if lit.IsNull() {
		return true
	}
	numeric := func(v model.Value) bool {
		return v.Kind == model.KindInt || v.Kind == model.KindFloat || v.Kind == model.KindDecimal
	}
	switch k {
	case model.KindInt, model.KindDecimal:
		return numeric(lit)
	case model.KindFloat:
		if lit.Kind == model.KindString {
			_, ok := parseFloatText(lit.Str)
			return ok
		}
		return numeric(lit)
	case model.KindString:
		return lit.Kind == model.KindString
	case model.KindBinary:
		return lit.Kind == model.KindBinary || lit.Kind == model.KindString
	case model.KindBool:
		return lit.Kind == model.KindBool
	case model.KindDate, model.KindTimestamp, model.KindTimestampNTZ:
		switch lit.Kind {
		case model.KindDate, model.KindTimestamp, model.KindTimestampNTZ:
			return true
		case model.KindString:
			_, ok := temporalText(lit.Str)
			return ok
		}
	}
	return false
}

// parseFloatText reads a string literal compared with a float column, as a
// SQL engine casts it.
func parseFloatText(s string) (float64, bool) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	return f, err == nil
}

// temporalText parses a string literal compared with a date or timestamp
// column: a date, else a timestamp.
func temporalText(s string) (model.Value, bool) {
	if v, err := parseDate(token{text: s}); err == nil {
		return v, true
	}
	if v, err := parseTimestamp(token{text: s}); err == nil {
		return v, true
	}
	return model.Null, false
}
