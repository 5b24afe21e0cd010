package scan

import (
	"math"
	"math/big"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/deltaplan/deltaplan/delta"
	"github.com/deltaplan/deltaplan/model"
)

func dec(s string, scale int32) model.Value {
	i, _ := new(big.Int).SetString(s, 10)
	return model.DecimalValue(i, scale)
}

// TestEvalExact: machine-number fast paths give the exact SQL answer,
// including a double equal to the nearest double of a decimal literal,
// NaN (largest, Spark order) and NULL (unknown).
func TestEvalExact(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	fb := array.NewFloat64Builder(mem)
	fb.AppendValues([]float64{0.1, 0.2, math.NaN(), 0}, []bool{true, true, true, false})
	xs := fb.NewArray()
	defer xs.Release()
	fb.Release()
	ib := array.NewInt32Builder(mem)
	ib.AppendValues([]int32{2, 3, -3, 0}, []bool{true, true, true, false})
	ks := ib.NewArray()
	defer ks.Release()
	ib.Release()
	fields := []*delta.Field{{Name: "x", Type: &delta.Type{Name: "double"}}, {Name: "k", Type: &delta.Type{Name: "integer"}}}
	cols := []arrow.Array{xs, ks}
	T, F, N := triTrue, triFalse, triNull
	cases := []struct {
		p      model.Pred
		want   []tri
		reason string
	}{
		{model.Cmp{Col: model.Col("x"), Op: model.OpGt, Val: dec("1", 1)}, []tri{T, T, T, N}, "double 0.1 is 0.1000000000000000055 > decimal 0.1; NaN is largest"},
		{model.Cmp{Col: model.Col("x"), Op: model.OpEq, Val: dec("1", 1)}, []tri{F, F, F, N}, "no double equals decimal 0.1"},
		{model.Cmp{Col: model.Col("x"), Op: model.OpEq, Val: model.FloatValue(0.1)}, []tri{T, F, F, N}, "double literal equals the double"},
		{model.Cmp{Col: model.Col("k"), Op: model.OpLt, Val: dec("25", 1)}, []tri{T, F, T, N}, "2 < 2.5, 3 > 2.5, -3 < 2.5"},
		{model.Cmp{Col: model.Col("k"), Op: model.OpGe, Val: dec("-25", 1)}, []tri{T, T, F, N}, "floor(-2.5) = -3 < -2.5"},
		{model.In{Col: model.Col("k"), Vals: []model.Value{model.IntValue(2), model.Null}}, []tri{T, N, N, N}, "IN with NULL is NULL when not found"},
		{model.In{Col: model.Col("k"), Vals: []model.Value{model.IntValue(2)}, Negated: true}, []tri{F, T, T, N}, "NOT IN"},
		{model.Or{Args: []model.Pred{model.IsNull{Col: model.Col("k")}, model.Cmp{Col: model.Col("k"), Op: model.OpGt, Val: model.IntValue(2)}}}, []tri{F, T, F, T}, "OR: TRUE dominates NULL"},
		{model.Not{Arg: model.Cmp{Col: model.Col("k"), Op: model.OpEq, Val: model.IntValue(2)}}, []tri{F, T, T, N}, "NOT NULL is NULL"},
		{model.And{Args: []model.Pred{model.Const{Val: true}, model.Cmp{Col: model.Col("k"), Op: model.OpNe, Val: model.IntValue(3)}}}, []tri{T, F, T, N}, "AND with TRUE"},
	}
	for _, c := range cases {
		e, err := newEvaluator(c.p, fields)
		if err != nil {
			t.Fatalf("%s: %v", c.reason, err)
		}
		got, err := e.eval(cols, 4)
		if err != nil {
			t.Fatalf("%s: %v", c.reason, err)
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("%s: %s row %d = %d, want %d", c.reason, c.p, i, got[i], c.want[i])
			}
		}
	}
}

// TestEvalNestedNull: a field of a NULL struct is NULL in comparisons and
// IS NULL is TRUE for it.
func TestEvalNestedNull(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	st := arrow.StructOf(arrow.Field{Name: "b", Type: arrow.PrimitiveTypes.Int64, Nullable: true})
	sb := array.NewStructBuilder(mem, st)
	defer sb.Release()
	for i, valid := range []bool{true, false, true} {
		sb.Append(valid)
		sb.FieldBuilder(0).(*array.Int64Builder).Append(int64(i * 10))
	}
	a := sb.NewArray()
	defer a.Release()
	fields := []*delta.Field{{Name: "a", Type: &delta.Type{Name: "struct", Fields: []delta.Field{{Name: "b", Type: &delta.Type{Name: "long"}}}}}}
	for _, c := range []struct {
		p    model.Pred
		want []tri
	}{
		{model.Cmp{Col: model.Col("a.b"), Op: model.OpGe, Val: model.IntValue(0)}, []tri{triTrue, triNull, triTrue}},
		{model.IsNull{Col: model.Col("a.b")}, []tri{triFalse, triTrue, triFalse}},
		{model.IsNull{Col: model.Col("a.b"), Negated: true}, []tri{triTrue, triFalse, triTrue}},
	} {
		e, err := newEvaluator(c.p, fields)
		if err != nil {
			t.Fatal(err)
		}
		got, err := e.eval([]arrow.Array{a}, 3)
		if err != nil {
			t.Fatal(err)
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("%s: row %d = %d, want %d (the struct of row 1 is NULL)", c.p, i, got[i], c.want[i])
			}
		}
	}
}
