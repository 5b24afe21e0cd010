package workflow_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/deltaplan/deltaplan/workflow"
)

// FuzzParse: Parse never panics, fails only with its sentinels, and is a
// pure function of its input.
func FuzzParse(f *testing.F) {
	seed, err := os.ReadFile(filepath.Join(example, "workflow.json"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	for _, s := range []string{
		`{"views": {"a": {"plan": "x"}}}`,
		`{"views": {"a": {"plan": "x"}, "a": {}}}`,
		`{"tables": {"t": "t"}, "views": {"a": {"plan": "x", "behavior": "ignore", "versions": {"t": 1}}}}`,
		`[{"a": [1, {"b": 2, "b": 3}]}]`,
		`{"views": {"a": {"plan": "x"}}} trailing`,
		`{"defaults": {"behavior": "recompute", "scan_behavior": "ignore"}, "views": {"a": {"plan": "x", "behavior": "default"}}}`,
		`{"defaults": {"behavior": ""}, "views": {"a": {"plan": "x", "behavior": ""}}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		w, err := workflow.Parse(data, "fuzz/wf.json")
		if err != nil {
			if !errors.Is(err, workflow.ErrFormat) && !errors.Is(err, workflow.ErrInvalid) {
				t.Fatalf("error without a sentinel: %v", err)
			}
			return
		}
		again, err := workflow.Parse(data, "fuzz/wf.json")
		if err != nil || !reflect.DeepEqual(w, again) {
			t.Fatalf("second parse differs: %v", err)
		}
		if len(w.Views) == 0 {
			t.Fatal("parsed a workflow without views")
		}
		for i := 1; i < len(w.Views); i++ {
			if w.Views[i-1].Name >= w.Views[i].Name {
				t.Fatalf("views not sorted: %q, %q", w.Views[i-1].Name, w.Views[i].Name)
			}
		}
	})
}

// FuzzReadSchedule: ReadSchedule never panics, and what it reads survives a
// write and a second read unchanged.
func FuzzReadSchedule(f *testing.F) {
	seed, err := os.ReadFile(filepath.Join("testdata", "example_schedule.json"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add([]byte(`{"schedule_version": 1, "nodes": [{"name": "a", "kind": "view", "signature": "s", "admitted": true}]}`))
	f.Add([]byte(`{"schedule_version": 1, "nodes": [{"name": "a", "kind": "scan_unit", "behavior": "disable"}], "x": {"y": 1, "y": 2}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := workflow.ReadSchedule(bytes.NewReader(data), "fuzz.json")
		if err != nil {
			if !errors.Is(err, workflow.ErrFormat) {
				t.Fatalf("error without ErrFormat: %v", err)
			}
			return
		}
		out, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		back, err := workflow.ReadSchedule(bytes.NewReader(out), "again.json")
		if err != nil {
			t.Fatalf("re-read: %v\n%s", err, out)
		}
		out2, _ := json.Marshal(back)
		if !bytes.Equal(out, out2) {
			t.Fatalf("round trip differs:\n%s\n%s", out, out2)
		}
	})
}
