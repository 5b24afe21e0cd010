package planbundle

import (
	"context"
	"errors"
	"math/big"
	"path/filepath"
	"strings"
	"testing"

	pb "github.com/substrait-io/substrait-protobuf/go/substraitpb"

	"github.com/deltaplan/deltaplan/delta"
	"github.com/deltaplan/deltaplan/internal/fixtures"
	"github.com/deltaplan/deltaplan/lineage"
)

// Substrait type builders for hand-made base schemas.
var (
	nullable = pb.Type_NULLABILITY_NULLABLE
	required = pb.Type_NULLABILITY_REQUIRED
)

func tI32(n pb.Type_Nullability) *pb.Type {
	return &pb.Type{Kind: &pb.Type_I32_{I32: &pb.Type_I32{Nullability: n}}}
}
func tI64(n pb.Type_Nullability) *pb.Type {
	return &pb.Type{Kind: &pb.Type_I64_{I64: &pb.Type_I64{Nullability: n}}}
}
func tStr() *pb.Type {
	return &pb.Type{Kind: &pb.Type_String_{String_: &pb.Type_String{Nullability: nullable}}}
}
func tDec(p, s int32) *pb.Type {
	return &pb.Type{Kind: &pb.Type_Decimal_{Decimal: &pb.Type_Decimal{Precision: p, Scale: s, Nullability: nullable}}}
}
func tStruct(ts ...*pb.Type) *pb.Type {
	return &pb.Type{Kind: &pb.Type_Struct_{Struct: &pb.Type_Struct{Types: ts, Nullability: nullable}}}
}

func readOf(names []string, types ...*pb.Type) lineage.Read {
	return lineage.Read{Table: "t", Kind: lineage.ReadNamedTable, Path: "root.read",
		BaseSchema: &pb.NamedStruct{Names: names, Struct: &pb.Type_Struct{Types: types}}}
}

func fixtureSchema(t *testing.T, name string) *delta.Schema {
	t.Helper()
	loc := filepath.Join(fixtures.Dir(t, "delta"), name)
	snap, err := Pin(context.Background(), func(ctx context.Context, l string) (*delta.Table, error) { return delta.Open(ctx, l) },
		Table{Name: name, Location: loc})
	if err != nil {
		t.Fatal(err)
	}
	return snap.Metadata.Schema
}

// TestSchemaCheck: each read's base schema is checked against the pinned
// table's schema, names resolved as Delta resolves them.
func TestSchemaCheck(t *testing.T) {
	sales, err := delta.ParseSchema(`{"type":"struct","fields":[
		{"name":"order_id","type":"long","nullable":false,"metadata":{}},
		{"name":"amount","type":"decimal(12,2)","nullable":true,"metadata":{}},
		{"name":"quantity","type":"integer","nullable":true,"metadata":{}}]}`)
	if err != nil {
		t.Fatal(err)
	}
	mapped := fixtureSchema(t, "data-skipping-basic-stats-all-types-columnmapping-name")
	nested := fixtureSchema(t, "data-reader-nested-struct")
	tests := []struct {
		name    string
		read    lineage.Read
		schema  *delta.Schema
		wantErr string // "" = fits
		columns string // resolved "name->column:type", when it fits
	}{
		{"equal types", readOf([]string{"order_id", "amount"}, tI64(required), tDec(12, 2)), sales, "",
			"order_id->order_id:long,amount->amount:decimal(12,2)"},
		{"missing column", readOf([]string{"order_id", "discount"}, tI64(nullable), tDec(12, 2)), sales,
			"column discount: the table has no such column (plan type decimal<12,2>)", ""},
		{"wrong type: long read as i32 may overflow", readOf([]string{"order_id"}, tI32(nullable)), sales,
			"column order_id: plan type i32, table type long: neither equal nor a safe widening", ""},
		{"wrong type: decimal(12,2) read as decimal<12,4> loses integer digits", readOf([]string{"amount"}, tDec(12, 4)), sales,
			"column amount: plan type decimal<12,4>, table type decimal(12,2)", ""},
		{"safe widening: integer as i64, decimal(12,2) as decimal<14,3>", readOf([]string{"quantity", "amount"}, tI64(nullable), tDec(14, 3)), sales, "",
			"quantity->quantity:integer,amount->amount:decimal(12,2)"},
		{"required in the plan, nullable in the table", readOf([]string{"quantity"}, tI32(required)), sales,
			"column quantity: the plan requires it (plan type i32 NOT NULL) but the table's integer is nullable", ""},
		{"case: Delta resolves names case-insensitively", readOf([]string{"ORDER_ID", "Amount"}, tI64(nullable), tDec(12, 2)), sales, "",
			"ORDER_ID->order_id:long,Amount->amount:decimal(12,2)"},
		{"column mapping: the logical name resolves", readOf([]string{"as_int", "as_long"}, tI32(nullable), tI64(nullable)), mapped, "",
			"as_int->as_int:integer,as_long->as_long:long"},
		{"column mapping: the physical name is not a column", readOf([]string{"col-51c5f1e8-f3d9-4504-86fb-003ea4d1b703"}, tI32(nullable)), mapped,
			"column col-51c5f1e8-f3d9-4504-86fb-003ea4d1b703: the table has no such column", ""},
		{"nested: fields by path", readOf([]string{"a", "aa", "ac", "acb", "b"}, tStruct(tStr(), tStruct(tI64(nullable))), tI32(nullable)), nested, "",
			"a->a:struct<aa:string,ab:string,ac:struct<aca:integer,acb:long>>,b->b:integer"},
		{"nested: a wrong type deep down is named by its path", readOf([]string{"a", "ac", "aca", "AB"}, tStruct(tStruct(tStr()), tI64(nullable))), nested,
			"column a.ac.aca: plan type string, table type integer: neither equal nor a safe widening; column a.AB: plan type i64, table type string", ""},
		{"nested: a missing field", readOf([]string{"a", "zz"}, tStruct(tStr())), nested,
			"column a.zz: the table has no such column (plan type string)", ""},
		{"no base schema", lineage.Read{Table: "t", Path: "root.read"}, sales, "read t at root.read has no base schema", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rs, err := checkSchema(tc.read, tc.schema)
			if tc.wantErr != "" {
				if !errors.Is(err, ErrSchemaMismatch) || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got %v, want ErrSchemaMismatch containing %q", err, tc.wantErr)
				}
				if !strings.Contains(err.Error(), "read t at root.read") {
					t.Fatalf("error %q does not name the read", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range rs.Columns {
				got = append(got, c.Name+"->"+c.Column+":"+c.DeltaType)
			}
			if strings.Join(got, ",") != tc.columns {
				t.Fatalf("resolved %s, want %s", strings.Join(got, ","), tc.columns)
			}
		})
	}
}

// TestBuildChecksSchema: Build refuses a plan whose base schema gives a
// column another type than the pinned table, naming the read, the column
// and both types; a fitting plan records its resolved columns.
func TestBuildChecksSchema(t *testing.T) {
	plan := string(revenuePlan(t))
	bad := replaceOnce(t, plan, `{"decimal": {"precision": 12, "scale": 2, "nullability": "NULLABILITY_NULLABLE"}}`,
		`{"i32": {"nullability": "NULLABILITY_NULLABLE"}}`)
	_, err := Build(context.Background(), Inputs{Plan: []byte(bad), Tables: []Table{{Name: "sales", Location: salesDir(t)}}})
	if !errors.Is(err, ErrSchemaMismatch) || !strings.Contains(err.Error(), "read sales at root.aggregate.filter.read: column amount: plan type i32, table type decimal(12,2)") {
		t.Fatalf("got %v", err)
	}
	b := mustBuild(t, Inputs{Plan: []byte(plan), Tables: []Table{{Name: "sales", Location: salesDir(t)}}})
	if len(b.Reads) != 1 || b.Reads[0].Path != "root.aggregate.filter.read" || len(b.Reads[0].Columns) == 0 {
		t.Fatalf("reads %+v", b.Reads)
	}
}

// numDomain describes the values of a numeric type for the oracle below:
// an integer-valued range, or a float with an exact-integer mantissa, or a
// decimal grid.
type numDomain struct {
	lo, hi   *big.Rat // every value lies in [lo, hi]
	step     *big.Rat // values are multiples of step (nil: not a grid, a float)
	mantissa int      // floats: every integer below 2^mantissa is exact
	float    int      // floats: 32 or 64
}

func intDomain(bits int) numDomain {
	hi := new(big.Int).Lsh(big.NewInt(1), uint(bits-1))
	lo := new(big.Int).Neg(hi)
	hi.Sub(hi, big.NewInt(1))
	return numDomain{lo: new(big.Rat).SetInt(lo), hi: new(big.Rat).SetInt(hi), step: big.NewRat(1, 1)}
}

func decDomain(p, s int) numDomain {
	unit := new(big.Rat).SetFrac(big.NewInt(1), new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(s)), nil))
	max := new(big.Rat).SetInt(new(big.Int).Sub(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(p)), nil), big.NewInt(1)))
	max.Mul(max, unit)
	return numDomain{lo: new(big.Rat).Neg(max), hi: max, step: unit}
}

// holds is the independent answer: every value of table type x is exactly a
// value of plan type y.
func holds(x, y numDomain) bool {
	switch {
	case x.float != 0:
		return y.float != 0 && y.float >= x.float
	case y.float != 0:
		// A grid of integers fits a float when its largest magnitude is
		// below 2^mantissa; a grid with fractions (0.1) never does.
		if x.step.Cmp(big.NewRat(1, 1)) < 0 {
			return false
		}
		limit := new(big.Rat).SetInt(new(big.Int).Lsh(big.NewInt(1), uint(y.mantissa)))
		return new(big.Rat).Abs(x.lo).Cmp(limit) <= 0 && x.hi.Cmp(limit) <= 0
	}
	if y.lo.Cmp(x.lo) > 0 || y.hi.Cmp(x.hi) < 0 {
		return false
	}
	q := new(big.Rat).Quo(x.step, y.step) // y's grid must contain x's
	return q.IsInt()
}

// TestReadableAsMatchesOracle: the widening rules agree with value ranges
// over every pair of numeric Delta and Substrait types tried.
func TestReadableAsMatchesOracle(t *testing.T) {
	type deltaT struct {
		t *delta.Type
		d numDomain
	}
	var table []deltaT
	for _, n := range []struct {
		name string
		bits int
	}{{"byte", 8}, {"short", 16}, {"integer", 32}, {"long", 64}} {
		table = append(table, deltaT{&delta.Type{Name: n.name}, intDomain(n.bits)})
	}
	table = append(table, deltaT{&delta.Type{Name: "float"}, numDomain{float: 32, mantissa: 24}},
		deltaT{&delta.Type{Name: "double"}, numDomain{float: 64, mantissa: 53}})
	type planT struct {
		t *pb.Type
		d numDomain
	}
	plan := []planT{
		{&pb.Type{Kind: &pb.Type_I8_{I8: &pb.Type_I8{}}}, intDomain(8)},
		{&pb.Type{Kind: &pb.Type_I16_{I16: &pb.Type_I16{}}}, intDomain(16)},
		{tI32(nullable), intDomain(32)},
		{tI64(nullable), intDomain(64)},
		{&pb.Type{Kind: &pb.Type_Fp32{Fp32: &pb.Type_FP32{}}}, numDomain{float: 32, mantissa: 24}},
		{&pb.Type{Kind: &pb.Type_Fp64{Fp64: &pb.Type_FP64{}}}, numDomain{float: 64, mantissa: 53}},
	}
	for _, ps := range [][2]int{{1, 0}, {3, 0}, {5, 0}, {7, 0}, {8, 0}, {10, 0}, {15, 0}, {16, 0}, {19, 0}, {20, 0}, {12, 2}, {14, 3}, {12, 4}, {38, 18}} {
		table = append(table, deltaT{&delta.Type{Name: "decimal", Precision: ps[0], Scale: ps[1]}, decDomain(ps[0], ps[1])})
		plan = append(plan, planT{tDec(int32(ps[0]), int32(ps[1])), decDomain(ps[0], ps[1])})
	}
	for _, x := range table {
		for _, y := range plan {
			want := holds(x.d, y.d)
			if got := readableAs(x.t, y.t); got != want {
				t.Errorf("table %s as plan %s: readableAs %v, value ranges say %v", x.t, lineage.TypeName(y.t), got, want)
			}
		}
	}
}
