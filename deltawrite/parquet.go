package deltawrite

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	"github.com/parquet-go/parquet-go/encoding"
)

// statsPrefixRunes bounds string statistics: a longer minimum is cut to a
// prefix (still a lower bound) and a longer maximum is left out.
const statsPrefixRunes = 32

// orderedGroup is a parquet group whose columns keep the table's order
// (parquet.Group sorts them by name).
type orderedGroup []parquet.Field

type namedNode struct {
	parquet.Node
	name string
}

func (n namedNode) Name() string                      { return n.name }
func (n namedNode) Value(reflect.Value) reflect.Value { return reflect.Value{} }
func (g orderedGroup) ID() int                        { return 0 }
func (g orderedGroup) String() string                 { return "deltawrite group" }
func (g orderedGroup) Type() parquet.Type             { return parquet.Group{}.Type() }
func (g orderedGroup) Optional() bool                 { return false }
func (g orderedGroup) Repeated() bool                 { return false }
func (g orderedGroup) Required() bool                 { return true }
func (g orderedGroup) Leaf() bool                     { return false }
func (g orderedGroup) Fields() []parquet.Field        { return g }
func (g orderedGroup) Encoding() encoding.Encoding    { return nil }
func (g orderedGroup) Compression() compress.Codec    { return nil }
func (g orderedGroup) GoType() reflect.Type           { return reflect.TypeFor[map[string]any]() }
func newOrderedGroup(fs []parquet.Field) parquet.Node { return orderedGroup(fs) }
func field(name string, n parquet.Node) parquet.Field { return namedNode{Node: n, name: name} }
func optionalIf(nullable bool, n parquet.Node) parquet.Node {
	return iff(nullable, parquet.Optional(n), n)
}

func iff[T any](c bool, a, b T) T {
	if c {
		return a
	}
	return b
}

func leafOf(f arrow.Field) (parquet.Node, error) {
	var n parquet.Node
	switch t := f.Type.(type) {
	case *arrow.Int64Type:
		n = parquet.Leaf(parquet.Int64Type)
	case *arrow.Int32Type:
		n = parquet.Leaf(parquet.Int32Type)
	case *arrow.Int16Type:
		n = parquet.Int(16)
	case *arrow.Int8Type:
		n = parquet.Int(8)
	case *arrow.StringType:
		n = parquet.Encoded(parquet.String(), &parquet.Plain) // the most widely read encoding
	case *arrow.BooleanType:
		n = parquet.Leaf(parquet.BooleanType)
	case *arrow.Float64Type:
		n = parquet.Leaf(parquet.DoubleType)
	case *arrow.Float32Type:
		n = parquet.Leaf(parquet.FloatType)
	case *arrow.Date32Type:
		n = parquet.Date()
	case *arrow.TimestampType:
		n = parquet.Timestamp(parquet.Microsecond)
	case *arrow.BinaryType:
		n = parquet.Encoded(parquet.Leaf(parquet.ByteArrayType), &parquet.Plain)
	case *arrow.Decimal128Type:
		p := int(t.Precision)
		switch {
		case p <= 9:
			n = parquet.Decimal(int(t.Scale), p, parquet.Int32Type)
		case p <= 18:
			n = parquet.Decimal(int(t.Scale), p, parquet.Int64Type)
		default:
			n = parquet.Decimal(int(t.Scale), p, parquet.FixedLenByteArrayType(16))
		}
	default:
		return nil, fmt.Errorf("%w: column %q: %s", ErrUnsupportedType, f.Name, f.Type)
	}
	return optionalIf(f.Nullable, n), nil
}

// parquetSchema is the data-file schema of an Arrow schema.
func parquetSchema(s *arrow.Schema) (*parquet.Schema, error) {
	fs := make([]parquet.Field, s.NumFields())
	for i, f := range s.Fields() {
		n, err := leafOf(f)
		if err != nil {
			return nil, err
		}
		fs[i] = field(f.Name, n)
	}
	return parquet.NewSchema("spark_schema", newOrderedGroup(fs)), nil
}

// colStats accumulates the statistics of one column in typed fields (no
// boxing per row); render turns them into JSON values at the end.
type colStats struct {
	nulls    int64
	has      bool // min and max hold a value
	noBounds bool // a value that has no order here (NaN, ±Inf), or binary
	iMin     int64
	iMax     int64
	fMin     float64
	fMax     float64
	sMin     string // views the record's buffer until render
	sMax     string
	bMin     bool
	bMax     bool
	dMin     decimal128.Num
	dMax     decimal128.Num
}

// render returns the JSON min and max of a column of type dt (nil when
// there are none; max nil alone for a long string maximum).
func (st *colStats) render(dt arrow.DataType) (lo, hi any) {
	if !st.has || st.noBounds {
		return nil, nil
	}
	switch t := dt.(type) {
	case *arrow.Float64Type, *arrow.Float32Type:
		return st.fMin, st.fMax
	case *arrow.StringType:
		lo = prefixRunes(st.sMin, statsPrefixRunes)
		if utf8.RuneCountInString(st.sMax) <= statsPrefixRunes {
			hi = st.sMax
		}
		return lo, hi
	case *arrow.BooleanType:
		return st.bMin, st.bMax
	case *arrow.Date32Type:
		day := func(d int64) string { return time.Unix(d*86400, 0).UTC().Format("2006-01-02") }
		return day(st.iMin), day(st.iMax)
	case *arrow.TimestampType:
		ts := func(us int64) string { return time.UnixMicro(us).UTC().Format("2006-01-02T15:04:05.000000Z07:00") }
		return ts(st.iMin), ts(st.iMax)
	case *arrow.Decimal128Type:
		return json.Number(st.dMin.ToString(t.Scale)), json.Number(st.dMax.ToString(t.Scale))
	}
	return st.iMin, st.iMax
}

// fileStats is the Spark-shaped stats JSON of one data file.
type fileStats struct {
	NumRecords int64            `json:"numRecords"`
	MinValues  map[string]any   `json:"minValues"`
	MaxValues  map[string]any   `json:"maxValues"`
	NullCount  map[string]int64 `json:"nullCount"`
}

// encodeParquet writes rec as one parquet file and returns it with its
// stats JSON.
func encodeParquet(rec arrow.RecordBatch, schema *parquet.Schema) ([]byte, string, error) {
	n := int(rec.NumRows())
	ncols := int(rec.NumCols())
	var buf bytes.Buffer
	w := parquet.NewWriter(&buf, schema, parquet.Compression(&parquet.Snappy),
		parquet.CreatedBy("deltaplan-deltawrite", "1", ""))
	stats := make([]colStats, ncols)
	const batch = 1024
	values := make([]parquet.Value, batch*ncols)
	rows := make([]parquet.Row, batch)
	for start := 0; start < n; start += batch {
		end := min(n, start+batch)
		for c := 0; c < ncols; c++ {
			f := rec.Schema().Field(c)
			if err := columnValues(rec.Column(c), f, c, start, end, values, ncols, &stats[c]); err != nil {
				return nil, "", err
			}
		}
		for r := start; r < end; r++ {
			k := r - start
			rows[k] = values[k*ncols : (k+1)*ncols : (k+1)*ncols]
		}
		if _, err := w.WriteRows(rows[:end-start]); err != nil {
			return nil, "", fmt.Errorf("write parquet: %w", err)
		}
	}
	if err := w.Close(); err != nil {
		return nil, "", fmt.Errorf("write parquet: %w", err)
	}
	fsj := fileStats{NumRecords: int64(n), MinValues: map[string]any{}, MaxValues: map[string]any{}, NullCount: map[string]int64{}}
	for c := 0; c < ncols; c++ {
		f, st := rec.Schema().Field(c), &stats[c]
		fsj.NullCount[f.Name] = st.nulls
		lo, hi := st.render(f.Type)
		if lo != nil {
			fsj.MinValues[f.Name] = lo
		}
		if hi != nil {
			fsj.MaxValues[f.Name] = hi
		}
	}
	sj, err := json.Marshal(fsj)
	if err != nil {
		return nil, "", err
	}
	return buf.Bytes(), string(sj), nil
}

// columnValues fills column c of rows start..end (values is row-major with
// stride ncols) and updates the column's statistics.
func columnValues(a arrow.Array, f arrow.Field, c, start, end int, values []parquet.Value, ncols int, st *colStats) error {
	def := 0
	if f.Nullable {
		def = 1
	}
	var flba []byte
	for r := start; r < end; r++ {
		slot := &values[(r-start)*ncols+c]
		if a.IsNull(r) {
			if !f.Nullable {
				return fmt.Errorf("%w: column %q is not nullable but row %d is null", ErrSchemaMismatch, f.Name, r)
			}
			st.nulls++
			*slot = parquet.NullValue().Level(0, 0, c)
			continue
		}
		var v parquet.Value
		switch x := a.(type) {
		case *array.Int64:
			i := x.Value(r)
			v = parquet.Int64Value(i)
			boundInt(st, i)
		case *array.Int32:
			i := x.Value(r)
			v = parquet.Int32Value(i)
			boundInt(st, int64(i))
		case *array.Int16:
			i := x.Value(r)
			v = parquet.Int32Value(int32(i))
			boundInt(st, int64(i))
		case *array.Int8:
			i := x.Value(r)
			v = parquet.Int32Value(int32(i))
			boundInt(st, int64(i))
		case *array.String:
			s := x.Value(r)
			// The bytes view the record's buffer; the writer copies them.
			v = parquet.ByteArrayValue(unsafe.Slice(unsafe.StringData(s), len(s)))
			boundString(st, s)
		case *array.Boolean:
			b := x.Value(r)
			v = parquet.BooleanValue(b)
			if !st.has {
				st.bMin, st.bMax, st.has = b, b, true
			} else {
				st.bMin, st.bMax = st.bMin && b, st.bMax || b
			}
		case *array.Float64:
			d := x.Value(r)
			v = parquet.DoubleValue(d)
			boundFloat(st, d)
		case *array.Float32:
			d := x.Value(r)
			v = parquet.FloatValue(d)
			boundFloat(st, float64(d))
		case *array.Date32:
			d := int64(x.Value(r))
			v = parquet.Int32Value(int32(d))
			boundInt(st, d)
		case *array.Timestamp:
			us := int64(x.Value(r))
			v = parquet.Int64Value(us)
			boundInt(st, us)
		case *array.Binary:
			v = parquet.ByteArrayValue(x.Value(r))
			st.noBounds = true // Spark keeps no binary bounds
		case *array.Decimal128:
			dt := x.DataType().(*arrow.Decimal128Type)
			num := x.Value(r)
			switch {
			case dt.Precision <= 9:
				v = parquet.Int32Value(int32(num.LowBits()))
			case dt.Precision <= 18:
				v = parquet.Int64Value(int64(num.LowBits()))
			default:
				if flba == nil {
					flba = make([]byte, 16*(end-start)) // one buffer per batch
				}
				b := flba[16*(r-start) : 16*(r-start+1)]
				binary.BigEndian.PutUint64(b[:8], uint64(num.HighBits()))
				binary.BigEndian.PutUint64(b[8:], num.LowBits())
				v = parquet.FixedLenByteArrayValue(b)
			}
			boundDecimal(st, num)
		default:
			return fmt.Errorf("%w: column %q: %s", ErrUnsupportedType, f.Name, a.DataType())
		}
		*slot = v.Level(0, def, c)
	}
	return nil
}

func boundInt(st *colStats, i int64) {
	if !st.has {
		st.iMin, st.iMax, st.has = i, i, true
		return
	}
	st.iMin, st.iMax = min(st.iMin, i), max(st.iMax, i)
}

func boundFloat(st *colStats, d float64) {
	if math.IsNaN(d) || math.IsInf(d, 0) {
		st.noBounds = true
		return
	}
	if d == 0 {
		d = 0 // -0 and +0 are one bound
	}
	if !st.has {
		st.fMin, st.fMax, st.has = d, d, true
		return
	}
	st.fMin, st.fMax = min(st.fMin, d), max(st.fMax, d)
}

func boundString(st *colStats, s string) {
	if !st.has {
		st.sMin, st.sMax, st.has = s, s, true
		return
	}
	st.sMin, st.sMax = min(st.sMin, s), max(st.sMax, s)
}

func prefixRunes(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}

func boundDecimal(st *colStats, num decimal128.Num) {
	if !st.has {
		st.dMin, st.dMax, st.has = num, num, true
		return
	}
	if num.Less(st.dMin) {
		st.dMin = num
	}
	if num.Greater(st.dMax) {
		st.dMax = num
	}
}
