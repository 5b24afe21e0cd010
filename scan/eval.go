package scan

import (
	"fmt"
	"math"
	"math/big"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/deltaplan/deltaplan/delta"
	"github.com/deltaplan/deltaplan/model"
)

// tri is a SQL truth value.
type tri uint8

const (
	triFalse tri = iota
	triTrue
	triNull
)

// evaluator evaluates a predicate on the rows of a batch in SQL
// three-valued logic. It is immutable once built, so the file readers
// share one. Comparison semantics match the pruner's (scanunit.Pruner), so
// that pruning with a filter and then filtering rows equals filtering every
// row: floats in Spark's order (NaN equal to NaN and above +Inf, -0 = 0),
// numeric kinds compared exactly with each other, a string literal against
// a date or timestamp column parsed as one, a zoneless timestamp literal
// against a zoned column read as UTC.
type evaluator struct {
	root *enode
}

type enodeKind uint8

const (
	eAnd enodeKind = iota
	eOr
	eNot
	eCmp
	eIsNull
	eIn
	eConst
)

type enode struct {
	kind    enodeKind
	args    []*enode
	col     int      // index into the read's fields
	path    []string // nested struct fields below the top-level column
	colKind model.Kind
	op      model.Op
	lit     model.Value
	lits    []model.Value
	hasNull bool // an IN list holding NULL
	negated bool
	val     bool

	// Numeric fast paths, set when lit is a finite number: fLit is the
	// double nearest to it and fSign how fLit compares with the exact
	// literal; iLit is floor(lit) and iFrac whether lit has a fraction
	// (iOK when floor(lit) fits an int64).
	numOK bool
	fLit  float64
	fSign int
	iLit  int64
	iFrac bool
	iOK   bool
}

// newEvaluator compiles p against the read's top-level fields. Every
// predicate form of model.Pred is handled here; a form this package does
// not know (added to the model later) is an error, never a guess.
func newEvaluator(p model.Pred, fields []*delta.Field) (*evaluator, error) {
	root, err := compileRow(p, fields)
	if err != nil {
		return nil, err
	}
	return &evaluator{root: root}, nil
}

func compileRow(p model.Pred, fields []*delta.Field) (*enode, error) {
	switch p := p.(type) {
	case model.And:
		return compileArgs(eAnd, p.Args, fields)
	case model.Or:
		return compileArgs(eOr, p.Args, fields)
	case model.Not:
		a, err := compileRow(p.Arg, fields)
		if err != nil {
			return nil, err
		}
		return &enode{kind: eNot, args: []*enode{a}}, nil
	case model.Const:
		return &enode{kind: eConst, val: p.Val}, nil
	case model.IsNull:
		n, _, err := column(p.Col, fields)
		if err != nil {
			return nil, err
		}
		n.kind, n.negated = eIsNull, p.Negated
		return n, nil
	case model.Cmp:
		n, t, err := column(p.Col, fields)
		if err != nil {
			return nil, err
		}
		n.kind, n.op = eCmp, p.Op
		if n.lit, err = literalFor(p.Val, n.colKind, t, p.Col); err != nil {
			return nil, err
		}
		n.prepareNumeric()
		return n, nil
	case model.In:
		n, t, err := column(p.Col, fields)
		if err != nil {
			return nil, err
		}
		n.kind, n.negated = eIn, p.Negated
		for _, v := range p.Vals {
			if v.IsNull() {
				n.hasNull = true
				continue
			}
			lit, err := literalFor(v, n.colKind, t, p.Col)
			if err != nil {
				return nil, err
			}
			n.lits = append(n.lits, lit)
		}
		return n, nil
	case model.Opaque:
		return nil, fmt.Errorf("%w: %q is not expressible in the predicate model, so rows cannot be filtered by it", ErrFilter, p.Text)
	case nil:
		return nil, fmt.Errorf("%w: nil predicate", ErrFilter)
	default:
		return nil, fmt.Errorf("%w: unknown predicate form %T (%s)", ErrFilter, p, p)
	}
}

// prepareNumeric precomputes what comparing a float or integer column with
// an exact numeric literal needs, so rows compare as machine numbers with
// the exact answer. For a double v and the double f nearest to literal L,
// no double lies strictly between f and L, so v != f compares with L as
// with f; v == f compares as f does with L.
func (n *enode) prepareNumeric() {
	r, ok := n.lit.Rat()
	if !ok {
		return
	}
	n.numOK = true
	n.fLit, _ = r.Float64()
	if math.IsInf(n.fLit, 0) {
		n.numOK = false
		return
	}
	n.fSign = new(big.Rat).SetFloat64(n.fLit).Cmp(r)
	fl := new(big.Int).Div(r.Num(), r.Denom()) // Euclidean: floor for a positive denominator
	n.iFrac = !r.IsInt()
	n.iOK = fl.IsInt64()
	n.iLit = fl.Int64()
}

// cmpIntLit compares an integer with the exact literal.
func (n *enode) cmpIntLit(v int64) int {
	switch {
	case v < n.iLit:
		return -1
	case v > n.iLit:
		return 1
	case n.iFrac: // v == floor(L) < L
		return -1
	}
	return 0
}

// cmpFloatLit compares a double with the exact literal in Spark's order.
func (n *enode) cmpFloatLit(v float64) int {
	switch {
	case math.IsNaN(v):
		return 1
	case v < n.fLit:
		return -1
	case v > n.fLit:
		return 1
	}
	return n.fSign
}

func compileArgs(k enodeKind, args []model.Pred, fields []*delta.Field) (*enode, error) {
	n := &enode{kind: k}
	for _, a := range args {
		c, err := compileRow(a, fields)
		if err != nil {
			return nil, err
		}
		n.args = append(n.args, c)
	}
	return n, nil
}

// column resolves a logical column path to a top-level field and a nested
// path of struct fields, and its value kind.
func column(c model.Column, fields []*delta.Field) (*enode, *delta.Type, error) {
	for i, f := range fields {
		if f.Name != c[0] {
			continue
		}
		t := f.Type
		for _, name := range c[1:] {
			if t.Name != "struct" {
				return nil, nil, fmt.Errorf("%w: column %s: %s is not a struct", ErrFilter, c, t)
			}
			var next *delta.Type
			for j := range t.Fields {
				if t.Fields[j].Name == name {
					next = t.Fields[j].Type
				}
			}
			if next == nil {
				return nil, nil, fmt.Errorf("%w: column %s: no field %q", ErrFilter, c, name)
			}
			t = next
		}
		k, ok := kindOf(t)
		if !ok {
			return nil, nil, fmt.Errorf("%w: column %s of type %s cannot be compared", ErrFilter, c, t)
		}
		return &enode{col: i, path: c[1:], colKind: k}, t, nil
	}
	return nil, nil, fmt.Errorf("%w: no column %s", ErrFilter, c)
}

func kindOf(t *delta.Type) (model.Kind, bool) {
	switch t.Name {
	case "byte", "short", "integer", "long":
		return model.KindInt, true
	case "float", "double":
		return model.KindFloat, true
	case "decimal":
		return model.KindDecimal, true
	case "string":
		return model.KindString, true
	case "binary":
		return model.KindBinary, true
	case "boolean":
		return model.KindBool, true
	case "date":
		return model.KindDate, true
	case "timestamp":
		return model.KindTimestamp, true
	case "timestamp_ntz":
		return model.KindTimestampNTZ, true
	}
	return model.KindNull, false
}

func numeric(k model.Kind) bool {
	return k == model.KindInt || k == model.KindFloat || k == model.KindDecimal
}

// literalFor checks a literal can be compared with a column of kind k and
// converts it into the column's domain where the semantics say so.
func literalFor(v model.Value, k model.Kind, t *delta.Type, c model.Column) (model.Value, error) {
	switch {
	case v.IsNull():
		return v, nil
	case numeric(k) && numeric(v.Kind):
		return v, nil
	case v.Kind == k:
		return v, nil
	case (k == model.KindTimestamp || k == model.KindTimestampNTZ) && (v.Kind == model.KindTimestamp || v.Kind == model.KindTimestampNTZ):
		return model.Value{Kind: k, Int: v.Int}, nil
	case v.Kind == model.KindString && (k == model.KindDate || k == model.KindTimestamp || k == model.KindTimestampNTZ):
		if us, ok := parseTime(v.Str); ok {
			if k == model.KindDate {
				if us%(86400*1e6) != 0 {
					return v, fmt.Errorf("%w: column %s is a date; %s is not one", ErrFilter, c, v)
				}
				return model.DateValue(floorDiv(us, 86400*1e6)), nil
			}
			return model.Value{Kind: k, Int: us}, nil
		}
	case v.Kind == model.KindString && k == model.KindBinary:
		return model.BinaryValue([]byte(v.Str)), nil
	}
	return v, fmt.Errorf("%w: column %s of type %s cannot be compared with %s", ErrFilter, c, t, v)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func parseTime(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2006-01-02", "2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02 15:04:05.999999", "2006-01-02T15:04:05.999999", time.RFC3339Nano, "2006-01-02 15:04:05.999999Z07:00"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UnixMicro(), true
		}
	}
	return 0, false
}

// eval returns the truth value of the predicate on each of n rows.
func (e *evaluator) eval(cols []arrow.Array, n int) ([]tri, error) {
	out := make([]tri, n)
	if err := evalNode(e.root, cols, out); err != nil {
		return nil, err
	}
	return out, nil
}

func evalNode(nd *enode, cols []arrow.Array, out []tri) error {
	switch nd.kind {
	case eConst:
		v := triFalse
		if nd.val {
			v = triTrue
		}
		for i := range out {
			out[i] = v
		}
	case eAnd, eOr:
		// AND: FALSE dominates, then NULL; OR: TRUE dominates, then NULL.
		dom, id := triFalse, triTrue
		if nd.kind == eOr {
			dom, id = triTrue, triFalse
		}
		for i := range out {
			out[i] = id
		}
		tmp := make([]tri, len(out))
		for _, a := range nd.args {
			if err := evalNode(a, cols, tmp); err != nil {
				return err
			}
			for i, t := range tmp {
				switch {
				case out[i] == dom:
				case t == dom:
					out[i] = dom
				case t == triNull:
					out[i] = triNull
				}
			}
		}
	case eNot:
		if err := evalNode(nd.args[0], cols, out); err != nil {
			return err
		}
		for i, t := range out {
			switch t {
			case triTrue:
				out[i] = triFalse
			case triFalse:
				out[i] = triTrue
			}
		}
	case eIsNull, eCmp, eIn:
		arr, parents, err := leaf(cols[nd.col], nd.path)
		if err != nil {
			return err
		}
		// A field of a NULL struct is NULL, whatever the child array holds.
		defer func() {
			for _, par := range parents {
				for i := range out {
					if par.IsNull(i) {
						out[i] = triNull
						if nd.kind == eIsNull {
							out[i] = b2t(!nd.negated)
						}
					}
				}
			}
		}()
		if arr.Len() != len(out) {
			return fmt.Errorf("scan: internal: column has %d rows, batch %d", arr.Len(), len(out))
		}
		switch nd.kind {
		case eIsNull:
			for i := range out {
				out[i] = b2t(arr.IsNull(i) != nd.negated)
			}
		case eCmp:
			return evalCmp(nd, arr, out)
		case eIn:
			return evalIn(nd, arr, out)
		}
	default:
		return fmt.Errorf("scan: internal: evaluator node kind %d", nd.kind)
	}
	return nil
}

func b2t(b bool) tri {
	if b {
		return triTrue
	}
	return triFalse
}

// leaf walks struct fields. It also returns the struct arrays on the way
// that hold NULLs: a NULL struct makes its fields NULL, which the child
// arrays need not show, so the caller merges them.
func leaf(a arrow.Array, path []string) (arrow.Array, []arrow.Array, error) {
	var parents []arrow.Array
	for _, name := range path {
		s, ok := a.(*array.Struct)
		if !ok {
			return nil, nil, fmt.Errorf("%w: %s is not a struct", ErrFilter, a.DataType())
		}
		st := s.DataType().(*arrow.StructType)
		i, ok := st.FieldIdx(name)
		if !ok {
			return nil, nil, fmt.Errorf("%w: no struct field %q", ErrFilter, name)
		}
		if s.NullN() > 0 {
			parents = append(parents, s)
		}
		a = s.Field(i)
	}
	return a, parents, nil
}

func evalCmp(nd *enode, arr arrow.Array, out []tri) error {
	lit := nd.lit
	if lit.IsNull() {
		for i := range out {
			out[i] = triNull
		}
		return nil
	}
	// Fast paths for the common column types with a literal of the same
	// domain; everything else goes through model values.
	switch a := arr.(type) {
	case *array.Int64:
		if nd.iOK {
			vs := a.Int64Values()
			for i, v := range vs {
				if a.IsNull(i) {
					out[i] = triNull
				} else {
					out[i] = b2t(nd.op.Holds(nd.cmpIntLit(v)))
				}
			}
			return nil
		}
	case *array.Int32:
		if nd.iOK {
			vs := a.Int32Values()
			for i, v := range vs {
				if a.IsNull(i) {
					out[i] = triNull
				} else {
					out[i] = b2t(nd.op.Holds(nd.cmpIntLit(int64(v))))
				}
			}
			return nil
		}
	case *array.Float64:
		if lit.Kind == model.KindFloat && !math.IsNaN(lit.Float) {
			vs := a.Float64Values()
			for i, v := range vs {
				if a.IsNull(i) {
					out[i] = triNull
				} else {
					out[i] = b2t(nd.op.Holds(model.CompareFloat(v, lit.Float)))
				}
			}
			return nil
		}
		if nd.numOK {
			vs := a.Float64Values()
			for i, v := range vs {
				if a.IsNull(i) {
					out[i] = triNull
				} else {
					out[i] = b2t(nd.op.Holds(nd.cmpFloatLit(v)))
				}
			}
			return nil
		}
	case *array.String:
		if lit.Kind == model.KindString {
			for i := range out {
				if a.IsNull(i) {
					out[i] = triNull
				} else {
					out[i] = b2t(nd.op.Holds(strings.Compare(a.Value(i), lit.Str)))
				}
			}
			return nil
		}
	}
	for i := range out {
		v, err := valueAt(arr, i)
		if err != nil {
			return err
		}
		c, ok := compareRow(v, lit)
		switch {
		case v.IsNull():
			out[i] = triNull
		case !ok:
			return fmt.Errorf("%w: cannot compare %s with %s", ErrFilter, v, lit)
		default:
			out[i] = b2t(nd.op.Holds(c))
		}
	}
	return nil
}

func cmp64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// compareRow compares a row value with a literal of a compatible domain.
func compareRow(v, lit model.Value) (int, bool) {
	if v.IsNull() {
		return 0, true
	}
	if v.Kind == model.KindFloat || lit.Kind == model.KindFloat {
		fv, fl := asFloatNaN(v), asFloatNaN(lit)
		if math.IsNaN(fv) || math.IsNaN(fl) {
			return model.CompareFloat(fv, fl), true
		}
	}
	if (v.Kind == model.KindTimestamp || v.Kind == model.KindTimestampNTZ) && (lit.Kind == model.KindTimestamp || lit.Kind == model.KindTimestampNTZ) {
		return cmp64(v.Int, lit.Int), true
	}
	return model.Compare(v, lit)
}

func asFloatNaN(v model.Value) float64 {
	if v.Kind == model.KindFloat {
		return v.Float
	}
	return 0
}

func evalIn(nd *enode, arr arrow.Array, out []tri) error {
	for i := range out {
		v, err := valueAt(arr, i)
		if err != nil {
			return err
		}
		if v.IsNull() {
			out[i] = triNull
			continue
		}
		found := false
		for _, l := range nd.lits {
			if c, ok := compareRow(v, l); ok && c == 0 {
				found = true
				break
			}
		}
		t := triFalse
		switch {
		case found:
			t = triTrue
		case nd.hasNull:
			t = triNull
		}
		if nd.negated && t != triNull {
			t = b2t(t == triFalse)
		}
		out[i] = t
	}
	return nil
}

// valueAt reads row i of a primitive column as a model value.
func valueAt(a arrow.Array, i int) (model.Value, error) {
	if a.IsNull(i) {
		return model.Null, nil
	}
	switch a := a.(type) {
	case *array.Boolean:
		return model.BoolValue(a.Value(i)), nil
	case *array.Int8:
		return model.IntValue(int64(a.Value(i))), nil
	case *array.Int16:
		return model.IntValue(int64(a.Value(i))), nil
	case *array.Int32:
		return model.IntValue(int64(a.Value(i))), nil
	case *array.Int64:
		return model.IntValue(a.Value(i)), nil
	case *array.Float32:
		return model.FloatValue(float64(a.Value(i))), nil
	case *array.Float64:
		return model.FloatValue(a.Value(i)), nil
	case *array.String:
		return model.StringValue(a.Value(i)), nil
	case *array.Binary:
		return model.BinaryValue(a.Value(i)), nil
	case *array.Date32:
		return model.DateValue(int64(a.Value(i))), nil
	case *array.Timestamp:
		t := a.DataType().(*arrow.TimestampType)
		if t.TimeZone == "" {
			return model.TimestampNTZValue(int64(a.Value(i))), nil
		}
		return model.TimestampValue(int64(a.Value(i))), nil
	case *array.Decimal128:
		scale := a.DataType().(*arrow.Decimal128Type).Scale
		return model.Value{Kind: model.KindDecimal, Dec: a.Value(i).BigInt(), Scale: scale}, nil
	}
	return model.Null, fmt.Errorf("%w: cannot compare values of type %s", ErrFilter, a.DataType())
}
