package planbundle

import (
	"fmt"
	"strings"

	pb "github.com/substrait-io/substrait-protobuf/go/substraitpb"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/deltaplan/deltaplan/delta"
	"github.com/deltaplan/deltaplan/lineage"
)

// ReadSchema is one named-table read of the plan with its base-schema
// columns resolved against the pinned table: the `reads` bundle field.
type ReadSchema struct {
	Table   string           `json:"table"` // the read's table name as the plan names it
	Path    string           `json:"path"`  // the read's relation path
	Columns []ResolvedColumn `json:"columns"`
}

// ResolvedColumn is one top-level base-schema column: the name the plan
// gives, the table's logical column it resolved to (Delta resolves names
// case-insensitively; column-mapped tables by logical name), and the
// table's Delta type and nullability.
type ResolvedColumn struct {
	Name      string `json:"name"`
	Column    string `json:"column"`
	DeltaType string `json:"delta_type"`
	Nullable  bool   `json:"nullable"`
}

// checkSchema checks a read's base schema against the pinned table's
// schema and resolves its columns. Every problem is reported at once, each
// naming the column path and both types; a plan whose base schema gives
// names but no types is checked by name only.
func checkSchema(rd lineage.Read, s *delta.Schema) (ReadSchema, error) {
	out := ReadSchema{Table: rd.Table, Path: rd.Path, Columns: []ResolvedColumn{}}
	ns := rd.BaseSchema
	if ns == nil || len(ns.GetNames()) == 0 {
		return out, fmt.Errorf("%w: read %s at %s has no base schema", ErrSchemaMismatch, rd.Table, rd.Path)
	}
	var fields []delta.Field
	if s != nil {
		fields = s.Fields
	}
	var probs []string
	types := ns.GetStruct().GetTypes()
	if len(types) == 0 {
		for _, n := range ns.GetNames() {
			f := lookupField(fields, n)
			if f == nil {
				probs = append(probs, fmt.Sprintf("column %s: the table has no such column", n))
				continue
			}
			out.Columns = append(out.Columns, ResolvedColumn{Name: n, Column: f.Name, DeltaType: f.Type.String(), Nullable: f.Nullable})
		}
	} else {
		names := ns.GetNames()
		pos := 0
		for _, t := range types {
			if pos >= len(names) {
				return out, fmt.Errorf("%w: read %s at %s: base schema has fewer names than fields", ErrSchemaMismatch, rd.Table, rd.Path)
			}
			n := names[pos]
			pos++
			f := lookupField(fields, n)
			var sub []string
			pos, sub = checkType(n, t, f, names, pos)
			probs = append(probs, sub...)
			if f != nil {
				out.Columns = append(out.Columns, ResolvedColumn{Name: n, Column: f.Name, DeltaType: f.Type.String(), Nullable: f.Nullable})
			}
		}
	}
	if len(probs) > 0 {
		return out, fmt.Errorf("%w: read %s at %s: %s", ErrSchemaMismatch, rd.Table, rd.Path, strings.Join(probs, "; "))
	}
	return out, nil
}

// lookupField finds a field by name as Delta resolves it: an exact match,
// else the one case-insensitive match (Delta forbids two columns differing
// only in case).
func lookupField(fields []delta.Field, name string) *delta.Field {
	var fold *delta.Field
	for i := range fields {
		switch {
		case fields[i].Name == name:
			return &fields[i]
		case fold == nil && strings.EqualFold(fields[i].Name, name):
			fold = &fields[i]
		}
	}
	return fold
}

// checkType checks plan type t of the column at path against table field f
// (nil: missing). names/pos are the base schema's depth-first names, of
// which nested struct fields consume theirs; it returns the next position.
func checkType(path string, t *pb.Type, f *delta.Field, names []string, pos int) (int, []string) {
	if f == nil {
		return skipNames(t, names, pos), []string{fmt.Sprintf("column %s: the table has no such column (plan type %s)", path, planTypeName(t))}
	}
	var probs []string
	if nullability(t) == pb.Type_NULLABILITY_REQUIRED && f.Nullable {
		probs = append(probs, fmt.Sprintf("column %s: the plan requires it (plan type %s NOT NULL) but the table's %s is nullable",
			path, planTypeName(t), f.Type))
	}
	pos, sub := checkNested(path, t, f.Type, names, pos)
	return pos, append(probs, sub...)
}

// checkNested compares a plan type with a Delta type; structs compare field
// by field (by name, case-insensitively), lists and maps by element.
func checkNested(path string, t *pb.Type, dt *delta.Type, names []string, pos int) (int, []string) {
	mismatch := func() []string {
		return []string{fmt.Sprintf("column %s: plan type %s, table type %s: neither equal nor a safe widening",
			path, planTypeName(t), dt)}
	}
	switch k := t.GetKind().(type) {
	case *pb.Type_Struct_:
		if dt.Name != "struct" {
			return skipNames(t, names, pos), mismatch()
		}
		var probs []string
		for _, ct := range k.Struct.GetTypes() {
			if pos >= len(names) {
				return pos, append(probs, fmt.Sprintf("column %s: base schema has fewer names than fields", path))
			}
			n := names[pos]
			pos++
			var sub []string
			pos, sub = checkType(path+"."+n, ct, lookupField(dt.Fields, n), names, pos)
			probs = append(probs, sub...)
		}
		return pos, probs
	case *pb.Type_List_:
		if dt.Name != "array" {
			return skipNames(t, names, pos), mismatch()
		}
		et := k.List.GetType()
		var probs []string
		if nullability(et) == pb.Type_NULLABILITY_REQUIRED && dt.ContainsNull {
			probs = append(probs, fmt.Sprintf("column %s: the plan requires non-null elements (%s) but the table's array contains nulls", path, planTypeName(et)))
		}
		pos, sub := checkNested(path+".element", et, dt.Element, names, pos)
		return pos, append(probs, sub...)
	case *pb.Type_Map_:
		if dt.Name != "map" {
			return skipNames(t, names, pos), mismatch()
		}
		var probs, sub []string
		pos, sub = checkNested(path+".key", k.Map.GetKey(), dt.Key, names, pos)
		probs = append(probs, sub...)
		vt := k.Map.GetValue()
		if nullability(vt) == pb.Type_NULLABILITY_REQUIRED && dt.ValueContainsNull {
			probs = append(probs, fmt.Sprintf("column %s: the plan requires non-null map values (%s) but the table's map values may be null", path, planTypeName(vt)))
		}
		pos, sub = checkNested(path+".value", vt, dt.Value, names, pos)
		return pos, append(probs, sub...)
	}
	if !readableAs(dt, t) {
		return pos, mismatch()
	}
	return pos, nil
}

// skipNames moves past the names nested struct fields of t consume.
func skipNames(t *pb.Type, names []string, pos int) int {
	switch k := t.GetKind().(type) {
	case *pb.Type_Struct_:
		for _, ct := range k.Struct.GetTypes() {
			if pos < len(names) {
				pos++
			}
			pos = skipNames(ct, names, pos)
		}
	case *pb.Type_List_:
		pos = skipNames(k.List.GetType(), names, pos)
	case *pb.Type_Map_:
		pos = skipNames(k.Map.GetKey(), names, pos)
		pos = skipNames(k.Map.GetValue(), names, pos)
	}
	return pos
}

// intWidth is the width in bits of Delta's integer types.
var intWidth = map[string]int{"byte": 8, "short": 16, "integer": 32, "long": 64}

// intDigits is the decimal digits an integer type can need (long's
// largest magnitude, 9223372036854775808, has 19).
var intDigits = map[string]int{"byte": 3, "short": 5, "integer": 10, "long": 19}

// exactInt is the largest integer magnitude 2^mantissa below which a float
// type holds every integer exactly: 2^24 for fp32, 2^53 for fp64.
func exactIntDigits(mantissa int) int {
	// Digits d such that 10^d <= 2^mantissa: every d-digit integer fits.
	switch mantissa {
	case 24:
		return 7 // 10^7 < 16777216
	case 53:
		return 15 // 10^15 < 9007199254740992
	}
	return 0
}

// readableAs reports whether values of primitive Delta type dt read as plan
// type t without loss: the types are equal, or t is a safe widening of dt:
// every value of dt is exactly a value of t (a wider integer, float to
// double, an integer or an integral decimal to a float or integer that
// holds all its values exactly, a decimal with at least as many integer and fraction
// digits, an integer to a wide enough decimal, date to timestamp without
// zone). These include the widenings Delta's type-widening feature allows.
func readableAs(dt *delta.Type, t *pb.Type) bool {
	// Integral Delta types as a float: exact when every value's digits fit
	// the float's exact-integer range.
	integralDigits := func() (int, bool) {
		if d := intDigits[dt.Name]; d != 0 {
			return d, true
		}
		if dt.Name == "decimal" && dt.Scale == 0 {
			return dt.Precision, true
		}
		return 0, false
	}
	switch k := t.GetKind().(type) {
	case *pb.Type_Bool:
		return dt.Name == "boolean"
	case *pb.Type_I8_:
		return fitsInt(dt, 8)
	case *pb.Type_I16_:
		return fitsInt(dt, 16)
	case *pb.Type_I32_:
		return fitsInt(dt, 32)
	case *pb.Type_I64_:
		return fitsInt(dt, 64)
	case *pb.Type_Fp32:
		if d, ok := integralDigits(); ok {
			return intWidth[dt.Name] != 0 && intWidth[dt.Name] <= 16 || dt.Name == "decimal" && d <= exactIntDigits(24)
		}
		return dt.Name == "float"
	case *pb.Type_Fp64:
		if d, ok := integralDigits(); ok {
			return intWidth[dt.Name] != 0 && intWidth[dt.Name] <= 32 || dt.Name == "decimal" && d <= exactIntDigits(53)
		}
		return dt.Name == "double" || dt.Name == "float"
	case *pb.Type_String_, *pb.Type_Varchar, *pb.Type_FixedChar_:
		// Delta has one string type; a varchar/char plan type reads it as
		// the engine's string (Spark stores char/varchar as string).
		return dt.Name == "string"
	case *pb.Type_Binary_, *pb.Type_FixedBinary_:
		return dt.Name == "binary"
	case *pb.Type_Date_:
		return dt.Name == "date"
	case *pb.Type_Timestamp_, *pb.Type_PrecisionTimestamp_:
		if p, ok := k.(*pb.Type_PrecisionTimestamp_); ok && p.PrecisionTimestamp.GetPrecision() < 6 {
			return false // Delta timestamps are microseconds
		}
		return dt.Name == "timestamp_ntz" || dt.Name == "date"
	case *pb.Type_TimestampTz, *pb.Type_PrecisionTimestampTz:
		if p, ok := k.(*pb.Type_PrecisionTimestampTz); ok && p.PrecisionTimestampTz.GetPrecision() < 6 {
			return false
		}
		return dt.Name == "timestamp"
	case *pb.Type_Decimal_:
		p, s := int(k.Decimal.GetPrecision()), int(k.Decimal.GetScale())
		switch {
		case dt.Name == "decimal":
			return s >= dt.Scale && p-s >= dt.Precision-dt.Scale
		case intDigits[dt.Name] != 0:
			return p-s >= intDigits[dt.Name]
		}
		return false
	}
	return false // intervals, UUIDs, user-defined types: nothing in Delta reads as them
}

// decimalDigitsIn is the most decimal digits every integer of that many
// bits holds (99 fits i8, 999 does not).
var decimalDigitsIn = map[int]int{8: 2, 16: 4, 32: 9, 64: 18}

// fitsInt reports whether every value of Delta type dt is an integer of the
// given width: a narrower or equal integer, or an integral decimal with few
// enough digits.
func fitsInt(dt *delta.Type, bits int) bool {
	if w := intWidth[dt.Name]; w != 0 {
		return w <= bits
	}
	return dt.Name == "decimal" && dt.Scale == 0 && dt.Precision <= decimalDigitsIn[bits]
}

// nullability reads the nullability of any Substrait type kind.
func nullability(t *pb.Type) pb.Type_Nullability {
	m := t.ProtoReflect()
	od := m.Descriptor().Oneofs().ByName("kind")
	if od == nil {
		return pb.Type_NULLABILITY_UNSPECIFIED
	}
	fd := m.WhichOneof(od)
	if fd == nil || fd.Message() == nil {
		return pb.Type_NULLABILITY_UNSPECIFIED
	}
	km := m.Get(fd).Message()
	nf := km.Descriptor().Fields().ByName("nullability")
	if nf == nil || nf.Kind() != protoreflect.EnumKind {
		return pb.Type_NULLABILITY_UNSPECIFIED
	}
	return pb.Type_Nullability(km.Get(nf).Enum())
}

// planTypeName renders a Substrait type in the spec's short form.
func planTypeName(t *pb.Type) string { return lineage.TypeName(t) }
