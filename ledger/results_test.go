package ledger

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseResultsFixtures(t *testing.T) {
	tests := []struct {
		file   string
		want   error  // nil: parses
		names  string // a part of the error message
		reason string
	}{
		{"valid_full.json", nil, "", "should parse: every field"},
		{"valid_no_tasks.json", nil, "", "should parse: no tasks"},
		{"DuplicateKeyRunID.json", ErrFormat, `duplicate key "run_id" in $`, "should fail: run_id twice"},
		{"DuplicateKeyInTask.json", ErrFormat, `duplicate key "status" in $.tasks[0]`, "should fail: status twice"},
		{"UnknownTaskField.json", ErrFormat, `task 0 ("a"): unknown field "exit_code"`, "should fail: unknown task field"},
		{"UnknownTopField.json", ErrFormat, `unknown field "engine"`, "should fail: unknown top-level field"},
		{"MiscasedField.json", ErrFormat, `unknown field "Run_ID"`, "should fail: field names match exactly"},
		{"TrailingData.json", ErrFormat, "trailing data", "should fail: a second document"},
		{"WrongTypeGroup.json", ErrFormat, `task 0 ("a"): group: wrong type`, "should fail: group is a string"},
		{"FractionalGroup.json", ErrFormat, `task 0 ("a"): group`, "should fail: group 1.5"},
		{"WrongTypeRunID.json", ErrFormat, "run_id: wrong type", "should fail: run_id is a number"},
		{"WrongTypeTasks.json", ErrFormat, "tasks: wrong type", "should fail: tasks is an object"},
		{"MissingRunID.json", ErrFormat, "missing run_id", "should fail: no run_id"},
		{"EmptyRunID.json", ErrFormat, "empty run_id", "should fail: empty run_id"},
		{"MissingTasks.json", ErrFormat, "missing tasks", "should fail: no tasks"},
		{"MissingName.json", ErrFormat, "task 0: missing name", "should fail: task without name"},
		{"MissingStatus.json", ErrFormat, `task 0 ("a"): missing status`, "should fail: task without status"},
		{"BadStatus.json", ErrFormat, `task 0 ("a"): status "done"`, "should fail: status done"},
		{"EmptyDataVersion.json", ErrFormat, `task 0 ("a"): empty data_version`, "should fail: empty data_version"},
		{"NullDataVersion.json", ErrFormat, "data_version is null", "should fail: null data_version"},
		{"EndedBeforeStarted.json", ErrFormat, `task 0 ("a"): ended_at 2026-01-01T00:00:01Z before started_at`, "should fail: ends before it starts"},
		{"NotRFC3339Time.json", ErrFormat, "not an RFC 3339 time", "should fail: a space instead of T"},
		{"NegativeGroup.json", ErrFormat, "negative group", "should fail: group -1"},
		{"TaskListedTwice.json", ErrDuplicate, `task 1 ("a") already listed as task 0`, "should fail: a twice"},
		{"Truncated.json", ErrFormat, "unexpected EOF", "should fail: cut off"},
		{"NotAnObject.json", ErrFormat, "want a JSON object", "should fail: an array"},
	}
	files, _ := filepath.Glob("testdata/results/*.json")
	if len(files) != len(tests) {
		t.Errorf("testdata/results has %d files, the table %d: every fixture needs a row", len(files), len(tests))
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata/results", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			res, err := ParseResults(data, tt.file)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("%s: %v", tt.reason, err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("%s: got %v (%+v), want %v", tt.reason, err, res, tt.want)
			}
			if !strings.Contains(err.Error(), tt.names) || !strings.Contains(err.Error(), tt.file) {
				t.Errorf("error %q should name the file and contain %q", err, tt.names)
			}
		})
	}
}

func TestParseResultsValues(t *testing.T) {
	data, err := os.ReadFile("testdata/results/valid_full.json")
	if err != nil {
		t.Fatal(err)
	}
	res, err := ParseResults(data, "valid_full.json")
	if err != nil {
		t.Fatal(err)
	}
	s1 := time.Date(2026, 1, 1, 0, 0, 2, 0, time.UTC)
	e1 := time.Date(2026, 1, 1, 0, 0, 3, 123456789, time.UTC)
	want := TaskResult{Name: "view:revenue", Status: "succeeded", StartedAt: &s1, EndedAt: &e1, Group: num(1)}
	if res.RunID != "run-20260101T000000Z-0000abcd" || len(res.Tasks) != 4 || !reflect.DeepEqual(res.Tasks[1], want) {
		t.Errorf("parsed %+v; task 1 want %+v (times in UTC)", res, want)
	}
	if dv := res.Tasks[0].DataVersion; dv == nil || *dv != "d1" || res.Tasks[3].DataVersion != nil {
		t.Errorf("data versions: %v, %v", res.Tasks[0].DataVersion, res.Tasks[3].DataVersion)
	}
}

func FuzzParseResults(f *testing.F) {
	files, _ := filepath.Glob("testdata/results/*.json")
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := ParseResults(data, "fuzz")
		if err != nil {
			if !errors.Is(err, ErrFormat) && !errors.Is(err, ErrDuplicate) {
				t.Fatalf("error is neither ErrFormat nor ErrDuplicate: %v", err)
			}
			return
		}
		out, err := json.Marshal(res)
		if err != nil {
			t.Fatalf("marshal what parsed: %v", err)
		}
		again, err := ParseResults(out, "round trip")
		if err != nil {
			t.Fatalf("round trip of %s: %v", out, err)
		}
		if !reflect.DeepEqual(res, again) {
			t.Fatalf("round trip changed the results:\n%+v\n%+v", res, again)
		}
	})
}
