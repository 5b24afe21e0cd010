package session

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse: Parse never panics, and whatever parses round-trips through
// the normalized JSON form to the same runtime hash.
func FuzzParse(f *testing.F) {
	seeds, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil || len(seeds) == 0 {
		f.Fatalf("no seeds in testdata: %v", err)
	}
	for _, s := range seeds {
		data, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Parse(data, "fuzz.json")
		if err != nil {
			return
		}
		js, err := json.Marshal(r)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		back, err := Parse(js, "normalized.json")
		if err != nil {
			t.Fatalf("normalized form does not parse: %v\n%s", err, js)
		}
		if back.Hash() != r.Hash() || back.UDFSnapshotHash() != r.UDFSnapshotHash() {
			t.Fatalf("round trip changed the hash:\n%s", js)
		}
	})
}
