package scanunit

import (
	"fmt"
	"math"
	"strings"

	"github.com/deltaplan/deltaplan/model"
)

// EvalFile evaluates the predicate for the single file i of fs, walking the
// predicate tree with model.Values. It gives the same answers as Eval and is
// the straightforward per-file reference that Eval is tested and benchmarked
// against; use Eval for whole snapshots.
func (p *Pruner) EvalFile(fs *model.FileSet, i int) (Verdict, error) {
	if fs == nil || i < 0 || i >= fs.Len() {
		return MightMatch, fmt.Errorf("scanunit: file index %d out of range", i)
	}
	n := fs.Len()
	at := func(s []int64, what string) (int64, error) {
		switch len(s) {
		case 0:
			return -1, nil
		case n:
			return s[i], nil
		}
		return 0, fmt.Errorf("scanunit: file set has %d paths but %d %s", n, len(s), what)
	}
	nr, err := at(fs.NumRecords, "numRecords")
	if err != nil {
		return MightMatch, err
	}
	dv, err := at(fs.DVCardinality, "DV cardinalities")
	if err != nil {
		return MightMatch, err
	}
	if nr == 0 || (nr > 0 && dv >= nr) {
		return CannotMatch, nil
	}
	o, err := evalOne(p.root, fs, nr, i)
	return verdictOf(o), err
}

func evalOne(n *node, fs *model.FileSet, numRecords int64, i int) (outcome, error) {
	switch n.kind {
	case nConst:
		return n.mask, nil
	case nAnd, nOr:
		acc, err := evalOne(n.kids[0], fs, numRecords, i)
		for _, k := range n.kids[1:] {
			if err != nil {
				return 0, err
			}
			var o outcome
			o, err = evalOne(k, fs, numRecords, i)
			if n.kind == nAnd {
				acc = andTab[acc<<3|o]
			} else {
				acc = orTab[acc<<3|o]
			}
		}
		return acc, err
	case nNot:
		o, err := evalOne(n.kids[0], fs, numRecords, i)
		return notTab[o], err
	}
	// A leaf: find its column, partitions first.
	for pi := range fs.Partitions {
		pc := &fs.Partitions[pi]
		if pc.Name != n.col {
			continue
		}
		if err := checkVector(pc.Values, fs.Len()); err != nil {
			return 0, fmt.Errorf("scanunit: partition column %q: %w", pc.Name, err)
		}
		return partitionLeaf(n, pc, i), nil
	}
	for si := range fs.Stats {
		st := &fs.Stats[si]
		if st.Path.String() != n.col {
			continue
		}
		for _, v := range []model.Vector{st.Min, st.Max} {
			if v.Kind == model.KindNull {
				continue // no bounds: statsLeaf decides from nullCount alone
			}
			if err := checkVector(v, fs.Len()); err != nil {
				return 0, fmt.Errorf("scanunit: statistics of %q: %w", n.col, err)
			}
		}
		if st.NullCount != nil && len(st.NullCount) != fs.Len() {
			return 0, fmt.Errorf("scanunit: nullCount of %q has %d entries for %d files", n.col, len(st.NullCount), fs.Len())
		}
		return statsLeaf(n, st, numRecords, i), nil
	}
	if n.kind == nIsNull {
		return oT | oF, nil
	}
	return oAll, nil
}

func partitionLeaf(n *node, pc *model.PartitionColumn, i int) outcome {
	if pc.IsUndecoded(i) {
		return oAll // a value the reader could not type: nothing is known
	}
	val := pc.Values.Get(i)
	if n.kind == nIsNull {
		if val.IsNull() != n.negated {
			return oT
		}
		return oF
	}
	pl := coerce(n.op, n.val, pc.Values.Kind, pc.Values.Scale)
	switch {
	case val.IsNull() || pl.mode == pNull:
		return oN
	case pl.mode == pTrue:
		return oT
	case pl.mode == pFalse:
		return oF
	case pl.mode == pUnknown:
		return oT | oF
	}
	c, ok := compareExact(val, pl.lit)
	if !ok {
		return oT | oF
	}
	if holds(pl.op, c) {
		return oT
	}
	return oF
}

func statsLeaf(n *node, st *model.ColumnStats, numRecords int64, i int) outcome {
	nullCount := int64(-1)
	if st.NullCount != nil {
		nullCount = st.NullCount[i]
	}
	allNull := nullCount >= 0 && numRecords >= 0 && nullCount >= numRecords
	mayNull := nullCount != 0
	var o outcome
	if n.kind == nIsNull {
		is, not := oT, oF
		if n.negated {
			is, not = oF, oT
		}
		if mayNull {
			o |= is
		}
		if !allNull {
			o |= not
		}
		return o
	}
	if mayNull {
		o |= oN
	}
	if allNull {
		return o
	}
	if st.Min.Kind != st.Max.Kind || st.Min.Scale != st.Max.Scale {
		return o | oT | oF
	}
	pl := coerce(n.op, n.val, st.Min.Kind, st.Min.Scale)
	switch pl.mode {
	case pNull:
		return o | oN
	case pTrue:
		return o | oT
	case pFalse:
		return o | oF
	case pUnknown:
		return o | oT | oF
	}
	lo, hi := st.Min.Get(i), st.Max.Get(i)
	// Statistics adjustments, as documented on Pruner.
	switch st.Min.Kind {
	case model.KindFloat:
		if !lo.IsNull() && math.IsNaN(lo.Float) {
			lo.Float = math.Inf(-1)
		}
	case model.KindTimestamp, model.KindTimestampNTZ:
		if hi.IsNull() {
			break
		}
		if hi.Int > math.MaxInt64-999 {
			hi.Int = math.MaxInt64 - 999
		}
		hi.Int += 999
	}
	c := pl.lit
	// lowOK: some value at or above lo can satisfy the test; hiOK likewise.
	cmpLo, okLo := compareExact(lo, c)
	cmpHi, okHi := compareExact(hi, c)
	if okHi && (hi.Kind == model.KindString || hi.Kind == model.KindBinary) && strings.HasPrefix(c.Str, hi.Str) {
		cmpHi = 1 // a truncated max: longer values starting with it may exist
	}
	var t, f bool
	switch pl.op {
	case model.OpEq:
		t = (!okLo || cmpLo <= 0) && (!okHi || cmpHi >= 0)
		f = !okLo || !okHi || cmpLo != 0 || cmpHi != 0
	case model.OpNe:
		t = !okLo || !okHi || cmpLo != 0 || cmpHi != 0
		f = (!okLo || cmpLo <= 0) && (!okHi || cmpHi >= 0)
	case model.OpLt:
		t = !okLo || cmpLo < 0
		f = !okHi || cmpHi >= 0
	case model.OpLe:
		t = !okLo || cmpLo <= 0
		f = !okHi || cmpHi > 0
	case model.OpGt:
		t = !okHi || cmpHi > 0
		f = !okLo || cmpLo <= 0
	case model.OpGe:
		t = !okHi || cmpHi >= 0
		f = !okLo || cmpLo < 0
	}
	if t {
		o |= oT
	}
	if f {
		o |= oF
	}
	return o
}
