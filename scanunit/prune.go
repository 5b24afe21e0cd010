package scanunit

import (
	"fmt"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/deltaplan/deltaplan/model"
)

// Pruner evaluates one predicate against the files of a snapshot. It is
// immutable once built: Eval keeps all per-call state in locals, so one
// Pruner may serve many goroutines.
//
// Semantics, per file: the pruner infers the set of truth values (TRUE,
// FALSE, NULL) the predicate can take over the file's rows, and answers
// CannotMatch when TRUE is impossible. Partition values are exact. From
// statistics it uses min/max (a missing bound decides nothing), nullCount
// and numRecords (an all-NULL column, IS [NOT] NULL, files without rows).
// The statistics are bounds already interpreted by the reader (a timestamp
// max widened to the millisecond's end, float32 values widened exactly).
// Conservative rules, each because a writer may do it:
//   - a string max may be a prefix of the real maximum (with a tie-break
//     character U+FFFF or U+10FFFD, or none): unless it is shorter than the
//     column's prefix length and carries no tie-break, any value starting
//     with it is assumed possible; a binary max is always a prefix;
//   - floats follow Spark's order (NaN above +Inf, -0 = 0); a NaN min is
//     ignored; writers that take statistics from Parquet leave NaN out of
//     the max, so a float column may hold NaN beyond any max: a comparison
//     NaN satisfies (x > c, x <> c) never drops a file;
//   - nullCount of a file with wide bounds (tightBounds false) is ignored;
//   - a literal is compared as SQL engines compare it, and where they differ
//     (see readings) a file is kept when any reading may match;
//   - a zoneless TIMESTAMP literal compared with a zoned column is read as
//     UTC, and so are the days of DATE literals and date columns.
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
	col     string  // dotted logical path as the schema spells it (nCmp, nIsNull)
	op      model.Op
	val     model.Value
	negated bool // nIsNull: IS NOT NULL
	f32     bool // nCmp: a "float" column
	prefix  int  // nCmp: string statistics prefix length, 0 unknown
}

// NewPruner compiles pred. With a non-nil schema every column the predicate
// reads is resolved against it ignoring case, as Delta does
// (ErrUnknownColumn, ErrAmbiguousColumn), and every literal must fit its
// column's type (ErrLiteralType): an error, never a silent keep-all. A nil
// pred keeps all.
func NewPruner(pred model.Pred, schema Schema) (*Pruner, error) {
	if pred == nil {
		pred = model.Const{Val: true}
	}
	var res *resolver
	if schema != nil {
		res = newResolver(schema)
	}
	root, err := compile(pred, res)
	if err != nil {
		return nil, err
	}
	return &Pruner{pred: pred, root: root}, nil
}

// Pred returns the predicate the pruner was built from.
func (p *Pruner) Pred() model.Pred { return p.pred }

// leafField resolves a leaf's column (a Field with only Path when there is
// no schema).
func leafField(c model.Column, res *resolver) (Field, error) {
	if res == nil {
		return Field{Path: c}, nil
	}
	return res.resolve(c)
}

func checkLiteral(f Field, lit model.Value) error {
	if f.Kind == model.KindNull {
		if f.Type == "" {
			return nil // unknown type: nothing to check
		}
		return fmt.Errorf("filter compares column %s (type %s) with %s; only IS [NOT] NULL applies to it: %w", f.Path, f.Type, lit, ErrLiteralType)
	}
	if !literalFits(f.Kind, lit) {
		typ := f.Type
		if typ == "" {
			typ = f.Kind.String()
		}
		return fmt.Errorf("filter compares column %s (type %s) with %s: %w", f.Path, typ, lit, ErrLiteralType)
	}
	return nil
}

func cmpNode(f Field, op model.Op, v model.Value) *node {
	if v.IsNull() {
		return &node{kind: nConst, mask: oN}
	}
	return &node{kind: nCmp, col: f.Path.String(), op: op, val: v, f32: f.Type == "float", prefix: f.StringPrefix}
}

func compile(p model.Pred, res *resolver) (*node, error) {
	switch p := p.(type) {
	case model.And:
		return compileList(nAnd, p.Args, oT, res)
	case model.Or:
		return compileList(nOr, p.Args, oF, res)
	case model.Not:
		k, err := compile(p.Arg, res)
		if err != nil {
			return nil, err
		}
		return &node{kind: nNot, kids: []*node{k}}, nil
	case model.Cmp:
		f, err := leafField(p.Col, res)
		if err != nil {
			return nil, err
		}
		if err := checkLiteral(f, p.Val); err != nil {
			return nil, err
		}
		return cmpNode(f, p.Op, p.Val), nil
	case model.IsNull:
		f, err := leafField(p.Col, res)
		if err != nil {
			return nil, err
		}
		return &node{kind: nIsNull, col: f.Path.String(), negated: p.Negated}, nil
	case model.In:
		f, err := leafField(p.Col, res)
		if err != nil {
			return nil, err
		}
		// x IN (a, b, NULL) is x = a OR x = b OR NULL: each value on its own.
		or := &node{kind: nOr}
		for _, v := range p.Vals {
			if err := checkLiteral(f, v); err != nil {
				return nil, err
			}
			or.kids = append(or.kids, cmpNode(f, model.OpEq, v))
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
		for _, c := range p.Cols {
			if _, err := leafField(c, res); err != nil {
				return nil, err
			}
		}
		return &node{kind: nConst, mask: oAll}, nil
	}
	return nil, fmt.Errorf("scanunit: unsupported predicate type %T", p)
}

func compileList(k nodeKind, args []model.Pred, empty outcome, res *resolver) (*node, error) {
	if len(args) == 0 {
		return &node{kind: nConst, mask: empty}, nil
	}
	n := &node{kind: k}
	for _, a := range args {
		c, err := compile(a, res)
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
	e := newEvaluator(v)
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
	wide       []bool // tightBounds false: nullCount is not used
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
	switch len(fs.TightBounds) {
	case 0:
	case n:
		for i, t := range fs.TightBounds {
			if t == 0 {
				if v.wide == nil {
					v.wide = make([]bool, n)
				}
				v.wide[i] = true
			}
		}
	default:
		return nil, fmt.Errorf("scanunit: file set has %d paths but %d tightBounds", n, len(fs.TightBounds))
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
		if !(st.Min.Kind == model.KindNull && st.Max.Kind == model.KindNull) {
			if err := checkVector(st.Min, n); err != nil {
				return nil, fmt.Errorf("scanunit: min of %q: %w", name, err)
			}
			if err := checkVector(st.Max, n); err != nil {
				return nil, fmt.Errorf("scanunit: max of %q: %w", name, err)
			}
		}
		// Otherwise a type the reader cannot bound: only nullCount is used.
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
	if vec.Kind == model.KindNull && len(vec.Valid) == 0 {
		return nil
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

// nullCount is file i's usable null count of st, -1 when unknown.
func (v *view) nullCount(st *model.ColumnStats, i int) int64 {
	if st.NullCount == nil || (v.wide != nil && v.wide[i]) {
		return -1
	}
	return st.NullCount[i]
}

// evaluator is the per-call state of one evaluation: the view and the
// order keys of the bound vectors already computed (a column compared by
// several leaves converts its bounds once).
type evaluator struct {
	v    *view
	keys map[*model.ColumnStats][2][]int64
}

func newEvaluator(v *view) evaluator {
	return evaluator{v: v, keys: map[*model.ColumnStats][2][]int64{}}
}

// boundKeys returns the order keys of st's bounds, cached per call.
func (e evaluator) boundKeys(st *model.ColumnStats, n int) (los, his []int64) {
	if k, ok := e.keys[st]; ok {
		return k[0], k[1]
	}
	los, his = boundKeys(&st.Min, &st.Max, n)
	e.keys[st] = [2][]int64{los, his}
	return los, his
}

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

// presence returns whether file i may hold non-NULL values and whether it
// may hold NULLs, given its null count (-1 unknown) and numRecords.
func presence(nc, nr int64) (nonNull, null bool) {
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
		nonNull, null := presence(e.v.nullCount(st, i), e.v.numRecords[i])
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

// nanOutcome is the truth value of "NaN op c" for a float literal c, in
// Spark's order (NaN above everything, NaN = NaN).
func nanOutcome(op model.Op, c model.Value) outcome {
	if c.Kind != model.KindFloat {
		return 0
	}
	if op.Holds(sign(floatKey(math.NaN()), floatKey(c.Float))) {
		return oT
	}
	return oF
}

// Tie-break characters a writer may append to a cut string max.
const (
	tieBreakBMP  = "\uFFFF"
	tieBreakHigh = "\U0010FFFD"
)

// stringMax interprets a string max statistic: the bound to compare with,
// and whether it is only a prefix of the real maximum (then any value
// starting with it may occur). A max carrying a tie-break character is a
// cut prefix without it; one shorter than the prefix length is exact; one
// as long as the prefix length (or with the length unknown) may be cut.
func stringMax(hi string, prefixLen int) (bound string, isPrefix bool) {
	switch {
	case strings.HasSuffix(hi, tieBreakBMP):
		return hi[:len(hi)-len(tieBreakBMP)], true
	case strings.HasSuffix(hi, tieBreakHigh):
		return hi[:len(hi)-len(tieBreakHigh)], true
	}
	if prefixLen > 0 && (len(hi) < prefixLen || utf8.RuneCountInString(hi) < prefixLen) {
		return hi, false
	}
	return hi, true
}

// bounds is what the statistics of one file say about a column's non-NULL
// values: lo <= x <= hi, widened as the flags say.
type bounds struct {
	lo, hi     model.Value
	loOK, hiOK bool
	hiPrefix   bool // strings: any value starting with hi may occur
	nan        bool // floats: NaN may occur beyond hi
}

// statBounds reads file i's bounds of a stats column.
func statBounds(st *model.ColumnStats, i int, prefixLen int) bounds {
	b := bounds{lo: st.Min.Get(i), hi: st.Max.Get(i)}
	b.loOK, b.hiOK = !b.lo.IsNull(), !b.hi.IsNull()
	switch st.Max.Kind {
	case model.KindFloat:
		if b.loOK && math.IsNaN(b.lo.Float) {
			b.lo = model.FloatValue(math.Inf(-1)) // as the fast path: no bound below
		}
		b.nan = true
	case model.KindString:
		if b.hiOK {
			b.hi.Str, b.hiPrefix = stringMax(b.hi.Str, prefixLen)
		}
	case model.KindBinary:
		b.hiPrefix = true
	}
	return b
}

// planOutcome is the set {TRUE, FALSE, NULL} one reading may take over
// non-NULL values within b.
func planOutcome(pl litPlan, b bounds) outcome {
	switch pl.mode {
	case pTrue:
		return oT
	case pFalse:
		return oF
	case pNull:
		return oN
	case pCmp:
		return cmpOutcome(pl.op, pl.lit, b)
	case pCmpDouble:
		d := bounds{loOK: b.loOK, hiOK: b.hiOK}
		var ok bool
		if d.lo, ok = toDouble(b.lo); !ok {
			d.loOK = false
		}
		if d.hi, ok = toDouble(b.hi); !ok {
			d.hiOK = false
		}
		d.nan = b.nan
		return cmpOutcome(pl.op, pl.lit, d)
	case pInterval:
		ge, le := cmpOutcome(model.OpGe, pl.lit, b), cmpOutcome(model.OpLe, pl.lit2, b)
		t := ge&oT != 0 && le&oT != 0
		f := ge&oF != 0 || le&oF != 0
		if pl.op == model.OpNe {
			t, f = f, t
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
	return oT | oF
}

func cmpOutcome(op model.Op, c model.Value, b bounds) outcome {
	var cl, ch int
	loOK, hiOK := b.loOK, b.hiOK
	if loOK {
		cl, loOK = compareExact(b.lo, c)
	}
	if hiOK {
		ch, hiOK = compareExact(b.hi, c)
		if hiOK && b.hiPrefix && strings.HasPrefix(c.Str, b.hi.Str) {
			ch = 1 // values longer than the cut max may exceed c
		}
	}
	o := rangeBits(op, loOK, hiOK, cl, ch)
	if b.nan {
		o |= nanOutcome(op, c)
	}
	return o
}

func fillAll(out []outcome, o outcome) {
	for i := range out {
		out[i] = o
	}
}

func (e evaluator) cmp(n *node, out []outcome) {
	if pc, ok := e.v.part[n.col]; ok {
		e.cmpPartition(n, pc, out)
		keepUndecoded(pc, out)
		return
	}
	st, ok := e.v.stats[n.col]
	if !ok || st.Min.Kind != st.Max.Kind || st.Min.Scale != st.Max.Scale {
		fillAll(out, oAll)
		return
	}
	pls := readings(n.op, n.val, st.Min.Kind, st.Min.Scale, n.f32)
	nl := nullsOf(st, e.v, len(out))
	allCmp := true
	for _, pl := range pls {
		allCmp = allCmp && pl.mode == pCmp
	}
	lo, hi := &st.Min, &st.Max
	if lo.Kind == model.KindNull {
		e.cmpGeneric(n, st, pls, nl.at, out) // no bounds: nullCount only
		return
	}
	lv, hv := lo.Valid[:len(out)], hi.Valid[:len(out)]
	switch lo.Kind {
	case model.KindInt, model.KindDate, model.KindTimestamp, model.KindTimestampNTZ, model.KindFloat, model.KindBool:
		if !allCmp {
			break
		}
		// Every reading is a comparison: one table lookup per reading.
		los, his := e.boundKeys(st, len(out))
		los, his = los[:len(out)], his[:len(out)]
		var extra outcome
		if lo.Kind == model.KindFloat {
			for _, pl := range pls {
				extra |= nanOutcome(pl.op, pl.lit)
			}
		}
		if len(pls) == 1 {
			tab, c := &cmpBits[pls[0].op], litKey(lo.Kind, pls[0].lit)
			for i := range out {
				o, nonNull := nl.at(i)
				if nonNull {
					o |= tab[b2i(lv[i])][b2i(hv[i])][sign(los[i], c)+1][sign(his[i], c)+1] | extra
				}
				out[i] = o
			}
			return
		}
		for i := range out {
			o, nonNull := nl.at(i)
			if nonNull {
				o |= extra
				for _, pl := range pls {
					c := litKey(lo.Kind, pl.lit)
					o |= cmpBits[pl.op][b2i(lv[i])][b2i(hv[i])][sign(los[i], c)+1][sign(his[i], c)+1]
				}
			}
			out[i] = o
		}
		return
	}
	if len(pls) != 1 || !allCmp {
		e.cmpGeneric(n, st, pls, nl.at, out)
		return
	}
	pl := pls[0]
	tab := &cmpBits[pl.op]
	switch lo.Kind {
	case model.KindString:
		c := pl.lit.Str
		los, his := lo.Strs[:len(out)], hi.Strs[:len(out)]
		for i := range out {
			o, nonNull := nl.at(i)
			if nonNull {
				h, cut := stringMax(his[i], n.prefix)
				ch := strings.Compare(h, c)
				if cut && strings.HasPrefix(c, h) {
					ch = 1 // values longer than the cut max may exceed c
				}
				o |= tab[b2i(lv[i])][b2i(hv[i])][strings.Compare(los[i], c)+1][ch+1]
			}
			out[i] = o
		}
	case model.KindDecimal:
		c := pl.lit.Dec
		for i := range out {
			o, nonNull := nl.at(i)
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
		e.cmpGeneric(n, st, pls, nl.at, out)
	}
}

// cmpGeneric evaluates a comparison file by file through planOutcome: the
// path for several readings, casts and kinds without a fast path.
// nulls folds in what nullCount and numRecords say about a column: an
// all-NULL column yields only NULL, a possible NULL adds it.
type nulls struct {
	nc   []int64 // nil when unknown for every file
	wide []bool  // nil when no file has wide bounds
	nr   []int64
}

func nullsOf(st *model.ColumnStats, v *view, n int) nulls {
	x := nulls{nc: st.NullCount, wide: v.wide, nr: v.numRecords[:n]}
	if x.nc != nil {
		x.nc = x.nc[:n]
	}
	return x
}

// at returns NULL when file i may hold NULLs, and whether it may hold
// non-NULL values.
func (x nulls) at(i int) (o outcome, nonNull bool) {
	c := int64(-1)
	if x.nc != nil && (x.wide == nil || !x.wide[i]) {
		c = x.nc[i]
	}
	if c != 0 {
		o = oN
	}
	r := x.nr[i]
	return o, !(c >= 0 && r >= 0 && c >= r)
}

func (e evaluator) cmpGeneric(n *node, st *model.ColumnStats, pls []litPlan, withNulls func(int) (outcome, bool), out []outcome) {
	bounded := st.Min.Kind != model.KindNull
	for i := range out {
		o, nonNull := withNulls(i)
		if nonNull {
			b := bounds{}
			if bounded {
				b = statBounds(st, i, n.prefix)
			}
			for _, pl := range pls {
				o |= planOutcome(pl, b)
			}
		}
		out[i] = o
	}
}

// boundKeys returns order-preserving int64 keys for the two bound vectors
// of an int-like, float or bool column; a NaN float min is treated as a
// bound of -Inf.
func boundKeys(lo, hi *model.Vector, n int) (los, his []int64) {
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
		return los, his
	case model.KindBool:
		los, his = make([]int64, n), make([]int64, n)
		for i := range los {
			los[i], his[i] = int64(b2i(lo.Bools[i])), int64(b2i(hi.Bools[i]))
		}
		return los, his
	}
	return lo.Ints, hi.Ints
}

// litKey is the boundKeys key of a literal of kind k.
func litKey(k model.Kind, lit model.Value) int64 {
	switch k {
	case model.KindFloat:
		return floatKey(lit.Float)
	case model.KindBool:
		return int64(b2i(lit.Bool))
	}
	return lit.Int
}

func (e evaluator) cmpPartition(n *node, pc *model.PartitionColumn, out []outcome) {
	vec := &pc.Values
	pls := readings(n.op, n.val, vec.Kind, vec.Scale, n.f32)
	// Fast paths for the common kinds; every kind also works below.
	if len(pls) == 1 && pls[0].mode == pCmp {
		pl := pls[0]
		switch vec.Kind {
		case model.KindString, model.KindBinary:
			c := pl.lit.Str
			for i, valid := range vec.Valid {
				switch {
				case !valid:
					out[i] = oN
				case pl.op.Holds(strings.Compare(vec.Strs[i], c)):
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
				case pl.op.Holds(sign(vec.Ints[i], c)):
					out[i] = oT
				default:
					out[i] = oF
				}
			}
			return
		}
	}
	for i, valid := range vec.Valid {
		out[i] = partitionOutcome(pls, vec, valid, i)
	}
}

// partitionOutcome evaluates the readings against file i's exact partition
// value.
func partitionOutcome(pls []litPlan, vec *model.Vector, valid bool, i int) outcome {
	if !valid {
		return oN
	}
	v := vec.Get(i)
	b := bounds{lo: v, hi: v, loOK: true, hiOK: true}
	if v.Kind == model.KindDecimal && v.Dec == nil {
		b.loOK, b.hiOK = false, false // a malformed decimal decides nothing
	}
	var o outcome
	for _, pl := range pls {
		o |= planOutcome(pl, b)
	}
	return o
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

// keepUndecoded makes every outcome possible for files whose partition
// value the reader could not type: nothing is known of them.
func keepUndecoded(pc *model.PartitionColumn, out []outcome) {
	for i, u := range pc.Undecoded {
		if u {
			out[i] = oAll
		}
	}
}
