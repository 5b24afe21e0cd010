package delta

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/deltaplan/deltaplan/internal/fixtures"
)

// seedFiles adds the named fixture log files to a fuzz corpus.
func seedFiles(f *testing.F, names ...string) {
	dir := fixtures.Dir(f, "delta")
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// FuzzParseActions: the commit parser never panics, and what it accepts
// round-trips through encoding/json to the same actions.
func FuzzParseActions(f *testing.F) {
	seedFiles(f,
		"basic_partitioned/_delta_log/00000000000000000000.json",
		"table-with-dv-small/_delta_log/00000000000000000001.json",
		"canonicalized-paths-special-a/_delta_log/00000000000000000001.json",
		"app-txn-no-checkpoint/_delta_log/00000000000000000000.json",
	)
	f.Add([]byte(`{"add":{"path":"a","size":1,"partitionValues":{"p":null}}}` + "\n\n" + `{"remove":{"path":"a"}}`))
	f.Add([]byte(`{"add":{"path":""}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var first []action
		err := parseActions("fuzz.json", data, func(a *action) error {
			first = append(first, *a)
			return nil
		})
		if err != nil {
			return
		}
		var buf []byte
		for i := range first {
			b, err := json.Marshal(&first[i])
			if err != nil {
				t.Fatalf("marshal accepted action: %v", err)
			}
			buf = append(append(buf, b...), '\n')
		}
		n := 0
		if err := parseActions("again.json", buf, func(a *action) error { n++; return nil }); err != nil {
			t.Fatalf("re-parse of accepted actions failed: %v\n%s", err, buf)
		}
		if n != len(first) {
			t.Fatalf("round trip: %d actions, then %d", len(first), n)
		}
	})
}

const fuzzSchema = `{"type":"struct","fields":[
 {"name":"i","type":"long","nullable":true,"metadata":{}},
 {"name":"d","type":"decimal(10,2)","nullable":true,"metadata":{}},
 {"name":"s","type":"string","nullable":true,"metadata":{}},
 {"name":"ts","type":"timestamp","nullable":true,"metadata":{}},
 {"name":"n","type":{"type":"struct","fields":[{"name":"x","type":"double","nullable":true,"metadata":{}}]},"nullable":true,"metadata":{}}]}`

// FuzzStatsParser: the stats fast path never panics, accepts only valid
// JSON, and agrees with encoding/json on numRecords.
func FuzzStatsParser(f *testing.F) {
	for _, s := range []string{
		`{"numRecords":3,"minValues":{"i":1,"d":1.50,"s":"a","ts":"2020-01-01T00:00:00.000Z","n":{"x":-1.5}},"maxValues":{"i":9,"d":2E+1,"s":"z\u00e9","ts":"2020-01-02T00:00:00.000+01:00","n":{"x":"Infinity"}},"nullCount":{"i":0,"d":1,"s":0,"ts":0,"n":{"x":2}},"tightBounds":true}`,
		`{"numRecords":0}`, `{}`, `{"minValues":{"unknown":[1,{"a":null}]}}`, `{"numRecords":1,"minValues":{"s":"\"q\\"}}`,
	} {
		f.Add(s)
	}
	schema, err := ParseSchema(fuzzSchema)
	if err != nil {
		f.Fatal(err)
	}
	lay, err := newLayout(schema, nil, "none")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fc := newFileCols(lay)
		row := fc.begin("x", 1, 1, -1, "")
		err := fc.parseStats(s, row)
		if err != nil {
			return
		}
		// Delta keys are case-sensitive; encoding/json structs are not, so
		// compare through a map.
		var doc map[string]json.RawMessage
		if jerr := json.Unmarshal([]byte(s), &doc); jerr != nil {
			if _, isType := jerr.(*json.UnmarshalTypeError); !isType {
				t.Fatalf("fast path accepted invalid JSON %q: %v", s, jerr)
			}
			return
		}
		if raw, ok := doc["numRecords"]; ok {
			var n json.Number
			if json.Unmarshal(raw, &n) == nil {
				if v, e := n.Int64(); e == nil && v >= 0 && fc.numRecs[row] != v {
					t.Fatalf("numRecords %d, encoding/json says %d", fc.numRecs[row], v)
				}
			}
		}
	})
}

// FuzzCheckpointReader: damaged checkpoint bytes give an error, never a
// panic or a hang.
func FuzzCheckpointReader(f *testing.F) {
	seedFiles(f,
		"multi-part-checkpoint/_delta_log/00000000000000000001.checkpoint.0000000001.0000000002.parquet",
		"app-txn-checkpoint/_delta_log/00000000000000000001.checkpoint.parquet",
	)
	f.Add([]byte("PAR1PAR1"))
	schema, err := ParseSchema(fuzzSchema)
	if err != nil {
		f.Fatal(err)
	}
	lay, err := newLayout(schema, nil, "none")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		const name = "_delta_log/00000000000000000001.checkpoint.parquet"
		st := memStorage{name: data}
		ctx := context.Background()
		fi := FileInfo{Path: name, Size: int64(len(data))}
		_ = nonFileActions(ctx, st, fi, nil, func(a *action) error { return nil })
		r := &replay{st: st, lay: lay}
		_, _ = readCheckpointAdds(ctx, r, []FileInfo{fi}, 1, nil)
	})
}

// FuzzFileActionFastPath: whenever the add/remove fast path accepts a line,
// encoding/json accepts it too and reads the same fields.
func FuzzFileActionFastPath(f *testing.F) {
	for _, s := range []string{
		`{"add":{"path":"a%20b","partitionValues":{"p":"1","q":null},"size":10,"modificationTime":5,"dataChange":true,"stats":"{\"numRecords\":1}"}}`,
		`{"remove":{"path":"x","deletionTimestamp":1,"dataChange":true}}`,
		`{"add":{"path":"\u00e9\\n","size":0,"stats":null,"tags":{"k":[1,2]},"deletionVector":null}}`,
		`{"add":{"Path":"case"}}`, `{"add":{"size":1.5}}`, `{"add":{}}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		fast, ok := parseFileAction(line)
		if !ok {
			return
		}
		var slow action
		if err := json.Unmarshal([]byte(line), &slow); err != nil {
			t.Fatalf("fast path accepted %q, encoding/json: %v", line, err)
		}
		if (fast.Add == nil) != (slow.Add == nil) || (fast.Remove == nil) != (slow.Remove == nil) {
			t.Fatalf("%q: different action kinds", line)
		}
		if fast.Remove != nil && fast.Remove.Path != slow.Remove.Path {
			t.Fatalf("%q: remove path %q vs %q", line, fast.Remove.Path, slow.Remove.Path)
		}
		if a, b := fast.Add, slow.Add; a != nil {
			if a.statsEscaped != "" { // the fast path defers unescaping
				buf, ok := unescapeInto(nil, a.statsEscaped)
				if !ok {
					t.Fatalf("%q: escaped stats %q do not unescape", line, a.statsEscaped)
				}
				st := string(buf)
				a.Stats, a.statsEscaped = &st, ""
			}
			fb, _ := json.Marshal(a)
			sb, _ := json.Marshal(b)
			if a.PartitionValues != nil && len(a.PartitionValues) == 0 && b.PartitionValues == nil {
				sb, _ = json.Marshal(&addAction{Path: b.Path, PartitionValues: map[string]*string{}, Size: b.Size, ModificationTime: b.ModificationTime, Stats: b.Stats, DeletionVector: b.DeletionVector})
			}
			if string(fb) != string(sb) {
				t.Fatalf("%q:\nfast %s\njson %s", line, fb, sb)
			}
		}
	})
}
