package workflow_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deltaplan/deltaplan/kernel"
	"github.com/deltaplan/deltaplan/workflow"
)

func TestParse(t *testing.T) {
	doc := `{"tables": {"sales": "data/sales", "remote": "s3://bucket/t", "abs": "/abs/t"},
	         "views": {"b": {"plan": "p/b.json", "session": "s.json", "behavior": "ignore", "versions": {"sales": 3, "abs": 0}},
	                   "a": {"plan": "/plans/a.json"}}}`
	w, err := workflow.Parse([]byte(doc), filepath.Join("dir", "wf.json"))
	if err != nil {
		t.Fatal(err)
	}
	wantTables := []workflow.Table{{Name: "abs", Location: "/abs/t"}, {Name: "remote", Location: "s3://bucket/t"}, {Name: "sales", Location: filepath.Join("dir", "data", "sales")}}
	if len(w.Tables) != len(wantTables) {
		t.Fatalf("tables %+v", w.Tables)
	}
	for i := range wantTables {
		if w.Tables[i] != wantTables[i] {
			t.Errorf("table %d: %+v, want %+v (sorted, relative locations resolved, URIs kept)", i, w.Tables[i], wantTables[i])
		}
	}
	a, _ := w.View("a")
	b, ok := w.View("b")
	if !ok || w.Views[0].Name != "a" || a.Plan != "/plans/a.json" || a.Session != "" || a.Behavior != kernel.BehaviorDefault {
		t.Errorf("view a %+v", a)
	}
	if b.Plan != filepath.Join("dir", "p", "b.json") || b.Session != filepath.Join("dir", "s.json") || b.Behavior != kernel.BehaviorIgnore {
		t.Errorf("view b %+v", b)
	}
	if len(b.Pins) != 2 || b.Pins[0] != (workflow.Pin{Table: "abs", Version: 0}) || b.Pins[1] != (workflow.Pin{Table: "sales", Version: 3}) {
		t.Errorf("pins %+v, want sorted by table", b.Pins)
	}
	if _, ok := w.View("c"); ok {
		t.Error("found an unknown view")
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, doc string
		is        error
		want      []string
	}{
		{"should fail: not JSON", `{"tables": `, workflow.ErrFormat, []string{"unexpected EOF"}},
		{"should fail: not an object", `[]`, workflow.ErrFormat, []string{"cannot unmarshal array"}},
		{"should fail: duplicate top-level key", `{"views": {}, "views": {}}`, workflow.ErrFormat, []string{`duplicate key "views" in $`}},
		{"should fail: duplicate view", `{"views": {"a": {"plan": "x"}, "a": {"plan": "y"}}}`, workflow.ErrFormat, []string{`duplicate key "a" in $.views`}},
		{"should fail: duplicate key deep down", `{"views": {"a": {"plan": "x", "versions": {"t": 1, "t": 2}}}}`, workflow.ErrFormat, []string{`duplicate key "t" in $.views.a.versions`}},
		{"should fail: unknown top-level field", `{"views": {"a": {"plan": "x"}}, "tabels": {}}`, workflow.ErrFormat, []string{`unknown field "tabels"`}},
		{"should fail: unknown view field", `{"views": {"a": {"plan": "x", "sesion": "s.json"}}}`, workflow.ErrFormat, []string{`unknown field "sesion"`}},
		{"should fail: wrong type", `{"tables": {"t": 3}, "views": {"a": {"plan": "x"}}}`, workflow.ErrFormat, []string{"cannot unmarshal number"}},
		{"should fail: fractional version", `{"tables": {"t": "t"}, "views": {"a": {"plan": "x", "versions": {"t": 1.5}}}}`, workflow.ErrFormat, []string{"cannot unmarshal number 1.5"}},
		{"should fail: trailing data", `{"views": {"a": {"plan": "x"}}} {}`, workflow.ErrFormat, []string{"trailing data"}},
		{"should fail: no views", `{"tables": {"t": "t"}}`, workflow.ErrInvalid, []string{"no views"}},
		{"should fail: view without plan, bad behavior, unknown and negative pins, all reported",
			`{"tables": {"t": "t"}, "views": {"a": {"behavior": "sometimes", "versions": {"t": -1, "u": 2}}}}`, workflow.ErrInvalid,
			[]string{`view "a" has no plan`, `behavior "sometimes"`, `negative version -1`, `pins table "u", which the workflow does not name`}},
		{"should fail: a view and a table share a name (case-insensitively)", `{"tables": {"Sales": "t"}, "views": {"sales": {"plan": "x"}}}`, workflow.ErrInvalid, []string{`view "sales" clashes with table "Sales"`}},
		{"should fail: two views differ only in case", `{"views": {"a": {"plan": "x"}, "A": {"plan": "y"}}}`, workflow.ErrInvalid, []string{"clashes"}},
		{"should fail: empty names and locations", `{"tables": {"": "t", "u": ""}, "views": {"": {"plan": "x"}}}`, workflow.ErrInvalid, []string{"a table has an empty name", `table "u" has no location`, "a view has an empty name"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := workflow.Parse([]byte(tc.doc), "bad/wf.json")
			if !errors.Is(err, tc.is) {
				t.Fatalf("error %v, want %v", err, tc.is)
			}
			for _, want := range append(tc.want, "bad/wf.json") {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q lacks %q", err, want)
				}
			}
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := workflow.Load(filepath.Join(t.TempDir(), "none.json"))
	if err == nil || !strings.Contains(err.Error(), "none.json") {
		t.Errorf("error %v does not name the file", err)
	}
}
