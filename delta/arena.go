package delta

import (
	"math/big"
	"runtime"
	"sync"

	"github.com/deltaplan/deltaplan/model"
)

// One arena holds the columns of every file of a snapshot. The commit adds
// and each checkpoint part append into their own window of it (disjoint, so
// parts fill it concurrently); the windows are then compacted and sorted in
// place. Gathering separate builders into fresh sorted columns instead
// allocates a second copy of everything at the very end, when the heap is
// largest, which sets the peak.

// cols lists pointers to every column slice of fc in a fixed order (the
// same order for builders of one layout).
func (fc *fileCols) cols() []any {
	out := []any{&fc.paths, &fc.sizes, &fc.mods, &fc.numRecs, &fc.dvCard, &fc.dvIDs, &fc.tight}
	for j := range fc.partRaw {
		out = append(out, &fc.partRaw[j], &fc.partValid[j])
	}
	for i := range fc.stats {
		s := &fc.stats[i]
		out = append(out, &s.nulls)
		for _, v := range []*model.Vector{&s.min, &s.max} {
			out = append(out, &v.Valid)
			switch v.Kind {
			case model.KindBool:
				out = append(out, &v.Bools)
			case model.KindInt, model.KindDate, model.KindTimestamp, model.KindTimestampNTZ:
				out = append(out, &v.Ints)
			case model.KindFloat:
				out = append(out, &v.Floats)
			case model.KindString, model.KindBinary:
				out = append(out, &v.Strs)
			case model.KindDecimal:
				out = append(out, &v.Decs)
			}
		}
	}
	return out
}

// window returns a builder whose columns append into rows off … off+n-1
// of fc's storage. More than n rows still work: append then moves that
// builder to its own storage.
func (fc *fileCols) windowOf(off, n int) *fileCols {
	w := newFileCols(fc.lay)
	w.window = n
	dst, src := w.cols(), fc.cols()
	for i := range src {
		switch s := src[i].(type) {
		case *[]string:
			*dst[i].(*[]string) = (*s)[off : off : off+n]
		case *[]int64:
			*dst[i].(*[]int64) = (*s)[off : off : off+n]
		case *[]bool:
			*dst[i].(*[]bool) = (*s)[off : off : off+n]
		case *[]int8:
			*dst[i].(*[]int8) = (*s)[off : off : off+n]
		case *[]float64:
			*dst[i].(*[]float64) = (*s)[off : off : off+n]
		case *[]*big.Int:
			*dst[i].(*[]*big.Int) = (*s)[off : off : off+n]
		}
	}
	return w
}

// compact appends the rows of all parts to fc. Windows of fc (given in
// arena order) that stayed within their size move down in place (append
// copies with memmove, and never reaches the next window). The others
// (overflowed windows, builders of their own) follow: the rows are sorted
// afterwards, so their order here does not matter.
func (fc *fileCols) compact(parts []*fileCols) {
	var inPlace, rest []*fileCols
	for _, p := range parts {
		if p.window >= 0 && p.len() <= p.window {
			inPlace = append(inPlace, p)
		} else {
			rest = append(rest, p)
		}
	}
	dst := fc.cols()
	for _, p := range append(inPlace, rest...) {
		src := p.cols()
		for i := range dst {
			switch d := dst[i].(type) {
			case *[]string:
				*d = append(*d, *src[i].(*[]string)...)
			case *[]int64:
				*d = append(*d, *src[i].(*[]int64)...)
			case *[]bool:
				*d = append(*d, *src[i].(*[]bool)...)
			case *[]int8:
				*d = append(*d, *src[i].(*[]int8)...)
			case *[]float64:
				*d = append(*d, *src[i].(*[]float64)...)
			case *[]*big.Int:
				*d = append(*d, *src[i].(*[]*big.Int)...)
			}
		}
		for j := range fc.stats {
			fc.stats[j].any = fc.stats[j].any || p.stats[j].any
		}
		*p = fileCols{} // its rows now live in fc
	}
}

// permute reorders every column of fc in place so row i becomes old row
// perm[i]. Each column is gathered into a scratch slice and copied back:
// independent loads run far faster than following the permutation's
// cycles, and the scratch is one column per core, not all of them.
// Columns are independent, so the cores take them in turn.
func (fc *fileCols) permute(perm []int32) {
	cols := fc.cols()
	next := make(chan any, len(cols))
	for _, c := range cols {
		next <- c
	}
	close(next)
	var wg sync.WaitGroup
	for range max(1, min(runtime.GOMAXPROCS(0), len(cols))) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var (
				strs   []string
				ints   []int64
				bools  []bool
				int8s  []int8
				floats []float64
				decs   []*big.Int
			)
			for c := range next {
				switch s := c.(type) {
				case *[]string:
					strs = permuteSlice(*s, perm, strs)
				case *[]int64:
					ints = permuteSlice(*s, perm, ints)
				case *[]bool:
					bools = permuteSlice(*s, perm, bools)
				case *[]int8:
					int8s = permuteSlice(*s, perm, int8s)
				case *[]float64:
					floats = permuteSlice(*s, perm, floats)
				case *[]*big.Int:
					decs = permuteSlice(*s, perm, decs)
				}
			}
		}()
	}
	wg.Wait()
}

// permuteSlice sets s[i] = old s[perm[i]] through scratch (grown to
// len(s) when needed) and returns the scratch for reuse.
func permuteSlice[T any](s []T, perm []int32, scratch []T) []T {
	if cap(scratch) < len(s) {
		scratch = make([]T, len(s))
	}
	scratch = scratch[:len(s)]
	for i, p := range perm {
		scratch[i] = s[p]
	}
	copy(s, scratch)
	return scratch
}
