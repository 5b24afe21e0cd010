package identity

import (
	"encoding/json"
	"flag"
	"github.com/deltaplan/deltaplan/model"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/golden.json")

// TestGolden pins digests of the encoder, the signature and the plan
// fingerprint. A failure means the canonical encoding changed: if that was
// intended, bump EncodingVersion and run go test -update.
func TestGolden(t *testing.T) {
	got := map[string]string{
		"encoder/int 1":        sum(t, "golden", func(e *Encoder) { e.Int(1) }).String(),
		"encoder/string 1":     sum(t, "golden", func(e *Encoder) { e.String("1") }).String(),
		"encoder/empty list":   sum(t, "golden", func(e *Encoder) { e.List(0) }).String(),
		"encoder/float 1.5":    sum(t, "golden", func(e *Encoder) { e.Float(1.5) }).String(),
		"encoder/null":         sum(t, "golden", func(e *Encoder) { e.Null() }).String(),
		"encoder/bytes, bools": sum(t, "golden", func(e *Encoder) { e.Bytes([]byte{0, 255}); e.Bool(true); e.Bool(false); e.Uint(7) }).String(),
		"encoder/struct": sum(t, "golden", func(e *Encoder) {
			e.Struct(2)
			e.Field("a")
			e.StringMap(map[string]string{"k": "v", "a": ""})
			e.FieldNum(3)
			e.Digest(Digest{1, 2, 3})
		}).String(),
		"plan/sample": mustFingerprint(t, samplePlan(), nil).String(),
	}
	c := baseComponents(t)
	c.Normalize()
	sig, err := c.Signature()
	if err != nil {
		t.Fatal(err)
	}
	got["signature/sample"] = sig.String()
	recs := int64(4)
	su, err := ScanUnitsDigest([]ScanUnit{{ID: "t/0", Table: "t", DeltaVersion: 2, Files: []string{"p=1/a.parquet"},
		ProjectedColumns: []string{"a", "b"}, PushedFilters: []model.Pred{model.Cmp{Col: model.Col("a"), Op: model.OpGt, Val: model.IntValue(1)}}, Bytes: 42, Records: &recs}})
	if err != nil {
		t.Fatal(err)
	}
	got["scanunits/sample"] = su.String()
	for _, f := range reproPlans(t) {
		p, r := loadPlan(t, f)
		got["plan/"+f] = mustFingerprint(t, p, r).String()
	}

	path := filepath.Join("testdata", "golden.json")
	if *update {
		js, err := json.MarshalIndent(got, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, append(js, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	var want map[string]string
	if err := json.Unmarshal(data, &want); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: got %s, want %s (encoding changed: bump EncodingVersion and -update)", k, got[k], w)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: missing from %s (run -update)", k, path)
		}
	}
}
