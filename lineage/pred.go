package lineage

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	pb "github.com/substrait-io/substrait-protobuf/go/substraitpb"

	"github.com/deltaplan/deltaplan/model"
)

// push moves the conjuncts of cond that read only unchanged columns of one
// scan (and nothing else of the row: no outer references, no subqueries) to
// that scan. From an OR over several scans it derives, per scan that every
// branch constrains, the OR of those constraints (if the row passes the OR,
// some branch holds, so that branch's conjuncts over the scan hold).
func (w *walker) push(cond *pb.Expression, in []col) {
	for _, c := range w.conjuncts(cond) {
		read := -1
		if w.pushable(c, in, &read) {
			if read >= 0 {
				w.addPushed(read, w.toPred(c, w.resolverFor(read, in)))
			}
			continue
		}
		w.pushFromOr(c, in)
	}
}

func (w *walker) addPushed(read int, p model.Pred) {
	for _, c := range model.Conjuncts(p) {
		w.reads[read].pushed[c.String()] = c
	}
}

func (w *walker) pushFromOr(c *pb.Expression, in []col) {
	f := c.GetScalarFunction()
	if f == nil {
		return
	}
	if d, ok := w.plan.Extensions.Function(f.GetFunctionReference()); !ok || d.BaseName() != "or" {
		return
	}
	branches := valueArgs(f)
	if len(branches) < 2 {
		return
	}
	// parts[b][read] are the conjuncts of branch b over read alone.
	parts := make([]map[int][]*pb.Expression, len(branches))
	for b, br := range branches {
		parts[b] = map[int][]*pb.Expression{}
		for _, sc := range w.conjuncts(br) {
			rd := -1
			if w.pushable(sc, in, &rd) && rd >= 0 {
				parts[b][rd] = append(parts[b][rd], sc)
			}
		}
	}
	reads := make([]int, 0, len(parts[0]))
	for rd := range parts[0] {
		reads = append(reads, rd)
	}
	sort.Ints(reads)
next:
	for _, rd := range reads {
		res := w.resolverFor(rd, in)
		or := model.Or{}
		for b := range branches {
			es := parts[b][rd]
			if len(es) == 0 {
				continue next
			}
			if len(es) == 1 {
				or.Args = append(or.Args, w.toPred(es[0], res))
				continue
			}
			and := model.And{}
			for _, e := range es {
				and.Args = append(and.Args, w.toPred(e, res))
			}
			or.Args = append(or.Args, and)
		}
		w.addPushed(rd, or)
	}
}

// resolverFor names the columns of read (reached through in) by their
// logical path in the base schema.
func (w *walker) resolverFor(read int, in []col) resolver {
	rs := w.reads[read]
	return func(fr *pb.Expression_FieldReference) (model.Column, bool) {
		sf := fr.GetDirectReference().GetStructField()
		i := int(sf.GetField())
		if i < 0 || i >= len(in) || in[i].origin < 0 || int(in[i].origin>>32) != read {
			return nil, false
		}
		f := rs.fields[in[i].origin&0xffffffff]
		c := model.Column{f.name}
		for seg := sf.GetChild().GetStructField(); seg != nil; seg = seg.GetChild().GetStructField() {
			j := int(seg.GetField())
			if j < 0 || j >= len(f.children) {
				return nil, false
			}
			f = f.children[j]
			c = append(c, f.name)
		}
		return c, true
	}
}

// pushable reports whether every column e reads is an unchanged column of
// the same scan (recorded in *read).
func (w *walker) pushable(e *pb.Expression, in []col, read *int) bool {
	ok := true
	var visit func(e *pb.Expression)
	visit = func(e *pb.Expression) {
		if e == nil || !ok {
			return
		}
		switch x := e.GetRexType().(type) {
		case *pb.Expression_Selection:
			fr := x.Selection
			sf := fr.GetDirectReference().GetStructField()
			if !isRootRef(fr) || sf == nil {
				ok = false
				return
			}
			if sf.GetChild() != nil && sf.GetChild().GetStructField() == nil {
				ok = false // list or map element: not a plain column value
				return
			}
			i := int(sf.GetField())
			if i < 0 || i >= len(in) || in[i].origin < 0 {
				ok = false
				return
			}
			r := int(in[i].origin >> 32)
			if *read >= 0 && *read != r {
				ok = false
				return
			}
			*read = r
		case *pb.Expression_Subquery_, *pb.Expression_WindowFunction_, *pb.Expression_Lambda_, *pb.Expression_LambdaInvocation_:
			ok = false
		case *pb.Expression_ScalarFunction_:
			for _, a := range valueArgs(x.ScalarFunction) {
				visit(a)
			}
		case *pb.Expression_IfThen_:
			for _, c := range x.IfThen.GetIfs() {
				visit(c.GetIf())
				visit(c.GetThen())
			}
			visit(x.IfThen.GetElse())
		case *pb.Expression_SwitchExpression_:
			visit(x.SwitchExpression.GetMatch())
			for _, c := range x.SwitchExpression.GetIfs() {
				visit(c.GetThen())
			}
			visit(x.SwitchExpression.GetElse())
		case *pb.Expression_SingularOrList_:
			visit(x.SingularOrList.GetValue())
			for _, o := range x.SingularOrList.GetOptions() {
				visit(o)
			}
		case *pb.Expression_MultiOrList_:
			for _, v := range x.MultiOrList.GetValue() {
				visit(v)
			}
			for _, r := range x.MultiOrList.GetOptions() {
				for _, f := range r.GetFields() {
					visit(f)
				}
			}
		case *pb.Expression_Cast_:
			visit(x.Cast.GetInput())
		case *pb.Expression_Nested_:
			switch n := x.Nested.GetNestedType().(type) {
			case *pb.Expression_Nested_Struct_:
				for _, f := range n.Struct.GetFields() {
					visit(f)
				}
			case *pb.Expression_Nested_List_:
				for _, f := range n.List.GetValues() {
					visit(f)
				}
			default:
				ok = false
			}
		}
	}
	visit(e)
	return ok
}

type resolver func(*pb.Expression_FieldReference) (model.Column, bool)

var cmpOps = map[string]model.Op{
	"equal": model.OpEq, "not_equal": model.OpNe,
	"lt": model.OpLt, "lte": model.OpLe, "gt": model.OpGt, "gte": model.OpGe,
}

// toPred converts a boolean expression to the predicate model: comparisons
// of a column with a literal, IS [NOT] NULL, IN lists of literals, BETWEEN,
// AND/OR/NOT and boolean constants; everything else is model.Opaque.
func (w *walker) toPred(e *pb.Expression, res resolver) model.Pred {
	column := func(e *pb.Expression) (model.Column, bool) {
		if fr := e.GetSelection(); fr != nil {
			return res(fr)
		}
		return nil, false
	}
	fnName := func(anchor uint32) string {
		d, _ := w.plan.Extensions.Function(anchor)
		return d.BaseName()
	}
	literal := func(e *pb.Expression) (model.Value, bool) { return constValue(e, fnName) }
	if l := e.GetLiteral(); l != nil {
		if b, ok := l.GetLiteralType().(*pb.Expression_Literal_Boolean); ok {
			return model.Const{Val: b.Boolean}
		}
	}
	if f := e.GetScalarFunction(); f != nil {
		d, _ := w.plan.Extensions.Function(f.GetFunctionReference())
		args := valueArgs(f)
		name := d.BaseName()
		switch {
		case (name == "and" || name == "or") && len(args) > 0:
			ps := make([]model.Pred, len(args))
			for i, a := range args {
				ps[i] = w.toPred(a, res)
			}
			if name == "and" {
				return model.And{Args: ps}
			}
			return model.Or{Args: ps}
		case name == "not" && len(args) == 1:
			return model.Not{Arg: w.toPred(args[0], res)}
		case cmpOps[name] != 0 || name == "equal":
			if len(args) == 2 {
				op := cmpOps[name]
				if c, ok := column(args[0]); ok {
					if v, ok := literal(args[1]); ok {
						return model.Cmp{Col: c, Op: op, Val: v}
					}
				}
				if c, ok := column(args[1]); ok {
					if v, ok := literal(args[0]); ok {
						return model.Cmp{Col: c, Op: op.Flip(), Val: v}
					}
				}
			}
		case (name == "is_null" || name == "is_not_null") && len(args) == 1:
			if c, ok := column(args[0]); ok {
				return model.IsNull{Col: c, Negated: name == "is_not_null"}
			}
		case name == "between" && len(args) == 3:
			c, ok := column(args[0])
			lo, lok := literal(args[1])
			hi, hok := literal(args[2])
			if ok && lok && hok {
				return model.And{Args: []model.Pred{
					model.Cmp{Col: c, Op: model.OpGe, Val: lo},
					model.Cmp{Col: c, Op: model.OpLe, Val: hi},
				}}
			}
		}
	}
	if s := e.GetSingularOrList(); s != nil {
		if c, ok := column(s.GetValue()); ok {
			vals := make([]model.Value, 0, len(s.GetOptions()))
			for _, o := range s.GetOptions() {
				v, ok := literal(o)
				if !ok {
					vals = nil
					break
				}
				vals = append(vals, v)
			}
			if vals != nil {
				return model.In{Col: c, Vals: vals}
			}
		}
	}
	return w.opaque(e, res)
}

func (w *walker) opaque(e *pb.Expression, res resolver) model.Opaque {
	seen := map[string]model.Column{}
	text := w.render(e, func(fr *pb.Expression_FieldReference) (model.Column, bool) {
		c, ok := res(fr)
		if ok {
			seen[c.String()] = c
		}
		return c, ok
	})
	keys := make([]string, 0, len(seen))
	for k := range seen {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	cols := make([]model.Column, len(keys))
	for i, k := range keys {
		cols[i] = seen[k]
	}
	return model.Opaque{Text: text, Cols: cols}
}

// render prints an expression as canonical text: functions by their name
// without signature, columns by name, literals as SQL literals.
func (w *walker) render(e *pb.Expression, res resolver) string {
	list := func(es []*pb.Expression) string {
		parts := make([]string, len(es))
		for i, a := range es {
			parts[i] = w.render(a, res)
		}
		return strings.Join(parts, ", ")
	}
	switch x := e.GetRexType().(type) {
	case *pb.Expression_Literal_:
		return literalText(x.Literal)
	case *pb.Expression_Selection:
		if c, ok := res(x.Selection); ok {
			return quoteColumn(c)
		}
		return "$" + strconv.Itoa(int(x.Selection.GetDirectReference().GetStructField().GetField()))
	case *pb.Expression_ScalarFunction_:
		d, _ := w.plan.Extensions.Function(x.ScalarFunction.GetFunctionReference())
		var parts []string
		for _, a := range x.ScalarFunction.GetArgs() {
			parts = append(parts, w.render(a, res))
		}
		for _, a := range x.ScalarFunction.GetArguments() {
			switch v := a.GetArgType().(type) {
			case *pb.FunctionArgument_Value:
				parts = append(parts, w.render(v.Value, res))
			case *pb.FunctionArgument_Enum:
				parts = append(parts, "'"+v.Enum+"'")
			case *pb.FunctionArgument_Type:
				parts = append(parts, typeName(v.Type))
			}
		}
		return d.BaseName() + "(" + strings.Join(parts, ", ") + ")"
	case *pb.Expression_Cast_:
		return "CAST(" + w.render(x.Cast.GetInput(), res) + " AS " + typeName(x.Cast.GetType()) + ")"
	case *pb.Expression_IfThen_:
		s := "CASE"
		for _, c := range x.IfThen.GetIfs() {
			s += " WHEN " + w.render(c.GetIf(), res) + " THEN " + w.render(c.GetThen(), res)
		}
		if x.IfThen.GetElse() != nil {
			s += " ELSE " + w.render(x.IfThen.GetElse(), res)
		}
		return s + " END"
	case *pb.Expression_SwitchExpression_:
		s := "CASE " + w.render(x.SwitchExpression.GetMatch(), res)
		for _, c := range x.SwitchExpression.GetIfs() {
			s += " WHEN " + literalText(c.GetIf()) + " THEN " + w.render(c.GetThen(), res)
		}
		if x.SwitchExpression.GetElse() != nil {
			s += " ELSE " + w.render(x.SwitchExpression.GetElse(), res)
		}
		return s + " END"
	case *pb.Expression_SingularOrList_:
		return w.render(x.SingularOrList.GetValue(), res) + " IN (" + list(x.SingularOrList.GetOptions()) + ")"
	case *pb.Expression_MultiOrList_:
		var rows []string
		for _, r := range x.MultiOrList.GetOptions() {
			rows = append(rows, "("+list(r.GetFields())+")")
		}
		return "(" + list(x.MultiOrList.GetValue()) + ") IN (" + strings.Join(rows, ", ") + ")"
	case *pb.Expression_Nested_:
		switch n := x.Nested.GetNestedType().(type) {
		case *pb.Expression_Nested_Struct_:
			return "{" + list(n.Struct.GetFields()) + "}"
		case *pb.Expression_Nested_List_:
			return "[" + list(n.List.GetValues()) + "]"
		}
	case *pb.Expression_DynamicParameter:
		return fmt.Sprintf("$param%d", x.DynamicParameter.GetParameterReference())
	}
	return "?"
}

// quoteColumn prints a column as model predicates do: plain identifiers
// bare, others double-quoted.
func quoteColumn(c model.Column) string {
	return strings.TrimSuffix(model.IsNull{Col: c}.String(), " IS NULL")
}

// typeName renders a Substrait type in the spec's short form.
func typeName(t *pb.Type) string {
	switch k := t.GetKind().(type) {
	case *pb.Type_Bool:
		return "boolean"
	case *pb.Type_I8_:
		return "i8"
	case *pb.Type_I16_:
		return "i16"
	case *pb.Type_I32_:
		return "i32"
	case *pb.Type_I64_:
		return "i64"
	case *pb.Type_Fp32:
		return "fp32"
	case *pb.Type_Fp64:
		return "fp64"
	case *pb.Type_String_:
		return "string"
	case *pb.Type_Binary_:
		return "binary"
	case *pb.Type_Timestamp_:
		return "timestamp"
	case *pb.Type_TimestampTz:
		return "timestamp_tz"
	case *pb.Type_Date_:
		return "date"
	case *pb.Type_Time_:
		return "time"
	case *pb.Type_IntervalYear_:
		return "interval_year"
	case *pb.Type_IntervalDay_:
		return fmt.Sprintf("interval_day<%d>", k.IntervalDay.GetPrecision())
	case *pb.Type_Uuid:
		return "uuid"
	case *pb.Type_FixedChar_:
		return fmt.Sprintf("fixedchar<%d>", k.FixedChar.GetLength())
	case *pb.Type_Varchar:
		return fmt.Sprintf("varchar<%d>", k.Varchar.GetLength())
	case *pb.Type_FixedBinary_:
		return fmt.Sprintf("fixedbinary<%d>", k.FixedBinary.GetLength())
	case *pb.Type_Decimal_:
		return fmt.Sprintf("decimal<%d,%d>", k.Decimal.GetPrecision(), k.Decimal.GetScale())
	case *pb.Type_PrecisionTimestamp_:
		return fmt.Sprintf("precision_timestamp<%d>", k.PrecisionTimestamp.GetPrecision())
	case *pb.Type_PrecisionTimestampTz:
		return fmt.Sprintf("precision_timestamp_tz<%d>", k.PrecisionTimestampTz.GetPrecision())
	case *pb.Type_List_:
		return "list<" + typeName(k.List.GetType()) + ">"
	case *pb.Type_Map_:
		return "map<" + typeName(k.Map.GetKey()) + "," + typeName(k.Map.GetValue()) + ">"
	case *pb.Type_Struct_:
		parts := make([]string, len(k.Struct.GetTypes()))
		for i, c := range k.Struct.GetTypes() {
			parts[i] = typeName(c)
		}
		return "struct<" + strings.Join(parts, ",") + ">"
	case *pb.Type_UserDefined_:
		return fmt.Sprintf("u!%d", k.UserDefined.GetTypeReference())
	}
	return "unknown"
}
