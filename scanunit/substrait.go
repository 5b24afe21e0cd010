package scanunit

// This file is the Substrait boundary of the package: it turns scan units
// into executable Substrait plans and model.Pred filters into Substrait
// expressions, with substrait-go v8 (expressions, literals, types and the
// default extension collection). substrait-go v8 has no public constructor
// for a LocalFiles read, so the relations around the converted pieces are
// assembled as protobuf messages; every exported plan is checked against
// substrait-go's own consumer (plan.FromProto) in the tests.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"net/url"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/substrait-io/substrait-go/v8/expr"
	"github.com/substrait-io/substrait-go/v8/extensions"
	"github.com/substrait-io/substrait-go/v8/types"
	"github.com/substrait-io/substrait-protobuf/go/substraitpb"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/deltaplan/deltaplan/delta"
	"github.com/deltaplan/deltaplan/model"
)

// Source is the pinned table that units read.
type Source struct {
	// Root is the table location: a local directory, a file:// URI or an
	// object-store URI. Relative add paths are resolved against it.
	Root string
	// Schema is the table's logical schema (data and partition columns).
	Schema *delta.Schema
	// ColumnMapping is the column mapping mode ("", "none", "name", "id"):
	// the base schema of a read carries physical names, as the parquet
	// files do.
	ColumnMapping string
	// Files are the snapshot's active files: sizes and typed partition
	// values are looked up by path.
	Files *model.FileSet
}

// SubstraitPlan is an exported plan with the conjuncts it pushed into the
// reads' best_effort_filter and those it left out.
type SubstraitPlan struct {
	Plan *substraitpb.Plan
	// Pushed are the conjuncts in best_effort_filter, in its order (by
	// canonical text), with the schema's (logical) column names and
	// literals of the column types.
	Pushed []model.Pred
	// Left are the conjuncts not pushed (see SubstraitAll), sorted by text.
	Left []model.Pred
}

// Substrait exports the unit as a complete Substrait plan (see
// SubstraitAll).
func (u Unit) Substrait(src Source, pushed []model.Pred) (*SubstraitPlan, error) {
	return SubstraitAll([]Unit{u}, src, pushed)
}

// SubstraitAll exports units of one read as one Substrait plan an engine
// can execute:
//
//   - per unit a ReadRel over LocalFiles: one parquet item per file with its
//     absolute URI (file:///abs/path for local tables, the store URI for
//     object stores), start 0, length the file size, and the unit's ordinal
//     as partition_index; base_schema is the table's whole schema (data and
//     partition columns, physical names under column mapping); projection
//     masks the units' projected columns; best_effort_filter is the AND of
//     the pushed conjuncts that convert (below);
//   - partition values: Delta data files do not store partition columns and
//     LocalFiles has no per-file constants, and Delta paths need not follow
//     the hive col=value/ layout (column mapping writes random prefixes), so
//     the plan carries them: a unit never mixes partitions, so a ProjectRel
//     over each read replaces every projected partition column with its
//     value as a typed literal (a NULL partition as a typed NULL). The
//     engine reads the column as absent and the projection supplies it;
//   - several units are combined with a SetRel UNION ALL; the RelRoot names
//     the projected columns (logical names, nested struct fields included).
//
// A conjunct is pushed when every part converts: comparisons, IS [NOT]
// NULL, [NOT] IN (as singular_or_list), AND/OR/NOT and constants over
// columns of the base schema reachable through structs, with literals that
// the column type represents exactly. It is left out (Left) when it holds a
// model.Opaque (a UDF, a column compared with a column, arithmetic), names a
// column the schema lacks, needs an inexact literal (2.5 against an integer
// column, a zoneless TIMESTAMP against a timestamp column), reads no column
// (a constant), or names a partition column: the filter is evaluated while
// reading, where partition columns are not yet filled in. Leaving conjuncts
// out is sound: best_effort_filter may keep more rows, so the engine still
// applies the unit's pushed filters above the scan. NOT IN is exported as
// not(singular_or_list) and so reads back as NOT (x IN (…)).
//
// The outputs are selected by an emit (on the ProjectRel, else on the
// read) indexing the masked read output as the spec defines it; substrait-go
// v8 itself types a read by its whole base schema, ignoring the mask, and
// the emit keeps its count of outputs right too.
func SubstraitAll(units []Unit, src Source, pushed []model.Pred) (*SubstraitPlan, error) {
	e, err := NewExporter(src)
	if err != nil {
		return nil, err
	}
	return e.Plan(units, pushed)
}

// Exporter exports units of one Source as Substrait plans (see
// SubstraitAll). It resolves the schema and indexes the files once, and is
// immutable afterwards: goroutines may share it, each Plan call keeps its
// extension registry to itself.
type Exporter struct {
	src    Source
	coll   *extensions.Collection
	base   types.NamedStruct
	fields []delta.Field
	parts  map[string]int // lower-case partition column name -> index in Files.Partitions
	byPath map[string]int
}

// NewExporter prepares src for export: it converts the schema and indexes
// the files by path.
func NewExporter(src Source) (*Exporter, error) {
	if src.Schema == nil {
		return nil, fmt.Errorf("scanunit: substrait export of %s: no table schema", src.Root)
	}
	if src.Files == nil {
		return nil, fmt.Errorf("scanunit: substrait export of %s: no file set", src.Root)
	}
	x := &Exporter{src: src, coll: extensions.GetDefaultCollectionWithNoError(),
		fields: src.Schema.Fields, parts: map[string]int{}, byPath: map[string]int{}}
	st := types.StructType{Nullability: types.NullabilityRequired}
	for _, f := range src.Schema.Fields {
		t, err := substraitType(f.Type, f.Nullable, src.ColumnMapping, &x.base.Names, f.PhysicalName(src.ColumnMapping))
		if err != nil {
			return nil, fmt.Errorf("scanunit: substrait schema of %s: column %s: %w", src.Root, f.Name, err)
		}
		st.Types = append(st.Types, t)
	}
	x.base.Struct = st
	for i, p := range src.Files.Partitions {
		x.parts[strings.ToLower(p.Name)] = i
	}
	for i, p := range src.Files.Paths {
		x.byPath[p] = i
	}
	return x, nil
}

// call is the state of one Plan call: the plan's extension registry.
type call struct {
	*Exporter
	reg expr.ExtensionRegistry
	b   *expr.ExprBuilder
}

// Plan exports units (of the exporter's source) as one plan, as
// SubstraitAll describes.
func (e *Exporter) Plan(units []Unit, pushed []model.Pred) (*SubstraitPlan, error) {
	x := &call{Exporter: e, reg: expr.NewEmptyExtensionRegistry(e.coll)}
	x.b = &expr.ExprBuilder{Reg: x.reg, BaseSchema: types.NewRecordTypeFromStruct(e.base.Struct)}
	out := &SubstraitPlan{Pushed: []model.Pred{}, Left: []model.Pred{}}
	var conv []expr.Expression
	seen := map[string]bool{}
	for _, p := range pushed {
		for _, c := range model.Conjuncts(p) {
			if seen[c.String()] {
				continue
			}
			seen[c.String()] = true
			e, typed, ok := x.convertConjunct(c)
			if !ok {
				out.Left = append(out.Left, c)
				continue
			}
			conv = append(conv, e)
			out.Pushed = append(out.Pushed, typed)
		}
	}
	sortPreds(out.Left)
	// Conjuncts in canonical order, the filter's arguments in the same.
	order := make([]int, len(conv))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return out.Pushed[order[a]].String() < out.Pushed[order[b]].String() })
	sortedConv := make([]expr.Expression, len(conv))
	sortedPushed := make([]model.Pred, len(conv))
	for i, j := range order {
		sortedConv[i], sortedPushed[i] = conv[j], out.Pushed[j]
	}
	conv, out.Pushed = sortedConv, sortedPushed
	filter, err := x.and(conv)
	if err != nil {
		return nil, fmt.Errorf("scanunit: substrait filter: %w", err)
	}
	if len(units) == 0 {
		return nil, fmt.Errorf("scanunit: substrait export of %s: no units (export a Unit without files for an empty read)", e.src.Root)
	}
	cols := units[0].ProjectedColumns
	var rels []*substraitpb.Rel
	var names []string
	for ui, u := range units {
		if !slices.Equal(u.ProjectedColumns, cols) {
			return nil, fmt.Errorf("scanunit: units %s and %s project different columns", units[0].ID, u.ID)
		}
		rel, n, err := x.unitRel(u, uint64(ui), filter)
		if err != nil {
			return nil, err
		}
		rels = append(rels, rel)
		names = n
	}
	root := rels[0]
	if len(rels) > 1 {
		root = &substraitpb.Rel{RelType: &substraitpb.Rel_Set{Set: &substraitpb.SetRel{
			Common: directCommon(), Inputs: rels, Op: substraitpb.SetRel_SET_OP_UNION_ALL,
		}}}
	}
	urns, decls := x.reg.Set.ToProto(x.coll)
	out.Plan = &substraitpb.Plan{
		// The spec version of the protobuf module this build uses; the
		// producer string is fixed so the bytes never depend on the machine.
		Version:       &substraitpb.Version{MajorNumber: 0, MinorNumber: 85, Producer: "deltaplan"},
		ExtensionUrns: urns,
		Extensions:    decls,
		Relations: []*substraitpb.PlanRel{{RelType: &substraitpb.PlanRel_Root{Root: &substraitpb.RelRoot{
			Input: root, Names: names,
		}}}},
	}
	return out, nil
}

// MarshalSubstraitJSON prints a plan as indented protobuf JSON with stable
// bytes (protojson varies its whitespace between builds on purpose).
func MarshalSubstraitJSON(p *substraitpb.Plan) ([]byte, error) {
	raw, err := protojson.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("scanunit: encode substrait plan: %w", err)
	}
	var compact, out bytes.Buffer
	if err := json.Compact(&compact, raw); err != nil {
		return nil, fmt.Errorf("scanunit: encode substrait plan: %w", err)
	}
	if err := json.Indent(&out, compact.Bytes(), "", "  "); err != nil {
		return nil, fmt.Errorf("scanunit: encode substrait plan: %w", err)
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

var (
	boolURN    = extensions.SubstraitDefaultURNPrefix + "functions_boolean"
	compareURN = extensions.SubstraitDefaultURNPrefix + "functions_comparison"
	opFunc     = [...]string{model.OpEq: "equal", model.OpNe: "not_equal", model.OpLt: "lt",
		model.OpLe: "lte", model.OpGt: "gt", model.OpGe: "gte"}
)

// substraitType converts a Delta type; it appends the field's name and the
// names of nested struct fields depth-first, as NamedStruct wants them.
func substraitType(t *delta.Type, nullable bool, mode string, names *[]string, name string) (types.Type, error) {
	if name != "" {
		*names = append(*names, name)
	}
	if t == nil {
		return nil, fmt.Errorf("missing type")
	}
	n := types.NullabilityRequired
	if nullable {
		n = types.NullabilityNullable
	}
	switch t.Name {
	case "boolean":
		return &types.BooleanType{Nullability: n}, nil
	case "byte":
		return &types.Int8Type{Nullability: n}, nil
	case "short":
		return &types.Int16Type{Nullability: n}, nil
	case "integer":
		return &types.Int32Type{Nullability: n}, nil
	case "long":
		return &types.Int64Type{Nullability: n}, nil
	case "float":
		return &types.Float32Type{Nullability: n}, nil
	case "double":
		return &types.Float64Type{Nullability: n}, nil
	case "string":
		return &types.StringType{Nullability: n}, nil
	case "binary":
		return &types.BinaryType{Nullability: n}, nil
	case "date":
		return &types.DateType{Nullability: n}, nil
	case "timestamp":
		tt := types.NewPrecisionTimestampTzType(types.PrecisionMicroSeconds)
		tt.Nullability = n
		return tt, nil
	case "timestamp_ntz":
		tt := types.NewPrecisionTimestampType(types.PrecisionMicroSeconds)
		tt.Nullability = n
		return tt, nil
	case "decimal":
		if t.Precision < 1 || t.Precision > 38 || t.Scale < 0 || t.Scale > t.Precision {
			return nil, fmt.Errorf("decimal(%d,%d) out of range", t.Precision, t.Scale)
		}
		return &types.DecimalType{Nullability: n, Precision: int32(t.Precision), Scale: int32(t.Scale)}, nil
	case "struct":
		st := &types.StructType{Nullability: n}
		for _, f := range t.Fields {
			ft, err := substraitType(f.Type, f.Nullable, mode, names, f.PhysicalName(mode))
			if err != nil {
				return nil, fmt.Errorf("field %s: %w", f.Name, err)
			}
			st.Types = append(st.Types, ft)
		}
		return st, nil
	case "array":
		et, err := substraitType(t.Element, t.ContainsNull, mode, names, "")
		if err != nil {
			return nil, fmt.Errorf("element: %w", err)
		}
		return &types.ListType{Nullability: n, Type: et}, nil
	case "map":
		kt, err := substraitType(t.Key, false, mode, names, "")
		if err != nil {
			return nil, fmt.Errorf("key: %w", err)
		}
		vt, err := substraitType(t.Value, t.ValueContainsNull, mode, names, "")
		if err != nil {
			return nil, fmt.Errorf("value: %w", err)
		}
		return &types.MapType{Nullability: n, Key: kt, Value: vt}, nil
	}
	return nil, fmt.Errorf("type %s has no Substrait form", t.Name)
}

// lookup finds a field by name: exactly, else case-insensitively when that
// is unambiguous (Spark resolves names that way).
func lookup(fields []delta.Field, name string) (int, bool) {
	for i := range fields {
		if fields[i].Name == name {
			return i, true
		}
	}
	found := -1
	for i := range fields {
		if strings.EqualFold(fields[i].Name, name) {
			if found >= 0 {
				return 0, false
			}
			found = i
		}
	}
	return found, found >= 0
}

// resolve turns a column path into a field reference through structs.
func (x *Exporter) resolve(c model.Column) (expr.Reference, *delta.Field, model.Column, bool) {
	if len(c) == 0 {
		return nil, nil, nil, false
	}
	fields := x.fields
	var named model.Column
	var root, cur *expr.StructFieldRef
	var f *delta.Field
	for depth, name := range c {
		if depth > 0 && (f.Type == nil || f.Type.Name != "struct") {
			return nil, nil, nil, false
		}
		i, ok := lookup(fields, name)
		if !ok {
			return nil, nil, nil, false
		}
		f = &fields[i]
		named = append(named, f.Name)
		seg := expr.NewStructFieldRef(int32(i))
		if root == nil {
			root = seg
		} else {
			cur.Child = seg
		}
		cur = seg
		if f.Type != nil {
			fields = f.Type.Fields
		}
	}
	return root, f, named, true
}

// isPartition reports whether a column path names a partition column.
func (x *Exporter) isPartition(c model.Column) bool {
	if len(c) != 1 {
		return false
	}
	_, ok := x.parts[strings.ToLower(c[0])]
	return ok
}

// convertConjunct converts one conjunct, returning the expression and the
// conjunct with literals of the column types.
func (x *call) convertConjunct(p model.Pred) (expr.Expression, model.Pred, bool) {
	cols := model.Columns(p)
	if len(cols) == 0 {
		return nil, nil, false // a constant: nothing to evaluate at the scan
	}
	for _, c := range cols {
		if x.isPartition(c) {
			return nil, nil, false
		}
	}
	bld, typed, ok := x.pred(p, 0)
	if !ok {
		return nil, nil, false
	}
	arg, err := bld.BuildFuncArg()
	if err != nil {
		return nil, nil, false
	}
	e, isExpr := arg.(expr.Expression)
	if !isExpr {
		return nil, nil, false
	}
	return e, typed, true
}

// pred converts a predicate; ok is false when any part cannot be.
func (x *call) pred(p model.Pred, depth int) (expr.FuncArgBuilder, model.Pred, bool) {
	if depth > 200 {
		return nil, nil, false
	}
	switch p := p.(type) {
	case model.And, model.Or:
		var args []model.Pred
		name := "and"
		if a, isAnd := p.(model.And); isAnd {
			args = a.Args
		} else {
			args, name = p.(model.Or).Args, "or"
		}
		if len(args) == 0 {
			return x.pred(model.Const{Val: name == "and"}, depth)
		}
		var bs []expr.FuncArgBuilder
		var typed []model.Pred
		for _, a := range args {
			b, t, ok := x.pred(a, depth+1)
			if !ok {
				return nil, nil, false
			}
			bs, typed = append(bs, b), append(typed, t)
		}
		if len(bs) == 1 {
			return bs[0], typed[0], true
		}
		fn := x.b.ScalarFunc(extensions.ID{URN: boolURN, Name: name}).Args(bs...)
		if name == "and" {
			return fn, model.And{Args: typed}, true
		}
		return fn, model.Or{Args: typed}, true
	case model.Not:
		b, t, ok := x.pred(p.Arg, depth+1)
		if !ok {
			return nil, nil, false
		}
		return x.b.ScalarFunc(extensions.ID{URN: boolURN, Name: "not"}).Args(b), model.Not{Arg: t}, true
	case model.Const:
		return x.b.Literal(expr.NewPrimitiveLiteral(p.Val, false)), p, true
	case model.IsNull:
		ref, _, col, ok := x.resolve(p.Col)
		if !ok {
			return nil, nil, false
		}
		name := "is_null"
		if p.Negated {
			name = "is_not_null"
		}
		return x.b.ScalarFunc(extensions.ID{URN: compareURN, Name: name}).Args(x.b.RootRef(ref)), model.IsNull{Col: col, Negated: p.Negated}, true
	case model.Cmp:
		ref, f, col, ok := x.resolve(p.Col)
		if !ok || p.Val.IsNull() {
			return nil, nil, false
		}
		lit, v, ok := literal(p.Val, f.Type, false)
		if !ok {
			return nil, nil, false
		}
		fn := x.b.ScalarFunc(extensions.ID{URN: compareURN, Name: opFunc[p.Op]}).Args(x.b.RootRef(ref), x.b.Literal(lit))
		return fn, model.Cmp{Col: col, Op: p.Op, Val: v}, true
	case model.In:
		ref, f, col, ok := x.resolve(p.Col)
		if !ok || len(p.Vals) == 0 {
			return nil, nil, false
		}
		val, err := x.b.RootRef(ref).BuildExpr()
		if err != nil {
			return nil, nil, false
		}
		sol := &expr.SingularOrList{Value: val}
		typed := model.In{Col: col, Negated: p.Negated}
		for _, v := range p.Vals {
			if v.IsNull() {
				return nil, nil, false
			}
			lit, tv, ok := literal(v, f.Type, false)
			if !ok {
				return nil, nil, false
			}
			sol.Options = append(sol.Options, lit)
			typed.Vals = append(typed.Vals, tv)
		}
		var b expr.FuncArgBuilder = x.b.Expression(sol)
		if p.Negated {
			// NOT IN is not(singular_or_list), read back as NOT (x IN (…)).
			typed.Negated = false
			return x.b.ScalarFunc(extensions.ID{URN: boolURN, Name: "not"}).Args(b), model.Not{Arg: typed}, true
		}
		return b, typed, true
	case model.Opaque:
		// Not expressible: the caller leaves the whole conjunct out.
		return nil, nil, false
	}
	return nil, nil, false
}

// and combines converted conjuncts; nil when there are none.
func (x *call) and(es []expr.Expression) (*substraitpb.Expression, error) {
	switch len(es) {
	case 0:
		return nil, nil
	case 1:
		return es[0].ToProto(), nil
	}
	args := make([]expr.FuncArgBuilder, len(es))
	for i, e := range es {
		args[i] = x.b.Expression(e)
	}
	e, err := x.b.ScalarFunc(extensions.ID{URN: boolURN, Name: "and"}).Args(args...).BuildExpr()
	if err != nil {
		return nil, err
	}
	return e.ToProto(), nil
}

// literal converts v to a literal of the column type t when t represents v
// exactly; it returns the value in the column's model kind.
func literal(v model.Value, t *delta.Type, nullable bool) (expr.Literal, model.Value, bool) {
	n := types.NullabilityRequired
	if nullable {
		n = types.NullabilityNullable
	}
	if t == nil {
		return nil, v, false
	}
	intOf := func(lo, hi int64) (int64, bool) {
		r, ok := v.Rat()
		if !ok || !r.IsInt() || !r.Num().IsInt64() {
			return 0, false
		}
		n := r.Num().Int64()
		return n, n >= lo && n <= hi
	}
	switch t.Name {
	case "boolean":
		if v.Kind == model.KindBool {
			return expr.NewPrimitiveLiteral(v.Bool, nullable), v, true
		}
	case "byte", "short", "integer", "long":
		bits := map[string]uint{"byte": 8, "short": 16, "integer": 32, "long": 64}[t.Name]
		hi := int64(math.MaxInt64)
		if bits < 64 {
			hi = 1<<(bits-1) - 1
		}
		n, ok := intOf(-hi-1, hi)
		if !ok {
			return nil, v, false
		}
		mv := model.IntValue(n)
		switch bits {
		case 8:
			return expr.NewPrimitiveLiteral(int8(n), nullable), mv, true
		case 16:
			return expr.NewPrimitiveLiteral(int16(n), nullable), mv, true
		case 32:
			return expr.NewPrimitiveLiteral(int32(n), nullable), mv, true
		}
		return expr.NewPrimitiveLiteral(n, nullable), mv, true
	case "float", "double":
		var f float64
		switch v.Kind {
		case model.KindFloat:
			f = v.Float
		case model.KindInt, model.KindDecimal:
			r, _ := v.Rat()
			g, exact := r.Float64()
			if !exact {
				return nil, v, false
			}
			f = g
		default:
			return nil, v, false
		}
		if t.Name == "float" {
			if float64(float32(f)) != f && !math.IsNaN(f) {
				return nil, v, false
			}
			return expr.NewPrimitiveLiteral(float32(f), nullable), model.FloatValue(f), true
		}
		return expr.NewPrimitiveLiteral(f, nullable), model.FloatValue(f), true
	case "decimal":
		r, ok := v.Rat()
		if !ok || v.Kind == model.KindFloat || t.Scale < 0 || t.Precision > 38 {
			return nil, v, false
		}
		pow := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(t.Scale)), nil)
		scaled := new(big.Rat).Mul(r, new(big.Rat).SetInt(pow))
		limit := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(t.Precision)), nil)
		if !scaled.IsInt() || new(big.Int).Abs(scaled.Num()).Cmp(limit) >= 0 {
			return nil, v, false
		}
		lit, err := expr.NewLiteral(&types.Decimal{Value: int128LE(scaled.Num()),
			Precision: int32(t.Precision), Scale: int32(t.Scale)}, nullable)
		if err != nil {
			return nil, v, false
		}
		return lit, model.DecimalValue(scaled.Num(), int32(t.Scale)), true
	case "string":
		if v.Kind == model.KindString {
			return expr.NewPrimitiveLiteral(v.Str, nullable), v, true
		}
	case "binary":
		if v.Kind == model.KindBinary {
			return expr.NewByteSliceLiteral([]byte(v.Str), nullable), v, true
		}
	case "date":
		if v.Kind == model.KindDate && v.Int >= math.MinInt32 && v.Int <= math.MaxInt32 {
			return expr.NewPrimitiveLiteral(types.Date(v.Int), nullable), v, true
		}
	case "timestamp":
		if v.Kind == model.KindTimestamp {
			return expr.NewPrecisionTimestampTzLiteral(v.Int, types.PrecisionMicroSeconds, n), v, true
		}
	case "timestamp_ntz":
		if v.Kind == model.KindTimestampNTZ {
			return expr.NewPrecisionTimestampLiteral(v.Int, types.PrecisionMicroSeconds, n), v, true
		}
	}
	return nil, v, false
}

// int128LE is the 16-byte little-endian two's complement Substrait decimals
// use; the caller keeps |n| < 10^38.
func int128LE(n *big.Int) []byte {
	m := new(big.Int).Set(n)
	if m.Sign() < 0 {
		m.Add(m, new(big.Int).Lsh(big.NewInt(1), 128))
	}
	be := m.FillBytes(make([]byte, 16))
	slices.Reverse(be)
	return be
}

// unitRel builds the read of one unit and, when it projects partition
// columns, the projection that fills them in. It returns the output names.
func (x *Exporter) unitRel(u Unit, partIndex uint64, filter *substraitpb.Expression) (*substraitpb.Rel, []string, error) {
	// Projected columns in base-schema order, deduplicated.
	type col struct {
		idx  int
		part int // index in Files.Partitions, -1 for a data column
	}
	var cols []col
	seen := map[int]bool{}
	for _, name := range u.ProjectedColumns {
		i, ok := lookup(x.fields, name)
		if !ok {
			return nil, nil, fmt.Errorf("scanunit: unit %s projects column %q: %w in the schema of %s", u.ID, name, ErrUnknownColumn, x.src.Root)
		}
		if seen[i] {
			continue
		}
		seen[i] = true
		p, isPart := x.parts[strings.ToLower(x.fields[i].Name)]
		if !isPart {
			p = -1
		}
		cols = append(cols, col{idx: i, part: p})
	}
	sort.Slice(cols, func(a, b int) bool { return cols[a].idx < cols[b].idx })

	items := make([]*substraitpb.ReadRel_LocalFiles_FileOrFiles, 0, len(u.Files))
	var dvs []FileDV
	fs := x.src.Files
	for _, f := range u.Files {
		fi, ok := x.byPath[f]
		if !ok {
			return nil, nil, fmt.Errorf("scanunit: unit %s: file %s is not in the snapshot of %s", u.ID, f, x.src.Root)
		}
		uri, err := fileURI(x.src.Root, f)
		if err != nil {
			return nil, nil, err
		}
		// A file with a deletion vector never leaves as a plain read.
		hasDV := len(fs.DVCardinality) == fs.Len() && fs.DVCardinality[fi] >= 0
		id := ""
		if len(fs.DVIDs) == fs.Len() {
			id = fs.DVIDs[fi]
		}
		if hasDV || id != "" {
			d, err := fileDV(uint32(len(items)), uri, id, -1)
			if err != nil {
				return nil, nil, fmt.Errorf("scanunit: unit %s: file %s: %w", u.ID, f, err)
			}
			if hasDV {
				d.Cardinality = fs.DVCardinality[fi]
			}
			dvs = append(dvs, d)
		}
		items = append(items, &substraitpb.ReadRel_LocalFiles_FileOrFiles{
			PathType:       &substraitpb.ReadRel_LocalFiles_FileOrFiles_UriFile{UriFile: uri},
			PartitionIndex: partIndex,
			Length:         uint64(x.src.Files.Sizes[fi]),
			FileFormat: &substraitpb.ReadRel_LocalFiles_FileOrFiles_Parquet{
				Parquet: &substraitpb.ReadRel_LocalFiles_FileOrFiles_ParquetReadOptions{},
			},
		})
	}
	mask := &substraitpb.Expression_MaskExpression{
		Select:                 &substraitpb.Expression_MaskExpression_StructSelect{},
		MaintainSingularStruct: true,
	}
	for _, c := range cols {
		mask.Select.StructItems = append(mask.Select.StructItems,
			&substraitpb.Expression_MaskExpression_StructItem{Field: int32(c.idx)})
	}
	ext, err := dvEnhancement(x.src.Root, dvs)
	if err != nil {
		return nil, nil, err
	}
	read := &substraitpb.Rel{RelType: &substraitpb.Rel_Read{Read: &substraitpb.ReadRel{
		Common:           directCommon(),
		BaseSchema:       x.base.ToProto(),
		Projection:       mask,
		BestEffortFilter: filter,
		ReadType: &substraitpb.ReadRel_LocalFiles_{
			LocalFiles: &substraitpb.ReadRel_LocalFiles{Items: items, AdvancedExtension: ext},
		},
	}}}

	var names []string
	var exprs []*substraitpb.Expression
	var emit []int32
	for pos, c := range cols {
		f := x.fields[c.idx]
		if _, err := substraitType(f.Type, f.Nullable, "", &names, f.Name); err != nil {
			return nil, nil, err
		}
		if c.part < 0 {
			emit = append(emit, int32(pos))
			continue
		}
		lit, err := x.partitionLiteral(u, c.part, &f)
		if err != nil {
			return nil, nil, err
		}
		emit = append(emit, int32(len(cols)+len(exprs)))
		exprs = append(exprs, lit)
	}
	if names == nil {
		names = []string{}
	}
	// Outputs by emit (see SubstraitAll); a ProjectRel needs at least one
	// expression, so without partition columns the emit sits on the read.
	emitKind := &substraitpb.RelCommon_Emit_{Emit: &substraitpb.RelCommon_Emit{OutputMapping: emit}}
	if len(exprs) == 0 {
		read.GetRead().Common = &substraitpb.RelCommon{EmitKind: emitKind}
		return read, names, nil
	}
	return &substraitpb.Rel{RelType: &substraitpb.Rel_Project{Project: &substraitpb.ProjectRel{
		Common:      &substraitpb.RelCommon{EmitKind: emitKind},
		Input:       read,
		Expressions: exprs,
	}}}, names, nil
}

// partitionLiteral is the value of partition column p shared by the unit's
// files, as a literal of the column type (nullable, so NULL fits too).
func (x *Exporter) partitionLiteral(u Unit, p int, f *delta.Field) (*substraitpb.Expression, error) {
	pc := x.src.Files.Partitions[p]
	// A unit without files reads no rows: its partition value is NULL.
	var v model.Value
	for i, path := range u.Files {
		fi := x.byPath[path]
		if pc.Values.Len() != x.src.Files.Len() {
			return nil, fmt.Errorf("scanunit: partition column %s has %d values for %d files", pc.Name, pc.Values.Len(), x.src.Files.Len())
		}
		w := pc.Values.Get(fi)
		if c, ok := model.Compare(v, w); i > 0 && (v.IsNull() != w.IsNull() || !v.IsNull() && (!ok || c != 0)) {
			return nil, fmt.Errorf("scanunit: unit %s mixes partitions %s=%s and %s", u.ID, pc.Name, v, w)
		}
		v = w
	}
	var names []string
	t, err := substraitType(f.Type, true, "", &names, "")
	if err != nil {
		return nil, fmt.Errorf("scanunit: partition column %s: %w", pc.Name, err)
	}
	if v.IsNull() {
		return expr.NewNullLiteral(t).ToProto(), nil
	}
	lit, _, ok := literal(v, f.Type, true)
	if !ok {
		return nil, fmt.Errorf("scanunit: unit %s: partition value %s=%s does not fit type %s", u.ID, pc.Name, v, f.Type)
	}
	return lit.ToProto(), nil
}

// directCommon is the RelCommon of a relation without emit: substrait-go's
// consumer requires one on set relations.
func directCommon() *substraitpb.RelCommon {
	return &substraitpb.RelCommon{EmitKind: &substraitpb.RelCommon_Direct_{Direct: &substraitpb.RelCommon_Direct{}}}
}

func sortPreds(ps []model.Pred) {
	sort.SliceStable(ps, func(a, b int) bool { return ps[a].String() < ps[b].String() })
}

// ReadRel exports the unit as a bare Substrait ReadRel over LocalFiles (one
// parquet item per file, start 0, the whole file, partition_index 0), for
// callers that assemble their own plan; Substrait builds a complete plan.
//
// root is the table location: a local directory or a URI (s3://, file://…);
// relative file paths are resolved against it and percent-escaped. schema is
// the base schema of the read; it may be nil when the consumer infers it
// from the parquet footers. Partition columns are not stored in Delta data
// files: a consumer that needs them adds them from Unit.Partition.
func (u Unit) ReadRel(root string, schema *substraitpb.NamedStruct) (*substraitpb.ReadRel, error) {
	return ReadRelAll([]Unit{u}, root, schema)
}

// ReadRelAll exports units as one ReadRel whose items carry the unit's
// ordinal as partition_index: an engine runs each unit as one partition.
func ReadRelAll(units []Unit, root string, schema *substraitpb.NamedStruct) (*substraitpb.ReadRel, error) {
	var items []*substraitpb.ReadRel_LocalFiles_FileOrFiles
	var dvs []FileDV
	for ui, u := range units {
		if len(u.Sizes) != len(u.Files) {
			return nil, fmt.Errorf("scanunit: unit %s has %d sizes for %d files", u.ID, len(u.Sizes), len(u.Files))
		}
		if u.DVIDs != nil && len(u.DVIDs) != len(u.Files) {
			return nil, fmt.Errorf("scanunit: unit %s has %d deletion-vector ids for %d files", u.ID, len(u.DVIDs), len(u.Files))
		}
		for i, f := range u.Files {
			uri, err := fileURI(root, f)
			if err != nil {
				return nil, err
			}
			if u.DVIDs != nil && u.DVIDs[i] != "" {
				d, err := fileDV(uint32(len(items)), uri, u.DVIDs[i], -1)
				if err != nil {
					return nil, fmt.Errorf("scanunit: unit %s: file %s: %w", u.ID, f, err)
				}
				dvs = append(dvs, d)
			}
			items = append(items, &substraitpb.ReadRel_LocalFiles_FileOrFiles{
				PathType:       &substraitpb.ReadRel_LocalFiles_FileOrFiles_UriFile{UriFile: uri},
				PartitionIndex: uint64(ui),
				Start:          0,
				Length:         uint64(u.Sizes[i]),
				FileFormat: &substraitpb.ReadRel_LocalFiles_FileOrFiles_Parquet{
					Parquet: &substraitpb.ReadRel_LocalFiles_FileOrFiles_ParquetReadOptions{},
				},
			})
		}
	}
	ext, err := dvEnhancement(root, dvs)
	if err != nil {
		return nil, err
	}
	return &substraitpb.ReadRel{
		BaseSchema: schema,
		ReadType: &substraitpb.ReadRel_LocalFiles_{
			LocalFiles: &substraitpb.ReadRel_LocalFiles{Items: items, AdvancedExtension: ext},
		},
	}, nil
}

// fileDV describes the deletion vector of the read item at index; a file
// known to have one but without its id is an error, never a plain read.
func fileDV(index uint32, uri, id string, card int64) (FileDV, error) {
	if id == "" {
		return FileDV{}, fmt.Errorf("has a deletion vector but its descriptor is unknown: refusing a plain read that would return deleted rows")
	}
	st, path, off, err := parseDVUniqueID(id)
	if err != nil {
		return FileDV{}, err
	}
	return FileDV{ItemIndex: index, URI: uri, UniqueID: id, StorageType: st, PathOrInlineDV: path, Offset: off, Cardinality: card}, nil
}

// fileURI resolves a Delta add path against the table root. Absolute URIs
// are kept as they are.
func fileURI(root, path string) (string, error) {
	if strings.Contains(path, "://") {
		return path, nil
	}
	escaped := (&url.URL{Path: path}).EscapedPath()
	if strings.Contains(root, "://") {
		if strings.HasPrefix(root, "file://") {
			u, err := url.Parse(root)
			if err != nil {
				return "", fmt.Errorf("scanunit: table root %q: %w", root, err)
			}
			root = u.Path
		} else {
			return strings.TrimSuffix(root, "/") + "/" + escaped, nil
		}
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return "", fmt.Errorf("scanunit: table root %q: %w", root, err)
	}
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(filepath.Join(abs, filepath.FromSlash(path)))}).String(), nil
}
