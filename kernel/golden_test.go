package kernel

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// TestGolden pins the node-link JSON, signatures and tie-broken longest
// paths of the small fixtures; run with -update after an intended change.
func TestGolden(t *testing.T) {
	for _, fx := range loadFixtures(t) {
		if !fx.want.IsDAG || fx.g.Len() > 60 {
			continue
		}
		t.Run(fx.name, func(t *testing.T) {
			g := fx.g
			sigs, err := g.Signatures(nil)
			if err != nil {
				t.Fatal(err)
			}
			lp, _ := g.LongestPath()
			le, _ := g.LongestPathEdges()
			doc := map[string]any{
				"signature":          sigs,
				"longest_path":       lp,
				"longest_path_edges": le,
				"node_link":          g.NodeLink(nil, nil),
			}
			got, err := json.MarshalIndent(doc, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			path := filepath.Join("testdata", "golden", fx.name+".json")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from golden; rerun with -update if intended\n%s", path, got)
			}
		})
	}
}
