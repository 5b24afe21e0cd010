package lineage

import (
	"fmt"
	"math/big"
	"strings"
	"time"

	pb "github.com/substrait-io/substrait-protobuf/go/substraitpb"

	"github.com/deltaplan/deltaplan/model"
)

// maxDecimalScale is the largest scale Substrait decimals allow (precision
// 38); larger scales are refused before any arithmetic depends on them.
const maxDecimalScale = 38

// LiteralValue converts a Substrait literal to a model.Value. ok is false
// for literal kinds the predicate model has no domain for (intervals, times,
// UUIDs, nested and user-defined literals); callers then treat the
// expression as opaque. A typed NULL literal converts to model.Null.
func LiteralValue(l *pb.Expression_Literal) (v model.Value, ok bool) {
	switch x := l.GetLiteralType().(type) {
	case *pb.Expression_Literal_Null:
		return model.Null, true
	case *pb.Expression_Literal_Boolean:
		return model.BoolValue(x.Boolean), true
	case *pb.Expression_Literal_I8:
		return model.IntValue(int64(x.I8)), true
	case *pb.Expression_Literal_I16:
		return model.IntValue(int64(x.I16)), true
	case *pb.Expression_Literal_I32:
		return model.IntValue(int64(x.I32)), true
	case *pb.Expression_Literal_I64:
		return model.IntValue(x.I64), true
	case *pb.Expression_Literal_Fp32:
		return model.FloatValue(float64(x.Fp32)), true
	case *pb.Expression_Literal_Fp64:
		return model.FloatValue(x.Fp64), true
	case *pb.Expression_Literal_String_:
		return model.StringValue(x.String_), true
	case *pb.Expression_Literal_VarChar_:
		return model.StringValue(x.VarChar.GetValue()), true
	case *pb.Expression_Literal_FixedChar:
		return model.StringValue(x.FixedChar), true
	case *pb.Expression_Literal_Binary:
		return model.BinaryValue(x.Binary), true
	case *pb.Expression_Literal_FixedBinary:
		return model.BinaryValue(x.FixedBinary), true
	case *pb.Expression_Literal_Date:
		return model.DateValue(int64(x.Date)), true
	case *pb.Expression_Literal_Timestamp:
		return model.TimestampNTZValue(x.Timestamp), true
	case *pb.Expression_Literal_TimestampTz:
		return model.TimestampValue(x.TimestampTz), true
	case *pb.Expression_Literal_PrecisionTimestamp_:
		if us, ok := toMicros(x.PrecisionTimestamp.GetValue(), x.PrecisionTimestamp.GetPrecision()); ok {
			return model.TimestampNTZValue(us), true
		}
	case *pb.Expression_Literal_PrecisionTimestampTz:
		if us, ok := toMicros(x.PrecisionTimestampTz.GetValue(), x.PrecisionTimestampTz.GetPrecision()); ok {
			return model.TimestampValue(us), true
		}
	case *pb.Expression_Literal_Decimal_:
		d := x.Decimal
		if len(d.GetValue()) != 16 || d.GetScale() < 0 || d.GetScale() > maxDecimalScale {
			return model.Null, false
		}
		return model.DecimalValue(decodeInt128LE(d.GetValue()), d.GetScale()), true
	}
	return model.Null, false
}

// toMicros rescales a value of 10^-precision seconds to microseconds. A
// finer value that is not a whole number of microseconds cannot be
// represented exactly, so it is refused rather than rounded (rounding would
// make a pruning bound wrong).
func toMicros(v int64, precision int32) (int64, bool) {
	switch {
	case precision < 0 || precision > 12:
		return 0, false
	case precision == 6:
		return v, true
	case precision < 6:
		m := int64(1)
		for i := precision; i < 6; i++ {
			m *= 10
		}
		r := v * m
		if r/m != v {
			return 0, false
		}
		return r, true
	}
	d := int64(1)
	for i := int32(6); i < precision; i++ {
		d *= 10
	}
	if v%d != 0 {
		return 0, false
	}
	return v / d, true
}

// decodeInt128LE reads a 16-byte little-endian two's complement integer.
func decodeInt128LE(b []byte) *big.Int {
	be := make([]byte, len(b))
	for i := range b {
		be[len(b)-1-i] = b[i]
	}
	n := new(big.Int).SetBytes(be)
	if be[0]&0x80 != 0 {
		n.Sub(n, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
	}
	return n
}

// literalText renders any literal canonically; convertible kinds use the
// model's SQL literal text.
func literalText(l *pb.Expression_Literal) string {
	if v, ok := LiteralValue(l); ok {
		return v.String()
	}
	switch x := l.GetLiteralType().(type) {
	case *pb.Expression_Literal_IntervalYearToMonth_:
		return fmt.Sprintf("INTERVAL '%d-%d' YEAR TO MONTH", x.IntervalYearToMonth.GetYears(), x.IntervalYearToMonth.GetMonths())
	case *pb.Expression_Literal_IntervalDayToSecond_:
		i := x.IntervalDayToSecond
		return fmt.Sprintf("INTERVAL '%d %d.%d' DAY TO SECOND", i.GetDays(), i.GetSeconds(), i.GetSubseconds())
	case *pb.Expression_Literal_Time:
		return fmt.Sprintf("TIME(%d)", x.Time)
	case *pb.Expression_Literal_List_:
		s := "["
		for i, e := range x.List.GetValues() {
			if i > 0 {
				s += ", "
			}
			s += literalText(e)
		}
		return s + "]"
	case *pb.Expression_Literal_Struct_:
		s := "{"
		for i, e := range x.Struct.GetFields() {
			if i > 0 {
				s += ", "
			}
			s += literalText(e)
		}
		return s + "}"
	case *pb.Expression_Literal_EmptyList:
		return "[]"
	case *pb.Expression_Literal_EmptyMap:
		return "MAP()"
	case *pb.Expression_Literal_Map_:
		s := "MAP("
		for i, kv := range x.Map.GetKeyValues() {
			if i > 0 {
				s += ", "
			}
			s += literalText(kv.GetKey()) + ": " + literalText(kv.GetValue())
		}
		return s + ")"
	case *pb.Expression_Literal_Decimal_:
		return fmt.Sprintf("DECIMAL(X'%X', %d)", x.Decimal.GetValue(), x.Decimal.GetScale())
	}
	return fmt.Sprintf("LITERAL(%T)", l.GetLiteralType())
}

// constValue evaluates a literal, or a cast of a literal whose result is
// exact: a date or timestamp string to a date or timestamp, an integer to a
// wider integer, a decimal or a float that holds it exactly, a decimal to a
// decimal of no smaller scale. Producers write such casts for typed
// constants (Isthmus: CAST('1995-03-15' AS date)).
//
// With fnName (resolving function anchors to base names) it also folds
// add, subtract and multiply of integer and decimal constants and a date
// plus or minus a whole-day or year-month interval, when the result is
// exact (Isthmus: DATE '1998-12-01' - INTERVAL '120' DAY).
func constValue(e *pb.Expression, fnName func(uint32) string) (model.Value, bool) {
	if l := e.GetLiteral(); l != nil {
		return LiteralValue(l)
	}
	if f := e.GetScalarFunction(); f != nil && fnName != nil {
		return foldCall(fnName(f.GetFunctionReference()), valueArgs(f), fnName)
	}
	c := e.GetCast()
	if c == nil {
		return model.Null, false
	}
	v, ok := constValue(c.GetInput(), fnName)
	if !ok {
		return model.Null, false
	}
	if v.IsNull() {
		return model.Null, true
	}
	switch t := c.GetType().GetKind().(type) {
	case *pb.Type_Date_:
		if v.Kind == model.KindString {
			if d, err := time.Parse("2006-01-02", strings.TrimSpace(v.Str)); err == nil {
				return model.DateValue(d.Unix() / 86400), true
			}
		}
		if v.Kind == model.KindDate {
			return v, true
		}
	case *pb.Type_Timestamp_, *pb.Type_PrecisionTimestamp_:
		if ts, ok := parseTimestamp(v); ok {
			return model.TimestampNTZValue(ts), true
		}
	case *pb.Type_I8_, *pb.Type_I16_, *pb.Type_I32_, *pb.Type_I64_:
		if v.Kind == model.KindInt && intFits(v.Int, c.GetType()) {
			return v, true
		}
	case *pb.Type_Fp32, *pb.Type_Fp64:
		if v.Kind == model.KindInt && v.Int > -(1<<24) && v.Int < 1<<24 {
			return model.FloatValue(float64(v.Int)), true
		}
		if v.Kind == model.KindFloat {
			if _, ok := t.(*pb.Type_Fp64); ok || float64(float32(v.Float)) == v.Float {
				return v, true
			}
		}
	case *pb.Type_Decimal_:
		if t.Decimal.GetScale() < 0 || t.Decimal.GetScale() > maxDecimalScale {
			return model.Null, false
		}
		switch v.Kind {
		case model.KindInt:
			return model.DecimalValue(new(big.Int).Mul(big.NewInt(v.Int), pow10(t.Decimal.GetScale())), t.Decimal.GetScale()), true
		case model.KindDecimal:
			if t.Decimal.GetScale() >= v.Scale {
				return model.DecimalValue(new(big.Int).Mul(v.Dec, pow10(t.Decimal.GetScale()-v.Scale)), t.Decimal.GetScale()), true
			}
		}
	case *pb.Type_String_, *pb.Type_Varchar, *pb.Type_FixedChar_:
		if v.Kind == model.KindString {
			return v, true
		}
	}
	return model.Null, false
}

func pow10(n int32) *big.Int { return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil) }

func intFits(i int64, t *pb.Type) bool {
	switch t.GetKind().(type) {
	case *pb.Type_I8_:
		return i >= -128 && i <= 127
	case *pb.Type_I16_:
		return i >= -32768 && i <= 32767
	case *pb.Type_I32_:
		return i >= -(1<<31) && i <= 1<<31-1
	}
	return true
}

func parseTimestamp(v model.Value) (int64, bool) {
	switch v.Kind {
	case model.KindTimestampNTZ:
		return v.Int, true
	case model.KindString:
		s := strings.TrimSpace(v.Str)
		for _, layout := range []string{"2006-01-02 15:04:05.999999", "2006-01-02T15:04:05.999999", "2006-01-02"} {
			if t, err := time.Parse(layout, s); err == nil {
				return t.UnixMicro(), true
			}
		}
	}
	return 0, false
}

// foldCall evaluates an arithmetic call on constants exactly, or reports
// false.
func foldCall(name string, args []*pb.Expression, fnName func(uint32) string) (model.Value, bool) {
	if len(args) != 2 || (name != "add" && name != "subtract" && name != "multiply") {
		return model.Null, false
	}
	// date ± interval
	if name != "multiply" {
		if d, ok := constValue(args[0], fnName); ok && d.Kind == model.KindDate {
			sign := 1
			if name == "subtract" {
				sign = -1
			}
			if l := args[1].GetLiteral(); l != nil {
				return shiftDate(d, l, sign)
			}
			return model.Null, false
		}
	}
	a, aok := constValue(args[0], fnName)
	b, bok := constValue(args[1], fnName)
	if !aok || !bok || a.IsNull() || b.IsNull() {
		return model.Null, false
	}
	if a.Kind == model.KindInt && b.Kind == model.KindInt {
		x, y := big.NewInt(a.Int), big.NewInt(b.Int)
		r := arith(name, x, y)
		if !r.IsInt64() {
			return model.Null, false
		}
		return model.IntValue(r.Int64()), true
	}
	ua, sa, ok1 := unscaled(a)
	ub, sb, ok2 := unscaled(b)
	if !ok1 || !ok2 {
		return model.Null, false
	}
	if name == "multiply" {
		if sa+sb > maxDecimalScale {
			return model.Null, false
		}
		return model.DecimalValue(arith(name, ua, ub), sa+sb), true
	}
	scale := max(sa, sb)
	ua.Mul(ua, pow10(scale-sa))
	ub.Mul(ub, pow10(scale-sb))
	return model.DecimalValue(arith(name, ua, ub), scale), true
}

func arith(name string, x, y *big.Int) *big.Int {
	switch name {
	case "add":
		return new(big.Int).Add(x, y)
	case "subtract":
		return new(big.Int).Sub(x, y)
	}
	return new(big.Int).Mul(x, y)
}

// unscaled returns an integer or decimal constant as unscaled × 10^-scale.
func unscaled(v model.Value) (*big.Int, int32, bool) {
	switch v.Kind {
	case model.KindInt:
		return big.NewInt(v.Int), 0, true
	case model.KindDecimal:
		return new(big.Int).Set(v.Dec), v.Scale, true
	}
	return nil, 0, false
}

// shiftDate adds sign × a whole-day or year-month interval literal to a date.
func shiftDate(d model.Value, l *pb.Expression_Literal, sign int) (model.Value, bool) {
	switch x := l.GetLiteralType().(type) {
	case *pb.Expression_Literal_IntervalDayToSecond_:
		i := x.IntervalDayToSecond
		if i.GetSeconds() != 0 || i.GetSubseconds() != 0 {
			return model.Null, false
		}
		return model.DateValue(d.Int + int64(sign)*int64(i.GetDays())), true
	case *pb.Expression_Literal_IntervalYearToMonth_:
		i := x.IntervalYearToMonth
		// SQL month arithmetic clamps to the month's last day (Nov 30 + 3
		// months = Feb 28), unlike time.AddDate, which normalizes to Mar 2.
		t := time.Unix(d.Int*86400, 0).UTC()
		months := int(t.Month()) - 1 + sign*(12*int(i.GetYears())+int(i.GetMonths()))
		y := t.Year() + months/12
		if months %= 12; months < 0 {
			months += 12
			y--
		}
		last := time.Date(y, time.Month(months+2), 0, 0, 0, 0, 0, time.UTC).Day()
		out := time.Date(y, time.Month(months+1), min(t.Day(), last), 0, 0, 0, 0, time.UTC)
		return model.DateValue(out.Unix() / 86400), true
	}
	return model.Null, false
}
