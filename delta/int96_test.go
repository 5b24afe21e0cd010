package delta_test

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/schema"
)

// TestInt96StatBeyondNanoseconds: a checkpoint whose stats_parsed holds an
// INT96 timestamp in year 2960 (beyond Arrow's nanosecond range) is read;
// only that statistic is dropped.
func TestInt96StatBeyondNanoseconds(t *testing.T) {
	must := func(n schema.Node, err error) schema.Node {
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	opt := parquet.Repetitions.Optional
	ts := must(schema.NewPrimitiveNode("ts", opt, parquet.Types.Int96, -1, -1))
	x := must(schema.NewPrimitiveNode("x", opt, parquet.Types.Int64, -1, -1))
	maxV := must(schema.NewGroupNode("maxValues", opt, schema.FieldList{ts, x}, -1))
	sp := must(schema.NewGroupNode("stats_parsed", opt, schema.FieldList{
		must(schema.NewPrimitiveNode("numRecords", opt, parquet.Types.Int64, -1, -1)), maxV}, -1))
	addN := must(schema.NewGroupNode("add", opt, schema.FieldList{
		must(schema.NewPrimitiveNodeLogical("path", opt, schema.StringLogicalType{}, parquet.Types.ByteArray, -1, -1)),
		must(schema.NewPrimitiveNode("size", opt, parquet.Types.Int64, -1, -1)),
		must(schema.NewPrimitiveNode("modificationTime", opt, parquet.Types.Int64, -1, -1)),
		sp}, -1))
	root := must(schema.NewGroupNode("spark_schema", parquet.Repetitions.Required, schema.FieldList{addN}, -1)).(*schema.GroupNode)

	schemaStr := `{"type":"struct","fields":[{"name":"ts","type":"timestamp","nullable":true,"metadata":{}},{"name":"x","type":"long","nullable":true,"metadata":{}}]}`
	// Commit 0 creates the table, commit 1 (after the checkpoint) repeats
	// protocol and metadata so the checkpoint need only hold the add.
	c0 := proto1 + "\n" + meta(schemaStr, "", "") + "\n" + add("a.parquet", "", `"{\"numRecords\":3}"`) + "\n"
	dir := writeLog(t, c0, proto1+"\n"+meta(schemaStr, "", "")+"\n")
	f, err := os.Create(filepath.Join(dir, "_delta_log", "00000000000000000000.checkpoint.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	pw := file.NewParquetWriter(f, root)
	rg := pw.AppendRowGroup()
	var year2960 parquet.Int96
	binary.LittleEndian.PutUint64(year2960[:8], 0)               // nanoseconds of the day
	binary.LittleEndian.PutUint32(year2960[8:], 2440588+361_588) // Julian day, ~2960-01-01
	write := func(fn func(cw file.ColumnChunkWriter) error) {
		cw, err := rg.NextColumn()
		if err != nil {
			t.Fatal(err)
		}
		if err := fn(cw); err != nil {
			t.Fatal(err)
		}
		if err := cw.Close(); err != nil {
			t.Fatal(err)
		}
	}
	write(func(cw file.ColumnChunkWriter) error {
		_, err := cw.(*file.ByteArrayColumnChunkWriter).WriteBatch([]parquet.ByteArray{parquet.ByteArray("a.parquet")}, []int16{2}, nil)
		return err
	})
	for _, v := range []int64{10, 1} { // size, modificationTime
		write(func(cw file.ColumnChunkWriter) error {
			_, err := cw.(*file.Int64ColumnChunkWriter).WriteBatch([]int64{v}, []int16{2}, nil)
			return err
		})
	}
	write(func(cw file.ColumnChunkWriter) error { // numRecords
		_, err := cw.(*file.Int64ColumnChunkWriter).WriteBatch([]int64{3}, []int16{3}, nil)
		return err
	})
	write(func(cw file.ColumnChunkWriter) error {
		_, err := cw.(*file.Int96ColumnChunkWriter).WriteBatch([]parquet.Int96{year2960}, []int16{4}, nil)
		return err
	})
	write(func(cw file.ColumnChunkWriter) error { // maxValues.x
		_, err := cw.(*file.Int64ColumnChunkWriter).WriteBatch([]int64{42}, []int16{4}, nil)
		return err
	})
	if err := rg.Close(); err != nil {
		t.Fatal(err)
	}
	if err := pw.Close(); err != nil {
		t.Fatal(err)
	}
	s, err := snapshotOf(t, dir)
	if err != nil {
		t.Fatalf("should read: an INT96 statistic beyond nanoseconds must not refuse the table: %v", err)
	}
	if s.CheckpointVersion == nil || s.Files.Len() != 1 || s.Files.NumRecords[0] != 3 {
		t.Fatalf("checkpoint %v files %d: want the checkpoint's one file with 3 records", s.CheckpointVersion, s.Files.Len())
	}
	for _, c := range s.Files.Stats {
		switch c.Path.String() {
		case "ts":
			if c.Max.Valid[0] {
				t.Errorf("ts max kept as %d; the INT96 statistic should be dropped", c.Max.Ints[0])
			}
		case "x":
			if !c.Max.Valid[0] || c.Max.Ints[0] != 42 {
				t.Errorf("x max %v: the other statistics of the file must stay", c.Max)
			}
		}
	}
}
