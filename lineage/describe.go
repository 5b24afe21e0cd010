package lineage

import (
	"fmt"
	"strconv"
	"strings"

	pb "github.com/substrait-io/substrait-protobuf/go/substraitpb"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/deltaplan/deltaplan/model"
)

// TypeName renders a Substrait type in the spec's short form
// ("decimal<12,2>", "list<i64>").
func TypeName(t *pb.Type) string { return typeName(t) }

// Description is what one relation does, rendered for people: per aspect,
// the items as canonical text. Aspects: "table", "base_schema" ("name
// type", NOT NULL when required), "projection" and "filter" (read),
// "filter" (filter; one item per conjunct), "expressions" (project),
// "groupings" and "measures" (aggregate), "type", "condition" and
// "post_join_filter" (joins), "keys" (hash and merge joins), "sorts",
// "offset" and "count" (fetch), "op" (set), "emit" (any relation with an
// output mapping: the emitted columns), "output_columns" (a root's names).
// Columns are named by what the input calls them; an expression that is
// not a plain column is named by its text.
type Description map[string][]string

// Describe renders every relation of the plan, keyed by the relation paths
// identity.PlanRelations uses ("root.aggregate.filter",
// "relations[1].project"). A relation whose columns cannot be named (after
// an extension relation, say) still gets a description, with positional
// references ($3); subqueries render as "?". Describing is best effort and
// never fails: it explains a change the digests already detected.
func Describe(p *Plan) map[string]Description {
	out := map[string]Description{}
	if p == nil || p.Proto == nil {
		return out
	}
	x := p.Extensions
	if x == nil {
		x = &Extensions{}
	}
	d := &describer{w: &walker{plan: &Plan{Proto: p.Proto, Extensions: x}}, out: out, plan: p.Proto}
	rels := p.Proto.GetRelations()
	for i, r := range rels {
		label := fmt.Sprintf("relations[%d]", i)
		switch t := r.GetRelType().(type) {
		case *pb.PlanRel_Root:
			path := label + ".root"
			if len(rels) == 1 {
				path = "root"
			}
			d.rel(t.Root.GetInput(), path, 0)
			if names := t.Root.GetNames(); len(names) > 0 {
				out[path] = Description{"output_columns": append([]string(nil), names...)}
			}
		case *pb.PlanRel_Rel:
			d.relAt(t.Rel, label, 0)
		}
	}
	return out
}

type describer struct {
	w    *walker
	out  map[string]Description
	plan *pb.Plan
}

// maxDepth bounds recursion on hostile plans (lineage rejects them anyway).
const maxDepth = 1000

// rel describes the child relation r of the relation at parent (an input
// edge, no label) and returns its output column names.
func (d *describer) rel(r *pb.Rel, parent string, depth int) []string {
	return d.relAt(r, parent, depth)
}

// relAt describes r whose path is prefix + "." + kind (prefix already holds
// the parent path and the edge label).
func (d *describer) relAt(r *pb.Rel, prefix string, depth int) []string {
	if r == nil || depth > maxDepth {
		return nil
	}
	kind := relKind(r)
	if kind == "" {
		kind = "empty"
	}
	p := kind
	if prefix != "" {
		p = prefix + "." + kind
	}
	desc := Description{}
	var names []string
	var common *pb.RelCommon
	switch x := r.GetRelType().(type) {
	case *pb.Rel_Read:
		common = x.Read.GetCommon()
		names = d.read(x.Read, desc)
	case *pb.Rel_Filter:
		common = x.Filter.GetCommon()
		names = d.rel(x.Filter.GetInput(), p, depth+1)
		desc["filter"] = d.conjuncts(x.Filter.GetCondition(), names)
	case *pb.Rel_Project:
		common = x.Project.GetCommon()
		in := d.rel(x.Project.GetInput(), p, depth+1)
		names = append([]string(nil), in...)
		for _, e := range x.Project.GetExpressions() {
			t := d.text(e, in)
			desc["expressions"] = append(desc["expressions"], t)
			names = append(names, t)
		}
	case *pb.Rel_Aggregate:
		common = x.Aggregate.GetCommon()
		in := d.rel(x.Aggregate.GetInput(), p, depth+1)
		names = d.aggregate(x.Aggregate, in, desc)
	case *pb.Rel_Sort:
		common = x.Sort.GetCommon()
		names = d.rel(x.Sort.GetInput(), p, depth+1)
		for _, s := range x.Sort.GetSorts() {
			desc["sorts"] = append(desc["sorts"], d.sortText(s, names))
		}
	case *pb.Rel_Fetch:
		common = x.Fetch.GetCommon()
		names = d.rel(x.Fetch.GetInput(), p, depth+1)
		switch {
		case x.Fetch.GetOffsetExpr() != nil:
			desc["offset"] = []string{d.text(x.Fetch.GetOffsetExpr(), nil)}
		case x.Fetch.GetOffset() != 0:
			desc["offset"] = []string{strconv.FormatInt(x.Fetch.GetOffset(), 10)}
		}
		switch {
		case x.Fetch.GetCountExpr() != nil:
			desc["count"] = []string{d.text(x.Fetch.GetCountExpr(), nil)}
		case x.Fetch.GetCount() != 0:
			desc["count"] = []string{strconv.FormatInt(x.Fetch.GetCount(), 10)}
		}
	case *pb.Rel_Join:
		j := x.Join
		common = j.GetCommon()
		l, rr := d.relAt(j.GetLeft(), p+".left", depth+1), d.relAt(j.GetRight(), p+".right", depth+1)
		typ := joinTypeName(j.GetType().String())
		desc["type"] = []string{typ}
		both := append(append([]string(nil), l...), rr...)
		if j.GetExpression() != nil {
			desc["condition"] = d.conjuncts(j.GetExpression(), both)
		}
		if j.GetPostJoinFilter() != nil {
			desc["post_join_filter"] = d.conjuncts(j.GetPostJoinFilter(), both)
		}
		names = joinOutput(typ, l, rr)
	case *pb.Rel_HashJoin:
		j := x.HashJoin
		common = j.GetCommon()
		names = d.physicalJoin(p, depth, j.GetLeft(), j.GetRight(), joinTypeName(j.GetType().String()),
			j.GetLeftKeys(), j.GetRightKeys(), j.GetKeys(), j.GetPostJoinFilter(), desc)
	case *pb.Rel_MergeJoin:
		j := x.MergeJoin
		common = j.GetCommon()
		names = d.physicalJoin(p, depth, j.GetLeft(), j.GetRight(), joinTypeName(j.GetType().String()),
			j.GetLeftKeys(), j.GetRightKeys(), j.GetKeys(), j.GetPostJoinFilter(), desc)
	case *pb.Rel_NestedLoopJoin:
		j := x.NestedLoopJoin
		common = j.GetCommon()
		l, rr := d.relAt(j.GetLeft(), p+".left", depth+1), d.relAt(j.GetRight(), p+".right", depth+1)
		typ := joinTypeName(j.GetType().String())
		desc["type"] = []string{typ}
		if j.GetExpression() != nil {
			desc["condition"] = d.conjuncts(j.GetExpression(), append(append([]string(nil), l...), rr...))
		}
		names = joinOutput(typ, l, rr)
	case *pb.Rel_Cross:
		common = x.Cross.GetCommon()
		l, rr := d.relAt(x.Cross.GetLeft(), p+".left", depth+1), d.relAt(x.Cross.GetRight(), p+".right", depth+1)
		names = append(append([]string(nil), l...), rr...)
	case *pb.Rel_Set:
		common = x.Set.GetCommon()
		desc["op"] = []string{strings.ToLower(strings.TrimPrefix(x.Set.GetOp().String(), "SET_OP_"))}
		for i, in := range x.Set.GetInputs() {
			n := d.relAt(in, fmt.Sprintf("%s.inputs[%d]", p, i), depth+1)
			if i == 0 {
				names = n
			}
		}
	default:
		// Other kinds: describe the children (identity's edge labels), name
		// no columns.
		d.children(r, p, depth)
	}
	if e := common.GetEmit(); e != nil {
		var emitted []string
		for _, m := range e.GetOutputMapping() {
			if m >= 0 && int(m) < len(names) {
				emitted = append(emitted, names[m])
			} else {
				emitted = append(emitted, "$"+strconv.Itoa(int(m)))
			}
		}
		names = emitted
		desc["emit"] = emitted
	}
	if len(desc) > 0 {
		d.out[p] = desc
	}
	return names
}

// children walks the relation fields of an undescribed relation with the
// edge labels identity uses ("" for input, the field name otherwise,
// "name[i]" for lists).
func (d *describer) children(r *pb.Rel, p string, depth int) {
	m := r.ProtoReflect()
	od := m.Descriptor().Oneofs().ByName("rel_type")
	fd := m.WhichOneof(od)
	if fd == nil || fd.Message() == nil {
		return
	}
	body := m.Get(fd).Message()
	relName := (&pb.Rel{}).ProtoReflect().Descriptor().FullName()
	fields := body.Descriptor().Fields()
	for i := range fields.Len() {
		f := fields.Get(i)
		if f.Message() == nil || f.Message().FullName() != relName || !body.Has(f) {
			continue
		}
		if f.IsList() {
			l := body.Get(f).List()
			for k := range l.Len() {
				d.relAt(asRel(l.Get(k)), fmt.Sprintf("%s.%s[%d]", p, f.Name(), k), depth+1)
			}
			continue
		}
		prefix := p
		if f.Name() != "input" {
			prefix = p + "." + string(f.Name())
		}
		d.relAt(asRel(body.Get(f)), prefix, depth+1)
	}
}

func asRel(v protoreflect.Value) *pb.Rel {
	r, _ := v.Message().Interface().(*pb.Rel)
	return r
}

func (d *describer) read(x *pb.ReadRel, desc Description) []string {
	var table string
	switch t := x.GetReadType().(type) {
	case *pb.ReadRel_NamedTable_:
		table = strings.Join(t.NamedTable.GetNames(), ".")
	case *pb.ReadRel_LocalFiles_:
		if items := t.LocalFiles.GetItems(); len(items) > 0 {
			i := items[0]
			table = i.GetUriPath() + i.GetUriPathGlob() + i.GetUriFile() + i.GetUriFolder()
		}
	case *pb.ReadRel_ExtensionTable_:
		table = t.ExtensionTable.GetDetail().GetTypeUrl()
	}
	if table != "" {
		desc["table"] = []string{table}
	}
	fields, err := topFields(x.GetBaseSchema())
	if err != nil {
		return nil
	}
	full := make([]string, len(fields))
	for i, f := range fields {
		full[i] = f.name
	}
	if types := x.GetBaseSchema().GetStruct().GetTypes(); len(types) == len(fields) {
		for i, ty := range types {
			desc["base_schema"] = append(desc["base_schema"], full[i]+" "+typeName(ty)+nullMark(ty))
		}
	} else if len(full) > 0 {
		desc["base_schema"] = append([]string(nil), full...)
	}
	var conds []string
	for _, f := range []*pb.Expression{x.GetFilter(), x.GetBestEffortFilter()} {
		if f != nil {
			conds = append(conds, d.conjuncts(f, full)...)
		}
	}
	if len(conds) > 0 {
		desc["filter"] = conds
	}
	if m := x.GetProjection(); m != nil {
		var out []string
		for _, item := range m.GetSelect().GetStructItems() {
			if i := int(item.GetField()); i >= 0 && i < len(full) {
				out = append(out, full[i])
			}
		}
		desc["projection"] = out
		return out
	}
	return full
}

// nullMark renders a required type's NOT NULL.
func nullMark(t *pb.Type) string {
	m := t.ProtoReflect()
	fd := m.WhichOneof(m.Descriptor().Oneofs().ByName("kind"))
	if fd == nil || fd.Message() == nil {
		return ""
	}
	km := m.Get(fd).Message()
	if nf := km.Descriptor().Fields().ByName("nullability"); nf != nil && km.Get(nf).Enum() == protoreflect.EnumNumber(pb.Type_NULLABILITY_REQUIRED) {
		return " NOT NULL"
	}
	return ""
}

func (d *describer) aggregate(x *pb.AggregateRel, in []string, desc Description) []string {
	var keys []*pb.Expression
	if len(x.GetGroupingExpressions()) > 0 {
		keys = x.GetGroupingExpressions()
	} else {
		seen := map[string]bool{}
		for _, g := range x.GetGroupings() {
			for _, e := range g.GetGroupingExpressions() {
				if k := exprKey(e); !seen[k] {
					seen[k] = true
					keys = append(keys, e)
				}
			}
		}
	}
	var names []string
	for _, e := range keys {
		t := d.text(e, in)
		desc["groupings"] = append(desc["groupings"], t)
		names = append(names, t)
	}
	for _, m := range x.GetMeasures() {
		t := d.measureText(m, in)
		desc["measures"] = append(desc["measures"], t)
		names = append(names, t)
	}
	if len(x.GetGroupings()) > 1 {
		names = append(names, "grouping_id")
	}
	return names
}

func (d *describer) measureText(m *pb.AggregateRel_Measure, in []string) string {
	f := m.GetMeasure()
	decl, _ := d.w.plan.Extensions.Function(f.GetFunctionReference())
	var args []string
	for _, a := range f.GetArguments() {
		switch v := a.GetArgType().(type) {
		case *pb.FunctionArgument_Value:
			args = append(args, d.text(v.Value, in))
		case *pb.FunctionArgument_Enum:
			args = append(args, "'"+v.Enum+"'")
		case *pb.FunctionArgument_Type:
			args = append(args, typeName(v.Type))
		}
	}
	for _, a := range f.GetArgs() {
		args = append(args, d.text(a, in))
	}
	prefix := ""
	if f.GetInvocation() == pb.AggregateFunction_AGGREGATION_INVOCATION_DISTINCT {
		prefix = "DISTINCT "
	}
	s := decl.BaseName() + "(" + prefix + strings.Join(args, ", ") + ")"
	if len(f.GetSorts()) > 0 {
		var sorts []string
		for _, so := range f.GetSorts() {
			sorts = append(sorts, d.sortText(so, in))
		}
		s += " ORDER BY " + strings.Join(sorts, ", ")
	}
	if m.GetFilter() != nil {
		s += " FILTER (WHERE " + d.text(m.GetFilter(), in) + ")"
	}
	return s
}

func (d *describer) physicalJoin(p string, depth int, left, right *pb.Rel, typ string,
	lk, rk []*pb.Expression_FieldReference, keys []*pb.ComparisonJoinKey, post *pb.Expression, desc Description) []string {
	l, r := d.relAt(left, p+".left", depth+1), d.relAt(right, p+".right", depth+1)
	desc["type"] = []string{typ}
	ref := func(fr *pb.Expression_FieldReference, names []string) string {
		return d.text(&pb.Expression{RexType: &pb.Expression_Selection{Selection: fr}}, names)
	}
	for i := range min(len(lk), len(rk)) {
		desc["keys"] = append(desc["keys"], ref(lk[i], l)+" = "+ref(rk[i], r))
	}
	for _, k := range keys {
		op := "="
		if k.GetComparison().GetSimple() == pb.ComparisonJoinKey_SIMPLE_COMPARISON_TYPE_IS_NOT_DISTINCT_FROM {
			op = "IS NOT DISTINCT FROM"
		}
		desc["keys"] = append(desc["keys"], ref(k.GetLeft(), l)+" "+op+" "+ref(k.GetRight(), r))
	}
	both := append(append([]string(nil), l...), r...)
	if post != nil {
		desc["post_join_filter"] = d.conjuncts(post, both)
	}
	return joinOutput(typ, l, r)
}

// joinOutput is the output columns of a join of type typ.
func joinOutput(typ string, l, r []string) []string {
	sh := shapeOf(typ)
	var out []string
	if sh.leftOut {
		out = append(out, l...)
	}
	if sh.rightOut {
		out = append(out, r...)
	}
	if sh.mark {
		out = append(out, "mark")
	}
	return out
}

func (d *describer) sortText(s *pb.SortField, names []string) string {
	dir := ""
	switch s.GetDirection() {
	case pb.SortField_SORT_DIRECTION_ASC_NULLS_FIRST:
		dir = " ASC NULLS FIRST"
	case pb.SortField_SORT_DIRECTION_ASC_NULLS_LAST:
		dir = " ASC NULLS LAST"
	case pb.SortField_SORT_DIRECTION_DESC_NULLS_FIRST:
		dir = " DESC NULLS FIRST"
	case pb.SortField_SORT_DIRECTION_DESC_NULLS_LAST:
		dir = " DESC NULLS LAST"
	case pb.SortField_SORT_DIRECTION_CLUSTERED:
		dir = " CLUSTERED"
	}
	return d.text(s.GetExpr(), names) + dir
}

// resolver names direct references into the input columns names; nested
// struct fields append their position (#i) since a relation's output does
// not carry field names below the top level.
func nameResolver(names []string) resolver {
	return func(fr *pb.Expression_FieldReference) (model.Column, bool) {
		if !isRootRef(fr) {
			return nil, false
		}
		sf := fr.GetDirectReference().GetStructField()
		if sf == nil {
			return nil, false
		}
		i := int(sf.GetField())
		if i < 0 || i >= len(names) {
			return nil, false
		}
		c := model.Column{names[i]}
		for seg := sf.GetChild().GetStructField(); seg != nil; seg = seg.GetChild().GetStructField() {
			c = append(c, "#"+strconv.Itoa(int(seg.GetField())))
		}
		return c, true
	}
}

// text renders an expression: boolean expressions as predicates (infix
// comparisons, IN, BETWEEN, IS NULL), others as function calls.
func (d *describer) text(e *pb.Expression, names []string) string {
	if e == nil {
		return "?"
	}
	res := nameResolver(names)
	if f := e.GetScalarFunction(); f != nil {
		decl, _ := d.w.plan.Extensions.Function(f.GetFunctionReference())
		if op, ok := infixOps[decl.BaseName()]; ok {
			if args := valueArgs(f); len(args) == 2 {
				if _, lit := constValue(args[0], func(uint32) string { return "" }); !lit {
					if _, lit := constValue(args[1], func(uint32) string { return "" }); !lit {
						return d.operand(args[0], names) + " " + op + " " + d.operand(args[1], names)
					}
				}
			}
		}
	}
	if p := d.w.toPred(e, res); p != nil {
		if _, opaque := p.(model.Opaque); !opaque {
			return p.String()
		}
	}
	return d.w.render(e, res)
}

// infixOps are the functions rendered as binary operators when neither
// side is a constant (comparisons with a constant render as predicates).
var infixOps = map[string]string{
	"equal": "=", "not_equal": "<>", "lt": "<", "lte": "<=", "gt": ">", "gte": ">=",
	"add": "+", "subtract": "-", "multiply": "*", "divide": "/",
}

// operand renders an operand of an infix operator, parenthesized when it is
// itself an infix call.
func (d *describer) operand(e *pb.Expression, names []string) string {
	t := d.text(e, names)
	if f := e.GetScalarFunction(); f != nil {
		decl, _ := d.w.plan.Extensions.Function(f.GetFunctionReference())
		if _, ok := infixOps[decl.BaseName()]; ok && strings.Contains(t, " ") {
			return "(" + t + ")"
		}
	}
	return t
}

// conjuncts renders each AND-ed part of a condition.
func (d *describer) conjuncts(e *pb.Expression, names []string) []string {
	if e == nil {
		return nil
	}
	var out []string
	for _, c := range d.w.conjuncts(e) {
		out = append(out, d.text(c, names))
	}
	return out
}
