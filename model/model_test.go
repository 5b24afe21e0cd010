package model

import (
	"math"
	"math/big"
	"testing"
)

func TestCompare(t *testing.T) {
	dec := func(u int64, s int32) Value { return DecimalValue(big.NewInt(u), s) }
	tests := []struct {
		name   string
		a, b   Value
		want   int
		wantOK bool
	}{
		{"ints", IntValue(1), IntValue(2), -1, true},
		{"int vs decimal equal: 2 = 2.00", IntValue(2), dec(200, 2), 0, true},
		{"decimal vs float: 1.5 > 1.25", dec(15, 1), FloatValue(1.25), 1, true},
		{"int vs +inf", IntValue(math.MaxInt64), FloatValue(math.Inf(1)), -1, true},
		{"-inf vs int", FloatValue(math.Inf(-1)), IntValue(math.MinInt64), -1, true},
		{"NaN is not comparable", FloatValue(math.NaN()), FloatValue(1), 0, false},
		{"NULL is not comparable", Null, IntValue(1), 0, false},
		{"strings by bytes: 'Z' < 'a'", StringValue("Z"), StringValue("a"), -1, true},
		{"strings by UTF-8 bytes: 'é' > 'z'", StringValue("é"), StringValue("z"), 1, true},
		{"dates", DateValue(10), DateValue(10), 0, true},
		{"date vs timestamp: different domains", DateValue(0), TimestampValue(0), 0, false},
		{"string vs int: different domains", StringValue("1"), IntValue(1), 0, false},
		{"bools", BoolValue(false), BoolValue(true), -1, true},
		{"+inf vs decimal", FloatValue(math.Inf(1)), DecimalValue(big.NewInt(1), 30), 1, true},
		{"large decimals", DecimalValue(new(big.Int).Lsh(big.NewInt(1), 100), 0), IntValue(math.MaxInt64), 1, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := Compare(tc.a, tc.b)
			if ok != tc.wantOK || (ok && got != tc.want) {
				t.Fatalf("Compare(%v, %v) = %d, %v; want %d, %v", tc.a, tc.b, got, ok, tc.want, tc.wantOK)
			}
			if ok {
				back, _ := Compare(tc.b, tc.a)
				if back != -got {
					t.Fatalf("Compare is not antisymmetric: %d vs %d", got, back)
				}
			}
		})
	}
}

func TestValueString(t *testing.T) {
	tests := []struct {
		v    Value
		want string
	}{
		{Null, "NULL"},
		{BoolValue(true), "TRUE"},
		{IntValue(-7), "-7"},
		{FloatValue(2), "2.0"},
		{FloatValue(0.25), "0.25"},
		{FloatValue(math.NaN()), "NaN"},
		{DecimalValue(big.NewInt(-5), 3), "-0.005"},
		{DecimalValue(big.NewInt(12345), 2), "123.45"},
		{StringValue("it's"), "'it''s'"},
		{BinaryValue([]byte{0xde, 0xad}), "X'DEAD'"},
		{DateValue(18262), "DATE '2020-01-01'"},
		{TimestampValue(1577836800000000), "TIMESTAMP '2020-01-01 00:00:00+00:00'"},
		{TimestampNTZValue(1577836800000001), "TIMESTAMP '2020-01-01 00:00:00.000001'"},
	}
	for _, tc := range tests {
		if got := tc.v.String(); got != tc.want {
			t.Errorf("%#v.String() = %q, want %q", tc.v, got, tc.want)
		}
	}
}

func TestPredString(t *testing.T) {
	p := And{Args: []Pred{
		Cmp{Col: Col("a.b"), Op: OpGe, Val: IntValue(3)},
		Or{Args: []Pred{IsNull{Col: Col("weird name")}, In{Col: Col("c"), Vals: []Value{StringValue("x"), Null}, Negated: true}}},
		Not{Arg: Const{Val: false}},
		Opaque{Text: "like(s, 'a%')", Cols: []Column{Col("s")}},
	}}
	if got := QuoteIdent("and"); got != `"and"` {
		t.Errorf("QuoteIdent(and) = %s, want quoted", got)
	}
	want := `a.b >= 3 AND ("weird name" IS NULL OR c NOT IN ('x', NULL)) AND NOT (FALSE) AND like(s, 'a%')`
	if got := p.String(); got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	cols := Columns(p)
	var names []string
	for _, c := range cols {
		names = append(names, c.String())
	}
	if got := len(Conjuncts(p)); got != 4 {
		t.Errorf("Conjuncts: %d, want 4", got)
	}
	wantCols := []string{"a.b", "c", "s", "weird name"}
	if len(names) != len(wantCols) {
		t.Fatalf("Columns = %v, want %v", names, wantCols)
	}
	for i := range names {
		if names[i] != wantCols[i] {
			t.Fatalf("Columns = %v, want %v", names, wantCols)
		}
	}
}

func TestOpFlipNegate(t *testing.T) {
	for op := OpEq; op <= OpGe; op++ {
		if op.Flip().Flip() != op || op.Negate().Negate() != op {
			t.Errorf("%v: Flip/Negate are not involutions", op)
		}
	}
	if OpLt.Negate() != OpGe || OpLe.Flip() != OpGe {
		t.Error("wrong Negate/Flip table")
	}
}

func TestVectorRoundTrip(t *testing.T) {
	vals := map[Kind][]Value{
		KindBool:    {BoolValue(true), Null, BoolValue(false)},
		KindInt:     {IntValue(1), Null, IntValue(-1)},
		KindFloat:   {FloatValue(1.5), Null},
		KindString:  {StringValue("a"), Null},
		KindDecimal: {DecimalValue(big.NewInt(1), 2), Null},
		KindDate:    {DateValue(3), Null},
	}
	for k, vs := range vals {
		vec := NewVector(k, 2, len(vs))
		for _, v := range vs {
			vec.Append(v)
		}
		if vec.Len() != len(vs) {
			t.Fatalf("%v: Len %d", k, vec.Len())
		}
		for i, v := range vs {
			got := vec.Get(i)
			if got.IsNull() != v.IsNull() {
				t.Fatalf("%v[%d]: null mismatch", k, i)
			}
			if c, ok := Compare(got, v); !v.IsNull() && (!ok || c != 0) && k != KindBool {
				t.Fatalf("%v[%d]: got %v want %v", k, i, got, v)
			}
			if k == KindBool && !v.IsNull() && got.Bool != v.Bool {
				t.Fatalf("bool[%d]: got %v want %v", i, got, v)
			}
		}
	}
}

func TestCanonicalExtension(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://github.com/substrait-io/substrait/blob/main/extensions/functions_arithmetic.yaml", "extension:io.substrait:functions_arithmetic"},
		{"/functions_arithmetic.yaml", "extension:io.substrait:functions_arithmetic"},
		{"functions_string.yaml", "extension:io.substrait:functions_string"},
		{"extension:io.substrait:functions_arithmetic", "extension:io.substrait:functions_arithmetic"},
		{"https://github.com/substrait-io/substrait/blob/main/extensions/", "https://github.com/substrait-io/substrait/blob/main/extensions/"},
		{"https://example.com/ext/custom.yaml", "https://example.com/ext/custom.yaml"},
		{"", ""},
		{"https://example.com/functions_x.yaml?ref=1#frag", "extension:io.substrait:functions_x"},
		{"https://github.com/substrait-io/substrait/blob/main/extensions/type_variations.yaml", "extension:io.substrait:type_variations"},
	}
	for _, tc := range tests {
		if got := CanonicalExtension(tc.in); got != tc.want {
			t.Errorf("CanonicalExtension(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
