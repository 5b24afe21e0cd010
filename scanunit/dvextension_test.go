package scanunit

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/substrait-io/substrait-go/v8/extensions"
	"github.com/substrait-io/substrait-go/v8/plan"
	"github.com/substrait-io/substrait-protobuf/go/substraitpb"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/deltaplan/deltaplan/internal/fixtures"
)

// TestSubstraitCarriesDeletionVectors: every file with a deletion vector
// leaves in the enhancement, which substrait-go's consumer reads back (from
// the protobuf and from the JSON text) and which names the right item.
func TestSubstraitCarriesDeletionVectors(t *testing.T) {
	dir := fixtures.Dir(t, "delta")
	for _, table := range []string{"table-with-dv-small", "with-short-dv", "dv-with-columnmapping"} {
		t.Run(table, func(t *testing.T) {
			src, s := loadSource(t, filepath.Join(dir, table))
			var cols []string
			for _, f := range s.Metadata.Schema.Fields {
				cols = append(cols, f.Name)
			}
			units, err := Plan(s.Files, nil, Options{Version: s.Version, TargetBytes: math.MaxInt64, Columns: cols})
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]string{} // uri -> DV unique id
			for i, p := range s.Files.Paths {
				if s.Files.DVCardinality[i] >= 0 {
					uri, _ := fileURI(src.Root, p)
					want[uri] = s.Files.DVIDs[i]
				}
			}
			if len(want) == 0 {
				t.Fatalf("fixture %s has no deletion vector", table)
			}
			sp, err := SubstraitAll(units, src, nil)
			if err != nil {
				t.Fatal(err)
			}
			js, err := MarshalSubstraitJSON(sp.Plan)
			if err != nil {
				t.Fatal(err)
			}
			var back substraitpb.Plan
			if err := protojson.Unmarshal(js, &back); err != nil {
				t.Fatalf("JSON does not read back: %v", err)
			}
			p, err := plan.FromProto(&back, extensions.GetDefaultCollectionWithNoError())
			if err != nil {
				t.Fatalf("substrait-go rejects the plan: %v", err)
			}
			got := map[string]string{}
			var walk func(r plan.Rel)
			walk = func(r plan.Rel) {
				if lf, ok := r.(*plan.LocalFileReadRel); ok {
					dvs, err := DeletionVectorsOf(lf.GetAdvancedExtension())
					if err != nil {
						t.Fatal(err)
					}
					for _, d := range dvs {
						item := lf.Item(int(d.ItemIndex))
						if item.Path != d.URI {
							t.Errorf("DV item %d names %s but the item reads %s", d.ItemIndex, d.URI, item.Path)
						}
						if d.Cardinality <= 0 || d.StorageType+d.PathOrInlineDV != d.UniqueID[:len(d.StorageType+d.PathOrInlineDV)] {
							t.Errorf("DV %+v: bad cardinality or parts", d)
						}
						got[d.URI] = d.UniqueID
					}
				}
				for _, in := range r.GetInputs() {
					walk(in)
				}
			}
			for _, root := range p.GetRoots() {
				walk(root.Input())
			}
			if len(got) != len(want) {
				t.Fatalf("plan carries %d deletion vectors, table has %d", len(got), len(want))
			}
			for uri, id := range want {
				if got[uri] != id {
					t.Errorf("%s: DV %q in plan, want %q", uri, got[uri], id)
				}
			}
			// The bare ReadRel path carries them too.
			rel, err := ReadRelAll(units, src.Root, nil)
			if err != nil {
				t.Fatal(err)
			}
			dvs, err := DeletionVectorsOf(rel.GetLocalFiles().GetAdvancedExtension())
			if err != nil || len(dvs) != len(want) {
				t.Fatalf("ReadRelAll carries %d deletion vectors (%v), want %d", len(dvs), err, len(want))
			}
		})
	}
}

// TestDVWithoutDescriptorIsRefused: a file known to have a deletion vector
// whose descriptor is missing cannot be exported as a plain read.
func TestDVWithoutDescriptorIsRefused(t *testing.T) {
	src, s := loadSource(t, filepath.Join(fixtures.Dir(t, "delta"), "table-with-dv-small"))
	fs := *s.Files
	fs.DVIDs = make([]string, fs.Len())
	src.Files = &fs
	units, err := Plan(&fs, nil, Options{Version: s.Version, Columns: []string{s.Metadata.Schema.Fields[0].Name}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := SubstraitAll(units, src, nil); err == nil {
		t.Fatal("export of a DV file without its descriptor succeeded")
	}
}

func TestParseDVUniqueID(t *testing.T) {
	tests := []struct {
		id, storage, path string
		offset            int32
		ok                bool
		why               string
	}{
		{"uvBn[lx{q8@P<9BNH/isA@1", "u", "vBn[lx{q8@P<9BNH/isA", 1, true, "z85 may hold '@': the offset is after the last one"},
		{"iabc", "i", "abc", -1, true, "inline: no offset"},
		{"p/tmp/dv.bin@12", "p", "/tmp/dv.bin", 12, true, "absolute path with offset"},
		{"xabc", "", "", 0, false, "unknown storage type"},
		{"u", "", "", 0, false, "too short"},
	}
	for _, tc := range tests {
		st, p, off, err := parseDVUniqueID(tc.id)
		if (err == nil) != tc.ok || (tc.ok && (st != tc.storage || p != tc.path || off != tc.offset)) {
			t.Errorf("%q: got %q %q %d %v: %s", tc.id, st, p, off, err, tc.why)
		}
	}
}
