// Package scantest writes Delta tables with real parquet data for the scan
// tests, the DuckDB oracle and the scan benchmark: N files of R rows each,
// optionally with deletion vectors stored beside them, deterministic for a
// seed. It is test support; nothing in the library imports it.
package scantest

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/RoaringBitmap/roaring/v2/roaring64"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/google/uuid"
)

// Spec describes a generated table.
type Spec struct {
	Files       int
	RowsPerFile int
	// DeleteEvery > 0 gives every file a deletion vector deleting each
	// DeleteEvery-th row (stored in one DV file per data file).
	DeleteEvery int
	Seed        uint64
	// RowGroupRows caps a row group (0: 128Ki rows).
	RowGroupRows int64
}

// Schema of generated tables: id long (unique), k integer (0..999, 5% NULL),
// x double (10% NULL, a few NaN), s string (one of 26 letters, 3% NULL),
// d date.
const deltaSchema = `{"type":"struct","fields":[` +
	`{"name":"id","type":"long","nullable":false,"metadata":{}},` +
	`{"name":"k","type":"integer","nullable":true,"metadata":{}},` +
	`{"name":"x","type":"double","nullable":true,"metadata":{}},` +
	`{"name":"s","type":"string","nullable":true,"metadata":{}},` +
	`{"name":"d","type":"date","nullable":true,"metadata":{}}]}`

// Table is what Write made.
type Table struct {
	Dir         string
	DataFiles   []string // absolute paths
	Rows        int64    // physical rows
	LiveRows    int64    // rows not deleted
	HasDVs      bool
	PlainFilter []string // filters the tests use, in the shared grammar (also valid DuckDB SQL)
}

// Write creates the table under dir (which must not exist or be empty).
func Write(dir string, sp Spec) (*Table, error) {
	if err := os.MkdirAll(filepath.Join(dir, "_delta_log"), 0o755); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(sp.Seed, 0x5ca7))
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "k", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "x", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "d", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
	}, nil)
	protocol := `{"protocol":{"minReaderVersion":1,"minWriterVersion":2}}`
	if sp.DeleteEvery > 0 {
		protocol = `{"protocol":{"minReaderVersion":3,"minWriterVersion":7,"readerFeatures":["deletionVectors"],"writerFeatures":["deletionVectors"]}}`
	}
	meta, _ := json.Marshal(map[string]any{"metaData": map[string]any{
		"id": "scantest-" + fmt.Sprint(sp.Seed), "format": map[string]any{"provider": "parquet", "options": map[string]any{}},
		"schemaString": deltaSchema, "partitionColumns": []string{}, "configuration": map[string]string{}, "createdTime": 0}})
	log := []byte(protocol + "\n" + string(meta) + "\n")
	t := &Table{Dir: dir, HasDVs: sp.DeleteEvery > 0, PlainFilter: []string{
		"k < 100", "k >= 500 AND x > 0.5", "s IN ('a', 'b', 'c') OR k IS NULL", "NOT (x <= 0.25)", "d >= DATE '2024-03-01' AND s <> 'q'", "x IS NOT NULL AND k NOT IN (1, 2, 3)",
	}}
	rgRows := sp.RowGroupRows
	if rgRows <= 0 {
		rgRows = 128 << 10
	}
	mem := memory.DefaultAllocator
	var id int64
	for f := 0; f < sp.Files; f++ {
		b := array.NewRecordBuilder(mem, schema)
		for r := 0; r < sp.RowsPerFile; r++ {
			b.Field(0).(*array.Int64Builder).Append(id)
			id++
			if rng.IntN(20) == 0 {
				b.Field(1).AppendNull()
			} else {
				b.Field(1).(*array.Int32Builder).Append(int32(rng.IntN(1000)))
			}
			switch n := rng.IntN(1000); {
			case n < 100:
				b.Field(2).AppendNull()
			case n < 102:
				b.Field(2).(*array.Float64Builder).Append(math.NaN())
			default:
				b.Field(2).(*array.Float64Builder).Append(rng.Float64())
			}
			if rng.IntN(33) == 0 {
				b.Field(3).AppendNull()
			} else {
				b.Field(3).(*array.StringBuilder).Append(string(rune('a' + rng.IntN(26))))
			}
			b.Field(4).(*array.Date32Builder).Append(arrow.Date32(19723 + rng.IntN(120)))
		}
		rec := b.NewRecordBatch()
		b.Release()
		name := fmt.Sprintf("part-%05d-%s.snappy.parquet", f, uuid.NewSHA1(uuid.NameSpaceOID, fmt.Appendf(nil, "%d/%d", sp.Seed, f)))
		path := filepath.Join(dir, name)
		fh, err := os.Create(path)
		if err != nil {
			rec.Release()
			return nil, err
		}
		props := parquet.NewWriterProperties(parquet.WithMaxRowGroupLength(rgRows), parquet.WithStats(true))
		w, err := pqarrow.NewFileWriter(schema, fh, props, pqarrow.DefaultWriterProps())
		if err == nil {
			err = w.Write(rec)
			if cerr := w.Close(); err == nil {
				err = cerr
			}
		}
		rec.Release()
		if err != nil {
			fh.Close()
			return nil, fmt.Errorf("write %s: %w", path, err)
		}
		fh.Close()
		st, _ := os.Stat(path)
		t.DataFiles = append(t.DataFiles, path)
		t.Rows += int64(sp.RowsPerFile)
		add := map[string]any{"path": name, "partitionValues": map[string]string{}, "size": st.Size(),
			"modificationTime": 1700000000000 + f, "dataChange": true,
			"stats": fmt.Sprintf(`{"numRecords":%d}`, sp.RowsPerFile)}
		live := int64(sp.RowsPerFile)
		if sp.DeleteEvery > 0 {
			dv, card, err := writeDV(dir, sp, f)
			if err != nil {
				return nil, err
			}
			add["deletionVector"] = dv
			live -= card
		}
		t.LiveRows += live
		line, _ := json.Marshal(map[string]any{"add": add})
		log = append(append(log, line...), '\n')
	}
	if err := os.WriteFile(filepath.Join(dir, "_delta_log", "00000000000000000000.json"), log, 0o644); err != nil {
		return nil, err
	}
	return t, nil
}

// writeDV stores a vector deleting rows 0, n, 2n, ... of file f.
func writeDV(dir string, sp Spec, f int) (map[string]any, int64, error) {
	bm := roaring64.New()
	for r := 0; r < sp.RowsPerFile; r += sp.DeleteEvery {
		bm.Add(uint64(r))
	}
	bm.RunOptimize()
	data := binary.LittleEndian.AppendUint32(nil, 1681511377)
	body, err := bm.ToBytes()
	if err != nil {
		return nil, 0, err
	}
	data = append(data, body...)
	file := []byte{1}
	file = binary.BigEndian.AppendUint32(file, uint32(len(data)))
	file = append(file, data...)
	file = binary.BigEndian.AppendUint32(file, crc32.ChecksumIEEE(data))
	u := uuid.NewSHA1(uuid.NameSpaceOID, fmt.Appendf(nil, "dv/%d/%d", sp.Seed, f))
	if err := os.WriteFile(filepath.Join(dir, "deletion_vector_"+u.String()+".bin"), file, 0o644); err != nil {
		return nil, 0, err
	}
	z := encodeZ85(u[:])
	card := int64(bm.GetCardinality())
	return map[string]any{"storageType": "u", "pathOrInlineDv": z, "offset": 1, "sizeInBytes": len(data), "cardinality": card}, card, nil
}

const z85Alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#"

func encodeZ85(b []byte) string {
	out := make([]byte, 0, len(b)/4*5)
	for i := 0; i+4 <= len(b); i += 4 {
		v := binary.BigEndian.Uint32(b[i:])
		var g [5]byte
		for j := 4; j >= 0; j-- {
			g[j] = z85Alphabet[v%85]
			v /= 85
		}
		out = append(out, g[:]...)
	}
	return string(out)
}
