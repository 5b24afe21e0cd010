package delta

import (
	"math"
	"math/big"
	"testing"

	"github.com/deltaplan/deltaplan/model"
)

// TestStatInterpretation pins what each statistic text means: every rule
// keeps a min a lower bound and a max an upper bound of the real values.
func TestStatInterpretation(t *testing.T) {
	f32 := statInterp{kind: model.KindFloat, float32: true}
	dbl := statInterp{kind: model.KindFloat}
	widened := statInterp{kind: model.KindFloat, wasFloat: true}
	ts := statInterp{kind: model.KindTimestamp}
	ntzFromDate := statInterp{kind: model.KindTimestampNTZ, wasDate: true}
	dec := statInterp{kind: model.KindDecimal, scale: 2}
	tests := []struct {
		text  string
		str   bool // a JSON string, not a number
		in    statInterp
		isMax bool
		want  model.Value
		why   string
	}{
		{"3.14", false, f32, true, model.FloatValue(float64(float32(3.14))), "a float max is the float32 3.1400001049…, not the double 3.14"},
		{"3.14", false, f32, false, model.FloatValue(float64(float32(3.14))), "a float min likewise (float32(3.14) is the value written)"},
		{"3.140000104904175", false, f32, true, model.FloatValue(float64(float32(3.14))), "the double text of a float32 is the same float32"},
		{"1e39", false, f32, true, model.FloatValue(math.Inf(1)), "beyond float32 range: +Inf is still an upper bound"},
		{"3.14", false, dbl, true, model.FloatValue(3.14), "a double is exact"},
		{"3.14", false, widened, true, model.FloatValue(float64(float32(3.14))), "float → double: an old float32 text read as the wider of both"},
		{"3.14", false, widened, false, model.FloatValue(3.14), "…and the min as the lower of both"},
		{"2024-12-25T00:00:00.000Z", true, ts, true, model.TimestampValue(1735084800000000 + 999), "a millisecond max widened by 999µs"},
		{"2024-12-25T00:00:00.000Z", true, ts, false, model.TimestampValue(1735084800000000), "a min is not widened"},
		{"2024-12-25T00:00:00.000001Z", true, ts, true, model.TimestampValue(1735084800000001), "microsecond text is exact"},
		{"2024-12-25", true, ntzFromDate, true, model.TimestampNTZValue(1735084800000000), "date → timestamp_ntz: an old date bound is midnight"},
		{"1.005", false, dec, true, model.DecimalValue(bigInt(101), 2), "a decimal max finer than the scale rounds up"},
		{"1.005", false, dec, false, model.DecimalValue(bigInt(100), 2), "…a min rounds down"},
		{"-1.005", false, dec, false, model.DecimalValue(bigInt(-101), 2), "a negative min rounds down"},
		{"-1.005", false, dec, true, model.DecimalValue(bigInt(-100), 2), "a negative max rounds up (toward zero)"},
		{"Infinity", true, dbl, true, model.FloatValue(math.Inf(1)), "Infinity as a string"},
		{"NaN", true, dbl, true, model.Null, "a NaN bound bounds nothing"},
	}
	for _, tc := range tests {
		var got model.Value
		if tc.str {
			got = typedFromString(tc.text, tc.in, tc.isMax)
		} else {
			got = typedFromNumber(tc.text, tc.in, tc.isMax)
		}
		if c, ok := model.Compare(got, tc.want); got.Kind != tc.want.Kind || (!got.IsNull() && (!ok || c != 0)) {
			t.Errorf("%q (max=%v): got %v, want %v: %s", tc.text, tc.isMax, got, tc.want, tc.why)
		}
	}
	// Checkpoint stats_parsed values get the same adjustments, once.
	if v := adjustParsedBound(model.TimestampValue(5000), ts, true); v.Int != 5999 {
		t.Errorf("stats_parsed timestamp max %d, want 5999", v.Int)
	}
	if v := adjustParsedBound(model.FloatValue(3.14), f32, true); v.Float != float64(float32(3.14)) {
		t.Errorf("stats_parsed float max %v, want the float32 reading", v.Float)
	}
}

func bigInt(n int64) *big.Int { return big.NewInt(n) }
