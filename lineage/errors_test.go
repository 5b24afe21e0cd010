package lineage

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
)

func TestBadInput(t *testing.T) {
	good, err := os.ReadFile("testdata/plans/logical_relations.json")
	if err != nil {
		t.Fatal(err)
	}
	p, err := Decode(good)
	if err != nil {
		t.Fatal(err)
	}
	bin, err := proto.Marshal(p.Proto)
	if err != nil {
		t.Fatal(err)
	}
	const table = `{"namedTable":{"names":["t"]},"baseSchema":{"names":["a","b"]}}`
	read := `{"read":` + table + `}`
	ext := `"extensionUrns":[{"extensionUrnAnchor":1,"urn":"extension:io.substrait:functions_comparison"}],
		"extensions":[{"extensionFunction":{"extensionUrnReference":1,"functionAnchor":1,"name":"equal:any_any"}}],`
	fn := func(anchor, field int) string {
		return `{"scalarFunction":{"functionReference":` + strconv.Itoa(anchor) + `,"arguments":[{"value":{"selection":{"directReference":{"structField":{"field":` + strconv.Itoa(field) + `}},"rootReference":{}}}},{"value":{"literal":{"i64":"1"}}}]}}`
	}
	tests := []struct {
		name     string
		input    []byte
		sentinel error
		path     string // the relation path the error must name
	}{
		{"should reject garbage bytes", []byte("\xff\xff\xff\xff garbage"), ErrDecode, ""},
		{"should reject truncated protobuf", bin[:len(bin)/2], ErrDecode, ""},
		{"should reject empty input", nil, ErrDecode, ""},
		{"should reject malformed JSON", []byte(`{"relations": [`), ErrDecode, ""},
		{"should reject a field the schema does not know", []byte(`{"relations":[],"fancyNewField":1}`), ErrDecode, ""},
		{"should reject a plan without relations", []byte(`{"relations":[]}`), ErrInvalidPlan, ""},
		{"should reject an undeclared function anchor",
			[]byte(`{` + ext + `"relations":[{"root":{"input":{"filter":{"input":` + read + `,"condition":` + fn(9, 0) + `}}}}]}`),
			ErrUnresolvedFunction, "root.filter"},
		{"should reject a field index out of range",
			[]byte(`{` + ext + `"relations":[{"root":{"input":{"project":{"input":{"filter":{"input":` + read + `,"condition":` + fn(1, 5) + `}},"expressions":[]}}}}]}`),
			ErrFieldOutOfRange, "root.project.filter"},
		{"should reject an emit index out of range",
			[]byte(`{"relations":[{"root":{"input":{"read":{"common":{"emit":{"outputMapping":[0,2]}},` + table[1:] + `}}}]}`),
			ErrFieldOutOfRange, "root.read"},
		{"should reject an empty (unknown) relation",
			[]byte(`{"relations":[{"root":{"input":{"join":{"left":` + read + `,"right":{},"type":"JOIN_TYPE_INNER"}}}}]}`),
			ErrUnknownRelation, "root.join.right"},
		{"should reject a reference to a missing plan relation",
			[]byte(`{"relations":[{"root":{"input":{"reference":{"subtreeOrdinal":4}}}}]}`),
			ErrUnknownRelation, "root.reference"},
		{"should reject a plan relation that references itself",
			[]byte(`{"relations":[{"rel":{"reference":{"subtreeOrdinal":0}}}]}`),
			ErrInvalidPlan, "relations[0].reference"},
		{"should reject names that do not fit the schema types",
			[]byte(`{"relations":[{"root":{"input":{"read":{"namedTable":{"names":["t"]},"baseSchema":{"names":["a"],"struct":{"types":[{"i64":{}},{"i64":{}}]}}}}}}]}`),
			ErrInvalidPlan, "root.read"},
		{"should reject an outer reference without an enclosing query",
			[]byte(`{"relations":[{"root":{"input":{"project":{"input":` + read + `,"expressions":[{"selection":{"directReference":{"structField":{}},"outerReference":{"stepsOut":1}}}]}}}}]}`),
			ErrFieldOutOfRange, "root.project"},
		{"should reject a missing filter condition",
			[]byte(`{"relations":[{"root":{"input":{"filter":{"input":` + read + `}}}}]}`),
			ErrInvalidPlan, "root.filter"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Decode(tc.input)
			if err == nil {
				_, err = Analyze(p)
			}
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, tc.sentinel) {
				t.Fatalf("error %v does not wrap %v", err, tc.sentinel)
			}
			if tc.path != "" {
				var pe *PathError
				if !errors.As(err, &pe) || pe.Path != tc.path {
					t.Fatalf("error %v: want relation path %q", err, tc.path)
				}
				if !strings.HasPrefix(err.Error(), tc.path+": ") {
					t.Fatalf("message %q does not start with the path", err)
				}
			}
		})
	}
}
