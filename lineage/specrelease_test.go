package lineage

import (
	"errors"
	"os"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
)

// TestSpecReleaseForms: forms valid in their spec release decode to the
// same plan as their current spelling.
func TestSpecReleaseForms(t *testing.T) {
	base, err := os.ReadFile("../testdata/example/plans/revenue_by_region.json")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(base)
	const version = `"version": {"majorNumber": 0, "minorNumber": 85, "producer": "deltaplan-example"}`
	if !strings.Contains(doc, version) {
		t.Fatal("example plan changed: version line not found")
	}
	const opt = `{"@type": "type.googleapis.com/google.protobuf.StringValue", "value": "hint"}`
	withPlanExt := func(ext string) string {
		return strings.Replace(doc, version, version+`, "advancedExtensions": {"optimization": `+ext+`}`, 1)
	}
	tests := []struct {
		name        string
		old, modern string
	}{
		{"advancedExtension.optimization as a single object (before v0.50.0)", withPlanExt(opt), withPlanExt("[" + opt + "]")},
		{"version.major/minor (v0.18.0)", strings.Replace(doc, version, `"version": {"major": 0, "minor": 85, "producer": "deltaplan-example"}`, 1), doc},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, err := Decode([]byte(tc.old))
			if err != nil {
				t.Fatalf("old form: %v", err)
			}
			b, err := Decode([]byte(tc.modern))
			if err != nil {
				t.Fatalf("modern form: %v", err)
			}
			if !proto.Equal(a.Proto, b.Proto) {
				t.Fatalf("old and modern forms decode differently:\n%v\n%v", a.Proto, b.Proto)
			}
		})
	}
	if _, err := Decode([]byte(strings.Replace(doc, version, `"version": {"major": 0, "majorNumber": 0}`, 1))); !errors.Is(err, ErrDecode) || !strings.Contains(err.Error(), "both major and majorNumber") {
		t.Fatalf("both spellings: %v", err)
	}
	// A single optimization object inside a relation's common block too.
	rel := strings.Replace(doc, `"common": {"direct": {}},`, `"common": {"direct": {}, "advancedExtension": {"optimization": `+opt+`}},`, 1)
	if rel == doc {
		t.Fatal("example plan changed: no common block")
	}
	if _, err := Decode([]byte(rel)); err != nil {
		t.Fatalf("relation-level single optimization: %v", err)
	}
}

// TestDecodeErrorPosition: a decode error names the field and its line and
// column in the file as given, also when Decode rewrote the document first
// (here for a retired extension URI).
func TestDecodeErrorPosition(t *testing.T) {
	doc := `{
  "extensionUris": [{"extensionUriAnchor": 1, "uri": "/functions_comparison.yaml"}],
  "relations": [{"root": {
    "names": ["a"],
    "input": {"read": {
      "baseSchema": {"names": ["a"], "struct": {"types": [{"i64": {}}]}},
      "namedTable": {"names": ["t"]},
      "bogusField": 1
    }}
  }}]
}`
	for _, tc := range []struct{ name, doc string }{
		{"rewritten (retired URIs)", doc},
		{"decoded directly", strings.Replace(doc, `"extensionUris": [{"extensionUriAnchor": 1, "uri": "/functions_comparison.yaml"}],`, `"extensionUrns": [],`, 1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode([]byte(tc.doc))
			if !errors.Is(err, ErrDecode) {
				t.Fatalf("got %v", err)
			}
			for _, want := range []string{"line 8:7", "relations[0].root.input.read.bogusField", "bogusField"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("%q lacks %q", err, want)
				}
			}
		})
	}
}

// TestReadWithoutBaseSchema: a plan using columns of a read that declares
// no base schema says so, at the read.
func TestReadWithoutBaseSchema(t *testing.T) {
	doc := `{"relations":[{"root":{"input":{"project":{"common":{"emit":{"outputMapping":[1]}},
		"input":{"read":{"namedTable":{"names":["t"]}}},
		"expressions":[{"selection":{"directReference":{"structField":{"field":0}},"rootReference":{}}}]}}}}]}`
	p, err := Decode([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	_, err = Analyze(p)
	if !errors.Is(err, ErrInvalidPlan) || !strings.HasPrefix(err.Error(), "root.project.read: ") || !strings.Contains(err.Error(), "read has no base schema") {
		t.Fatalf("got %v", err)
	}
}
