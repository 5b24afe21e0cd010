package identity

import (
	"errors"
	"slices"
	"testing"

	"github.com/substrait-io/substrait-protobuf/go/substraitpb"
	"github.com/substrait-io/substrait-protobuf/go/substraitpb/extensions"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/anypb"
)

func mustFingerprint(tb testing.TB, p *substraitpb.Plan, r Resolver) Digest {
	tb.Helper()
	d, err := FingerprintPlan(p, r)
	if err != nil {
		tb.Fatalf("fingerprint: %v", err)
	}
	return d
}

// rewriteFunctionAnchors maps every function anchor reference in m through f,
// including references left at 0 (unset in proto3).
func rewriteFunctionAnchors(m protoreflect.Message, f func(uint32) uint32) {
	fds := m.Descriptor().Fields()
	for i := range fds.Len() {
		fd := fds.Get(i)
		switch {
		case classify(fd) == actFunction:
			if fd.ContainingOneof() == nil || m.Has(fd) {
				m.Set(fd, protoreflect.ValueOfUint32(f(uint32(m.Get(fd).Uint()))))
			}
		case fd.Message() == nil || fd.IsMap() || !m.Has(fd):
		case fd.IsList():
			l := m.Get(fd).List()
			for j := range l.Len() {
				rewriteFunctionAnchors(l.Get(j).Message(), f)
			}
		default:
			rewriteFunctionAnchors(m.Get(fd).Message(), f)
		}
	}
}

// renumber gives every function a new anchor and reverses the declaration
// lists (and renumbers URN anchors), returning the matching resolver.
func renumber(tb testing.TB, p *substraitpb.Plan, r *AnchorTable) (*substraitpb.Plan, *AnchorTable) {
	tb.Helper()
	q := proto.Clone(p).(*substraitpb.Plan)
	perm := func(a uint32) uint32 { return 1000 + 7*a }
	rewriteFunctionAnchors(q.ProtoReflect(), perm)
	for _, d := range q.GetExtensions() {
		if f := d.GetExtensionFunction(); f != nil {
			f.FunctionAnchor = perm(f.FunctionAnchor)
			f.ExtensionUrnReference += 50
		}
		if t := d.GetExtensionType(); t != nil {
			t.ExtensionUrnReference += 50
		}
		if t := d.GetExtensionTypeVariation(); t != nil {
			t.ExtensionUrnReference += 50
		}
	}
	for _, u := range q.GetExtensionUrns() {
		u.ExtensionUrnAnchor += 50
	}
	slices.Reverse(q.Extensions)
	slices.Reverse(q.ExtensionUrns)
	nt := NewAnchorTable()
	for k, v := range r.m {
		a := k.anchor
		if k.kind == AnchorFunction {
			a = perm(a)
		}
		if err := nt.Add(k.kind, a, v.ext, v.name); err != nil {
			tb.Fatal(err)
		}
	}
	if len(q.GetExtensionUrns()) > 0 { // URN plans resolve from their own declarations
		t, err := PlanAnchors(q)
		if err != nil {
			tb.Fatal(err)
		}
		nt = t
	}
	return q, nt
}

// reproPlans are corpus plans that decode with v0.85 (TPC-H by legacy URI,
// plus plans that declare URNs).
func reproPlans(tb testing.TB) []string {
	return append(tpchFiles(tb),
		"substrait-java/plan-roundtrip-complex-input-plan.json",
		"substrait-java/plan-roundtrip-simple-input-plan.json",
		"substrait-java/plan-roundtrip-zero-anchor-input-plan.json",
		"substrait-go/dynamic_parameter_filter.json",
		"substrait-go/value_with_scalar.json",
		"substrait-spec/tutorial-final_plan.json",
	)
}

// TestReproducibility: the same plan through every non-semantic change
// gives one fingerprint.
func TestReproducibility(t *testing.T) {
	for _, file := range reproPlans(t) {
		t.Run(file, func(t *testing.T) {
			p, r := loadPlan(t, file)
			want := mustFingerprint(t, p, r)

			bin, err := proto.Marshal(p)
			if err != nil {
				t.Fatal(err)
			}
			fromBin := &substraitpb.Plan{}
			if err := proto.Unmarshal(bin, fromBin); err != nil {
				t.Fatal(err)
			}
			js, err := protojson.MarshalOptions{Multiline: true, Indent: "\t"}.Marshal(p)
			if err != nil {
				t.Fatal(err)
			}
			fromJSON := &substraitpb.Plan{}
			if err := protojson.Unmarshal(js, fromJSON); err != nil {
				t.Fatal(err)
			}
			producer := proto.Clone(p).(*substraitpb.Plan)
			producer.Version = &substraitpb.Version{MajorNumber: 9, Producer: "someone-else", GitHash: "abc"}
			producer.ExpectedTypeUrls = []string{"type.googleapis.com/x"}
			renumbered, rr := renumber(t, p, r)

			cases := []struct {
				name string
				p    *substraitpb.Plan
				r    Resolver
			}{
				{"binary round trip", fromBin, r},
				{"indented JSON round trip", fromJSON, r},
				{"other producer and version", producer, r},
				{"renumbered anchors, reversed declarations", renumbered, rr},
			}
			for _, c := range cases {
				if got := mustFingerprint(t, c.p, c.r); got != want {
					t.Errorf("%s: fingerprint %s, want %s", c.name, got, want)
				}
			}
			if renumbered.GetExtensions() != nil && proto.Equal(renumbered, p) {
				t.Errorf("renumbering did not change the plan; the test proves nothing")
			}
		})
	}
}

// TestURIEqualsURN: a standard extension named by legacy URI and by URN is
// the same function.
func TestURIEqualsURN(t *testing.T) {
	p := samplePlan()
	urn := mustFingerprint(t, p, nil)
	uri := NewAnchorTable()
	if err := uri.Add(AnchorFunction, 10, "https://github.com/substrait-io/substrait/blob/main/extensions/functions_arithmetic.yaml", "add:i64_i64"); err != nil {
		t.Fatal(err)
	}
	if err := uri.Add(AnchorFunction, 11, "/functions_comparison.yaml", "equal:any_any"); err != nil {
		t.Fatal(err)
	}
	if got := mustFingerprint(t, p, uri); got != urn {
		t.Errorf("URI-declared plan %s, URN-declared %s", got, urn)
	}
	other := NewAnchorTable()
	_ = other.Add(AnchorFunction, 10, "https://example.com/my_functions.yaml", "add:i64_i64")
	_ = other.Add(AnchorFunction, 11, "/functions_comparison.yaml", "equal:any_any")
	if got := mustFingerprint(t, p, other); got == urn {
		t.Errorf("a third-party extension with the same function name must differ")
	}
}

func relAt(p *substraitpb.Plan) (project *substraitpb.ProjectRel, join *substraitpb.JoinRel, left, right *substraitpb.ReadRel) {
	project = p.Relations[0].GetRoot().Input.GetProject()
	join = project.Input.GetJoin()
	return project, join, join.Left.GetRead(), join.Right.GetRead()
}

// TestMutations: each semantic change gives a new fingerprint and DiffPlans
// names the relation that changed; each non-semantic change does not.
func TestMutations(t *testing.T) {
	base := samplePlan()
	baseFP := mustFingerprint(t, base, nil)
	tests := []struct {
		name  string
		edit  func(p *substraitpb.Plan)
		paths []string // nil: the fingerprint must not change
	}{
		{"changed literal", func(p *substraitpb.Plan) {
			pr, _, _, _ := relAt(p)
			pr.Expressions[0] = call(10, i64Type(), fieldRef(0), i64Lit(2))
		}, []string{"root.project"}},
		{"changed column reference", func(p *substraitpb.Plan) {
			_, j, _, _ := relAt(p)
			j.Expression = call(11, &substraitpb.Type{Kind: &substraitpb.Type_Bool{Bool: &substraitpb.Type_Boolean{}}}, fieldRef(0), fieldRef(3))
		}, []string{"root.project.join"}},
		{"changed join type", func(p *substraitpb.Plan) {
			_, j, _, _ := relAt(p)
			j.Type = substraitpb.JoinRel_JOIN_TYPE_LEFT
		}, []string{"root.project.join"}},
		{"changed function (same anchor, other declaration)", func(p *substraitpb.Plan) {
			p.Extensions[0] = funcDecl(1, 10, "subtract:i64_i64")
		}, []string{"root.project"}},
		{"changed function extension", func(p *substraitpb.Plan) {
			p.ExtensionUrns[0].Urn = "extension:example.com:my_arithmetic"
		}, []string{"root.project"}},
		{"changed read schema type", func(p *substraitpb.Plan) {
			_, _, l, _ := relAt(p)
			l.BaseSchema.Struct.Types[0] = strType()
		}, []string{"root.project.join.left.read"}},
		{"changed table", func(p *substraitpb.Plan) {
			_, _, _, r := relAt(p)
			r.GetNamedTable().Names = []string{"region_v2"}
		}, []string{"root.project.join.right.read"}},
		{"renamed output column", func(p *substraitpb.Plan) {
			p.Relations[0].GetRoot().Names[1] = "k1"
		}, []string{"root"}},
		{"changed emit", func(p *substraitpb.Plan) {
			pr, _, _, _ := relAt(p)
			pr.Common.GetEmit().OutputMapping = []int32{4, 1}
		}, []string{"root.project"}},
		{"enhancement on a read", func(p *substraitpb.Plan) {
			_, _, l, _ := relAt(p)
			l.AdvancedExtension = &extensions.AdvancedExtension{Enhancement: &anypb.Any{TypeUrl: "x/y", Value: []byte{1}}}
		}, []string{"root.project.join.left.read"}},
		{"project removed", func(p *substraitpb.Plan) {
			root := p.Relations[0].GetRoot()
			root.Input = root.Input.GetProject().Input
		}, []string{"root.project"}},
		{"parameter binding", func(p *substraitpb.Plan) {
			p.ParameterBindings = []*substraitpb.DynamicParameterBinding{{ParameterAnchor: 1, Value: i64Lit(3).GetLiteral()}}
		}, []string{"plan"}},

		{"hint: stats and alias", func(p *substraitpb.Plan) {
			_, _, l, _ := relAt(p)
			l.Common.Hint = &substraitpb.RelCommon_Hint{Alias: "n", Stats: &substraitpb.RelCommon_Hint_Stats{RowCount: 25}}
		}, nil},
		{"optimization on a read", func(p *substraitpb.Plan) {
			_, _, l, _ := relAt(p)
			l.AdvancedExtension = &extensions.AdvancedExtension{Optimization: []*anypb.Any{{TypeUrl: "x/y", Value: []byte{1}}}}
		}, nil},
		{"declaration order and URN anchors", func(p *substraitpb.Plan) {
			slices.Reverse(p.Extensions)
			slices.Reverse(p.ExtensionUrns)
		}, nil},
		{"common {direct: {}} omitted", func(p *substraitpb.Plan) {
			_, _, l, _ := relAt(p)
			l.Common = nil
		}, nil},
		{"unused declaration", func(p *substraitpb.Plan) {
			p.Extensions = append(p.Extensions, funcDecl(1, 99, "multiply:i64_i64"))
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := samplePlan()
			tt.edit(p)
			fp := mustFingerprint(t, p, nil)
			if tt.paths == nil {
				if fp != baseFP {
					t.Fatalf("should keep the fingerprint: non-semantic change")
				}
				return
			}
			if fp == baseFP {
				t.Fatalf("should change the fingerprint: semantic change")
			}
			changes, err := DiffPlans(base, p, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range changes {
				got = append(got, c.Path)
			}
			if !slices.Equal(got, tt.paths) {
				t.Errorf("diff paths %q, want %q (%v)", got, tt.paths, changes)
			}
		})
	}
}

func TestUnresolvedAnchor(t *testing.T) {
	p := samplePlan()
	pr, _, _, _ := relAt(p)
	pr.Expressions[0] = call(77, i64Type(), fieldRef(0))
	if _, err := FingerprintPlan(p, nil); !errors.Is(err, ErrUnresolvedAnchor) {
		t.Fatalf("got %v, want ErrUnresolvedAnchor", err)
	}
	p = samplePlan()
	p.Extensions = append(p.Extensions, funcDecl(2, 10, "other"))
	if _, err := FingerprintPlan(p, nil); !errors.Is(err, ErrDuplicateAnchor) {
		t.Fatalf("got %v, want ErrDuplicateAnchor", err)
	}
}

// TestUnknownFields: unknown fields in binary input are hashed, except the
// legacy extension URI declarations on Plan (field 1), which only declare.
func TestUnknownFields(t *testing.T) {
	bin, err := proto.Marshal(samplePlan())
	if err != nil {
		t.Fatal(err)
	}
	decode := func(b []byte) *substraitpb.Plan {
		p := &substraitpb.Plan{}
		if err := proto.Unmarshal(b, p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	base := mustFingerprint(t, decode(bin), nil)
	legacy := protowire.AppendTag(slices.Clone(bin), 1, protowire.BytesType)
	legacy = protowire.AppendBytes(legacy, []byte("\x08\x01\x12\x04/x.y"))
	if got := mustFingerprint(t, decode(legacy), nil); got != base {
		t.Errorf("legacy extension_uris changed the fingerprint")
	}
	unknown := protowire.AppendTag(slices.Clone(bin), 999, protowire.VarintType)
	unknown = protowire.AppendVarint(unknown, 1)
	if got := mustFingerprint(t, decode(unknown), nil); got == base {
		t.Errorf("an unknown field was ignored")
	}
}

func TestDiffPlansSame(t *testing.T) {
	changes, err := DiffPlans(samplePlan(), samplePlan(), nil, nil)
	if err != nil || len(changes) != 0 {
		t.Fatalf("self diff: %v %v", changes, err)
	}
}

// TestTypeAliases: alias numbering does not matter, the aliased type does,
// and a missing or self-referencing alias is an error.
func TestTypeAliases(t *testing.T) {
	withAlias := func(anchor uint32, aliased *substraitpb.Type) *substraitpb.Plan {
		p := samplePlan()
		_, _, _, r := relAt(p)
		r.BaseSchema.Struct.Types[0] = &substraitpb.Type{Kind: &substraitpb.Type_Alias{Alias: &substraitpb.Type_TypeAliasReference{TypeAliasReference: anchor}}}
		p.TypeAliases = []*substraitpb.TypeAlias{{TypeAliasAnchor: anchor, Type: aliased}}
		return p
	}
	a := mustFingerprint(t, withAlias(5, i64Type()), nil)
	if b := mustFingerprint(t, withAlias(9, i64Type()), nil); a != b {
		t.Error("should keep the fingerprint: only the alias anchor changed")
	}
	if c := mustFingerprint(t, withAlias(5, strType()), nil); a == c {
		t.Error("should change the fingerprint: the aliased type changed")
	}
	missing := withAlias(5, i64Type())
	missing.TypeAliases[0].TypeAliasAnchor = 6
	if _, err := FingerprintPlan(missing, nil); !errors.Is(err, ErrUnresolvedAnchor) {
		t.Errorf("missing alias: got %v, want ErrUnresolvedAnchor", err)
	}
	self := withAlias(5, &substraitpb.Type{Kind: &substraitpb.Type_Alias{Alias: &substraitpb.Type_TypeAliasReference{TypeAliasReference: 5}}})
	if _, err := FingerprintPlan(self, nil); err == nil {
		t.Error("self-referencing alias: want an error")
	}
	if _, err := fingerprintReflect(self, nil); err == nil {
		t.Error("self-referencing alias (reflection walk): want an error")
	}
}
