package scanunit

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/deltaplan/deltaplan/model"
)

// Field is one column the pruner may be asked about, by logical path.
type Field struct {
	Path model.Column
	Kind model.Kind
}

// Schema lists the columns of a table; NewPruner rejects predicates over
// columns it does not list. Column mapping is already undone by the reader
// (model.FileSet names statistics by logical path), so only logical names
// appear here.
type Schema []Field

// SchemaOf lists the partition and statistics columns of fs, sorted by path.
func SchemaOf(fs *model.FileSet) Schema {
	var s Schema
	for _, p := range fs.Partitions {
		s = append(s, Field{Path: model.Column{p.Name}, Kind: p.Values.Kind})
	}
	for _, st := range fs.Stats {
		s = append(s, Field{Path: st.Path, Kind: st.Min.Kind})
	}
	sort.SliceStable(s, func(i, j int) bool { return s[i].Path.String() < s[j].Path.String() })
	return s
}

// Pruner evaluates one predicate against the files of a snapshot. It is
// immutable once built: Eval keeps all per-call state in locals, so one
// Pruner may serve many goroutines.
//
// Semantics, per file: the pruner infers the set of truth values (TRUE,
// FALSE, NULL) the predicate can take over the file's rows, and answers
// CannotMatch when TRUE is impossible. Partition values are exact. From
// statistics it uses min/max (a missing bound decides nothing), nullCount
// and numRecords (an all-NULL column, IS [NOT] NULL, files without rows).
// Conservative rules, each because a writer may do it:
//   - a string/binary max may be a truncated prefix of the real maximum,
//     so any value starting with it is assumed possible;
//   - timestamp statistics have millisecond precision, so a timestamp max
//     is widened by 999µs;
//   - floats follow Spark's order (NaN above +Inf, -0 = 0); a NaN min
//     bound is ignored, a NaN max admits NaN rows;
//   - a zoneless TIMESTAMP literal compared with a zoned column is read as
//     UTC; a string literal against a date/timestamp column is parsed.
type Pruner struct {
	pred model.Pred
	root *node
}

type nodeKind uint8

const (
	nConst nodeKind = iota
	nAnd
	nOr
	nNot
	nCmp
	nIsNull
)

type node struct {
	kind    nodeKind
	kids    []*node
	mask    outcome // nConst
	col     string  // dotted logical path (nCmp, nIsNull)
	op      model.Op
	val     model.Value
	negated bool // nIsNull: IS NOT NULL
}

// NewPruner compiles pred. With a non-nil schema every column the predicate
// reads must be in it (ErrUnknownColumn otherwise). A nil pred keeps all.
func NewPruner(pred model.Pred, schema Schema) (*Pruner, error) {
	if pred == nil {
		pred = model.Const{Val: true}
	}
	if schema != nil {
		known := make(map[string]bool, len(schema))
		for _, f := range schema {
			known[f.Path.String()] = true
		}
		for _, c := range model.Columns(pred) {
			if !known[c.String()] {
				return nil, fmt.Errorf("filter reads %q: %w", c.String(), ErrUnknownColumn)
			}
		}
	}
	root, err := compile(pred)
	if err != nil {
		return nil, err
	}
	return &Pruner{pred: pred, root: root}, nil
}

// Pred returns the predicate the pruner was built from.
func (p *Pruner) Pred() model.Pred { return p.pred }

func compile(p model.Pred) (*node, error) {
	switch p := p.(type) {
	case model.And:
		return compileList(nAnd, p.Args, oT)
	case model.Or:
		return compileList(nOr, p.Args, oF)
	case model.Not:
		k, err := compile(p.Arg)
		if err != nil {
			return nil, err
		}
		return &node{kind: nNot, kids: []*node{k}}, nil
	case model.Cmp:
		if p.Val.IsNull() {
			return &node{kind: nConst, mask: oN}, nil
		}
		return &node{kind: nCmp, col: p.Col.String(), op: p.Op, val: p.Val}, nil
	case model.IsNull:
		return &node{kind: nIsNull, col: p.Col.String(), negated: p.Negated}, nil
	case model.In:
		// x IN (a, b, NULL) is x = a OR x = b OR NULL.
		or := &node{kind: nOr}
		for _, v := range p.Vals {
			if v.IsNull() {
				or.kids = append(or.kids, &node{kind: nConst, mask: oN})
			} else {
				or.kids = append(or.kids, &node{kind: nCmp, col: p.Col.String(), op: model.OpEq, val: v})
			}
		}
		if len(or.kids) == 0 {
			or = &node{kind: nConst, mask: oF}
		}
		if p.Negated {
			return &node{kind: nNot, kids: []*node{or}}, nil
		}
		return or, nil
	case model.Const:
		if p.Val {
			return &node{kind: nConst, mask: oT}, nil
		}
		return &node{kind: nConst, mask: oF}, nil
	case model.Opaque:
		return &node{kind: nConst, mask: oAll}, nil
	}
	return nil, fmt.Errorf("scanunit: unsupported predicate type %T", p)
}

func compileList(k nodeKind, args []model.Pred, empty outcome) (*node, error) {
	if len(args) == 0 {
		return &node{kind: nConst, mask: empty}, nil
	}
	n := &node{kind: k}
	for _, a := range args {
		c, err := compile(a)
		if err != nil {
			return nil, err
		}
		n.kids = append(n.kids, c)
	}
	return n, nil
}

// Eval returns one verdict per file of fs, evaluating column-at-a-time: each
// leaf of the predicate makes one pass over its statistics column, and the
// boolean structure combines whole outcome columns by table lookup.
func (p *Pruner) Eval(fs *model.FileSet) ([]Verdict, error) {
	v, err := newView(fs)
	if err != nil {
		return nil, err
	}
	n := fs.Len()
	out := make([]outcome, n)
	e := evaluator{v: v}
	e.eval(p.root, out)
	res := make([]Verdict, n)
	for i, o := range out {
		if v.empty(i) {
			o = 0
		}
		res[i] = verdictOf(o)
	}
	return res, nil
}

// Keep returns the indices of the files that must be read, ascending.
func (p *Pruner) Keep(fs *model.FileSet) ([]int, error) {
	vs, err := p.Eval(fs)
	if err != nil {
		return nil, err
	}
	var keep []int
	for i, v := range vs {
		if v.Keep() {
			keep = append(keep, i)
		}
	}
	return keep, nil
}

// view is a validated FileSet with absent optional columns filled in.
type view struct {
	fs         *model.FileSet
	numRecords []int64
	dv         []int64
	part       map[string]*model.PartitionColumn
	stats      map[string]*model.ColumnStats
}

func unknowns(n int) []int64 {
	s := make([]int64, n)
	for i := range s {
		s[i] = -1
	}
	return s
}

// newView checks the FileSet's shape so that evaluation can index freely.
func newView(fs *model.FileSet) (*view, error) {
	if fs == nil {
		return nil, fmt.Errorf("scanunit: nil file set")
	}
	n := fs.Len()
	v := &view{fs: fs, numRecords: fs.NumRecords, dv: fs.DVCardinality,
		part: map[string]*model.PartitionColumn{}, stats: map[string]*model.ColumnStats{}}
	if v.numRecords == nil {
		v.numRecords = unknowns(n)
	}
	if v.dv == nil {
		v.dv = unknowns(n)
	}
	if len(v.numRecords) != n || len(v.dv) != n {
		return nil, fmt.Errorf("scanunit: file set has %d paths but %d numRecords and %d DV cardinalities", n, len(v.numRecords), len(v.dv))
	}
	for i := range fs.Partitions {
		pc := &fs.Partitions[i]
		if err := checkVector(pc.Values, n); err != nil {
			return nil, fmt.Errorf("scanunit: partition column %q: %w", pc.Name, err)
		}
		v.part[pc.Name] = pc
	}
	for i := range fs.Stats {
		st := &fs.Stats[i]
		name := st.Path.String()
		if st.Min.Kind == model.KindNull && st.Max.Kind == model.KindNull {
			// A type the reader cannot bound: only nullCount is used.
			if st.NullCount != nil && len(st.NullCount) != n {
				return nil, fmt.Errorf("scanunit: nullCount of %q has %d entries for %d files", name, len(st.NullCount), n)
			}
			if _, dup := v.part[name]; !dup {
				v.stats[name] = st
			}
			continue
		}
		if err := checkVector(st.Min, n); err != nil {
			return nil, fmt.Errorf("scanunit: min of %q: %w", name, err)
		}
		if err := checkVector(st.Max, n); err != nil {
			return nil, fmt.Errorf("scanunit: max of %q: %w", name, err)
		}
		if st.NullCount != nil && len(st.NullCount) != n {
			return nil, fmt.Errorf("scanunit: nullCount of %q has %d entries for %d files", name, len(st.NullCount), n)
		}
		if _, dup := v.part[name]; !dup {
			v.stats[name] = st
		}
	}
	return v, nil
}

func checkVector(vec model.Vector, n int) error {
	var got int
	switch vec.Kind {
	case model.KindNull:
		got = n // carries no values
	case model.KindBool:
		got = len(vec.Bools)
	case model.KindInt, model.KindDate, model.KindTimestamp, model.KindTimestampNTZ:
		got = len(vec.Ints)
	case model.KindFloat:
		got = len(vec.Floats)
	case model.KindString, model.KindBinary:
		got = len(vec.Strs)
	case model.KindDecimal:
		got = len(vec.Decs)
	default:
		return fmt.Errorf("unknown kind %v", vec.Kind)
	}
	if len(vec.Valid) != n || got != n {
		return fmt.Errorf("%d valid flags and %d values for %d files", len(vec.Valid), got, n)
	}
	return nil
}

// empty reports whether file i has no live rows.
func (v *view) empty(i int) bool {
	nr := v.numRecords[i]
	return nr == 0 || (nr > 0 && v.dv[i] >= nr)
}

type evaluator struct{ v *view }

func (e evaluator) eval(n *node, out []outcome) {
	switch n.kind {
	case nConst:
		for i := range out {
			out[i] = n.mask
		}
	case nAnd, nOr:
		tab := &andTab
		if n.kind == nOr {
			tab = &orTab
		}
		e.eval(n.kids[0], out)
		if len(n.kids) > 1 {
			tmp := make([]outcome, len(out))
			for _, k := range n.kids[1:] {
				e.eval(k, tmp)
				for i, t := range tmp {
					out[i] = tab[out[i]<<3|t]
				}
			}
		}
	case nNot:
		e.eval(n.kids[0], out)
		for i, o := range out {
			out[i] = notTab[o]
		}
	case nIsNull:
		e.isNull(n, out)
	case nCmp:
		e.cmp(n, out)
	}
}

// presence returns, for a stats column, whether file i may hold non-NULL
// values and whether it may hold NULLs.
func presence(nullCount []int64, numRecords []int64, i int) (nonNull, null bool) {
	nc := int64(-1)
	if nullCount != nil {
		nc = nullCount[i]
	}
	nr := numRecords[i]
	return !(nc >= 0 && nr >= 0 && nc >= nr), nc != 0
}

func (e evaluator) isNull(n *node, out []outcome) {
	yes, no := oT, oF
	if n.negated {
		yes, no = oF, oT
	}
	if pc, ok := e.v.part[n.col]; ok {
		for i, valid := range pc.Values.Valid {
			if valid {
				out[i] = no
			} else {
				out[i] = yes
			}
		}
		keepUndecoded(pc, out)
		return
	}
	st, ok := e.v.stats[n.col]
	if !ok {
		for i := range out {
			out[i] = oT | oF
		}
		return
	}
	for i := range out {
		nonNull, null := presence(st.NullCount, e.v.numRecords, i)
		var o outcome
		if nonNull {
			o |= no
		}
		if null {
			o |= yes
		}
		out[i] = o
	}
}

// cmpBits[op][loOK][hiOK][cmp(lo,c)+1][cmp(hi,c)+1] is the set {TRUE, FALSE}
// that "x op c" may take over non-NULL values x in [lo, hi], where a bound
// that is not OK is unknown.
var cmpBits [6][2][2][3][3]outcome

func init() {
	for op := model.OpEq; op <= model.OpGe; op++ {
		for lk := 0; lk < 2; lk++ {
			for hk := 0; hk < 2; hk++ {
				for cl := -1; cl <= 1; cl++ {
					for ch := -1; ch <= 1; ch++ {
						cmpBits[op][lk][hk][cl+1][ch+1] = rangeBits(op, lk == 1, hk == 1, cl, ch)
					}
				}
			}
		}
	}
}

// rangeBits is the readable definition behind cmpBits.
func rangeBits(op model.Op, loOK, hiOK bool, cl, ch int) outcome {
	var t, f bool
	switch op {
	case model.OpEq, model.OpNe:
		t = (!loOK || cl <= 0) && (!hiOK || ch >= 0)
		f = !(loOK && hiOK && cl == 0 && ch == 0)
		if op == model.OpNe {
			t, f = f, t
		}
	case model.OpLt:
		t, f = !loOK || cl < 0, !hiOK || ch >= 0
	case model.OpLe:
		t, f = !loOK || cl <= 0, !hiOK || ch > 0
	case model.OpGt:
		t, f = !hiOK || ch > 0, !loOK || cl <= 0
	case model.OpGe:
		t, f = !hiOK || ch >= 0, !loOK || cl < 0
	}
	var o outcome
	if t {
		o |= oT
	}
	if f {
		o |= oF
	}
	return o
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func sign[T int64 | string](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (e evaluator) cmp(n *node, out []outcome) {
	if pc, ok := e.v.part[n.col]; ok {
		e.cmpPartition(n, pc, out)
		keepUndecoded(pc, out)
		return
	}
	st, ok := e.v.stats[n.col]
	if !ok || st.Min.Kind != st.Max.Kind || st.Min.Scale != st.Max.Scale {
		for i := range out {
			out[i] = oAll
		}
		return
	}
	pl := coerce(n.op, n.val, st.Min.Kind, st.Min.Scale)
	nr := e.v.numRecords
	if pl.mode != pCmp {
		var val outcome
		switch pl.mode {
		case pTrue:
			val = oT
		case pFalse:
			val = oF
		case pNull:
			val = oN
		default:
			val = oT | oF
		}
		for i := range out {
			nonNull, null := presence(st.NullCount, nr, i)
			var o outcome
			if nonNull {
				o = val
			}
			if null || pl.mode == pNull {
				o |= oN
			}
			out[i] = o
		}
		return
	}
	tab := &cmpBits[pl.op]
	nc := st.NullCount
	if nc == nil {
		nc = unknowns(len(out))
	}
	nc, nr = nc[:len(out)], nr[:len(out)]
	// withNulls folds in what nullCount and numRecords say: an all-NULL
	// column yields only NULL, a possible NULL adds it.
	withNulls := func(i int) (o outcome, nonNull bool) {
		c, r := nc[i], nr[i]
		if c != 0 {
			o = oN
		}
		return o, !(c >= 0 && r >= 0 && c >= r)
	}
	lo, hi := &st.Min, &st.Max
	lv, hv := lo.Valid[:len(out)], hi.Valid[:len(out)]
	switch lo.Kind {
	case model.KindInt, model.KindDate, model.KindTimestamp, model.KindTimestampNTZ, model.KindFloat, model.KindBool:
		c, los, his := intKeys(lo, hi, pl.lit, e.v.fs.Len())
		los, his = los[:len(out)], his[:len(out)]
		for i := range out {
			o, nonNull := withNulls(i)
			if nonNull {
				o |= tab[b2i(lv[i])][b2i(hv[i])][sign(los[i], c)+1][sign(his[i], c)+1]
			}
			out[i] = o
		}
	case model.KindString, model.KindBinary:
		c := pl.lit.Str
		los, his := lo.Strs[:len(out)], hi.Strs[:len(out)]
		for i := range out {
			o, nonNull := withNulls(i)
			if nonNull {
				ch := 1 // the max may be a truncated prefix of longer values
				if !strings.HasPrefix(c, his[i]) {
					ch = strings.Compare(his[i], c)
				}
				o |= tab[b2i(lv[i])][b2i(hv[i])][strings.Compare(los[i], c)+1][ch+1]
			}
			out[i] = o
		}
	case model.KindDecimal:
		c := pl.lit.Dec
		for i := range out {
			o, nonNull := withNulls(i)
			if nonNull {
				lok, hok := lv[i] && lo.Decs[i] != nil, hv[i] && hi.Decs[i] != nil
				cl, ch := 0, 0
				if lok {
					cl = lo.Decs[i].Cmp(c)
				}
				if hok {
					ch = hi.Decs[i].Cmp(c)
				}
				o |= tab[b2i(lok)][b2i(hok)][cl+1][ch+1]
			}
			out[i] = o
		}
	default:
		for i := range out {
			out[i] = oAll
		}
	}
}

// intKeys returns order-preserving int64 keys for a literal and two bound
// vectors of an int-like, float or bool column, applying the statistics
// adjustments: a timestamp max is widened by 999µs (statistics keep
// milliseconds); a NaN float min is treated as a bound of -Inf.
func intKeys(lo, hi *model.Vector, lit model.Value, n int) (c int64, los, his []int64) {
	switch lo.Kind {
	case model.KindFloat:
		los, his = make([]int64, n), make([]int64, n)
		for i := range los {
			if f := lo.Floats[i]; f != f {
				los[i] = floatKey(math.Inf(-1))
			} else {
				los[i] = floatKey(f)
			}
			his[i] = floatKey(hi.Floats[i])
		}
		return floatKey(lit.Float), los, his
	case model.KindBool:
		los, his = make([]int64, n), make([]int64, n)
		for i := range los {
			los[i], his[i] = int64(b2i(lo.Bools[i])), int64(b2i(hi.Bools[i]))
		}
		return int64(b2i(lit.Bool)), los, his
	case model.KindTimestamp, model.KindTimestampNTZ:
		his = make([]int64, n)
		for i, h := range hi.Ints {
			if h > math.MaxInt64-999 {
				h = math.MaxInt64 - 999
			}
			his[i] = h + 999
		}
		return lit.Int, lo.Ints, his
	}
	return lit.Int, lo.Ints, hi.Ints
}

func (e evaluator) cmpPartition(n *node, pc *model.PartitionColumn, out []outcome) {
	vec := &pc.Values
	pl := coerce(n.op, n.val, vec.Kind, vec.Scale)
	// Fast paths for the common kinds; every kind also works below.
	if pl.mode == pCmp {
		switch vec.Kind {
		case model.KindString, model.KindBinary:
			c := pl.lit.Str
			for i, valid := range vec.Valid {
				switch {
				case !valid:
					out[i] = oN
				case holds(pl.op, strings.Compare(vec.Strs[i], c)):
					out[i] = oT
				default:
					out[i] = oF
				}
			}
			return
		case model.KindInt, model.KindDate, model.KindTimestamp, model.KindTimestampNTZ:
			c := pl.lit.Int
			for i, valid := range vec.Valid {
				switch {
				case !valid:
					out[i] = oN
				case holds(pl.op, sign(vec.Ints[i], c)):
					out[i] = oT
				default:
					out[i] = oF
				}
			}
			return
		}
	}
	for i, valid := range vec.Valid {
		if !valid || pl.mode == pNull {
			out[i] = oN
			continue
		}
		switch pl.mode {
		case pTrue:
			out[i] = oT
		case pFalse:
			out[i] = oF
		case pUnknown:
			out[i] = oT | oF
		default:
			c, ok := compareExact(vec.Get(i), pl.lit)
			switch {
			case !ok:
				out[i] = oT | oF
			case holds(pl.op, c):
				out[i] = oT
			default:
				out[i] = oF
			}
		}
	}
}

// compareExact orders two values of one kind, floats in Spark's order.
func compareExact(a, b model.Value) (int, bool) {
	if (a.Kind == model.KindDecimal && a.Dec == nil) || (b.Kind == model.KindDecimal && b.Dec == nil) {
		return 0, false // a malformed decimal decides nothing
	}
	if a.Kind == model.KindFloat && b.Kind == model.KindFloat {
		return sign(floatKey(a.Float), floatKey(b.Float)), true
	}
	return model.Compare(a, b)
}

func holds(op model.Op, c int) bool {
	switch op {
	case model.OpEq:
		return c == 0
	case model.OpNe:
		return c != 0
	case model.OpLt:
		return c < 0
	case model.OpLe:
		return c <= 0
	case model.OpGt:
		return c > 0
	}
	return c >= 0
}

// keepUndecoded makes every outcome possible for files whose partition
// value the reader could not type: nothing is known of them.
func keepUndecoded(pc *model.PartitionColumn, out []outcome) {
	for i, u := range pc.Undecoded {
		if u {
			out[i] = oAll
		}
	}
}
