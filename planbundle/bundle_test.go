package planbundle

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// exampleBundle is the example plan over the example table with the example
// session; its location is relative so the golden file is the same on every
// machine.
func exampleBundle(tb testing.TB) *Bundle {
	tb.Helper()
	return mustBuild(tb, Inputs{Plan: revenuePlan(tb), Tables: []Table{{Name: "sales", Location: filepath.Join("..", "testdata", "example", "sales")}}, Session: exampleSession(tb)})
}

func encode(tb testing.TB, b *Bundle) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, b); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func TestWriteReadRoundTrip(t *testing.T) {
	for _, b := range []*Bundle{
		exampleBundle(t),
		mustBuild(t, Inputs{Plan: joinPlan(t), Tables: []Table{{Name: "sales", Location: salesDir(t)}, {Name: "letters", Location: lettersDir(t)}}}),
	} {
		data := encode(t, b)
		back, err := Read(bytes.NewReader(data), "bundle.json")
		if err != nil {
			t.Fatal(err)
		}
		if again := encode(t, back); !bytes.Equal(again, data) {
			t.Fatalf("Write(Read(x)) differs from x:\n%s\n---\n%s", again, data)
		}
		if !reflect.DeepEqual(back.Components, b.Components) || back.Signature != b.Signature {
			t.Fatal("components or signature changed in the round trip")
		}
		if res, err := Diff(b, back); err != nil || !res.Same || len(res.Changes) != 0 {
			t.Fatalf("a bundle differs from its round trip: %+v %v", res, err)
		}
	}
}

func TestReadRejects(t *testing.T) {
	good := string(encode(t, exampleBundle(t)))
	sig := exampleBundle(t).Signature.String()
	tests := []struct {
		name, data, want string
	}{
		{"empty file", "", "EOF"},
		{"not JSON", "garbage", "invalid character"},
		{"trailing data", good + "{}", "trailing data"},
		{"other bundle version", strings.Replace(good, `"bundle_version": 1`, `"bundle_version": 7`, 1), "bundle_version 7"},
		{"no signature", strings.Replace(good, `"signature": "`+sig+`"`, `"signature": ""`, 1), "no signature"},
		{"malformed signature", strings.Replace(good, sig, "sha256:abc", 1), "sha256:abc"},
		{"signature does not match the components (hand-edited pin)", strings.Replace(good, `"version": 4`, `"version": 3`, 1), "signature"},
		{"unsorted rewrite tags", strings.Replace(good, `"aggregate:partial_final",`+"\n      \"ansi_decimal_rounding\"", `"ansi_decimal_rounding",`+"\n      \"aggregate:partial_final\"", 1), "rewrite_tags"},
		{"plan relations that are not a tree", strings.Replace(good, `"parent": "root.aggregate"`, `"parent": "nowhere"`, 1), "plan_relations"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.data == good {
				t.Fatal("the edit did not apply")
			}
			_, err := Read(strings.NewReader(tc.data), "b.json")
			if !errors.Is(err, ErrInvalidBundle) {
				t.Fatalf("err %v, want ErrInvalidBundle", err)
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "b.json") {
				t.Fatalf("err %q lacks %q or the file name", err, tc.want)
			}
		})
	}
}

// TestGolden pins the whole example bundle and its JSON shape (every key
// path with its JSON type). Run with -update after an intended change.
func TestGolden(t *testing.T) {
	data := encode(t, exampleBundle(t))
	top := mustBuild(t, Inputs{Plan: readFile(t, filepath.Join("..", "testdata", "example", "plans", "top_eu_orders.json")),
		Tables: []Table{{Name: "sales", Location: salesDir(t)}}, Session: exampleSession(t)})
	join := mustBuild(t, Inputs{Plan: joinPlan(t), Tables: []Table{{Name: "sales", Location: salesDir(t)}, {Name: "letters", Location: lettersDir(t)}}})
	shape := map[string]bool{}
	for _, d := range [][]byte{data, encode(t, top), encode(t, join)} {
		var doc any
		if err := json.Unmarshal(d, &doc); err != nil {
			t.Fatal(err)
		}
		jsonShape(doc, "", shape)
	}
	var lines []string
	for k := range shape {
		lines = append(lines, k)
	}
	slices.Sort(lines)
	schema := []byte(strings.Join(lines, "\n") + "\n")
	for _, g := range []struct {
		file string
		got  []byte
	}{{"example_bundle.golden.json", data}, {"bundle_schema.golden.txt", schema}} {
		path := filepath.Join("testdata", g.file)
		if *update {
			if err := os.WriteFile(path, g.got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test ./planbundle -update)", err)
		}
		if !bytes.Equal(g.got, want) {
			t.Errorf("%s differs; run go test ./planbundle -run TestGolden -update and review the diff\ngot:\n%s", path, g.got)
		}
	}
}

// jsonShape records "path: type" for every value; list elements share the
// path "[]".
func jsonShape(v any, path string, out map[string]bool) {
	switch v := v.(type) {
	case map[string]any:
		out[fmt.Sprintf("%s: object", orDot(path))] = true
		for k, e := range v {
			if path == ".session.settings" || path == ".lineage.relations" {
				k = "*" // free-form keys
			}
			jsonShape(e, path+"."+k, out)
		}
	case []any:
		out[fmt.Sprintf("%s: array", orDot(path))] = true
		for _, e := range v {
			jsonShape(e, path+"[]", out)
		}
	case string:
		out[orDot(path)+": string"] = true
	case float64:
		out[orDot(path)+": number"] = true
	case bool:
		out[orDot(path)+": bool"] = true
	case nil:
		out[orDot(path)+": null"] = true
	}
}

func orDot(p string) string {
	if p == "" {
		return "."
	}
	return p
}

// FuzzRead: Read never panics, and whatever it accepts writes back to a
// document it reads again to the same bundle.
func FuzzRead(f *testing.F) {
	good := encode(f, exampleBundle(f))
	f.Add(good)
	f.Add([]byte(`{"bundle_version": 1}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`[]`))
	f.Add(bytes.Replace(good, []byte(`"version": 4`), []byte(`"version": -4`), 1))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := Read(bytes.NewReader(data), "fuzz.json")
		if err != nil {
			if !errors.Is(err, ErrInvalidBundle) {
				t.Fatalf("error without ErrInvalidBundle: %v", err)
			}
			return
		}
		out := encode(t, b)
		back, err := Read(bytes.NewReader(out), "again.json")
		if err != nil {
			t.Fatalf("written bundle does not read back: %v\n%s", err, out)
		}
		if again := encode(t, back); !bytes.Equal(again, out) {
			t.Fatalf("unstable round trip:\n%s\n---\n%s", out, again)
		}
	})
}
