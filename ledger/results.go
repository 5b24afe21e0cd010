package ledger

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/deltaplan/deltaplan/internal/strictjson"
)

// Results are what an engine reports for a planned run: the results file.
type Results struct {
	RunID string       `json:"run_id"`
	Tasks []TaskResult `json:"tasks"`
}

// TaskResult is one task's outcome.
type TaskResult struct {
	Name   string `json:"name"`
	Status string `json:"status"` // succeeded | failed | skipped
	// DataVersion is the version of the data the task produced; nil when
	// the engine reports none (never "").
	DataVersion *string    `json:"data_version,omitempty"`
	StartedAt   *time.Time `json:"started_at,omitempty"` // RFC 3339
	EndedAt     *time.Time `json:"ended_at,omitempty"`
	// Group is the engine's execution group (its generation, say); groups
	// of dependent tasks must increase.
	Group *int `json:"group,omitempty"`
	// Attempt numbers a retry within the run (nil: 1); the highest
	// recorded attempt is the task's outcome.
	Attempt *int `json:"attempt,omitempty"`
}

// attempt is the task's attempt number (1 when not given).
func (t TaskResult) attempt() int {
	if t.Attempt == nil {
		return 1
	}
	return *t.Attempt
}

// Task statuses.
const (
	StatusSucceeded = "succeeded"
	StatusFailed    = "failed"
	StatusSkipped   = "skipped"
)

var taskStatuses = []string{StatusSucceeded, StatusFailed, StatusSkipped}

// ParseResults parses a results file strictly. Syntax errors, duplicate
// keys, unknown (or differently cased) fields, null or wrongly typed
// values, trailing data, a missing run_id, tasks, name or status, a bad
// status, an empty data_version, a negative group, a time that is not
// RFC 3339 and ended_at before started_at are ErrFormat; a task listed
// twice is ErrDuplicate. Errors name the file (name) and the task by
// index and name. Times are returned in UTC.
func ParseResults(data []byte, name string) (*Results, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("ledger: results %s: %w: %s", name, ErrFormat, fmt.Sprintf(format, args...))
	}
	if err := strictjson.Duplicates(data); err != nil {
		return nil, bad("%v", err)
	}
	var top map[string]json.RawMessage
	if err := decodeOne(data, &top); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) || strings.HasPrefix(err.Error(), "wrong type") {
			return nil, bad("want a JSON object")
		}
		return nil, bad("%v", err)
	}
	if top == nil {
		return nil, bad("want a JSON object")
	}
	if err := onlyFields(top, "run_id", "tasks"); err != nil {
		return nil, bad("%v", err)
	}
	// at says where path is in the file ("" when it cannot tell).
	at := func(path ...any) string {
		if off, ok := strictjson.Find(data, path...); ok {
			l, c := strictjson.Position(data, off)
			return fmt.Sprintf("line %d, column %d: ", l, c)
		}
		return ""
	}
	res := &Results{}
	if err := field(top, "run_id", true, &res.RunID); err != nil {
		return nil, bad("%s%v", at("run_id"), err)
	}
	var tasks []json.RawMessage
	if err := field(top, "tasks", true, &tasks); err != nil {
		return nil, bad("%s%v", at("tasks"), err)
	}
	res.Tasks = make([]TaskResult, 0, len(tasks))
	for i, raw := range tasks {
		t, err := parseTask(raw)
		if err != nil {
			if t.Name != "" {
				return nil, bad("%stask %d (%q): %v", at("tasks", i), i, t.Name, err)
			}
			return nil, bad("%stask %d: %v", at("tasks", i), i, err)
		}
		res.Tasks = append(res.Tasks, t)
	}
	if err := validateResults(res); err != nil {
		// Locate the first task that fails on its own (a task listed
		// twice fails only with the others: no position then).
		for i := range res.Tasks {
			if validateResults(&Results{RunID: res.RunID, Tasks: res.Tasks[i : i+1]}) != nil {
				return nil, fmt.Errorf("ledger: results %s: %s%w", name, at("tasks", i), err)
			}
		}
		return nil, fmt.Errorf("ledger: results %s: %w", name, err)
	}
	return res, nil
}

// parseTask decodes one task object; the name is set as soon as known.
func parseTask(raw json.RawMessage) (TaskResult, error) {
	var t TaskResult
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
		return t, errors.New("want a JSON object")
	}
	_ = field(obj, "name", false, &t.Name)
	if err := onlyFields(obj, "name", "status", "data_version", "started_at", "ended_at", "group", "attempt"); err != nil {
		return t, err
	}
	if err := field(obj, "name", true, &t.Name); err != nil {
		return t, err
	}
	if err := field(obj, "status", true, &t.Status); err != nil {
		return t, err
	}
	if _, ok := obj["data_version"]; ok {
		t.DataVersion = new(string)
		if err := field(obj, "data_version", true, t.DataVersion); err != nil {
			return t, err
		}
	}
	for _, f := range []struct {
		key string
		dst **time.Time
	}{{"started_at", &t.StartedAt}, {"ended_at", &t.EndedAt}} {
		if _, ok := obj[f.key]; !ok {
			continue
		}
		var s string
		if err := field(obj, f.key, true, &s); err != nil {
			return t, err
		}
		tm, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return t, fmt.Errorf("%s %q is not an RFC 3339 time", f.key, s)
		}
		tm = tm.UTC()
		if y := tm.Year(); y < 1 || y > 9999 {
			return t, fmt.Errorf("%s %q is out of range (years 0001 to 9999 in UTC)", f.key, s)
		}
		*f.dst = &tm
	}
	if _, ok := obj["group"]; ok {
		t.Group = new(int)
		if err := field(obj, "group", true, t.Group); err != nil {
			return t, err
		}
	}
	if _, ok := obj["attempt"]; ok {
		t.Attempt = new(int)
		if err := field(obj, "attempt", true, t.Attempt); err != nil {
			return t, err
		}
	}
	return t, nil
}

// ValidateResults checks what ParseResults checks beyond syntax, for
// results built in code (Record checks them too).
func ValidateResults(res *Results) error { return validateResults(res) }

// validateResults checks what ParseResults checks beyond syntax, for
// results that were built in code too.
func validateResults(res *Results) error {
	if res == nil {
		return fmt.Errorf("%w: no results", ErrFormat)
	}
	if res.RunID == "" {
		return fmt.Errorf("%w: empty run_id", ErrFormat)
	}
	type nameAttempt struct {
		name    string
		attempt int
	}
	seen := make(map[nameAttempt]int, len(res.Tasks))
	for i, t := range res.Tasks {
		bad := func(format string, args ...any) error {
			return fmt.Errorf("%w: task %d (%q): %s", ErrFormat, i, t.Name, fmt.Sprintf(format, args...))
		}
		switch {
		case t.Name == "":
			return fmt.Errorf("%w: task %d: empty name", ErrFormat, i)
		case !slices.Contains(taskStatuses, t.Status):
			return bad("status %q (want one of %s)", t.Status, strings.Join(taskStatuses, ", "))
		case t.DataVersion != nil && *t.DataVersion == "":
			return bad("empty data_version (omit it when there is none)")
		case t.Group != nil && *t.Group < 0:
			return bad("negative group %d", *t.Group)
		case t.Attempt != nil && *t.Attempt < 1:
			return bad("attempt %d (attempts start at 1)", *t.Attempt)
		case t.StartedAt != nil && t.EndedAt != nil && t.EndedAt.Before(*t.StartedAt):
			return bad("ended_at %s before started_at %s", t.EndedAt.Format(time.RFC3339Nano), t.StartedAt.Format(time.RFC3339Nano))
		}
		k := nameAttempt{t.Name, t.attempt()}
		if j, ok := seen[k]; ok {
			return fmt.Errorf("%w: task %d (%q) already listed as task %d (attempt %d)", ErrDuplicate, i, t.Name, j, k.attempt)
		}
		seen[k] = i
	}
	return nil
}

// onlyFields reports a key of obj not among known (keys match exactly).
func onlyFields(obj map[string]json.RawMessage, known ...string) error {
	var unknown []string
	for k := range obj {
		if !slices.Contains(known, k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return fmt.Errorf("unknown field %q (known: %s)", unknown[0], strings.Join(known, ", "))
	}
	return nil
}

// field decodes obj[key] into dst, which must not be null; a missing key
// is an error when required.
func field(obj map[string]json.RawMessage, key string, required bool, dst any) error {
	raw, ok := obj[key]
	if !ok {
		if required {
			return fmt.Errorf("missing %s", key)
		}
		return nil
	}
	if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return fmt.Errorf("%s is null", key)
	}
	if err := decodeOne(raw, dst); err != nil {
		return fmt.Errorf("%s: %v", key, err)
	}
	return nil
}

// decodeOne decodes exactly one JSON value into v.
func decodeOne(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return fmt.Errorf("wrong type: %s, want %s", te.Value, jsonKind(te.Type))
		}
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("trailing data after the JSON value")
	}
	return nil
}

// jsonKind names the JSON value a Go type takes.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int64, reflect.Int32:
		return "an integer"
	}
	return t.String()
}
