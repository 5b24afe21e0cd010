package lineage

import (
	"bytes"
	"encoding/json"
	"fmt"
	"github.com/deltaplan/deltaplan/model"
	"sort"
	"strconv"
	"strings"

	"github.com/substrait-io/substrait-protobuf/go/substraitpb"
	"github.com/substrait-io/substrait-protobuf/go/substraitpb/extensions"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// Encoding names the wire form a plan was decoded from.
type Encoding string

// The encodings Decode detects.
const (
	EncodingBinary Encoding = "protobuf"
	EncodingJSON   Encoding = "protojson"
)

// Plan is a decoded Substrait plan with its extension table resolved.
//
// Invariant: Proto carries no trace of the retired extension_uris fields
// (they are moved into Extensions), so the same plan decoded from binary and
// from JSON yields equal Proto messages.
type Plan struct {
	Proto      *substraitpb.Plan
	Extensions *Extensions
	Encoding   Encoding
	// Ignored lists fields newer than the v0.85 schema that Decode removed
	// because they cannot change lineage (today only the plan-level
	// executionBehavior), so a caller hashing the plan can still see them.
	Ignored []string
}

// ExtensionKind tells function, type and type-variation declarations apart.
type ExtensionKind string

// The extension declaration kinds.
const (
	KindFunction      ExtensionKind = "function"
	KindType          ExtensionKind = "type"
	KindTypeVariation ExtensionKind = "type_variation"
)

// Extension is one resolved extension declaration.
type Extension struct {
	Kind   ExtensionKind
	Anchor uint32
	// URN is the canonical identity of the declaring extension file (see the
	// package doc); "" when the declaration's URI/URN reference resolves to
	// nothing, which real producers do (the name is still kept).
	URN string
	// Declared is the URI or URN exactly as the plan wrote it ("" when
	// unresolved).
	Declared string
	// Name is the declared name, including any signature suffix
	// ("add:i64_i64").
	Name string
}

// BaseName is Name without its signature suffix ("add" for "add:i64_i64").
func (e Extension) BaseName() string {
	if i := strings.IndexByte(e.Name, ':'); i >= 0 {
		return e.Name[:i]
	}
	return e.Name
}

// Extensions is the resolved extension table of a plan, keyed by anchor.
type Extensions struct {
	funcs, types, variations map[uint32]Extension
}

// Function resolves a function anchor.
func (x *Extensions) Function(anchor uint32) (Extension, bool) {
	e, ok := x.funcs[anchor]
	return e, ok
}

// Type resolves a user-defined type anchor.
func (x *Extensions) Type(anchor uint32) (Extension, bool) {
	e, ok := x.types[anchor]
	return e, ok
}

// TypeVariation resolves a type-variation anchor.
func (x *Extensions) TypeVariation(anchor uint32) (Extension, bool) {
	e, ok := x.variations[anchor]
	return e, ok
}

// All returns every declaration, sorted by kind, then anchor.
func (x *Extensions) All() []Extension {
	var out []Extension
	for _, m := range []map[uint32]Extension{x.funcs, x.types, x.variations} {
		for _, e := range m {
			out = append(out, e)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Kind != out[j].Kind {
			return out[i].Kind < out[j].Kind
		}
		return out[i].Anchor < out[j].Anchor
	})
	return out
}

// Decode reads a Substrait Plan from protobuf binary or protobuf JSON (a
// document whose first non-blank byte is '{'). Decoding is strict: a field
// the schema does not know is an error, except the retired extension_uris /
// extension_uri_reference fields, which are resolved into Plan.Extensions,
// and the pre-v0.54 JSON join type names (JOIN_TYPE_SEMI …), which are mapped
// to their current names.
func Decode(data []byte) (*Plan, error) {
	trimmed := bytes.TrimLeft(data, " \t\r\n\ufeff")
	if len(trimmed) > 0 && trimmed[0] == '{' {
		return decodeJSON(trimmed)
	}
	return decodeBinary(data)
}

// uriRefs holds the retired URI declarations found beside the protobuf
// message: anchor → URI, and per entry of Plan.extensions its URI reference.
type uriRefs struct {
	uris map[uint32]string
	refs map[int]uint32
}

// jsonRewriteMarkers are the substrings that make decodeJSON rewrite the
// document before strict decoding; a plan without any is decoded directly.
var jsonRewriteMarkers = [][]byte{
	[]byte("extensionUri"), []byte("extension_uri"), []byte("JOIN_TYPE_SEMI"), []byte("JOIN_TYPE_ANTI"),
	[]byte("JOIN_TYPE_SINGLE"), []byte("@type"), []byte("typeUrl"), []byte("type_url"),
	[]byte("executionBehavior"), []byte("execution_behavior"),
}

func decodeJSON(data []byte) (*Plan, error) {
	rewrite := false
	for _, m := range jsonRewriteMarkers {
		if bytes.Contains(data, m) {
			rewrite = true
			break
		}
	}
	if !rewrite {
		var p substraitpb.Plan
		if err := protojson.Unmarshal(data, &p); err != nil {
			return nil, fmt.Errorf("%w: protobuf JSON: %v", ErrDecode, err)
		}
		ext, err := resolveExtensions(&p, uriRefs{})
		if err != nil {
			return nil, err
		}
		return &Plan{Proto: &p, Extensions: ext, Encoding: EncodingJSON}, nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var tree map[string]any
	if err := dec.Decode(&tree); err != nil {
		return nil, fmt.Errorf("%w: JSON: %v", ErrDecode, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: JSON: trailing data after the plan", ErrDecode)
	}
	side, err := extractURIs(tree)
	if err != nil {
		return nil, err
	}
	renameOldEnums(tree)
	var ignored []string
	for _, k := range []string{"executionBehavior", "execution_behavior"} {
		if v, ok := tree[k]; ok {
			b, _ := json.Marshal(v)
			ignored = append(ignored, k+"="+string(b))
			delete(tree, k)
		}
	}
	rewriteAny(tree)
	clean, err := json.Marshal(tree)
	if err != nil {
		return nil, fmt.Errorf("%w: JSON: %v", ErrDecode, err)
	}
	var p substraitpb.Plan
	if err := (protojson.UnmarshalOptions{Resolver: anyResolver{}}).Unmarshal(clean, &p); err != nil {
		return nil, fmt.Errorf("%w: protobuf JSON: %v", ErrDecode, err)
	}
	if err := unwrapOpaqueAny(p.ProtoReflect()); err != nil {
		return nil, err
	}
	ext, err := resolveExtensions(&p, side)
	if err != nil {
		return nil, err
	}
	return &Plan{Proto: &p, Extensions: ext, Encoding: EncodingJSON, Ignored: ignored}, nil
}

// extractURIs removes the retired URI fields from the JSON tree and returns
// them as a side table.
func extractURIs(tree map[string]any) (uriRefs, error) {
	side := uriRefs{uris: map[uint32]string{}, refs: map[int]uint32{}}
	for _, key := range []string{"extensionUris", "extension_uris"} {
		raw, ok := tree[key]
		if !ok {
			continue
		}
		delete(tree, key)
		list, ok := raw.([]any)
		if !ok && raw != nil {
			return side, fmt.Errorf("%w: %s is not a list", ErrDecode, key)
		}
		for i, item := range list {
			obj, ok := item.(map[string]any)
			if !ok {
				return side, fmt.Errorf("%w: %s[%d] is not an object", ErrDecode, key, i)
			}
			var anchor uint32
			var uri string
			for k, v := range obj {
				switch k {
				case "extensionUriAnchor", "extension_uri_anchor":
					n, err := jsonUint32(v)
					if err != nil {
						return side, fmt.Errorf("%w: %s[%d].%s: %v", ErrDecode, key, i, k, err)
					}
					anchor = n
				case "uri":
					s, ok := v.(string)
					if !ok {
						return side, fmt.Errorf("%w: %s[%d].uri is not a string", ErrDecode, key, i)
					}
					uri = s
				default:
					return side, fmt.Errorf("%w: %s[%d]: unknown field %q", ErrDecode, key, i, k)
				}
			}
			side.uris[anchor] = uri
		}
	}
	decls, _ := tree["extensions"].([]any)
	for i, d := range decls {
		obj, ok := d.(map[string]any)
		if !ok {
			continue // protojson reports the type error
		}
		for _, inner := range obj {
			body, ok := inner.(map[string]any)
			if !ok {
				continue
			}
			for _, key := range []string{"extensionUriReference", "extension_uri_reference"} {
				if v, ok := body[key]; ok {
					n, err := jsonUint32(v)
					if err != nil {
						return side, fmt.Errorf("%w: extensions[%d].%s: %v", ErrDecode, i, key, err)
					}
					side.refs[i] = n
					delete(body, key)
				}
			}
		}
	}
	return side, nil
}

func jsonUint32(v any) (uint32, error) {
	var s string
	switch v := v.(type) {
	case json.Number:
		s = string(v)
	case string:
		s = v
	default:
		return 0, fmt.Errorf("not a number")
	}
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return 0, err
	}
	return uint32(n), nil
}

// oldJoinTypes maps join type names retired in spec v0.54 to their
// successors; the enum numbers did not change, so binary input needs nothing.
var oldJoinTypes = map[string]string{
	"JOIN_TYPE_SEMI":   "JOIN_TYPE_LEFT_SEMI",
	"JOIN_TYPE_ANTI":   "JOIN_TYPE_LEFT_ANTI",
	"JOIN_TYPE_SINGLE": "JOIN_TYPE_LEFT_SINGLE",
}

func renameOldEnums(v any) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if s, ok := x.(string); ok && k == "type" {
				if n, ok := oldJoinTypes[s]; ok {
					v[k] = n
				}
				continue
			}
			renameOldEnums(x)
		}
	case []any:
		for _, x := range v {
			renameOldEnums(x)
		}
	}
}

// Field numbers of the retired URI declarations.
const (
	fieldPlanExtensionURIs = 1 // Plan.extension_uris
	fieldDeclURIReference  = 1 // ExtensionFunction/Type/TypeVariation.extension_uri_reference
	fieldURIAnchor         = 1 // SimpleExtensionURI.extension_uri_anchor
	fieldURIString         = 2 // SimpleExtensionURI.uri
)

func decodeBinary(data []byte) (*Plan, error) {
	if len(data) == 0 {
		return nil, fmt.Errorf("%w: empty input", ErrDecode)
	}
	var p substraitpb.Plan
	if err := proto.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("%w: protobuf: %v", ErrDecode, err)
	}
	side := uriRefs{uris: map[uint32]string{}, refs: map[int]uint32{}}
	rest, err := takeUnknown(p.ProtoReflect(), fieldPlanExtensionURIs, protowire.BytesType, func(b []byte) error {
		anchor, uri, err := parseURIDecl(b)
		if err != nil {
			return err
		}
		side.uris[anchor] = uri
		return nil
	})
	if err != nil {
		return nil, err
	}
	p.ProtoReflect().SetUnknown(rest)
	for i, d := range p.GetExtensions() {
		var m protoreflect.Message
		switch k := d.GetMappingType().(type) {
		case *extensions.SimpleExtensionDeclaration_ExtensionFunction_:
			m = k.ExtensionFunction.ProtoReflect()
		case *extensions.SimpleExtensionDeclaration_ExtensionType_:
			m = k.ExtensionType.ProtoReflect()
		case *extensions.SimpleExtensionDeclaration_ExtensionTypeVariation_:
			m = k.ExtensionTypeVariation.ProtoReflect()
		default:
			continue
		}
		rest, err := takeUnknown(m, fieldDeclURIReference, protowire.VarintType, func(b []byte) error {
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return protowire.ParseError(n)
			}
			side.refs[i] = uint32(v)
			return nil
		})
		if err != nil {
			return nil, err
		}
		m.SetUnknown(rest)
	}
	if path, num, ok := findUnknown(p.ProtoReflect(), "plan"); ok {
		return nil, fmt.Errorf("%w: protobuf: unknown field %d in %s", ErrDecode, num, path)
	}
	ext, err := resolveExtensions(&p, side)
	if err != nil {
		return nil, err
	}
	return &Plan{Proto: &p, Extensions: ext, Encoding: EncodingBinary}, nil
}

// takeUnknown removes field num of wire type typ from m's unknown fields,
// passing each value (the bytes payload, or the raw varint) to f, and returns
// the unknown fields that remain.
func takeUnknown(m protoreflect.Message, num protowire.Number, typ protowire.Type, f func([]byte) error) (protoreflect.RawFields, error) {
	raw := m.GetUnknown()
	var rest protoreflect.RawFields
	for len(raw) > 0 {
		n, t, tagLen := protowire.ConsumeTag(raw)
		if tagLen < 0 {
			return nil, fmt.Errorf("%w: protobuf: %v", ErrDecode, protowire.ParseError(tagLen))
		}
		valLen := protowire.ConsumeFieldValue(n, t, raw[tagLen:])
		if valLen < 0 {
			return nil, fmt.Errorf("%w: protobuf: %v", ErrDecode, protowire.ParseError(valLen))
		}
		field := raw[:tagLen+valLen]
		if n == num && t == typ {
			val := raw[tagLen : tagLen+valLen]
			if t == protowire.BytesType {
				b, _ := protowire.ConsumeBytes(val)
				val = b
			}
			if err := f(val); err != nil {
				return nil, fmt.Errorf("%w: protobuf: retired field %d in %s: %v", ErrDecode, num, m.Descriptor().Name(), err)
			}
		} else {
			rest = append(rest, field...)
		}
		raw = raw[tagLen+valLen:]
	}
	return rest, nil
}

func parseURIDecl(b []byte) (anchor uint32, uri string, err error) {
	for len(b) > 0 {
		n, t, l := protowire.ConsumeTag(b)
		if l < 0 {
			return 0, "", protowire.ParseError(l)
		}
		b = b[l:]
		switch {
		case n == fieldURIAnchor && t == protowire.VarintType:
			v, l := protowire.ConsumeVarint(b)
			if l < 0 {
				return 0, "", protowire.ParseError(l)
			}
			anchor, b = uint32(v), b[l:]
		case n == fieldURIString && t == protowire.BytesType:
			v, l := protowire.ConsumeBytes(b)
			if l < 0 {
				return 0, "", protowire.ParseError(l)
			}
			uri, b = string(v), b[l:]
		default:
			l := protowire.ConsumeFieldValue(n, t, b)
			if l < 0 {
				return 0, "", protowire.ParseError(l)
			}
			return 0, "", fmt.Errorf("unknown field %d in extension URI", n)
		}
	}
	return anchor, uri, nil
}

// findUnknown reports the first message below m (depth first) that still
// holds unknown fields: strict decoding refuses them, because a field this
// schema does not know may change the meaning of the plan.
func findUnknown(m protoreflect.Message, at string) (string, protowire.Number, bool) {
	if raw := m.GetUnknown(); len(raw) > 0 {
		n, _, _ := protowire.ConsumeTag(raw)
		return at, n, true
	}
	var (
		path string
		num  protowire.Number
		hit  bool
	)
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		if fd.Message() == nil {
			return true
		}
		name := at + "." + string(fd.Name())
		switch {
		case fd.IsMap():
			if fd.MapValue().Message() == nil {
				return true
			}
			v.Map().Range(func(_ protoreflect.MapKey, mv protoreflect.Value) bool {
				path, num, hit = findUnknown(mv.Message(), name)
				return !hit
			})
		case fd.IsList():
			l := v.List()
			for i := 0; i < l.Len() && !hit; i++ {
				path, num, hit = findUnknown(l.Get(i).Message(), name+"["+strconv.Itoa(i)+"]")
			}
		default:
			path, num, hit = findUnknown(v.Message(), name)
		}
		return !hit
	})
	return path, num, hit
}

// resolveExtensions builds the anchor table. A declaration resolves through
// its URN reference when the plan declares URNs with that anchor, else
// through its (retired) URI reference; when neither resolves the URN is "".
func resolveExtensions(p *substraitpb.Plan, side uriRefs) (*Extensions, error) {
	urns := map[uint32]string{}
	for _, u := range p.GetExtensionUrns() {
		urns[u.GetExtensionUrnAnchor()] = u.GetUrn()
	}
	x := &Extensions{funcs: map[uint32]Extension{}, types: map[uint32]Extension{}, variations: map[uint32]Extension{}}
	for i, d := range p.GetExtensions() {
		var (
			e      Extension
			urnRef uint32
			into   map[uint32]Extension
		)
		switch k := d.GetMappingType().(type) {
		case *extensions.SimpleExtensionDeclaration_ExtensionFunction_:
			f := k.ExtensionFunction
			e = Extension{Kind: KindFunction, Anchor: f.GetFunctionAnchor(), Name: f.GetName()}
			urnRef, into = f.GetExtensionUrnReference(), x.funcs
		case *extensions.SimpleExtensionDeclaration_ExtensionType_:
			t := k.ExtensionType
			e = Extension{Kind: KindType, Anchor: t.GetTypeAnchor(), Name: t.GetName()}
			urnRef, into = t.GetExtensionUrnReference(), x.types
		case *extensions.SimpleExtensionDeclaration_ExtensionTypeVariation_:
			t := k.ExtensionTypeVariation
			e = Extension{Kind: KindTypeVariation, Anchor: t.GetTypeVariationAnchor(), Name: t.GetName()}
			urnRef, into = t.GetExtensionUrnReference(), x.variations
		default:
			return nil, fmt.Errorf("%w: extensions[%d] declares nothing", ErrDecode, i)
		}
		if u, ok := urns[urnRef]; ok && (urnRef != 0 || len(side.uris) == 0 || side.refs[i] == 0) {
			e.Declared = u
		} else if ref, ok := side.refs[i]; ok {
			e.Declared = side.uris[ref]
		} else if u, ok := side.uris[0]; ok {
			e.Declared = u // a zero reference omitted as the proto3 default
		}
		if e.Declared != "" {
			e.URN = model.CanonicalExtension(e.Declared)
		}
		if prev, dup := into[e.Anchor]; dup && prev != e {
			return nil, fmt.Errorf("%w: %s anchor %d declared twice (%q and %q)", ErrDecode, e.Kind, e.Anchor, prev.Name, e.Name)
		}
		into[e.Anchor] = e
	}
	return x, nil
}
