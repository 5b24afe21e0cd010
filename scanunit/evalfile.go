package scanunit

import (
	"fmt"

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
	wide := len(fs.TightBounds) == n && fs.TightBounds[i] == 0
	o, err := evalOne(p.root, fs, nr, wide, i)
	return verdictOf(o), err
}

func evalOne(n *node, fs *model.FileSet, numRecords int64, wide bool, i int) (outcome, error) {
	switch n.kind {
	case nConst:
		return n.mask, nil
	case nAnd, nOr:
		acc, err := evalOne(n.kids[0], fs, numRecords, wide, i)
		for _, k := range n.kids[1:] {
			if err != nil {
				return 0, err
			}
			var o outcome
			o, err = evalOne(k, fs, numRecords, wide, i)
			if n.kind == nAnd {
				acc = andTab[acc<<3|o]
			} else {
				acc = orTab[acc<<3|o]
			}
		}
		return acc, err
	case nNot:
		o, err := evalOne(n.kids[0], fs, numRecords, wide, i)
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
		if n.kind == nIsNull {
			if pc.Values.Valid[i] != n.negated {
				return oF, nil
			}
			return oT, nil
		}
		return partitionOutcome(readings(n.op, n.val, pc.Values.Kind, pc.Values.Scale, n.f32), &pc.Values, pc.Values.Valid[i], i), nil
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
		return statsLeaf(n, st, numRecords, wide, i), nil
	}
	if n.kind == nIsNull {
		return oT | oF, nil
	}
	return oAll, nil
}

func statsLeaf(n *node, st *model.ColumnStats, numRecords int64, wide bool, i int) outcome {
	nullCount := int64(-1)
	if st.NullCount != nil && !wide {
		nullCount = st.NullCount[i]
	}
	nonNull, mayNull := presence(nullCount, numRecords)
	var o outcome
	if n.kind == nIsNull {
		is, not := oT, oF
		if n.negated {
			is, not = oF, oT
		}
		if mayNull {
			o |= is
		}
		if nonNull {
			o |= not
		}
		return o
	}
	if mayNull {
		o |= oN
	}
	if !nonNull {
		return o
	}
	if st.Min.Kind != st.Max.Kind || st.Min.Scale != st.Max.Scale {
		return o | oT | oF
	}
	var b bounds
	if st.Min.Kind != model.KindNull {
		b = statBounds(st, i, n.prefix)
	}
	for _, pl := range readings(n.op, n.val, st.Min.Kind, st.Min.Scale, n.f32) {
		o |= planOutcome(pl, b)
	}
	return o
}
