package lineage

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/deltaplan/deltaplan/model"

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
// the schema does not know is an error, except forms that were valid in
// their spec release: the retired extension_uris / extension_uri_reference
// fields, which are resolved into Plan.Extensions; the pre-v0.54 JSON join
// type names (JOIN_TYPE_SEMI …), mapped to their current names;
// advanced_extension.optimization as a single object (a list only since
// v0.50.0), taken as a list of one; and version.major/minor/patch (v0.18.0,
// renamed major_number … in v0.19.0). In binary the old and new forms of the
// last two have the same wire encoding. A JSON decode error names the field
// (as a JSON path) and its line:column in the document as given.
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
	[]byte(`"optimization"`), []byte(`"major"`),
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
			return nil, protojsonError(err, data, data)
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
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line, col := lineCol(data, int(se.Offset))
			return nil, fmt.Errorf("%w: JSON: line %d:%d: %v", ErrDecode, line, col, err)
		}
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
	if err := oldVersionFields(tree); err != nil {
		return nil, err
	}
	wrapOptimization(tree)
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
		// The error's position is in the rewritten copy: map it back to
		// the same field of the document as given.
		return nil, protojsonError(err, clean, data)
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

// oldVersionFields renames the v0.18.0 version fields (major, minor, patch)
// to their v0.19.0 names; both spellings at once is an error.
func oldVersionFields(tree map[string]any) error {
	v, ok := tree["version"].(map[string]any)
	if !ok {
		return nil
	}
	for _, r := range [][3]string{{"major", "majorNumber", "major_number"}, {"minor", "minorNumber", "minor_number"}, {"patch", "patchNumber", "patch_number"}} {
		old, ok := v[r[0]]
		if !ok {
			continue
		}
		if _, dup := v[r[1]]; dup {
			return fmt.Errorf("%w: version gives both %s and %s", ErrDecode, r[0], r[1])
		}
		if _, dup := v[r[2]]; dup {
			return fmt.Errorf("%w: version gives both %s and %s", ErrDecode, r[0], r[2])
		}
		delete(v, r[0])
		v[r[1]] = old
	}
	return nil
}

// advancedExtensionKeys are the JSON names of AdvancedExtension fields
// (relations' advanced_extension, the plan's advanced_extensions).
var advancedExtensionKeys = map[string]bool{
	"advancedExtension": true, "advanced_extension": true, "advancedExtensions": true, "advanced_extensions": true,
}

// wrapOptimization turns a pre-v0.50 single optimization object into a
// list of one, wherever an AdvancedExtension appears.
func wrapOptimization(v any) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if advancedExtensionKeys[k] {
				if ext, ok := x.(map[string]any); ok {
					for _, name := range []string{"optimization"} {
						if obj, ok := ext[name].(map[string]any); ok {
							ext[name] = []any{obj}
						}
					}
				}
			}
			wrapOptimization(x)
		}
	case []any:
		for _, x := range v {
			wrapOptimization(x)
		}
	}
}

// protojsonPos matches the position protojson puts in its errors.
var protojsonPos = regexp.MustCompile(`\(line (\d+):(\d+)\): `)

// protojsonError rewrites a protojson error found in parsed (the document
// protojson read) to name the field by its JSON path and its position in
// given (the document as the user gave it; the same bytes when nothing was
// rewritten).
func protojsonError(err error, parsed, given []byte) error {
	msg := err.Error()
	m := protojsonPos.FindStringSubmatchIndex(msg)
	if m == nil {
		return fmt.Errorf("%w: protobuf JSON: %v", ErrDecode, err)
	}
	line, _ := strconv.Atoi(msg[m[2]:m[3]])
	col, _ := strconv.Atoi(msg[m[4]:m[5]])
	text := strings.TrimPrefix(msg[:m[0]]+msg[m[1]:], "proto: ")
	path := pathAt(parsed, offsetOf(parsed, line, col))
	off, ok := -1, false
	if path != "" {
		off, ok = findPath(given, path)
	}
	if !ok {
		if bytes.Equal(parsed, given) {
			return fmt.Errorf("%w: protobuf JSON: line %d:%d: %s", ErrDecode, line, col, text)
		}
		return fmt.Errorf("%w: protobuf JSON: %s (at %s)", ErrDecode, text, orTop(path))
	}
	gl, gc := lineCol(given, off)
	return fmt.Errorf("%w: protobuf JSON: line %d:%d: field %s: %s", ErrDecode, gl, gc, path, text)
}

func orTop(path string) string {
	if path == "" {
		return "the top level"
	}
	return path
}

// lineCol converts a byte offset to a 1-based line and rune column.
func lineCol(data []byte, off int) (int, int) {
	off = max(0, min(off, len(data)))
	b := data[:off]
	line := bytes.Count(b, []byte("\n")) + 1
	if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
		b = b[i+1:]
	}
	return line, utf8.RuneCount(b) + 1
}

// offsetOf converts protojson's 1-based line and rune column to a byte offset.
func offsetOf(data []byte, line, col int) int {
	off := 0
	for l := 1; l < line; l++ {
		i := bytes.IndexByte(data[off:], '\n')
		if i < 0 {
			return len(data)
		}
		off += i + 1
	}
	for c := 1; c < col && off < len(data); c++ {
		_, n := utf8.DecodeRune(data[off:])
		off += n
	}
	return off
}

// jsonKey is one object key or array element of a JSON document: its path
// ("relations[0].root.input") and the offset where it starts.
type jsonKey struct {
	path string
	off  int
}

// jsonKeys lists every object member and array element in document order.
// A document that does not tokenize yields what was read before the fault.
func jsonKeys(data []byte) []jsonKey {
	type frame struct {
		path      string
		obj       bool
		expectKey bool
		key       string
		idx       int
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var stack []*frame
	var out []jsonKey
	// start returns the path of a value about to begin in the top frame.
	start := func(off int) string {
		if len(stack) == 0 {
			return ""
		}
		f := stack[len(stack)-1]
		if f.obj {
			return f.key
		}
		p := f.path + "[" + strconv.Itoa(f.idx) + "]"
		out = append(out, jsonKey{p, off})
		return p
	}
	done := func() {
		if len(stack) == 0 {
			return
		}
		f := stack[len(stack)-1]
		if f.obj {
			f.expectKey = true
		} else {
			f.idx++
		}
	}
	for {
		before := int(dec.InputOffset())
		tok, err := dec.Token()
		if err == io.EOF || err != nil {
			return out
		}
		if len(stack) > 0 {
			if f := stack[len(stack)-1]; f.obj && f.expectKey {
				if k, ok := tok.(string); ok {
					f.expectKey = false
					f.key = k
					if f.path != "" {
						f.key = f.path + "." + k
					}
					out = append(out, jsonKey{f.key, keyStart(data, before)})
					continue
				}
			}
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				p := start(keyStart(data, before))
				stack = append(stack, &frame{path: p, obj: t == '{', expectKey: t == '{'})
			default:
				stack = stack[:len(stack)-1]
				done()
			}
		default:
			start(keyStart(data, before))
			done()
		}
	}
}

// keyStart skips the separators after off to the token that follows.
func keyStart(data []byte, off int) int {
	for off < len(data) && strings.IndexByte(" \t\r\n,:", data[off]) >= 0 {
		off++
	}
	return off
}

// pathAt names the innermost member or element that starts at or before
// off.
func pathAt(data []byte, off int) string {
	path := ""
	for _, k := range jsonKeys(data) {
		if k.off > off {
			break
		}
		path = k.path
	}
	return path
}

// findPath finds a path in data, dropping trailing parts that the rewrite
// introduced (optimization[0] for a single optimization object).
func findPath(data []byte, path string) (int, bool) {
	keys := jsonKeys(data)
	for p := path; p != ""; {
		for _, k := range keys {
			if k.path == p {
				return k.off, true
			}
		}
		i := strings.LastIndexAny(p, ".[")
		if i < 0 {
			break
		}
		p = p[:i]
	}
	return 0, false
}
