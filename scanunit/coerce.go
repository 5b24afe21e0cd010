package scanunit

import (
	"math"
	"math/big"

	"github.com/deltaplan/deltaplan/model"
)

// plan modes: how a comparison against one column behaves once the literal
// is brought into the column's domain.
const (
	pCmp     uint8 = iota // compare with lit using op
	pTrue                 // every non-NULL row satisfies it
	pFalse                // no non-NULL row satisfies it
	pUnknown              // not comparable here: decide nothing
	pNull                 // the literal is NULL: every row yields NULL
)

type litPlan struct {
	mode uint8
	op   model.Op
	lit  model.Value // of the column's kind (decimals at its scale)
}

// coerce brings lit into the domain of a column of kind k (and scale, for
// decimals). When the literal falls between two values of the domain (2.5
// against an integer column), the comparison is rewritten exactly: x < 2.5
// is x <= 2, x = 2.5 is never true. Pairs with no sensible order (a string
// against a date) give pUnknown, which keeps every file.
func coerce(op model.Op, lit model.Value, k model.Kind, scale int32) litPlan {
	if lit.IsNull() {
		return litPlan{mode: pNull}
	}
	exact := func(v model.Value) litPlan { return litPlan{mode: pCmp, op: op, lit: v} }
	if lit.Kind == k && k != model.KindDecimal {
		return exact(lit)
	}
	switch k {
	case model.KindInt:
		r, ok := lit.Rat()
		if !ok {
			return litPlan{mode: pUnknown}
		}
		if r.IsInt() && r.Num().IsInt64() {
			return exact(model.IntValue(r.Num().Int64()))
		}
		return between(op, r, intNeighbours)
	case model.KindDecimal:
		r, ok := lit.Rat()
		if !ok || scale < 0 {
			return litPlan{mode: pUnknown}
		}
		pow := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale)), nil)
		scaled := new(big.Rat).Mul(r, new(big.Rat).SetInt(pow))
		if scaled.IsInt() {
			return exact(model.Value{Kind: model.KindDecimal, Dec: new(big.Int).Set(scaled.Num()), Scale: scale})
		}
		return between(op, scaled, func(x *big.Rat) (lo, hi model.Value, okLo, okHi bool) {
			fl := new(big.Int).Div(x.Num(), x.Denom()) // Euclidean: floor for a positive divisor
			return model.Value{Kind: model.KindDecimal, Dec: fl, Scale: scale},
				model.Value{Kind: model.KindDecimal, Dec: new(big.Int).Add(fl, big.NewInt(1)), Scale: scale}, true, true
		})
	case model.KindFloat:
		r, ok := lit.Rat()
		if !ok {
			return litPlan{mode: pUnknown}
		}
		if f, ex := r.Float64(); ex {
			return exact(model.FloatValue(f))
		}
		return between(op, r, func(x *big.Rat) (lo, hi model.Value, okLo, okHi bool) {
			f, _ := x.Float64()
			l, h := f, f
			if c := new(big.Rat).SetFloat64(f); c != nil && c.Cmp(x) > 0 || math.IsInf(f, 1) {
				l = math.Nextafter(f, math.Inf(-1))
			} else {
				h = math.Nextafter(f, math.Inf(1))
			}
			return model.FloatValue(l), model.FloatValue(h), true, true
		})
	case model.KindTimestamp:
		switch lit.Kind {
		case model.KindTimestampNTZ: // a zoneless literal is read as UTC
			return exact(model.TimestampValue(lit.Int))
		case model.KindString:
			if v, err := parseTimestamp(token{text: lit.Str}); err == nil {
				return exact(model.TimestampValue(v.Int))
			}
		}
	case model.KindTimestampNTZ:
		if lit.Kind == model.KindString {
			if v, err := parseTimestamp(token{text: lit.Str}); err == nil && v.Kind == model.KindTimestampNTZ {
				return exact(v)
			}
		}
	case model.KindDate:
		if lit.Kind == model.KindString {
			if v, err := parseDate(token{text: lit.Str}); err == nil {
				return exact(v)
			}
		}
	case model.KindBinary:
		if lit.Kind == model.KindString {
			return exact(model.Value{Kind: model.KindBinary, Str: lit.Str})
		}
	}
	return litPlan{mode: pUnknown}
}

// between rewrites op against a literal x that lies strictly between two
// neighbouring values of the column domain, lo < x < hi (a missing
// neighbour means x lies beyond the whole domain on that side).
func between(op model.Op, x *big.Rat, neighbours func(*big.Rat) (lo, hi model.Value, okLo, okHi bool)) litPlan {
	lo, hi, okLo, okHi := neighbours(x)
	switch op {
	case model.OpEq:
		return litPlan{mode: pFalse}
	case model.OpNe:
		return litPlan{mode: pTrue}
	case model.OpLt, model.OpLe:
		if !okLo {
			return litPlan{mode: pFalse}
		}
		if !okHi {
			return litPlan{mode: pTrue}
		}
		return litPlan{mode: pCmp, op: model.OpLe, lit: lo}
	default:
		if !okHi {
			return litPlan{mode: pFalse}
		}
		if !okLo {
			return litPlan{mode: pTrue}
		}
		return litPlan{mode: pCmp, op: model.OpGe, lit: hi}
	}
}

var (
	ratMaxInt = new(big.Rat).SetInt64(math.MaxInt64)
	ratMinInt = new(big.Rat).SetInt64(math.MinInt64)
)

// intNeighbours gives the int64 values just below and above x (x is not an
// int64).
func intNeighbours(x *big.Rat) (lo, hi model.Value, okLo, okHi bool) {
	if x.Cmp(ratMaxInt) > 0 {
		return model.IntValue(math.MaxInt64), model.Null, true, false
	}
	if x.Cmp(ratMinInt) < 0 {
		return model.Null, model.IntValue(math.MinInt64), false, true
	}
	fl := new(big.Int).Div(x.Num(), x.Denom()) // floor: x is within range and not integral
	return model.IntValue(fl.Int64()), model.IntValue(fl.Int64() + 1), true, true
}

// floatKey maps a float to an int64 with the same order, where NaN is
// greater than every other value and -0 equals 0 (Spark's float order, which
// Delta statistics follow).
func floatKey(f float64) int64 {
	if f != f {
		return math.MaxInt64
	}
	if f == 0 {
		return 0
	}
	b := int64(math.Float64bits(f))
	if b < 0 {
		return math.MinInt64 - b // negative floats: larger magnitude sorts lower
	}
	return b
}
