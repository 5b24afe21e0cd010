package lineage

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"google.golang.org/protobuf/proto"
)

// FuzzDecodeAnalyze: no input makes the decoder or the walker panic; what
// decodes round-trips through binary; lineage is deterministic.
func FuzzDecodeAnalyze(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/plans/*.json")
	dir := fixturesDir(f)
	for _, s := range []string{"isthmus/integration-tpch-q02.json", "duckdb/relation-join-left_semi_join.json",
		"datafusion-testdata/nested_correlated_subquery.json", "substrait-explain/plan_pbjson.json"} {
		seeds = append(seeds, filepath.Join(dir, s))
	}
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		if p, err := Decode(b); err == nil {
			bin, _ := proto.Marshal(p.Proto)
			f.Add(bin)
		}
	}
	f.Add([]byte{})
	f.Add([]byte("{}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Decode(data)
		if err != nil {
			return
		}
		bin, err := proto.MarshalOptions{Deterministic: true}.Marshal(p.Proto)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		if len(bin) == 0 {
			return // an empty plan: empty binary input is refused on purpose
		}
		again, err := Decode(bin)
		if err != nil {
			t.Fatalf("decoded plan does not decode again from binary: %v", err)
		}
		bin2, _ := proto.MarshalOptions{Deterministic: true}.Marshal(again.Proto)
		if !bytes.Equal(bin, bin2) {
			t.Fatal("binary round trip changed the plan")
		}
		l, err := Analyze(p)
		if err != nil {
			return
		}
		l2, err := Analyze(p)
		if err != nil {
			t.Fatalf("second Analyze failed: %v", err)
		}
		a, _ := json.Marshal(l.JSON())
		b, _ := json.Marshal(l2.JSON())
		if !bytes.Equal(a, b) {
			t.Fatalf("lineage is not deterministic")
		}
		d1, _ := json.Marshal(Describe(p)) // never panics, deterministic
		d2, _ := json.Marshal(Describe(p))
		if !bytes.Equal(d1, d2) {
			t.Fatalf("Describe is not deterministic")
		}
	})
}
