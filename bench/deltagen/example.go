package deltagen

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/parquet-go/parquet-go"
)

// salesRow is one row of the example table's data files. region is the
// partition column and, as Spark does, is not stored in the files.
type salesRow struct {
	OrderID   int64 `parquet:"order_id"`
	OrderDate int32 `parquet:"order_date,date"`
	Amount    int64 `parquet:"amount,decimal(2:12)"`
	Quantity  int32 `parquet:"quantity"`
	TS        int64 `parquet:"ts,timestamp(microsecond)"`
}

// ExampleSchema is the Delta schema of the example sales table.
const ExampleSchema = `{"type":"struct","fields":[` +
	`{"name":"order_id","type":"long","nullable":false,"metadata":{}},` +
	`{"name":"region","type":"string","nullable":true,"metadata":{}},` +
	`{"name":"order_date","type":"date","nullable":true,"metadata":{}},` +
	`{"name":"amount","type":"decimal(12,2)","nullable":true,"metadata":{}},` +
	`{"name":"quantity","type":"integer","nullable":true,"metadata":{}},` +
	`{"name":"ts","type":"timestamp","nullable":true,"metadata":{}}]}`

// exampleStart is the in-commit timestamp of version 0; version v commits
// v hours later.
var exampleStart = time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)

type exampleFile struct {
	region string
	day    int // days after exampleStart
	rows   int
}

// exampleCommits: v0 creates three regions, v1 appends, v2 rewrites the
// NA file of v0 (a remove and an add), v3 appends and is checkpointed, v4
// appends after the checkpoint.
var exampleCommits = []struct {
	files   []exampleFile
	removes []string // paths written earlier
}{
	{files: []exampleFile{{"EU", 0, 40}, {"NA", 0, 40}, {"APAC", 0, 30}}},
	{files: []exampleFile{{"EU", 1, 35}, {"NA", 1, 45}}},
	{files: []exampleFile{{"NA", 0, 38}}, removes: []string{examplePath("NA", 0)}},
	{files: []exampleFile{{"APAC", 2, 25}, {"LATAM", 2, 20}}},
	{files: []exampleFile{{"EU", 3, 30}}},
}

// examplePath names the data file of a region's n-th file.
func examplePath(region string, seq int) string {
	return fmt.Sprintf("region=%s/part-%05d-5a1e%04x-0c0d-4e0f-8a1b-%012x.c000.snappy.parquet", region, seq, seq, seq+1)
}

// WriteExample writes the example sales table into dir (which must not
// exist or be empty): real parquet data files with statistics computed
// from their rows, five commits with in-commit timestamps, a remove, and a
// checkpoint at version 3.
func WriteExample(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(2024, 5))
	md := Metadata{
		ID: "5a1e5a1e-0000-4000-8000-000000000001", Name: "sales",
		Format: Format{Provider: "parquet", Options: map[string]string{}}, SchemaString: ExampleSchema,
		PartitionColumns: []string{"region"},
		Configuration: map[string]string{
			"delta.enableInCommitTimestamps":             "true",
			"delta.inCommitTimestampEnablementVersion":   "0",
			"delta.inCommitTimestampEnablementTimestamp": strconv.FormatInt(exampleStart.UnixMilli(), 10),
		},
		CreatedTime: exampleStart.UnixMilli(),
	}
	proto := Protocol{MinReaderVersion: 1, MinWriterVersion: 7, WriterFeatures: []string{"inCommitTimestamp"}}
	seq := map[string]int{}
	nextID := int64(1)
	live := map[string]Add{}
	for v, c := range exampleCommits {
		ts := exampleStart.Add(time.Duration(v) * time.Hour).UnixMilli()
		acts := []Action{{CommitInfo: &CommitInfo{InCommitTimestamp: &ts, Timestamp: ts, Operation: "WRITE"}}}
		if v == 0 {
			acts = append(acts, Action{Protocol: &proto}, Action{MetaData: &md})
		}
		for _, p := range c.removes {
			old := live[p]
			delete(live, p)
			acts = append(acts, Action{Remove: &Remove{Path: p, DeletionTimestamp: ts, DataChange: true, PartitionValues: old.PartitionValues, Size: old.Size}})
		}
		for _, f := range c.files {
			path := examplePath(f.region, seq[f.region])
			seq[f.region]++
			rows := make([]salesRow, f.rows)
			day := exampleStart.AddDate(0, 0, f.day)
			for i := range rows {
				rows[i] = salesRow{
					OrderID:   nextID,
					OrderDate: int32(day.Unix() / 86400),
					Amount:    100 + rng.Int64N(99_900),
					Quantity:  int32(1 + rng.IntN(20)),
					TS:        day.Add(time.Duration(rng.IntN(86400)) * time.Second).UnixMicro(),
				}
				nextID++
			}
			size, err := writeSalesFile(filepath.Join(dir, filepath.FromSlash(path)), rows)
			if err != nil {
				return err
			}
			a := Add{Path: path, PartitionValues: map[string]string{"region": f.region}, Size: size, ModificationTime: ts, DataChange: true, Stats: salesStats(rows)}
			live[path] = a
			acts = append(acts, Action{Add: &a})
		}
		if err := WriteCommit(dir, int64(v), acts); err != nil {
			return err
		}
		if v == 3 {
			var adds []Add
			for _, a := range live {
				adds = append(adds, a)
			}
			sortAdds(adds)
			if err := WriteCheckpoint(dir, Checkpoint{Version: 3, Protocol: proto, Metadata: md, Adds: adds}); err != nil {
				return err
			}
		}
	}
	return nil
}

func sortAdds(a []Add) {
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j].Path < a[j-1].Path; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}

func writeSalesFile(path string, rows []salesRow) (int64, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return 0, err
	}
	if err := parquet.WriteFile(path, rows, parquet.Compression(&parquet.Snappy)); err != nil {
		return 0, fmt.Errorf("write %s: %w", path, err)
	}
	info, err := os.Stat(path)
	if err != nil {
		return 0, err
	}
	return info.Size(), nil
}

// salesStats computes Spark-shaped statistics of the rows.
func salesStats(rows []salesRow) string {
	lo, hi := rows[0], rows[0]
	for _, r := range rows {
		lo.OrderID, hi.OrderID = min(lo.OrderID, r.OrderID), max(hi.OrderID, r.OrderID)
		lo.OrderDate, hi.OrderDate = min(lo.OrderDate, r.OrderDate), max(hi.OrderDate, r.OrderDate)
		lo.Amount, hi.Amount = min(lo.Amount, r.Amount), max(hi.Amount, r.Amount)
		lo.Quantity, hi.Quantity = min(lo.Quantity, r.Quantity), max(hi.Quantity, r.Quantity)
		lo.TS, hi.TS = min(lo.TS, r.TS), max(hi.TS, r.TS)
	}
	vals := func(r salesRow) string {
		return fmt.Sprintf(`{"order_id":%d,"order_date":"%s","amount":%s,"quantity":%d,"ts":"%s"}`,
			r.OrderID, time.Unix(int64(r.OrderDate)*86400, 0).UTC().Format("2006-01-02"), cents(r.Amount), r.Quantity,
			time.UnixMicro(r.TS).UTC().Format("2006-01-02T15:04:05.000Z"))
	}
	nulls := `{"order_id":0,"order_date":0,"amount":0,"quantity":0,"ts":0}`
	return fmt.Sprintf(`{"numRecords":%d,"minValues":%s,"maxValues":%s,"nullCount":%s}`, len(rows), vals(lo), vals(hi), nulls)
}

func cents(c int64) string {
	s := strconv.FormatInt(c, 10)
	for len(s) < 3 {
		s = "0" + s
	}
	return s[:len(s)-2] + "." + s[len(s)-2:]
}
