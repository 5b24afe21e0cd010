package delta

import (
	"strings"
	"testing"
)

// TestArenaWindows: builders appending into windows of one arena, one of
// them past its window, compact and sort into the right rows.
func TestArenaWindows(t *testing.T) {
	schema, err := ParseSchema(`{"type":"struct","fields":[{"name":"p","type":"string","nullable":true,"metadata":{}},{"name":"x","type":"long","nullable":true,"metadata":{}}]}`)
	if err != nil {
		t.Fatal(err)
	}
	lay, err := newLayout(schema, []string{"p"}, "none")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		windows []int      // window sizes
		rows    [][]string // paths each builder appends
	}{
		{"exact windows", []int{2, 1}, [][]string{{"d", "b"}, {"a"}}},
		{"a window overflows", []int{1, 2}, [][]string{{"z", "c", "m"}, {"b", "a"}}},
		{"empty window and builder", []int{0, 2}, [][]string{{}, {"y", "x"}}},
		{"a builder of its own", []int{2, -1}, [][]string{{"q", "e"}, {"f", "a"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			arena := newFileCols(lay)
			total := 0
			for _, n := range tc.windows {
				total += max(n, 0)
			}
			arena.reserve(total)
			var parts []*fileCols
			off := 0
			var want []string
			for i, n := range tc.windows {
				fc := newFileCols(lay)
				if n >= 0 {
					fc = arena.windowOf(off, n)
					off += n
				}
				for _, p := range tc.rows[i] {
					row := fc.begin(fc.copyPath(p), int64(len(p)), 0, -1, "")
					if err := fc.setPartition(0, "v"+p, true); err != nil {
						t.Fatal(err)
					}
					if err := fc.parseStats(`{"numRecords":7,"minValues":{"x":`+itoa(int(p[0]))+`}}`, row); err != nil {
						t.Fatal(err)
					}
					want = append(want, p)
				}
				parts = append(parts, fc)
			}
			fs, err := buildFileSet(lay, arena, parts)
			if err != nil {
				t.Fatal(err)
			}
			sortStrings(want)
			if got := strings.Join(fs.Paths, ","); got != strings.Join(want, ",") {
				t.Fatalf("paths %s, want %s", got, strings.Join(want, ","))
			}
			for i, p := range fs.Paths {
				if fs.Sizes[i] != int64(len(p)) || fs.Partitions[0].Raw[i] != "v"+p || fs.NumRecords[i] != 7 {
					t.Errorf("row %d (%s): size %d, partition %q, records %d", i, p, fs.Sizes[i], fs.Partitions[0].Raw[i], fs.NumRecords[i])
				}
				if len(fs.Stats) != 1 || fs.Stats[0].Min.Ints[i] != int64(p[0]) {
					t.Errorf("row %d (%s): min stat wrong", i, p)
				}
			}
		})
	}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}
