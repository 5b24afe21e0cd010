package scanunit

import (
	"math"
	"math/big"

	"github.com/deltaplan/deltaplan/model"
)

// plan modes: how one reading of a comparison behaves against a column.
const (
	pCmp       uint8 = iota // compare the column with lit using op
	pTrue                   // every non-NULL row satisfies it
	pFalse                  // no non-NULL row satisfies it
	pUnknown                // not comparable here: decide nothing
	pNull                   // the literal is NULL: every row yields NULL
	pCmpDouble              // compare the column cast to double with lit (a double), op
	pInterval               // the column lies in [lit, lit2] (outside it when op is OpNe)
)

type litPlan struct {
	mode uint8
	op   model.Op
	lit  model.Value // of the column's kind (decimals at its scale); a double for pCmpDouble
	lit2 model.Value // pInterval: upper end
}

const dayMicros = 86400 * 1_000_000

// readings brings lit into the domain of a column of kind k (scale for
// decimals; f32 for a "float" column) and returns every way a SQL engine
// may read "column op lit". Engines differ (a decimal literal against a
// float column: Spark widens both to double, DuckDB casts the literal to
// float; a DATE literal against a timestamp: midnight, or the column cast
// to a date), and pruning must be sound for any consumer, so the pruner
// keeps a file when any reading may be true.
//
// When the literal falls between two values of the domain (2.5 against an
// integer column), a reading is rewritten exactly: x < 2.5 is x <= 2, x =
// 2.5 is never true. Pairs with no order (a string against a date that does
// not parse) give pUnknown, which keeps every file; NewPruner rejects them
// first when it knows the column's type.
func readings(op model.Op, lit model.Value, k model.Kind, scale int32, f32 bool) []litPlan {
	if lit.IsNull() {
		return []litPlan{{mode: pNull}}
	}
	exact := func(v model.Value) litPlan { return litPlan{mode: pCmp, op: op, lit: v} }
	switch k {
	case model.KindInt:
		switch lit.Kind {
		case model.KindInt:
			return []litPlan{exact(lit)}
		case model.KindDecimal:
			return []litPlan{exactInt(op, lit)}
		case model.KindFloat:
			// Spark and DuckDB cast the integer column to double.
			out := []litPlan{{mode: pCmpDouble, op: op, lit: lit}}
			if _, ok := lit.Rat(); ok {
				out = append(out, exactInt(op, lit))
			}
			return out
		}
	case model.KindDecimal:
		switch lit.Kind {
		case model.KindInt, model.KindDecimal:
			return []litPlan{exactDecimal(op, lit, scale)}
		case model.KindFloat:
			// A double literal turns the comparison into a double one.
			out := []litPlan{{mode: pCmpDouble, op: op, lit: lit}}
			if _, ok := lit.Rat(); ok {
				out = append(out, exactDecimal(op, lit, scale))
			}
			return out
		}
	case model.KindFloat:
		switch lit.Kind {
		case model.KindFloat:
			out := []litPlan{exact(lit)}
			if f32 {
				if g := float64(float32(lit.Float)); g != lit.Float && !math.IsNaN(lit.Float) {
					out = append(out, exact(model.FloatValue(g)))
				}
			}
			return out
		case model.KindInt, model.KindDecimal:
			r, _ := lit.Rat()
			d, _ := r.Float64()
			out := []litPlan{exactFloat(op, r), exact(model.FloatValue(d))}
			if f32 {
				g, _ := r.Float32()
				out = append(out, exact(model.FloatValue(float64(g))))
			}
			return out
		case model.KindString:
			if f, ok := parseFloatText(lit.Str); ok {
				return readings(op, model.FloatValue(f), k, scale, f32)
			}
		}
	case model.KindDate:
		switch lit.Kind {
		case model.KindDate:
			return []litPlan{exact(lit)}
		case model.KindTimestamp, model.KindTimestampNTZ:
			// The date cast to a timestamp (midnight), or the timestamp
			// cast to a date.
			days := floorDiv(lit.Int, dayMicros)
			out := []litPlan{exact(model.DateValue(days))}
			if lit.Int%dayMicros != 0 {
				out[0] = betweenInts(op, days, model.KindDate)
			}
			return append(out, exact(model.DateValue(days)))
		case model.KindString:
			if v, ok := temporalText(lit.Str); ok {
				return readings(op, v, k, scale, f32)
			}
		}
	case model.KindTimestamp, model.KindTimestampNTZ:
		switch lit.Kind {
		case k:
			return []litPlan{exact(lit)}
		case model.KindTimestampNTZ: // a zoneless literal against a zoned column is read as UTC
			return []litPlan{exact(model.Value{Kind: k, Int: lit.Int})}
		case model.KindDate:
			// Midnight of the day, or the column cast to a date: the day's
			// bounds [start, start+1d-1µs] (days read in UTC).
			start := lit.Int * dayMicros
			end := start + dayMicros - 1
			mid := exact(model.Value{Kind: k, Int: start})
			var cast litPlan
			switch op {
			case model.OpEq, model.OpNe:
				cast = litPlan{mode: pInterval, op: op, lit: model.Value{Kind: k, Int: start}, lit2: model.Value{Kind: k, Int: end}}
			case model.OpLt, model.OpGe:
				cast = mid
			case model.OpLe, model.OpGt:
				cast = litPlan{mode: pCmp, op: op, lit: model.Value{Kind: k, Int: end}}
			}
			return []litPlan{mid, cast}
		case model.KindString:
			if v, ok := temporalText(lit.Str); ok && !(k == model.KindTimestampNTZ && v.Kind == model.KindTimestamp) {
				return readings(op, v, k, scale, f32)
			}
		}
	case model.KindString:
		if lit.Kind == model.KindString {
			return []litPlan{exact(lit)}
		}
	case model.KindBinary:
		if lit.Kind == model.KindString || lit.Kind == model.KindBinary {
			return []litPlan{exact(model.Value{Kind: model.KindBinary, Str: lit.Str})}
		}
	case model.KindBool:
		if lit.Kind == model.KindBool {
			return []litPlan{exact(lit)}
		}
	}
	return []litPlan{{mode: pUnknown}}
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// betweenInts rewrites op against a literal strictly between lo and lo+1 of
// an integer-backed domain of kind k.
func betweenInts(op model.Op, lo int64, k model.Kind) litPlan {
	x := new(big.Rat).SetFrac64(2*lo+1, 2) // any point strictly between
	return between(op, x, func(*big.Rat) (l, h model.Value, okLo, okHi bool) {
		return model.Value{Kind: k, Int: lo}, model.Value{Kind: k, Int: lo + 1}, true, lo < math.MaxInt64
	})
}

// exactInt compares an integer column exactly with a numeric literal.
func exactInt(op model.Op, lit model.Value) litPlan {
	r, ok := lit.Rat()
	if !ok {
		return litPlan{mode: pUnknown}
	}
	if r.IsInt() && r.Num().IsInt64() {
		return litPlan{mode: pCmp, op: op, lit: model.IntValue(r.Num().Int64())}
	}
	return between(op, r, intNeighbours)
}

// exactDecimal compares a decimal column (at scale) exactly with a numeric
// literal.
func exactDecimal(op model.Op, lit model.Value, scale int32) litPlan {
	r, ok := lit.Rat()
	if !ok || scale < 0 {
		return litPlan{mode: pUnknown}
	}
	pow := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale)), nil)
	scaled := new(big.Rat).Mul(r, new(big.Rat).SetInt(pow))
	if scaled.IsInt() {
		return litPlan{mode: pCmp, op: op, lit: model.Value{Kind: model.KindDecimal, Dec: new(big.Int).Set(scaled.Num()), Scale: scale}}
	}
	return between(op, scaled, func(x *big.Rat) (lo, hi model.Value, okLo, okHi bool) {
		fl := new(big.Int).Div(x.Num(), x.Denom()) // Euclidean: floor for a positive divisor
		return model.Value{Kind: model.KindDecimal, Dec: fl, Scale: scale},
			model.Value{Kind: model.KindDecimal, Dec: new(big.Int).Add(fl, big.NewInt(1)), Scale: scale}, true, true
	})
}

// exactFloat compares a double column exactly with the rational r.
func exactFloat(op model.Op, r *big.Rat) litPlan {
	if f, ex := r.Float64(); ex {
		return litPlan{mode: pCmp, op: op, lit: model.FloatValue(f)}
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

// toDouble converts a numeric bound to the double an engine casts it to
// (nearest; monotone, so a bound stays a bound).
func toDouble(v model.Value) (model.Value, bool) {
	switch v.Kind {
	case model.KindFloat:
		return v, true
	case model.KindInt:
		return model.FloatValue(float64(v.Int)), true
	case model.KindDecimal:
		if v.Dec == nil {
			return model.Null, false
		}
		r, _ := v.Rat()
		f, _ := r.Float64()
		return model.FloatValue(f), true
	}
	return model.Null, false
}
