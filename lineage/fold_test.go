package lineage

import (
	"math/big"
	"testing"

	pb "github.com/substrait-io/substrait-protobuf/go/substraitpb"

	"github.com/deltaplan/deltaplan/model"
)

func TestConstValueFolding(t *testing.T) {
	names := map[uint32]string{1: "add", 2: "subtract", 3: "multiply", 4: "concat"}
	fnName := func(a uint32) string { return names[a] }
	lit := func(l *pb.Expression_Literal) *pb.Expression {
		return &pb.Expression{RexType: &pb.Expression_Literal_{Literal: l}}
	}
	i64 := func(v int64) *pb.Expression {
		return lit(&pb.Expression_Literal{LiteralType: &pb.Expression_Literal_I64{I64: v}})
	}
	str := func(v string) *pb.Expression {
		return lit(&pb.Expression_Literal{LiteralType: &pb.Expression_Literal_String_{String_: v}})
	}
	date := func(d int32) *pb.Expression {
		return lit(&pb.Expression_Literal{LiteralType: &pb.Expression_Literal_Date{Date: d}})
	}
	dec := func(u int64, s int32) *pb.Expression {
		b := make([]byte, 16)
		n := big.NewInt(u)
		if u < 0 {
			n.Add(n, new(big.Int).Lsh(big.NewInt(1), 128))
		}
		be := n.FillBytes(make([]byte, 16))
		for i := range be {
			b[15-i] = be[i]
		}
		return lit(&pb.Expression_Literal{LiteralType: &pb.Expression_Literal_Decimal_{Decimal: &pb.Expression_Literal_Decimal{Value: b, Scale: s, Precision: 15}}})
	}
	days := func(d, secs int32) *pb.Expression {
		return lit(&pb.Expression_Literal{LiteralType: &pb.Expression_Literal_IntervalDayToSecond_{IntervalDayToSecond: &pb.Expression_Literal_IntervalDayToSecond{Days: d, Seconds: secs}}})
	}
	months := func(y, m int32) *pb.Expression {
		return lit(&pb.Expression_Literal{LiteralType: &pb.Expression_Literal_IntervalYearToMonth_{IntervalYearToMonth: &pb.Expression_Literal_IntervalYearToMonth{Years: y, Months: m}}})
	}
	call := func(fn uint32, a, b *pb.Expression) *pb.Expression {
		return &pb.Expression{RexType: &pb.Expression_ScalarFunction_{ScalarFunction: &pb.Expression_ScalarFunction{
			FunctionReference: fn, Arguments: []*pb.FunctionArgument{{ArgType: &pb.FunctionArgument_Value{Value: a}}, {ArgType: &pb.FunctionArgument_Value{Value: b}}}}}}
	}
	cast := func(e *pb.Expression, t *pb.Type) *pb.Expression {
		return &pb.Expression{RexType: &pb.Expression_Cast_{Cast: &pb.Expression_Cast{Input: e, Type: t}}}
	}
	dateT := &pb.Type{Kind: &pb.Type_Date_{Date: &pb.Type_Date{}}}
	decT := func(s int32) *pb.Type {
		return &pb.Type{Kind: &pb.Type_Decimal_{Decimal: &pb.Type_Decimal{Scale: s, Precision: 15}}}
	}
	i8T := &pb.Type{Kind: &pb.Type_I8_{I8: &pb.Type_I8{}}}
	tests := []struct {
		name string
		e    *pb.Expression
		want string // "" when the expression must not fold
	}{
		{"should fold int addition", call(1, i64(1), i64(10)), "11"},
		{"should fold decimal minus decimal at the larger scale", call(2, dec(6, 2), dec(1, 1)), "-0.04"},
		{"should fold int times decimal", call(3, i64(3), dec(25, 2)), "0.75"},
		{"should fold date minus whole days", call(2, date(10561), days(120, 0)), "DATE '1998-08-03'"},
		{"should fold date plus months across a year end", call(1, cast(str("1994-11-30"), dateT), months(0, 3)), "DATE '1995-02-28'"},
		{"should fold date minus months into the previous year", call(2, cast(str("1995-01-31"), dateT), months(0, 2)), "DATE '1994-11-30'"},
		{"should fold date minus a year onto a non-leap February", call(2, cast(str("1996-02-29"), dateT), months(1, 0)), "DATE '1995-02-28'"},
		{"should fold string cast to date", cast(str("1995-03-15"), dateT), "DATE '1995-03-15'"},
		{"should fold int cast to decimal exactly", cast(i64(7), decT(2)), "7.00"},
		{"should not fold a decimal cast that would round", cast(dec(125, 2), decT(1)), ""},
		{"should not fold an int cast that overflows", cast(i64(300), i8T), ""},
		{"should not fold an interval with seconds", call(2, date(10561), days(1, 5)), ""},
		{"should not fold int overflow", call(3, i64(1<<62), i64(4)), ""},
		{"should not fold an unknown function", call(4, str("a"), str("b")), ""},
		{"should not fold a malformed date string", cast(str("not a date"), dateT), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, ok := constValue(tc.e, fnName)
			switch {
			case tc.want == "" && ok:
				t.Fatalf("folded to %v, want no folding", v)
			case tc.want != "" && (!ok || v.String() != tc.want):
				t.Fatalf("got %v, %v; want %s", v, ok, tc.want)
			}
		})
	}
	if v, ok := constValue(i64(5), nil); !ok || v != model.IntValue(5) {
		t.Fatalf("plain literal: %v %v", v, ok)
	}
}
