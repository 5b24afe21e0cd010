package scan

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/deltaplan/deltaplan/delta"
	"github.com/deltaplan/deltaplan/model"
)

// conform returns src as the table's type: nested fields matched by
// physical name or field id and renamed to logical names (missing ones as
// nulls), primitives cast (type widening, timestamp units, INT96). The
// result is a new reference the caller releases.
func conform(ctx context.Context, mem memory.Allocator, src arrow.Array, to arrow.DataType, dt *delta.Type, mode string) (arrow.Array, error) {
	if arrow.TypeEqual(src.DataType(), to) {
		src.Retain()
		return src, nil
	}
	switch to := to.(type) {
	case *arrow.StructType:
		s, ok := src.(*array.Struct)
		if !ok {
			return nil, fmt.Errorf("%w: file has %s where the table has a struct", ErrSchema, src.DataType())
		}
		st := s.DataType().(*arrow.StructType)
		data := s.Data()
		children := make([]arrow.ArrayData, len(to.Fields()))
		for i := range dt.Fields {
			f := &dt.Fields[i]
			var child arrow.Array
			if j := findStructChild(st, f, mode); j >= 0 {
				raw := array.MakeFromData(data.Children()[j])
				c, err := conform(ctx, mem, raw, to.Field(i).Type, f.Type, mode)
				raw.Release()
				if err != nil {
					return nil, fmt.Errorf("field %s: %w", f.Name, err)
				}
				child = c
			} else {
				child = array.MakeArrayOfNull(mem, to.Field(i).Type, data.Offset()+data.Len())
			}
			children[i] = child.Data()
			defer child.Release()
		}
		out := array.NewData(to, data.Len(), data.Buffers()[:1], children, data.NullN(), data.Offset())
		defer out.Release()
		return array.MakeFromData(out), nil
	case *arrow.MapType:
		m, ok := src.(*array.Map)
		if !ok {
			return nil, fmt.Errorf("%w: file has %s where the table has a map", ErrSchema, src.DataType())
		}
		data := m.Data()
		entries := array.MakeFromData(data.Children()[0]).(*array.Struct)
		defer entries.Release()
		k, err := conform(ctx, mem, entries.Field(0), to.KeyType(), dt.Key, mode)
		if err != nil {
			return nil, fmt.Errorf("map key: %w", err)
		}
		defer k.Release()
		v, err := conform(ctx, mem, entries.Field(1), to.ItemType(), dt.Value, mode)
		if err != nil {
			return nil, fmt.Errorf("map value: %w", err)
		}
		defer v.Release()
		ed := entries.Data()
		ent := array.NewData(to.Elem(), ed.Len(), ed.Buffers()[:1], []arrow.ArrayData{k.Data(), v.Data()}, ed.NullN(), ed.Offset())
		defer ent.Release()
		out := array.NewData(to, data.Len(), data.Buffers()[:2], []arrow.ArrayData{ent}, data.NullN(), data.Offset())
		defer out.Release()
		return array.MakeFromData(out), nil
	case *arrow.ListType:
		l, ok := src.(*array.List)
		if !ok {
			return nil, fmt.Errorf("%w: file has %s where the table has a list", ErrSchema, src.DataType())
		}
		data := l.Data()
		raw := array.MakeFromData(data.Children()[0])
		defer raw.Release()
		e, err := conform(ctx, mem, raw, to.Elem(), dt.Element, mode)
		if err != nil {
			return nil, fmt.Errorf("list element: %w", err)
		}
		defer e.Release()
		out := array.NewData(to, data.Len(), data.Buffers()[:2], []arrow.ArrayData{e.Data()}, data.NullN(), data.Offset())
		defer out.Release()
		return array.MakeFromData(out), nil
	}
	// Primitive: a cast. Timestamps may lose sub-microsecond digits (INT96
	// nanoseconds); everything else must convert exactly.
	opts := compute.SafeCastOptions(to)
	if _, ok := to.(*arrow.TimestampType); ok {
		opts.AllowTimeTruncate = true
	}
	out, err := compute.CastArray(ctx, src, opts)
	if err != nil {
		return nil, fmt.Errorf("%w: cannot read %s as %s: %v", ErrSchema, src.DataType(), to, err)
	}
	return out, nil
}

func findStructChild(st *arrow.StructType, f *delta.Field, mode string) int {
	if mode == "id" {
		if id, ok := columnID(f); ok {
			for i, c := range st.Fields() {
				if v, ok := fieldID(&c); ok && v == id {
					return i
				}
			}
		}
	}
	name := f.PhysicalName(mode)
	for i, c := range st.Fields() {
		if c.Name == name {
			return i
		}
	}
	return -1
}

// partitionArray repeats one partition value n times as the column's type.
func partitionArray(mem memory.Allocator, t arrow.DataType, v model.Value, n int) (arrow.Array, error) {
	if v.IsNull() {
		return array.MakeArrayOfNull(mem, t, n), nil
	}
	b := array.NewBuilder(mem, t)
	defer b.Release()
	b.Reserve(n)
	for i := 0; i < n; i++ {
		if err := appendValue(b, v); err != nil {
			return nil, err
		}
	}
	return b.NewArray(), nil
}

func appendValue(b array.Builder, v model.Value) error {
	switch b := b.(type) {
	case *array.BooleanBuilder:
		b.Append(v.Bool)
	case *array.Int8Builder:
		b.Append(int8(v.Int))
	case *array.Int16Builder:
		b.Append(int16(v.Int))
	case *array.Int32Builder:
		b.Append(int32(v.Int))
	case *array.Int64Builder:
		b.Append(v.Int)
	case *array.Float32Builder:
		b.Append(float32(v.Float))
	case *array.Float64Builder:
		b.Append(v.Float)
	case *array.StringBuilder:
		b.Append(v.Str)
	case *array.BinaryBuilder:
		b.Append([]byte(v.Str))
	case *array.Date32Builder:
		b.Append(arrow.Date32(v.Int))
	case *array.TimestampBuilder:
		b.Append(arrow.Timestamp(v.Int))
	case *array.Decimal128Builder:
		if v.Dec == nil {
			return fmt.Errorf("decimal partition value without digits")
		}
		d := decimal128.FromBigInt(v.Dec)
		b.Append(d)
	default:
		return fmt.Errorf("%w: partition column of type %s", ErrSchema, b.Type())
	}
	return nil
}
