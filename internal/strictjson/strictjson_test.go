package strictjson

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestDuplicates(t *testing.T) {
	cases := []struct{ doc, want, why string }{
		{`{"a": 1, "b": {"a": 2}}`, "", "the same key in different objects is fine"},
		{`{"a": 1, "a": 2}`, `line 1, column 10: duplicate key "a" in $`, "top level"},
		{`{"v": {"x": {"p": 1, "p": 2}}}`, `duplicate key "p" in $.v.x`, "nested path"},
		{`{"t": [{"n": 1}, {"n": 1, "n": 2}]}`, `duplicate key "n" in $.t[1]`, "inside an array"},
		{`[1, 2, {"k": [], "k": {}}]`, `duplicate key "k" in $[2]`, "top-level array"},
		{"{\n  \"a\": 1,\n  \"a\": 2\n}", `line 3, column 3: duplicate key "a"`, "the second occurrence's line and column"},
		{"{\n  \"é\\\"x\": 1,\n    \"é\\\"x\": 2}", `line 3, column 5: duplicate key`, "escaped quotes and runes in the key"},
		{`{"a" 1}`, "line 1, column 6: invalid character", "syntax error located"},
	}
	for _, c := range cases {
		err := Duplicates([]byte(c.doc))
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %s: %v", c.why, c.doc, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: %s: got %v, want %q", c.why, c.doc, err, c.want)
		}
	}
}

type inner struct {
	Plan     string           `json:"plan"`
	Versions map[string]int64 `json:"versions"`
}

type Embedded struct {
	Extra string `json:"extra"`
}

type outer struct {
	Embedded
	Tables map[string]string `json:"tables"`
	Views  map[string]inner  `json:"views"`
	List   []*inner          `json:"list"`
	Any    any               `json:"any"`
	Skip   string            `json:"-"`
}

func TestDecode(t *testing.T) {
	cases := []struct {
		doc, want, why string
	}{
		{`{"tables": {"s": "x"}, "views": {"v": {"plan": "p", "versions": {"s": 1}}}, "extra": "e", "any": {"z": 1}}`, "", "every field known; interface values unchecked"},
		{`{"TABLES": {}}`, "", "field names match case-insensitively, as in encoding/json"},
		{"{\"views\": {\"v\": {\"plan\": \"p\",\n \"plna\": 1}}}", `line 2, column 2: unknown field "plna" in $.views.v`, "unknown nested field located"},
		{`{"list": [{"plan": "a"}, {"nope": 1}]}`, `line 1, column 27: unknown field "nope" in $.list[1]`, "unknown field in an array element"},
		{`{"Skip": "x"}`, `unknown field "Skip"`, "a json:\"-\" field is not a field"},
		{"{\"tables\": {\"s\": 5}}", `line 1, column 18:`, "type error located at the value"},
		{"{\"views\": {\"v\": {\"versions\": {\"s\": \"three\"}}}}", `line 1, column 36:`, "string where an int is wanted"},
		{"{\"tables\": {}}\n{}", "line 2, column 1: trailing data", "two documents"},
		{"{\"tables\": {", "line 1, column 13: unexpected EOF", "cut short"},
		{"", "empty document", "nothing at all"},
		{"{\n\"tables\": {},\n\"tables\": {}}", "line 3, column 1: duplicate key", "duplicates first"},
	}
	for _, c := range cases {
		var v outer
		err := Decode([]byte(c.doc), &v, true)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.why, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: %q: got %v, want %q", c.why, c.doc, err, c.want)
		}
		if c.want != "" && err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Errorf("%s: %v is not an *Error", c.why, err)
			}
		}
	}
}

// TestUnknownAgreesWithEncodingJSON checks the located unknown-field check
// against encoding/json's own DisallowUnknownFields (an independent
// answer): both refuse the same documents.
func TestUnknownAgreesWithEncodingJSON(t *testing.T) {
	docs := []string{
		`{"tables": {}, "views": {"v": {"plan": "p"}}}`,
		`{"views": {"v": {"plan": "p", "x": 1}}}`,
		`{"extra": "e"}`,
		`{"Extra": "e", "LIST": [{"PLAN": "p"}]}`,
		`{"list": [null, {"versions": {"a": 1}}, {"q": 1}]}`,
		`{"any": {"whatever": [1, {"k": 2}]}}`,
		`{"skip": 1}`,
	}
	for _, d := range docs {
		mine := Unknown([]byte(d), reflect.TypeOf(&outer{})) != nil
		var v outer
		theirs := decodeStd([]byte(d), &v) != nil
		if mine != theirs {
			t.Errorf("%s: Unknown refuses %v, encoding/json refuses %v", d, mine, theirs)
		}
	}
}

func TestPosition(t *testing.T) {
	data := []byte("ab\ncé\nx")
	for _, c := range []struct {
		off       int64
		line, col int
		why       string
	}{
		{0, 1, 1, "start"}, {2, 1, 3, "end of first line"}, {3, 2, 1, "start of second"},
		{6, 2, 3, "after a two-byte rune"}, {7, 3, 1, "third line"}, {100, 3, 2, "clamped to the end"},
	} {
		l, col := Position(data, c.off)
		if l != c.line || col != c.col {
			t.Errorf("%s: offset %d = %d:%d, want %d:%d", c.why, c.off, l, col, c.line, c.col)
		}
	}
}

func FuzzDuplicates(f *testing.F) {
	f.Add([]byte(`{"a": [1, {"b": 2}]}`))
	f.Add([]byte(`{"a": 1, "a": 2}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		_ = Duplicates(data) // must not panic on any input
	})
}

// FuzzDecode checks Decode never panics and refuses whatever encoding/json
// (with DisallowUnknownFields) refuses.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"tables": {"s": "x"}, "views": {"v": {"plan": "p"}}}`))
	f.Add([]byte(`{"views": {"v": {"plna": 1}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var a, b outer
		err := Decode(data, &a, true)
		if err == nil && decodeStd(data, &b) != nil {
			t.Fatalf("%q: Decode accepted what encoding/json refuses", data)
		}
	})
}

func TestFind(t *testing.T) {
	doc := []byte("{\"run_id\": \"r\",\n \"tasks\": [\n  {\"name\": \"a\"},\n  {\"name\": \"b\", \"status\": 5}]}")
	cases := []struct {
		path      []any
		line, col int
		ok        bool
		why       string
	}{
		{[]any{"run_id"}, 1, 12, true, "a top-level value"},
		{[]any{"tasks", 1}, 4, 3, true, "an array element"},
		{[]any{"tasks", 1, "status"}, 4, 27, true, "a field of an element"},
		{[]any{"tasks", 2}, 0, 0, false, "past the end of the array"},
		{[]any{"nope"}, 0, 0, false, "a missing key"},
		{[]any{"run_id", 0}, 0, 0, false, "indexing a string"},
	}
	for _, c := range cases {
		off, ok := Find(doc, c.path...)
		if ok != c.ok {
			t.Errorf("%s: ok = %v", c.why, ok)
			continue
		}
		if !ok {
			continue
		}
		if l, col := Position(doc, off); l != c.line || col != c.col {
			t.Errorf("%s: %v at %d:%d, want %d:%d", c.why, c.path, l, col, c.line, c.col)
		}
	}
}
