package lineage

import (
	"fmt"

	pb "github.com/substrait-io/substrait-protobuf/go/substraitpb"
	"google.golang.org/protobuf/proto"
)

// expr returns the base columns an expression reads in scope sc. It also
// counts the functions it calls and walks its subqueries (whose own filters,
// keys and groupings are uses in their own right).
func (w *walker) expr(e *pb.Expression, sc *scope, p string) (srcSet, error) {
	if e == nil {
		return nil, pathErr(p, ErrInvalidPlan, "missing expression")
	}
	switch x := e.GetRexType().(type) {
	case *pb.Expression_Literal_, *pb.Expression_DynamicParameter, *pb.Expression_Enum_:
		return nil, nil
	case *pb.Expression_Selection:
		return w.fieldRef(x.Selection, sc, p)
	case *pb.Expression_ScalarFunction_:
		if err := w.fn(x.ScalarFunction.GetFunctionReference(), p); err != nil {
			return nil, err
		}
		return w.args(x.ScalarFunction.GetArguments(), x.ScalarFunction.GetArgs(), sc, p)
	case *pb.Expression_WindowFunction_:
		f := x.WindowFunction
		if err := w.fn(f.GetFunctionReference(), p); err != nil {
			return nil, err
		}
		s, err := w.args(f.GetArguments(), f.GetArgs(), sc, p)
		if err != nil {
			return nil, err
		}
		for _, e := range f.GetPartitions() {
			ps, err := w.expr(e, sc, p)
			if err != nil {
				return nil, err
			}
			s = union(s, ps)
		}
		for _, so := range f.GetSorts() {
			ss, err := w.expr(so.GetExpr(), sc, p)
			if err != nil {
				return nil, err
			}
			s = union(s, ss)
		}
		return s, nil
	case *pb.Expression_IfThen_:
		var es []*pb.Expression
		for _, c := range x.IfThen.GetIfs() {
			es = append(es, c.GetIf(), c.GetThen())
		}
		if x.IfThen.GetElse() != nil {
			es = append(es, x.IfThen.GetElse())
		}
		return w.exprs(es, sc, p)
	case *pb.Expression_SwitchExpression_:
		es := []*pb.Expression{x.SwitchExpression.GetMatch()}
		for _, c := range x.SwitchExpression.GetIfs() {
			es = append(es, c.GetThen())
		}
		if x.SwitchExpression.GetElse() != nil {
			es = append(es, x.SwitchExpression.GetElse())
		}
		return w.exprs(es, sc, p)
	case *pb.Expression_SingularOrList_:
		return w.exprs(append([]*pb.Expression{x.SingularOrList.GetValue()}, x.SingularOrList.GetOptions()...), sc, p)
	case *pb.Expression_MultiOrList_:
		es := append([]*pb.Expression(nil), x.MultiOrList.GetValue()...)
		for _, r := range x.MultiOrList.GetOptions() {
			es = append(es, r.GetFields()...)
		}
		return w.exprs(es, sc, p)
	case *pb.Expression_Cast_:
		return w.expr(x.Cast.GetInput(), sc, p)
	case *pb.Expression_Nested_:
		var es []*pb.Expression
		switch n := x.Nested.GetNestedType().(type) {
		case *pb.Expression_Nested_Struct_:
			es = n.Struct.GetFields()
		case *pb.Expression_Nested_List_:
			es = n.List.GetValues()
		case *pb.Expression_Nested_Map_:
			for _, kv := range n.Map.GetKeyValues() {
				es = append(es, kv.GetKey(), kv.GetValue())
			}
		}
		return w.exprs(es, sc, p)
	case *pb.Expression_Subquery_:
		return w.subquery(x.Subquery, sc, p)
	case *pb.Expression_Lambda_:
		// Lambda parameters are no columns; the body may still read the row.
		return w.expr(x.Lambda.GetBody(), sc, p)
	case *pb.Expression_LambdaInvocation_:
		s, err := w.expr(x.LambdaInvocation.GetLambda().GetBody(), sc, p)
		if err != nil {
			return nil, err
		}
		as, err := w.exprs(x.LambdaInvocation.GetArguments().GetFields(), sc, p)
		return union(s, as), err
	}
	return nil, pathErr(p, ErrInvalidPlan, "expression of unknown kind")
}

func (w *walker) exprs(es []*pb.Expression, sc *scope, p string) (srcSet, error) {
	var s srcSet
	for _, e := range es {
		x, err := w.expr(e, sc, p)
		if err != nil {
			return nil, err
		}
		s = union(s, x)
	}
	return s, nil
}

func (w *walker) args(args []*pb.FunctionArgument, old []*pb.Expression, sc *scope, p string) (srcSet, error) {
	s, err := w.exprs(old, sc, p)
	if err != nil {
		return nil, err
	}
	for _, a := range args {
		if v := a.GetValue(); v != nil {
			x, err := w.expr(v, sc, p)
			if err != nil {
				return nil, err
			}
			s = union(s, x)
		}
	}
	return s, nil
}

// fn counts one call of the function at anchor.
func (w *walker) fn(anchor uint32, p string) error {
	e, ok := w.plan.Extensions.Function(anchor)
	if !ok {
		return pathErr(p, ErrUnresolvedFunction, "function anchor %d is not declared", anchor)
	}
	w.funcs[funcKey{e.URN, e.Name}]++
	return nil
}

func (w *walker) subquery(q *pb.Expression_Subquery, sc *scope, p string) (srcSet, error) {
	p += ".subquery"
	switch k := q.GetSubqueryType().(type) {
	case *pb.Expression_Subquery_Scalar_:
		out, err := w.rel(k.Scalar.GetInput(), p, sc)
		if err != nil {
			return nil, err
		}
		return allSrc(out), nil
	case *pb.Expression_Subquery_InPredicate_:
		s, err := w.exprs(k.InPredicate.GetNeedles(), sc, p)
		if err != nil {
			return nil, err
		}
		out, err := w.rel(k.InPredicate.GetHaystack(), p, sc)
		if err != nil {
			return nil, err
		}
		return union(s, allSrc(out)), nil
	case *pb.Expression_Subquery_SetPredicate_:
		// EXISTS / UNIQUE look at rows, not at the values of the columns.
		_, err := w.rel(k.SetPredicate.GetTuples(), p, sc)
		return nil, err
	case *pb.Expression_Subquery_SetComparison_:
		s, err := w.expr(k.SetComparison.GetLeft(), sc, p)
		if err != nil {
			return nil, err
		}
		out, err := w.rel(k.SetComparison.GetRight(), p, sc)
		if err != nil {
			return nil, err
		}
		return union(s, allSrc(out)), nil
	}
	return nil, pathErr(p, ErrInvalidPlan, "subquery of unknown kind")
}

func allSrc(cols []col) srcSet {
	var s srcSet
	for _, c := range cols {
		s = union(s, c.src)
	}
	return s
}

// fieldRef resolves a field reference against its root: the input row, an
// enclosing row (outer reference), or an expression.
func (w *walker) fieldRef(fr *pb.Expression_FieldReference, sc *scope, p string) (srcSet, error) {
	if fr == nil {
		return nil, pathErr(p, ErrInvalidPlan, "missing field reference")
	}
	var in []col
	switch r := fr.GetRootType().(type) {
	case *pb.Expression_FieldReference_Expression:
		return w.expr(r.Expression, sc, p)
	case *pb.Expression_FieldReference_LambdaParameterReference_:
		return nil, nil
	case *pb.Expression_FieldReference_OuterReference_:
		steps := r.OuterReference.GetStepsOut()
		if steps == 0 {
			return nil, pathErr(p, ErrInvalidPlan, "outer reference with steps_out 0")
		}
		o := sc
		for i := uint32(0); i < steps && o != nil; i++ {
			o = o.outer
		}
		if o == nil {
			return nil, pathErr(p, ErrFieldOutOfRange, "outer reference %d steps out has no enclosing query", steps)
		}
		in = o.in
	default: // root reference (also the proto3 default when unset)
		in = sc.in
	}
	switch rt := fr.GetReferenceType().(type) {
	case *pb.Expression_FieldReference_DirectReference:
		sf := rt.DirectReference.GetStructField()
		if sf == nil {
			return nil, pathErr(p, ErrInvalidPlan, "reference does not start with a struct field")
		}
		i := int(sf.GetField())
		if i < 0 || i >= len(in) {
			return nil, pathErr(p, ErrFieldOutOfRange, "field %d of %d", sf.GetField(), len(in))
		}
		c := in[i]
		if child := sf.GetChild().GetStructField(); child != nil && len(c.src) == 1 {
			w.nestedPath(c.src[0], child)
		}
		return c.src, nil
	case *pb.Expression_FieldReference_MaskedReference:
		var s srcSet
		for _, it := range rt.MaskedReference.GetSelect().GetStructItems() {
			i := int(it.GetField())
			if i < 0 || i >= len(in) {
				return nil, pathErr(p, ErrFieldOutOfRange, "masked field %d of %d", it.GetField(), len(in))
			}
			s = union(s, in[i].src)
		}
		return s, nil
	}
	return nil, pathErr(p, ErrInvalidPlan, "field reference without a reference")
}

// nestedPath records the struct path below a base column (as far as the
// schema names it).
func (w *walker) nestedPath(k int64, seg *pb.Expression_ReferenceSegment_StructField) {
	rs := w.reads[k>>32]
	f := rs.fields[k&0xffffffff]
	path := f.name
	for seg != nil {
		i := int(seg.GetField())
		if i < 0 || i >= len(f.children) {
			return
		}
		f = f.children[i]
		path += "." + f.name
		rs.nested[path] = true
		seg = seg.GetChild().GetStructField()
	}
}

// conjuncts flattens AND calls (by function name) into their arguments.
func (w *walker) conjuncts(e *pb.Expression) []*pb.Expression {
	if f := e.GetScalarFunction(); f != nil {
		if d, ok := w.plan.Extensions.Function(f.GetFunctionReference()); ok && d.BaseName() == "and" {
			var out []*pb.Expression
			for _, a := range valueArgs(f) {
				out = append(out, w.conjuncts(a)...)
			}
			return out
		}
	}
	return []*pb.Expression{e}
}

// valueArgs returns the value arguments of a call (new or deprecated form).
func valueArgs(f *pb.Expression_ScalarFunction) []*pb.Expression {
	out := append([]*pb.Expression(nil), f.GetArgs()...)
	for _, a := range f.GetArguments() {
		if v := a.GetValue(); v != nil {
			out = append(out, v)
		}
	}
	return out
}

// exprKey identifies an expression by its deterministic encoding.
func exprKey(e *pb.Expression) string {
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(e)
	if err != nil {
		return fmt.Sprintf("%p", e)
	}
	return string(b)
}
