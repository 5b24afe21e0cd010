package lineage

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	pb "github.com/substrait-io/substrait-protobuf/go/substraitpb"

	"github.com/deltaplan/deltaplan/model"
)

// srcSet is a sorted set of base columns, each packed as read<<32 | column.
type srcSet []int64

func srcKey(read, col int) int64 { return int64(read)<<32 | int64(col) }

func union(a, b srcSet) srcSet {
	if len(b) == 0 {
		return a
	}
	if len(a) == 0 {
		return b
	}
	out := make(srcSet, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] < b[j]:
			out = append(out, a[i])
			i++
		case a[i] > b[j]:
			out = append(out, b[j])
			j++
		default:
			out = append(out, a[i])
			i++
			j++
		}
	}
	out = append(out, a[i:]...)
	return append(out, b[j:]...)
}

// col is one output column of a relation: the base columns it derives from,
// and, when it is an unchanged base column on a path where a filter above
// may be evaluated at the scan instead, that column (origin, else -1).
type col struct {
	src    srcSet
	origin int64
}

func cleared(cols []col) []col {
	out := make([]col, len(cols))
	for i, c := range cols {
		out[i] = col{src: c.src, origin: -1}
	}
	return out
}

// scope is the input row an expression sees, with the enclosing rows of
// correlated subqueries behind it (for outer references).
type scope struct {
	in    []col
	outer *scope
}

type field struct {
	name     string
	children []field
}

type readState struct {
	Read
	fields []field
	used   []bool
	nested map[string]bool
	pushed map[string]model.Pred
}

type funcKey struct{ urn, name string }

type walker struct {
	plan   *Plan
	reads  []*readState
	joins  []Join
	funcs  map[funcKey]int
	rels   map[string]int
	memo   map[int32][]col
	busy   map[int32]bool
	crosss map[*pb.CrossRel]crossInfo
	// bare are the paths of reads without a base schema: a column
	// reference that runs out of range above one is reported as that.
	bare []string
}

type crossInfo struct {
	join             int // index into joins
	leftWidth, width int
}

// Analyze walks the plan and returns its lineage. Every plan relation is
// walked: the roots, and shared subtrees (walked once, however often they
// are referenced). Errors wrap a sentinel of errors.go inside a *PathError
// naming the relation.
func Analyze(p *Plan) (*Lineage, error) {
	if p == nil || p.Proto == nil {
		return nil, fmt.Errorf("%w: no plan", ErrInvalidPlan)
	}
	if p.Extensions == nil {
		p = &Plan{Proto: p.Proto, Extensions: &Extensions{}, Encoding: p.Encoding, Ignored: p.Ignored}
	}
	w := &walker{plan: p, funcs: map[funcKey]int{}, rels: map[string]int{}, memo: map[int32][]col{},
		busy: map[int32]bool{}, crosss: map[*pb.CrossRel]crossInfo{}}
	rels := p.Proto.GetRelations()
	if len(rels) == 0 {
		return nil, fmt.Errorf("%w: the plan has no relations", ErrInvalidPlan)
	}
	roots := 0
	for _, r := range rels {
		if r.GetRoot() != nil {
			roots++
		}
	}
	for i, r := range rels {
		switch t := r.GetRelType().(type) {
		case *pb.PlanRel_Root:
			path := "root"
			if roots > 1 {
				path = fmt.Sprintf("root[%d]", i)
			}
			out, err := w.rel(t.Root.GetInput(), path, nil)
			if err != nil {
				return nil, w.explainSchemaless(err)
			}
			for _, c := range out {
				w.use(c.src)
			}
		case *pb.PlanRel_Rel:
			if _, err := w.planRel(int32(i), fmt.Sprintf("relations[%d]", i)); err != nil {
				return nil, w.explainSchemaless(err)
			}
		default:
			return nil, &PathError{Path: fmt.Sprintf("relations[%d]", i), Err: fmt.Errorf("%w: empty plan relation", ErrUnknownRelation)}
		}
	}
	return w.result(), nil
}

// explainSchemaless reports an out-of-range column reference as what it
// is when a read without a base schema is below it.
func (w *walker) explainSchemaless(err error) error {
	if len(w.bare) == 0 || !errors.Is(err, ErrFieldOutOfRange) {
		return err
	}
	return pathErr(w.bare[0], ErrInvalidPlan, "read has no base schema, so the columns the plan uses above it cannot be resolved (%v)", err)
}

func (w *walker) result() *Lineage {
	l := &Lineage{Relations: w.rels, Joins: w.joins}
	for _, rs := range w.reads {
		r := rs.Read
		seen := map[string]bool{}
		for i, u := range rs.used {
			if u && !seen[rs.fields[i].name] {
				seen[rs.fields[i].name] = true
				r.Columns = append(r.Columns, rs.fields[i].name)
			}
		}
		sort.Strings(r.Columns)
		for n := range rs.nested {
			r.NestedPaths = append(r.NestedPaths, n)
		}
		sort.Strings(r.NestedPaths)
		for t := range rs.pushed {
			r.Filters = append(r.Filters, t)
		}
		sort.Strings(r.Filters)
		for _, t := range r.Filters {
			r.Pushed = append(r.Pushed, rs.pushed[t])
		}
		l.Reads = append(l.Reads, r)
	}
	for k, n := range w.funcs {
		l.Functions = append(l.Functions, FunctionUse{URN: k.urn, Name: k.name, Count: n})
	}
	sort.Slice(l.Functions, func(i, j int) bool {
		a, b := l.Functions[i], l.Functions[j]
		if a.URN != b.URN {
			return a.URN < b.URN
		}
		return a.Name < b.Name
	})
	return l
}

func (w *walker) use(s srcSet) {
	for _, k := range s {
		w.reads[k>>32].used[k&0xffffffff] = true
	}
}

func (w *walker) useAll(cols []col) {
	for _, c := range cols {
		w.use(c.src)
	}
}

func pathErr(path string, sentinel error, format string, args ...any) error {
	return &PathError{Path: path, Err: fmt.Errorf("%w: %s", sentinel, fmt.Sprintf(format, args...))}
}

// planRel walks plan relation i once and memoizes its output.
func (w *walker) planRel(i int32, path string) ([]col, error) {
	if out, ok := w.memo[i]; ok {
		return out, nil
	}
	rels := w.plan.Proto.GetRelations()
	if i < 0 || int(i) >= len(rels) {
		return nil, pathErr(path, ErrUnknownRelation, "reference to plan relation %d of %d", i, len(rels))
	}
	if w.busy[i] {
		return nil, pathErr(path, ErrInvalidPlan, "plan relation %d references itself", i)
	}
	w.busy[i] = true
	r := rels[i].GetRel()
	if r == nil {
		r = rels[i].GetRoot().GetInput()
	}
	out, err := w.rel(r, path, nil)
	if err != nil {
		return nil, err
	}
	w.busy[i] = false
	w.memo[i] = out
	return out, nil
}

func emit(cols []col, c *pb.RelCommon, path string, lenient bool) ([]col, error) {
	e := c.GetEmit()
	if e == nil {
		return cols, nil
	}
	out := make([]col, len(e.GetOutputMapping()))
	for i, m := range e.GetOutputMapping() {
		switch {
		case m >= 0 && int(m) < len(cols):
			out[i] = cols[m]
		case lenient && m >= 0:
			out[i] = col{origin: -1} // an extension relation's own output
		default:
			return nil, pathErr(path, ErrFieldOutOfRange, "emit index %d of %d fields", m, len(cols))
		}
	}
	return out, nil
}

// rel walks one relation: path is the path of its parent, outer the scope
// of an enclosing expression (for subqueries), nil at top level.
func (w *walker) rel(r *pb.Rel, path string, outer *scope) ([]col, error) {
	if r == nil {
		return nil, pathErr(path, ErrInvalidPlan, "missing relation")
	}
	kind := relKind(r)
	if kind == "" {
		return nil, pathErr(path, ErrUnknownRelation, "relation of unknown kind (%v)", r.ProtoReflect().WhichOneof(r.ProtoReflect().Descriptor().Oneofs().ByName("rel_type")))
	}
	p := path + "." + kind
	w.rels[kind]++
	switch x := r.GetRelType().(type) {
	case *pb.Rel_Read:
		return w.read(x.Read, p, outer)
	case *pb.Rel_Filter:
		in, err := w.rel(x.Filter.GetInput(), p, outer)
		if err != nil {
			return nil, err
		}
		if x.Filter.GetCondition() == nil {
			return nil, pathErr(p, ErrInvalidPlan, "filter without condition")
		}
		if err := w.condition(x.Filter.GetCondition(), in, outer, p); err != nil {
			return nil, err
		}
		if cr := x.Filter.GetInput().GetCross(); cr != nil && cr.GetCommon().GetEmit() == nil {
			w.crossKeys(x.Filter.GetCondition(), in, cr)
		}
		return emit(in, x.Filter.GetCommon(), p, false)
	case *pb.Rel_Project:
		in, err := w.rel(x.Project.GetInput(), p, outer)
		if err != nil {
			return nil, err
		}
		sc := &scope{in: in, outer: outer}
		out := append([]col(nil), in...)
		for _, e := range x.Project.GetExpressions() {
			s, err := w.expr(e, sc, p)
			if err != nil {
				return nil, err
			}
			out = append(out, col{src: s, origin: passthrough(e, in)})
		}
		return emit(out, x.Project.GetCommon(), p, false)
	case *pb.Rel_Fetch:
		in, err := w.rel(x.Fetch.GetInput(), p, outer)
		if err != nil {
			return nil, err
		}
		for _, e := range []*pb.Expression{x.Fetch.GetOffsetExpr(), x.Fetch.GetCountExpr()} {
			if e != nil {
				s, err := w.expr(e, &scope{outer: outer}, p)
				if err != nil {
					return nil, err
				}
				w.use(s)
			}
		}
		// A filter above a limit cannot move below it.
		return emit(cleared(in), x.Fetch.GetCommon(), p, false)
	case *pb.Rel_Sort:
		in, err := w.rel(x.Sort.GetInput(), p, outer)
		if err != nil {
			return nil, err
		}
		if err := w.sorts(x.Sort.GetSorts(), &scope{in: in, outer: outer}, p); err != nil {
			return nil, err
		}
		return emit(in, x.Sort.GetCommon(), p, false)
	case *pb.Rel_Aggregate:
		return w.aggregate(x.Aggregate, p, outer)
	case *pb.Rel_Join:
		j := x.Join
		return w.join(p, outer, j.GetCommon(), j.GetLeft(), j.GetRight(), joinTypeName(j.GetType().String()),
			j.GetExpression(), j.GetPostJoinFilter(), nil, nil, nil)
	case *pb.Rel_HashJoin:
		j := x.HashJoin
		return w.join(p, outer, j.GetCommon(), j.GetLeft(), j.GetRight(), joinTypeName(j.GetType().String()),
			nil, j.GetPostJoinFilter(), j.GetLeftKeys(), j.GetRightKeys(), j.GetKeys())
	case *pb.Rel_MergeJoin:
		j := x.MergeJoin
		return w.join(p, outer, j.GetCommon(), j.GetLeft(), j.GetRight(), joinTypeName(j.GetType().String()),
			nil, j.GetPostJoinFilter(), j.GetLeftKeys(), j.GetRightKeys(), j.GetKeys())
	case *pb.Rel_NestedLoopJoin:
		j := x.NestedLoopJoin
		return w.join(p, outer, j.GetCommon(), j.GetLeft(), j.GetRight(), joinTypeName(j.GetType().String()),
			j.GetExpression(), nil, nil, nil, nil)
	case *pb.Rel_Cross:
		left, err := w.rel(x.Cross.GetLeft(), p+".left", outer)
		if err != nil {
			return nil, err
		}
		right, err := w.rel(x.Cross.GetRight(), p+".right", outer)
		if err != nil {
			return nil, err
		}
		w.crosss[x.Cross] = crossInfo{join: len(w.joins), leftWidth: len(left), width: len(left) + len(right)}
		w.joins = append(w.joins, Join{Type: "cross", Path: p})
		return emit(append(append([]col(nil), left...), right...), x.Cross.GetCommon(), p, false)
	case *pb.Rel_Set:
		return w.set(x.Set, p, outer)
	case *pb.Rel_Window:
		return w.window(x.Window, p, outer)
	case *pb.Rel_Expand:
		in, err := w.rel(x.Expand.GetInput(), p, outer)
		if err != nil {
			return nil, err
		}
		sc := &scope{in: in, outer: outer}
		var out []col
		for _, f := range x.Expand.GetFields() {
			var s srcSet
			if c := f.GetConsistentField(); c != nil {
				if s, err = w.expr(c, sc, p); err != nil {
					return nil, err
				}
			}
			for _, d := range f.GetSwitchingField().GetDuplicates() {
				ds, err := w.expr(d, sc, p)
				if err != nil {
					return nil, err
				}
				s = union(s, ds)
			}
			out = append(out, col{src: s, origin: -1})
		}
		return emit(out, x.Expand.GetCommon(), p, false)
	case *pb.Rel_Exchange:
		return w.exchange(x.Exchange, p, outer)
	case *pb.Rel_Reference:
		out, err := w.planRel(x.Reference.GetSubtreeOrdinal(), p)
		if err != nil {
			return nil, err
		}
		// The subtree is shared: a filter of one consumer must not reach it.
		return cleared(out), nil
	case *pb.Rel_ExtensionSingle:
		in, err := w.rel(x.ExtensionSingle.GetInput(), p, outer)
		if err != nil {
			return nil, err
		}
		// Opaque semantics: assume it needs every input column.
		w.useAll(in)
		return emit(cleared(in), x.ExtensionSingle.GetCommon(), p, true)
	case *pb.Rel_ExtensionMulti:
		var all []col
		for i, input := range x.ExtensionMulti.GetInputs() {
			in, err := w.rel(input, fmt.Sprintf("%s.inputs[%d]", p, i), outer)
			if err != nil {
				return nil, err
			}
			w.useAll(in)
			all = append(all, cleared(in)...)
		}
		return emit(all, x.ExtensionMulti.GetCommon(), p, true)
	case *pb.Rel_ExtensionLeaf:
		return emit(nil, x.ExtensionLeaf.GetCommon(), p, true)
	case *pb.Rel_Write:
		in, err := w.rel(x.Write.GetInput(), p, outer)
		if err != nil {
			return nil, err
		}
		w.useAll(in) // every input column is written
		return emit(cleared(in), x.Write.GetCommon(), p, false)
	case *pb.Rel_Ddl:
		if v := x.Ddl.GetViewDefinition(); v != nil {
			in, err := w.rel(v, p+".view_definition", outer)
			if err != nil {
				return nil, err
			}
			w.useAll(in)
		}
		return emit(nil, x.Ddl.GetCommon(), p, true)
	case *pb.Rel_Update:
		return w.update(x.Update, p, outer)
	}
	return nil, pathErr(p, ErrUnknownRelation, "relation kind %s", kind)
}

func relKind(r *pb.Rel) string {
	switch r.GetRelType().(type) {
	case *pb.Rel_Read:
		return "read"
	case *pb.Rel_Filter:
		return "filter"
	case *pb.Rel_Fetch:
		return "fetch"
	case *pb.Rel_Aggregate:
		return "aggregate"
	case *pb.Rel_Sort:
		return "sort"
	case *pb.Rel_Join:
		return "join"
	case *pb.Rel_Project:
		return "project"
	case *pb.Rel_Set:
		return "set"
	case *pb.Rel_ExtensionSingle:
		return "extension_single"
	case *pb.Rel_ExtensionMulti:
		return "extension_multi"
	case *pb.Rel_ExtensionLeaf:
		return "extension_leaf"
	case *pb.Rel_Cross:
		return "cross"
	case *pb.Rel_Reference:
		return "reference"
	case *pb.Rel_Write:
		return "write"
	case *pb.Rel_Ddl:
		return "ddl"
	case *pb.Rel_Update:
		return "update"
	case *pb.Rel_HashJoin:
		return "hash_join"
	case *pb.Rel_MergeJoin:
		return "merge_join"
	case *pb.Rel_NestedLoopJoin:
		return "nested_loop_join"
	case *pb.Rel_Window:
		return "window"
	case *pb.Rel_Exchange:
		return "exchange"
	case *pb.Rel_Expand:
		return "expand"
	}
	return ""
}

// joinTypeName turns "JOIN_TYPE_LEFT_SEMI" into "left_semi".
func joinTypeName(enum string) string {
	return strings.ToLower(strings.TrimPrefix(enum, "JOIN_TYPE_"))
}

// condition records a filter condition: its columns are needed, and its
// conjuncts that read one scan's unchanged columns are pushed to that scan.
func (w *walker) condition(cond *pb.Expression, in []col, outer *scope, p string) error {
	s, err := w.expr(cond, &scope{in: in, outer: outer}, p)
	if err != nil {
		return err
	}
	w.use(s)
	w.push(cond, in)
	return nil
}

func (w *walker) sorts(sorts []*pb.SortField, sc *scope, p string) error {
	for _, f := range sorts {
		s, err := w.expr(f.GetExpr(), sc, p)
		if err != nil {
			return err
		}
		w.use(s)
		if ref, ok := f.GetSortKind().(*pb.SortField_ComparisonFunctionReference); ok {
			if err := w.fn(ref.ComparisonFunctionReference, p); err != nil {
				return err
			}
		}
	}
	return nil
}

func (w *walker) read(x *pb.ReadRel, p string, outer *scope) ([]col, error) {
	rs := &readState{Read: Read{Path: p, BaseSchema: x.GetBaseSchema()}, nested: map[string]bool{}, pushed: map[string]model.Pred{}}
	switch t := x.GetReadType().(type) {
	case *pb.ReadRel_NamedTable_:
		rs.Kind, rs.Table = ReadNamedTable, strings.Join(t.NamedTable.GetNames(), ".")
	case *pb.ReadRel_LocalFiles_:
		rs.Kind = ReadLocalFiles
		if items := t.LocalFiles.GetItems(); len(items) > 0 {
			i := items[0]
			rs.Table = i.GetUriPath() + i.GetUriPathGlob() + i.GetUriFile() + i.GetUriFolder()
		}
	case *pb.ReadRel_VirtualTable_:
		rs.Kind = ReadVirtualTable
	case *pb.ReadRel_ExtensionTable_:
		rs.Kind, rs.Table = ReadExtensionTable, t.ExtensionTable.GetDetail().GetTypeUrl()
	case *pb.ReadRel_IcebergTable_:
		rs.Kind = ReadIcebergTable
		if d := t.IcebergTable.GetDirect(); d != nil {
			rs.Table = d.GetMetadataUri()
		}
	default:
		return nil, pathErr(p, ErrUnknownRelation, "read of unknown kind")
	}
	if len(x.GetBaseSchema().GetNames()) == 0 && len(x.GetBaseSchema().GetStruct().GetTypes()) == 0 {
		w.bare = append(w.bare, p)
	}
	fields, err := topFields(x.GetBaseSchema())
	if err != nil {
		return nil, pathErr(p, ErrInvalidPlan, "base schema: %v", err)
	}
	full := w.addScan(rs, fields)
	if vt := x.GetVirtualTable(); vt != nil {
		for _, row := range vt.GetExpressions() {
			for _, e := range row.GetFields() {
				if _, err := w.expr(e, &scope{outer: outer}, p); err != nil {
					return nil, err
				}
			}
		}
	}
	for _, f := range []*pb.Expression{x.GetFilter(), x.GetBestEffortFilter()} {
		if f != nil {
			if err := w.condition(f, full, outer, p); err != nil {
				return nil, err
			}
		}
	}
	out := full
	if m := x.GetProjection(); m != nil {
		out = nil
		for _, item := range m.GetSelect().GetStructItems() {
			i := int(item.GetField())
			if i < 0 || i >= len(full) {
				return nil, pathErr(p, ErrFieldOutOfRange, "projection field %d of %d", i, len(full))
			}
			rs.used[i] = true
			if item.GetChild().GetStruct() != nil {
				maskPaths(fields[i], item.GetChild().GetStruct(), rs.nested)
			}
			out = append(out, full[i])
		}
	}
	return emit(out, x.GetCommon(), p, false)
}

func maskPaths(f field, sel *pb.Expression_MaskExpression_StructSelect, into map[string]bool) {
	for _, it := range sel.GetStructItems() {
		i := int(it.GetField())
		if i < 0 || i >= len(f.children) {
			continue
		}
		c := f.children[i]
		path := f.name + "." + c.name
		into[path] = true
		if s := it.GetChild().GetStruct(); s != nil {
			maskPaths(field{name: path, children: c.children}, s, into)
		}
	}
}

// topFields splits a NamedStruct's depth-first names into top-level fields
// with their nested struct fields. Without types every name is top-level.
func topFields(ns *pb.NamedStruct) ([]field, error) {
	names := ns.GetNames()
	types := ns.GetStruct().GetTypes()
	if len(types) == 0 {
		out := make([]field, len(names))
		for i, n := range names {
			out[i] = field{name: n}
		}
		return out, nil
	}
	pos := 0
	var consume func(t *pb.Type, depth int) ([]field, error)
	next := func() (string, error) {
		if pos >= len(names) {
			return "", fmt.Errorf("%d names for more fields than that", len(names))
		}
		pos++
		return names[pos-1], nil
	}
	consume = func(t *pb.Type, depth int) ([]field, error) {
		if depth > 100 {
			return nil, fmt.Errorf("types nested deeper than 100")
		}
		switch k := t.GetKind().(type) {
		case *pb.Type_Struct_:
			var out []field
			for _, ct := range k.Struct.GetTypes() {
				n, err := next()
				if err != nil {
					return nil, err
				}
				ch, err := consume(ct, depth+1)
				if err != nil {
					return nil, err
				}
				out = append(out, field{name: n, children: ch})
			}
			return out, nil
		case *pb.Type_List_:
			return consume(k.List.GetType(), depth+1)
		case *pb.Type_Map_:
			a, err := consume(k.Map.GetKey(), depth+1)
			if err != nil {
				return nil, err
			}
			b, err := consume(k.Map.GetValue(), depth+1)
			return append(a, b...), err
		}
		return nil, nil
	}
	out, err := consume(&pb.Type{Kind: &pb.Type_Struct_{Struct: ns.GetStruct()}}, 0)
	if err != nil {
		return nil, err
	}
	if pos != len(names) {
		return nil, fmt.Errorf("%d names but the types name %d fields", len(names), pos)
	}
	return out, nil
}

// isRootRef reports whether a reference reads the relation's input row (an
// unset root is the proto3 default some producers leave).
func isRootRef(fr *pb.Expression_FieldReference) bool {
	return fr.GetRootType() == nil || fr.GetRootReference() != nil
}

// passthrough returns the origin of e when e is a plain reference to an
// input column, else -1.
func passthrough(e *pb.Expression, in []col) int64 {
	i, ok := plainField(e)
	if !ok || i >= len(in) {
		return -1
	}
	return in[i].origin
}

// plainField reports the input column index of a root reference with one
// struct segment.
func plainField(e *pb.Expression) (int, bool) {
	fr := e.GetSelection()
	if fr == nil || !isRootRef(fr) {
		return 0, false
	}
	sf := fr.GetDirectReference().GetStructField()
	if sf == nil || sf.GetChild() != nil || sf.GetField() < 0 {
		return 0, false
	}
	return int(sf.GetField()), true
}

func (w *walker) aggregate(x *pb.AggregateRel, p string, outer *scope) ([]col, error) {
	in, err := w.rel(x.GetInput(), p, outer)
	if err != nil {
		return nil, err
	}
	sc := &scope{in: in, outer: outer}
	var keys []*pb.Expression
	if len(x.GetGroupingExpressions()) > 0 {
		keys = x.GetGroupingExpressions()
		for _, g := range x.GetGroupings() {
			for _, r := range g.GetExpressionReferences() {
				if int(r) >= len(keys) {
					return nil, pathErr(p, ErrFieldOutOfRange, "grouping expression reference %d of %d", r, len(keys))
				}
			}
		}
	} else {
		// Old form: each grouping lists its expressions; the output has one
		// column per distinct expression.
		seen := map[string]bool{}
		for _, g := range x.GetGroupings() {
			for _, e := range g.GetGroupingExpressions() {
				k := exprKey(e)
				if !seen[k] {
					seen[k] = true
					keys = append(keys, e)
				}
			}
		}
	}
	single := len(x.GetGroupings()) <= 1
	var out []col
	for _, e := range keys {
		s, err := w.expr(e, sc, p)
		if err != nil {
			return nil, err
		}
		w.use(s) // grouping decides the output rows
		origin := int64(-1)
		if single {
			origin = passthrough(e, in)
		}
		out = append(out, col{src: s, origin: origin})
	}
	for _, m := range x.GetMeasures() {
		s, err := w.aggFunc(m.GetMeasure(), sc, p)
		if err != nil {
			return nil, err
		}
		if f := m.GetFilter(); f != nil {
			fs, err := w.expr(f, sc, p)
			if err != nil {
				return nil, err
			}
			s = union(s, fs)
		}
		out = append(out, col{src: s, origin: -1})
	}
	if len(x.GetGroupings()) > 1 {
		out = append(out, col{origin: -1}) // the grouping-set index
	}
	return emit(out, x.GetCommon(), p, false)
}

func (w *walker) aggFunc(f *pb.AggregateFunction, sc *scope, p string) (srcSet, error) {
	if f == nil {
		return nil, pathErr(p, ErrInvalidPlan, "measure without a function")
	}
	if err := w.fn(f.GetFunctionReference(), p); err != nil {
		return nil, err
	}
	s, err := w.args(f.GetArguments(), f.GetArgs(), sc, p)
	if err != nil {
		return nil, err
	}
	for _, so := range f.GetSorts() {
		ss, err := w.expr(so.GetExpr(), sc, p)
		if err != nil {
			return nil, err
		}
		s = union(s, ss)
	}
	return s, nil
}

// Which sides of a join keep their rows unmatched (preserved), and which
// sides appear in the output, per join type.
type joinShape struct {
	leftOut, rightOut   bool // side's columns in the output
	leftKeep, rightKeep bool // side's unchanged columns reach the output (filters above may move down)
	leftOn, rightOn     bool // ON conjuncts over only that side may move to its scan
	mark                bool
}

func shapeOf(t string) joinShape {
	switch t {
	case "inner", "unspecified":
		return joinShape{leftOut: true, rightOut: true, leftKeep: true, rightKeep: true, leftOn: true, rightOn: true}
	case "left":
		return joinShape{leftOut: true, rightOut: true, leftKeep: true, rightOn: true}
	case "right":
		return joinShape{leftOut: true, rightOut: true, rightKeep: true, leftOn: true}
	case "outer":
		return joinShape{leftOut: true, rightOut: true}
	case "left_semi":
		return joinShape{leftOut: true, leftKeep: true, leftOn: true, rightOn: true}
	case "right_semi":
		return joinShape{rightOut: true, rightKeep: true, leftOn: true, rightOn: true}
	case "left_anti":
		return joinShape{leftOut: true, leftKeep: true, rightOn: true}
	case "right_anti":
		return joinShape{rightOut: true, rightKeep: true, leftOn: true}
	case "left_single":
		return joinShape{leftOut: true, rightOut: true, leftKeep: true, rightOn: true}
	case "right_single":
		return joinShape{leftOut: true, rightOut: true, rightKeep: true, leftOn: true}
	case "left_mark":
		return joinShape{leftOut: true, leftKeep: true, rightOn: true, mark: true}
	case "right_mark":
		return joinShape{rightOut: true, rightKeep: true, leftOn: true, mark: true}
	}
	return joinShape{leftOut: true, rightOut: true}
}

func (w *walker) join(p string, outer *scope, common *pb.RelCommon, l, r *pb.Rel, typ string,
	cond, post *pb.Expression, lkeys, rkeys []*pb.Expression_FieldReference, keys []*pb.ComparisonJoinKey) ([]col, error) {
	left, err := w.rel(l, p+".left", outer)
	if err != nil {
		return nil, err
	}
	right, err := w.rel(r, p+".right", outer)
	if err != nil {
		return nil, err
	}
	sh := shapeOf(typ)
	both := append(append([]col(nil), left...), right...)
	j := Join{Type: typ, Path: p}
	if cond != nil {
		s, err := w.expr(cond, &scope{in: both, outer: outer}, p)
		if err != nil {
			return nil, err
		}
		w.use(s)
		on := make([]col, len(both))
		for i, c := range both {
			on[i] = c
			if (i < len(left) && !sh.leftOn) || (i >= len(left) && !sh.rightOn) {
				on[i].origin = -1
			}
		}
		w.push(cond, on)
		j.LeftKeys, j.RightKeys = w.joinKeys(cond, both, len(left))
	}
	if len(lkeys) != len(rkeys) {
		return nil, pathErr(p, ErrInvalidPlan, "%d left keys but %d right keys", len(lkeys), len(rkeys))
	}
	pair := func(lf, rf *pb.Expression_FieldReference) error {
		ls, err := w.fieldRef(lf, &scope{in: left, outer: outer}, p)
		if err != nil {
			return err
		}
		rs, err := w.fieldRef(rf, &scope{in: right, outer: outer}, p)
		if err != nil {
			return err
		}
		w.use(ls)
		w.use(rs)
		ln, lok := w.colName(ls)
		rn, rok := w.colName(rs)
		if lok && rok {
			j.LeftKeys = append(j.LeftKeys, ln)
			j.RightKeys = append(j.RightKeys, rn)
		}
		return nil
	}
	for i := range lkeys {
		if err := pair(lkeys[i], rkeys[i]); err != nil {
			return nil, err
		}
	}
	for _, k := range keys {
		if err := pair(k.GetLeft(), k.GetRight()); err != nil {
			return nil, err
		}
		if f, ok := k.GetComparison().GetInnerType().(*pb.ComparisonJoinKey_ComparisonType_CustomFunctionReference); ok {
			if err := w.fn(f.CustomFunctionReference, p); err != nil {
				return nil, err
			}
		}
	}
	var out []col
	if sh.leftOut {
		if sh.leftKeep {
			out = append(out, left...)
		} else {
			out = append(out, cleared(left)...)
		}
	}
	if sh.rightOut {
		if sh.rightKeep {
			out = append(out, right...)
		} else {
			out = append(out, cleared(right)...)
		}
	}
	if sh.mark {
		out = append(out, col{origin: -1})
	}
	if post != nil {
		// The post-join filter sees the join's output.
		if err := w.condition(post, out, outer, p); err != nil {
			return nil, err
		}
	}
	w.joins = append(w.joins, j)
	return emit(out, common, p, false)
}

// crossKeys attributes the equalities of a filter over a tree of cross
// products (how Isthmus writes comma joins) to the cross that joins the two
// columns' sides.
func (w *walker) crossKeys(cond *pb.Expression, in []col, top *pb.CrossRel) {
	for _, c := range w.conjuncts(cond) {
		a, b, ok := w.equiPair(c, len(in))
		if !ok {
			continue
		}
		if a > b {
			a, b = b, a
		}
		cr, off := top, 0
		for cr != nil {
			ci, known := w.crosss[cr]
			if !known {
				break
			}
			switch {
			case a >= off+ci.leftWidth:
				off += ci.leftWidth
				cr = cr.GetRight().GetCross()
			case b < off+ci.leftWidth:
				cr = cr.GetLeft().GetCross()
			default:
				an, aok := w.colName(in[a].src)
				bn, bok := w.colName(in[b].src)
				if aok && bok {
					w.joins[ci.join].LeftKeys = append(w.joins[ci.join].LeftKeys, an)
					w.joins[ci.join].RightKeys = append(w.joins[ci.join].RightKeys, bn)
				}
				cr = nil
				continue
			}
			if cr != nil && cr.GetCommon().GetEmit() != nil {
				cr = nil
			}
		}
	}
}

// equiPair reports the two input columns of an equality conjunct between
// plain column references.
func (w *walker) equiPair(c *pb.Expression, width int) (int, int, bool) {
	f := c.GetScalarFunction()
	if f == nil {
		return 0, 0, false
	}
	e, ok := w.plan.Extensions.Function(f.GetFunctionReference())
	if !ok || (e.BaseName() != "equal" && e.BaseName() != "is_not_distinct_from") {
		return 0, 0, false
	}
	args := valueArgs(f)
	if len(args) != 2 {
		return 0, 0, false
	}
	a, aok := plainField(unwrapCast(args[0]))
	b, bok := plainField(unwrapCast(args[1]))
	if !aok || !bok || a >= width || b >= width {
		return 0, 0, false
	}
	return a, b, true
}

// joinKeys finds equality conjuncts between a left column and a right
// column (the left side being the first leftWidth columns of in).
func (w *walker) joinKeys(cond *pb.Expression, in []col, leftWidth int) (lk, rk []string) {
	for _, c := range w.conjuncts(cond) {
		a, b, ok := w.equiPair(c, len(in))
		if !ok {
			continue
		}
		if a >= leftWidth {
			a, b = b, a
		}
		if a >= leftWidth || b < leftWidth {
			continue
		}
		an, aok := w.colName(in[a].src)
		bn, bok := w.colName(in[b].src)
		if aok && bok {
			lk, rk = append(lk, an), append(rk, bn)
		}
	}
	return lk, rk
}

func unwrapCast(e *pb.Expression) *pb.Expression {
	for e.GetCast() != nil {
		e = e.GetCast().GetInput()
	}
	return e
}

// colName names a column that derives from exactly one base column as
// table.column.
func (w *walker) colName(s srcSet) (string, bool) {
	if len(s) != 1 {
		return "", false
	}
	rs := w.reads[s[0]>>32]
	name := rs.fields[s[0]&0xffffffff].name
	if rs.Table == "" {
		return name, true
	}
	return rs.Table + "." + name, true
}

func (w *walker) set(x *pb.SetRel, p string, outer *scope) ([]col, error) {
	var out []col
	for i, input := range x.GetInputs() {
		in, err := w.rel(input, fmt.Sprintf("%s.inputs[%d]", p, i), outer)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			out = cleared(in)
		} else {
			// Inputs must match the first one's width. Some producers leave
			// extra trailing columns (a project without emit); they do not
			// reach the output, so only the common prefix is matched.
			if len(in) < len(out) {
				return nil, pathErr(p, ErrFieldOutOfRange, "set input %d has %d fields, input 0 has %d", i, len(in), len(out))
			}
			for c := range out {
				out[c].src = union(out[c].src, in[c].src)
			}
		}
		if x.GetOp() != pb.SetRel_SET_OP_UNION_ALL {
			w.useAll(in) // distinctness and matching compare whole rows
		}
	}
	return emit(out, x.GetCommon(), p, false)
}

func (w *walker) window(x *pb.ConsistentPartitionWindowRel, p string, outer *scope) ([]col, error) {
	in, err := w.rel(x.GetInput(), p, outer)
	if err != nil {
		return nil, err
	}
	sc := &scope{in: in, outer: outer}
	for _, e := range x.GetPartitionExpressions() {
		s, err := w.expr(e, sc, p)
		if err != nil {
			return nil, err
		}
		w.use(s)
	}
	if err := w.sorts(x.GetSorts(), sc, p); err != nil {
		return nil, err
	}
	out := cleared(in)
	for _, f := range x.GetWindowFunctions() {
		if err := w.fn(f.GetFunctionReference(), p); err != nil {
			return nil, err
		}
		s, err := w.args(f.GetArguments(), nil, sc, p)
		if err != nil {
			return nil, err
		}
		out = append(out, col{src: s, origin: -1})
	}
	return emit(out, x.GetCommon(), p, false)
}

func (w *walker) exchange(x *pb.ExchangeRel, p string, outer *scope) ([]col, error) {
	in, err := w.rel(x.GetInput(), p, outer)
	if err != nil {
		return nil, err
	}
	sc := &scope{in: in, outer: outer}
	var exprs []*pb.Expression
	switch k := x.GetExchangeKind().(type) {
	case *pb.ExchangeRel_ScatterByFields:
		for _, f := range k.ScatterByFields.GetFields() {
			s, err := w.fieldRef(f, sc, p)
			if err != nil {
				return nil, err
			}
			w.use(s)
		}
	case *pb.ExchangeRel_SingleTarget:
		exprs = append(exprs, k.SingleTarget.GetExpression())
	case *pb.ExchangeRel_MultiTarget:
		exprs = append(exprs, k.MultiTarget.GetExpression())
	}
	for _, e := range exprs {
		s, err := w.expr(e, sc, p)
		if err != nil {
			return nil, err
		}
		w.use(s)
	}
	return emit(in, x.GetCommon(), p, false)
}

// addScan registers a scanned table with its top-level fields and returns
// one output column per field, each its own source.
func (w *walker) addScan(rs *readState, fields []field) []col {
	rid := len(w.reads)
	rs.fields, rs.used = fields, make([]bool, len(fields))
	w.reads = append(w.reads, rs)
	full := make([]col, len(fields))
	for i := range fields {
		k := srcKey(rid, i)
		full[i] = col{src: srcSet{k}, origin: k}
	}
	return full
}

// update reads the table it updates: its condition and transformations are
// uses of that scan.
func (w *walker) update(x *pb.UpdateRel, p string, outer *scope) ([]col, error) {
	rs := &readState{Read: Read{Path: p, Kind: ReadNamedTable, Table: strings.Join(x.GetNamedTable().GetNames(), ".")},
		nested: map[string]bool{}, pushed: map[string]model.Pred{}}
	fields, err := topFields(x.GetTableSchema())
	if err != nil {
		return nil, pathErr(p, ErrInvalidPlan, "table schema: %v", err)
	}
	full := w.addScan(rs, fields)
	if c := x.GetCondition(); c != nil {
		if err := w.condition(c, full, outer, p); err != nil {
			return nil, err
		}
	}
	for _, t := range x.GetTransformations() {
		if t.GetColumnTarget() < 0 || int(t.GetColumnTarget()) >= len(full) {
			return nil, pathErr(p, ErrFieldOutOfRange, "update target column %d of %d", t.GetColumnTarget(), len(full))
		}
		s, err := w.expr(t.GetTransformation(), &scope{in: full, outer: outer}, p)
		if err != nil {
			return nil, err
		}
		w.use(s)
	}
	return nil, nil
}
