package scanunit

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deltaplan/deltaplan/model"
	"google.golang.org/protobuf/encoding/protojson"
)

// unitFixture: 7 files over partition "day" (two days and a NULL), sizes in
// bytes as named.
func unitFixture() *model.FileSet {
	fs := &model.FileSet{
		Paths:         []string{"day=1/a.parquet", "day=1/b.parquet", "day=1/c.parquet", "day=2/d.parquet", "day=2/e f.parquet", "day=__HIVE_DEFAULT_PARTITION__/g.parquet", "day=1/h.parquet"},
		Sizes:         []int64{40, 70, 30, 200, 10, 5, 50},
		ModTimes:      make([]int64, 7),
		NumRecords:    []int64{4, 7, 3, 20, 1, 1, -1},
		DVCardinality: []int64{-1, 2, -1, -1, -1, -1, -1},
		TightBounds:   make([]int8, 7),
	}
	pc := model.PartitionColumn{Name: "day", Values: model.NewVector(model.KindInt, 0, 7)}
	for _, d := range []int64{1, 1, 1, 2, 2, -1, 1} {
		if d < 0 {
			pc.Raw, pc.RawValid = append(pc.Raw, ""), append(pc.RawValid, false)
			pc.Values.Append(model.Null)
			continue
		}
		pc.Raw, pc.RawValid = append(pc.Raw, string(rune('0'+d))), append(pc.RawValid, true)
		pc.Values.Append(model.IntValue(d))
	}
	fs.Partitions = []model.PartitionColumn{pc}
	return fs
}

func TestPlanPacking(t *testing.T) {
	fs := unitFixture()
	tests := []struct {
		name   string
		target int64
		keep   []Verdict
		want   []string // files per unit, joined by ","
	}{
		{"target 100 packs in path order per partition", 100, nil,
			[]string{"day=1/a.parquet", "day=1/b.parquet,day=1/c.parquet", "day=1/h.parquet", "day=2/d.parquet", "day=2/e f.parquet", "day=__HIVE_DEFAULT_PARTITION__/g.parquet"}},
		{"a huge target still splits partitions", 1 << 40, nil,
			[]string{"day=1/a.parquet,day=1/b.parquet,day=1/c.parquet,day=1/h.parquet", "day=2/d.parquet,day=2/e f.parquet", "day=__HIVE_DEFAULT_PARTITION__/g.parquet"}},
		{"target 1 gives one file per unit", 1, nil,
			[]string{"day=1/a.parquet", "day=1/b.parquet", "day=1/c.parquet", "day=1/h.parquet", "day=2/d.parquet", "day=2/e f.parquet", "day=__HIVE_DEFAULT_PARTITION__/g.parquet"}},
		{"pruned files are left out", 1 << 40, []Verdict{CannotMatch, MightMatch, CannotMatch, CannotMatch, MustMatch, CannotMatch, CannotMatch},
			[]string{"day=1/b.parquet", "day=2/e f.parquet"}},
		{"nothing kept gives no units", 0, make([]Verdict, 7), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			units, err := Plan(fs, tc.keep, Options{Table: "t", Version: 3, TargetBytes: tc.target})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, u := range units {
				got = append(got, strings.Join(u.Files, ","))
				var sum int64
				for _, s := range u.Sizes {
					sum += s
				}
				if sum != u.Bytes || len(u.ID) != 64 {
					t.Errorf("unit %v: bytes %d vs sizes %d, id %q", u.Files, u.Bytes, sum, u.ID)
				}
			}
			if strings.Join(got, " | ") != strings.Join(tc.want, " | ") {
				t.Fatalf("units\n got %v\nwant %v", got, tc.want)
			}
		})
	}
}

func TestPlanDeterministic(t *testing.T) {
	fs := unitFixture()
	opts := Options{Table: "t", Version: 3, TargetBytes: 100, Columns: []string{"b", "a"}, Filters: []model.Pred{model.Cmp{Col: model.Col("y"), Op: model.OpGt, Val: model.IntValue(1)}, model.Cmp{Col: model.Col("x"), Op: model.OpEq, Val: model.IntValue(2)}}}
	base, err := Plan(fs, nil, opts)
	if err != nil {
		t.Fatal(err)
	}
	// Shuffle the file order (keeping columns aligned) and the option lists.
	r := rand.New(rand.NewPCG(7, 7))
	for round := 0; round < 20; round++ {
		perm := r.Perm(fs.Len())
		sh := &model.FileSet{}
		pc := model.PartitionColumn{Name: "day", Values: model.NewVector(model.KindInt, 0, 7)}
		for _, i := range perm {
			sh.Paths = append(sh.Paths, fs.Paths[i])
			sh.Sizes = append(sh.Sizes, fs.Sizes[i])
			sh.NumRecords = append(sh.NumRecords, fs.NumRecords[i])
			sh.DVCardinality = append(sh.DVCardinality, fs.DVCardinality[i])
			p := fs.Partitions[0]
			pc.Raw, pc.RawValid = append(pc.Raw, p.Raw[i]), append(pc.RawValid, p.RawValid[i])
			pc.Values.Append(p.Values.Get(i))
		}
		sh.Partitions = []model.PartitionColumn{pc}
		o := opts
		o.Columns, o.Filters = []string{"a", "b"}, []model.Pred{model.Cmp{Col: model.Col("x"), Op: model.OpEq, Val: model.IntValue(2)}, model.Cmp{Col: model.Col("y"), Op: model.OpGt, Val: model.IntValue(1)}}
		got, err := Plan(sh, nil, o)
		if err != nil {
			t.Fatal(err)
		}
		if unitIDs(got) != unitIDs(base) {
			t.Fatalf("units depend on input order")
		}
	}
	// Any change of content changes the ids.
	for _, change := range []func(*Options){
		func(o *Options) { o.Version = 4 },
		func(o *Options) { o.Table = "u" },
		func(o *Options) { o.Columns = []string{"a"} },
		func(o *Options) { o.Filters = nil },
	} {
		o := opts
		change(&o)
		got, _ := Plan(fs, nil, o)
		if got[0].ID == base[0].ID {
			t.Fatalf("id did not change with options %+v", o)
		}
	}
}

func TestPlanErrors(t *testing.T) {
	fs := unitFixture()
	if _, err := Plan(fs, []Verdict{MightMatch}, Options{}); err == nil {
		t.Error("accepted a short verdict list")
	}
	if _, err := Plan(fs, nil, Options{TargetBytes: -1}); err == nil {
		t.Error("accepted a negative target")
	}
	bad := unitFixture()
	bad.Sizes[2] = -5
	if _, err := Plan(bad, nil, Options{}); err == nil || !strings.Contains(err.Error(), "day=1/c.parquet") {
		t.Errorf("negative size: err = %v, want one naming the file", err)
	}
	if _, err := Plan(nil, nil, Options{}); err == nil {
		t.Error("accepted a nil file set")
	}
}

// TestUnitsGolden pins the JSON form and the Substrait export.
func TestUnitsGolden(t *testing.T) {
	units, err := Plan(unitFixture(), nil, Options{Table: "sales", Version: 3, TargetBytes: 100,
		Columns: []string{"amount", "day"}, Filters: []model.Pred{model.Cmp{Col: model.Col("day"), Op: model.OpGe, Val: model.IntValue(1)}}})
	if err != nil {
		t.Fatal(err)
	}
	js, err := json.MarshalIndent(units, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	rel, err := ReadRelAll(units, "s3://bucket/sales", nil)
	if err != nil {
		t.Fatal(err)
	}
	pj, err := protojson.MarshalOptions{Multiline: true, Indent: "  "}.Marshal(rel)
	if err != nil {
		t.Fatal(err)
	}
	// protojson output is deliberately unstable in whitespace; normalise it.
	var anyRel any
	if err := json.Unmarshal(pj, &anyRel); err != nil {
		t.Fatal(err)
	}
	pj, _ = json.MarshalIndent(anyRel, "", "  ")
	got := string(js) + "\n" + string(pj) + "\n"
	golden := filepath.Join("testdata", "units.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if string(want) != got {
		t.Fatalf("golden mismatch (go test -update, then review):\n%s", got)
	}
}

func TestFileURI(t *testing.T) {
	abs, _ := filepath.Abs("/tmp/tbl")
	tests := []struct{ root, path, want string }{
		{"s3://b/t/", "p=a b/x.parquet", "s3://b/t/p=a%20b/x.parquet"},
		{"/tmp/tbl", "x.parquet", "file://" + abs + "/x.parquet"},
		{"file:///tmp/tbl", "d/x%y.parquet", "file:///tmp/tbl/d/x%25y.parquet"},
		{"/tmp/tbl", "s3://other/x.parquet", "s3://other/x.parquet"},
	}
	for _, tc := range tests {
		got, err := fileURI(tc.root, tc.path)
		if err != nil || got != tc.want {
			t.Errorf("fileURI(%q, %q) = %q, %v; want %q", tc.root, tc.path, got, err, tc.want)
		}
	}
}

// unitIDs joins the unit ids in order, to compare two unit lists.
func unitIDs(units []Unit) string {
	var b strings.Builder
	for _, u := range units {
		b.WriteString(u.ID)
		b.WriteByte('\n')
	}
	return b.String()
}
