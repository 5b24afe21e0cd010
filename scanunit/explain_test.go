package scanunit

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deltaplan/deltaplan/delta"
	"github.com/deltaplan/deltaplan/internal/fixtures"
	"github.com/deltaplan/deltaplan/model"
)

// TestExplainMatchesKeepOnFixtureTables: on every shared fixture table with
// data, for filters built from its columns and statistics, Explain keeps
// exactly the files Keep keeps, gives one entry per file, and names as the
// deciding conjunct of every dropped file a conjunct reading a filter column.
func TestExplainMatchesKeepOnFixtureTables(t *testing.T) {
	dir := fixtures.Dir(t, "delta")
	var manifest struct {
		Tables []struct {
			Path     string `json:"path"`
			MustFail string `json:"must_fail"`
		} `json:"tables"`
	}
	raw, err := os.ReadFile(filepath.Join(dir, "MANIFEST.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &manifest); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var tables, filters, drops int
	for _, tb := range manifest.Tables {
		if tb.MustFail != "" {
			continue
		}
		tbl, err := delta.Open(ctx, filepath.Join(dir, tb.Path))
		if err != nil {
			continue
		}
		s, err := tbl.Snapshot(ctx)
		if err != nil || s.Files.Len() == 0 || s.Metadata.Schema == nil {
			continue
		}
		schema, err := SchemaOfTable(&s.Metadata)
		if err != nil {
			t.Fatalf("%s: %v", tb.Path, err)
		}
		tables++
		for _, text := range explainFilters(s.Files) {
			pred, err := ParseFilter(text)
			if err != nil {
				continue // a statistic that does not print as a literal
			}
			pr, err := NewPruner(pred, schema)
			if err != nil {
				continue
			}
			filters++
			keep, err := pr.Keep(s.Files)
			if err != nil {
				t.Fatalf("%s %s: %v", tb.Path, text, err)
			}
			xs, err := pr.Explain(s.Files)
			if err != nil {
				t.Fatalf("%s %s: %v", tb.Path, text, err)
			}
			if len(xs) != s.Files.Len() {
				t.Fatalf("%s %s: %d entries for %d files", tb.Path, text, len(xs), s.Files.Len())
			}
			var kept []int
			for i, x := range xs {
				if x.Kept {
					kept = append(kept, i)
					continue
				}
				drops++
				if x.Reason == ReasonNoRows {
					continue
				}
				named := false
				for _, c := range model.Columns(pred) {
					named = named || strings.Contains(strings.ToLower(x.Conjunct), strings.ToLower(quoteCol(c)))
				}
				if x.Conjunct == "" || !named {
					t.Errorf("%s %s: file %s dropped by %q, which names no filter column", tb.Path, text, x.Path, x.Conjunct)
				}
			}
			if len(kept) != len(keep) {
				t.Fatalf("%s %s: explain keeps %d files, Keep %d", tb.Path, text, len(kept), len(keep))
			}
			for i := range kept {
				if kept[i] != keep[i] {
					t.Fatalf("%s %s: explain keeps file %d, Keep file %d", tb.Path, text, kept[i], keep[i])
				}
			}
		}
	}
	if tables < 20 || filters < 100 || drops == 0 {
		t.Fatalf("only %d tables, %d filters, %d drops checked", tables, filters, drops)
	}
	t.Logf("%d tables, %d filters, %d dropped files explained", tables, filters, drops)
}

// explainFilters builds filters from a table's statistics and partitions:
// equality with the first file's min, above its max, IS NULL, and a
// two-conjunct AND.
func explainFilters(fs *model.FileSet) []string {
	var out []string
	for _, st := range fs.Stats {
		quoted := quoteCol(st.Path)
		out = append(out, quoted+" IS NULL")
		for i := 0; i < fs.Len() && i < 1; i++ {
			if st.Min.Kind == model.KindNull {
				continue
			}
			if lo := st.Min.Get(i); !lo.IsNull() {
				out = append(out, quoted+" = "+lo.String(), quoted+" < "+lo.String()+" AND "+quoted+" IS NOT NULL")
			}
			if hi := st.Max.Get(i); !hi.IsNull() {
				out = append(out, quoted+" > "+hi.String(), quoted+" <= "+hi.String())
			}
		}
	}
	for _, pc := range fs.Partitions {
		q := quoteCol(model.Column{pc.Name})
		out = append(out, q+" IS NULL")
		if pc.Values.Len() > 0 {
			if v := pc.Values.Get(0); !v.IsNull() {
				out = append(out, q+" = "+v.String(), q+" <> "+v.String())
			}
		}
	}
	return out
}

func quoteCol(c model.Column) string {
	parts := make([]string, len(c))
	for i, p := range c {
		parts[i] = model.QuoteIdent(p)
	}
	return strings.Join(parts, ".")
}
