package model

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"
)

// Kind is the comparison domain of a value. Integer widths collapse into
// KindInt and float widths into KindFloat: pruning only needs order, and the
// widths are recoverable from the schema.
type Kind uint8

// The value kinds. The zero Kind is KindNull so that a zero Value is SQL NULL.
const (
	KindNull         Kind = iota
	KindBool              // Bool
	KindInt               // Int: byte, short, integer, long
	KindFloat             // Float: float, double
	KindDecimal           // Dec (unscaled) with Scale
	KindString            // Str, compared by UTF-8 bytes
	KindBinary            // Str holds the raw bytes, compared bytewise
	KindDate              // Int: days since 1970-01-01
	KindTimestamp         // Int: microseconds since the epoch, UTC-adjusted
	KindTimestampNTZ      // Int: microseconds since the epoch, no zone
)

var kindNames = [...]string{"null", "bool", "int", "float", "decimal", "string", "binary", "date", "timestamp", "timestamp_ntz"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", k)
}

// Value is an immutable typed scalar. The zero Value is NULL.
//
// Invariants: exactly the field named by Kind is meaningful; for KindDecimal
// Dec is non-nil and Scale >= 0.
type Value struct {
	Kind  Kind
	Bool  bool
	Int   int64
	Float float64
	Str   string
	Dec   *big.Int
	Scale int32
}

// Null is SQL NULL.
var Null = Value{}

// Constructors for each kind.
func BoolValue(b bool) Value        { return Value{Kind: KindBool, Bool: b} }
func IntValue(i int64) Value        { return Value{Kind: KindInt, Int: i} }
func FloatValue(f float64) Value    { return Value{Kind: KindFloat, Float: f} }
func StringValue(s string) Value    { return Value{Kind: KindString, Str: s} }
func BinaryValue(b []byte) Value    { return Value{Kind: KindBinary, Str: string(b)} }
func DateValue(days int64) Value    { return Value{Kind: KindDate, Int: days} }
func TimestampValue(us int64) Value { return Value{Kind: KindTimestamp, Int: us} }
func TimestampNTZValue(us int64) Value {
	return Value{Kind: KindTimestampNTZ, Int: us}
}

// DecimalValue returns unscaled × 10^-scale.
func DecimalValue(unscaled *big.Int, scale int32) Value {
	return Value{Kind: KindDecimal, Dec: new(big.Int).Set(unscaled), Scale: scale}
}

// IsNull reports whether v is SQL NULL.
func (v Value) IsNull() bool { return v.Kind == KindNull }

// Rat returns a numeric value as an exact rational; ok is false for
// non-numeric kinds and for NaN or infinite floats.
func (v Value) Rat() (r *big.Rat, ok bool) {
	switch v.Kind {
	case KindInt:
		return new(big.Rat).SetInt64(v.Int), true
	case KindFloat:
		if math.IsNaN(v.Float) || math.IsInf(v.Float, 0) {
			return nil, false
		}
		return new(big.Rat).SetFloat64(v.Float), true
	case KindDecimal:
		den := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(v.Scale)), nil)
		return new(big.Rat).SetFrac(v.Dec, den), true
	}
	return nil, false
}

// String renders the value as canonical SQL literal text, the form used in
// pushed-filter text and hashes: 'quoted' strings, DATE '…', TIMESTAMP '…'.
func (v Value) String() string {
	switch v.Kind {
	case KindNull:
		return "NULL"
	case KindBool:
		if v.Bool {
			return "TRUE"
		}
		return "FALSE"
	case KindInt:
		return strconv.FormatInt(v.Int, 10)
	case KindFloat:
		s := strconv.FormatFloat(v.Float, 'g', -1, 64)
		if !strings.ContainsAny(s, ".eEnN") {
			s += ".0"
		}
		return s
	case KindDecimal:
		return FormatDecimal(v.Dec, v.Scale)
	case KindString:
		return "'" + strings.ReplaceAll(v.Str, "'", "''") + "'"
	case KindBinary:
		return "X'" + fmt.Sprintf("%X", v.Str) + "'"
	case KindDate:
		return "DATE '" + time.Unix(v.Int*86400, 0).UTC().Format("2006-01-02") + "'"
	case KindTimestamp:
		return "TIMESTAMP '" + formatMicros(v.Int) + "+00:00'"
	case KindTimestampNTZ:
		return "TIMESTAMP '" + formatMicros(v.Int) + "'"
	}
	return fmt.Sprintf("<%s>", v.Kind)
}

func formatMicros(us int64) string {
	t := time.UnixMicro(us).UTC()
	if t.Nanosecond() == 0 {
		return t.Format("2006-01-02 15:04:05")
	}
	return t.Format("2006-01-02 15:04:05.000000")
}

// FormatDecimal writes an unscaled decimal with scale digits after the
// point ("-1.05" for -105, 2), the text Delta statistics and partition
// values use.
func FormatDecimal(unscaled *big.Int, scale int32) string {
	s := new(big.Int).Abs(unscaled).String()
	neg := unscaled.Sign() < 0
	if scale > 0 {
		for int32(len(s)) <= scale {
			s = "0" + s
		}
		s = s[:int32(len(s))-scale] + "." + s[int32(len(s))-scale:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// Compare orders a and b. Numeric kinds (int, float, decimal) compare with
// each other exactly; other kinds compare only with their own kind. ok is
// false when the values are not comparable (different domains, NULL, NaN):
// callers that prune must then keep the file.
func Compare(a, b Value) (c int, ok bool) {
	if a.Kind == KindNull || b.Kind == KindNull {
		return 0, false
	}
	if a.Kind != b.Kind {
		if a.isNumeric() && b.isNumeric() {
			// An infinity is beyond every finite int or decimal.
			if b.Kind == KindFloat && math.IsInf(b.Float, 0) {
				return -int(math.Copysign(1, b.Float)), true
			}
			if a.Kind == KindFloat && math.IsInf(a.Float, 0) {
				return int(math.Copysign(1, a.Float)), true
			}
			ra, oka := a.Rat()
			rb, okb := b.Rat()
			if !oka || !okb {
				return 0, false
			}
			return ra.Cmp(rb), true
		}
		return 0, false
	}
	switch a.Kind {
	case KindBool:
		return cmpBool(a.Bool, b.Bool), true
	case KindInt, KindDate, KindTimestamp, KindTimestampNTZ:
		return cmpOrdered(a.Int, b.Int), true
	case KindFloat:
		if math.IsNaN(a.Float) || math.IsNaN(b.Float) {
			return 0, false
		}
		return cmpOrdered(a.Float, b.Float), true
	case KindDecimal:
		ra, _ := a.Rat()
		rb, _ := b.Rat()
		return ra.Cmp(rb), true
	case KindString, KindBinary:
		return strings.Compare(a.Str, b.Str), true
	}
	return 0, false
}

func (v Value) isNumeric() bool {
	return v.Kind == KindInt || v.Kind == KindFloat || v.Kind == KindDecimal
}

func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case !a:
		return -1
	}
	return 1
}

func cmpOrdered[T int64 | float64](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// CompareFloat orders doubles as Spark and Delta statistics do: NaN equals
// NaN and sorts above every other value (+Inf included); -0 equals 0.
func CompareFloat(a, b float64) int {
	an, bn := math.IsNaN(a), math.IsNaN(b)
	switch {
	case an && bn:
		return 0
	case an:
		return 1
	case bn:
		return -1
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
