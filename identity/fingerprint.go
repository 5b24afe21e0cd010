package identity

import (
	"fmt"
	"github.com/deltaplan/deltaplan/model"
	"slices"
	"strings"
	"sync"

	"github.com/substrait-io/substrait-protobuf/go/substraitpb"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// What the plan fingerprint covers.
//
// Every field of every message reachable from substrait.Plan is hashed by
// its protobuf field number and typed value (proto3 defaults are absent in
// both the binary and the JSON form, so the two encodings agree), with
// these exceptions, each chosen because the field does not change what the
// plan computes:
//
//   - Plan.version (producer name, git hash, spec version): who wrote the
//     plan, not what it does.
//   - Plan.extension_urns and Plan.extensions (and, in binary input, the
//     legacy extension_uris field 1): declarations. Every reference to a
//     function, type or type variation anchor is replaced by the
//     (extension, name) pair it resolves to, so anchor numbering and
//     declaration order do not matter (nor do unused declarations) but the
//     function identity does. Standard extension URIs are mapped to URNs
//     (model.CanonicalExtension). Names are hashed as declared: "add" and
//     "add:i64_i64" differ (conservative: never a false "same"). An anchor
//     the resolver does not know is ErrUnresolvedAnchor, except 0 in a
//     field outside a oneof, which proto3 cannot tell from "unset".
//   - Plan.type_aliases: each type_alias_reference is replaced by the
//     aliased type itself, so alias numbering does not matter.
//   - Plan.expected_type_urls: a consumer capability hint that only lists
//     the type URLs of Any messages; the Any messages themselves are hashed.
//   - RelCommon.direct, and a RelCommon or AdvancedExtension with nothing
//     hashed inside: "direct" output is the default, so producers that
//     write "common": {"direct": {}} and producers that omit it agree.
//   - RelCommon.hint: statistics, constraints, aliases, output-name hints
//     and saved computations. The spec defines hints as optional
//     information a consumer may ignore without changing results.
//   - AdvancedExtension.optimization (anywhere): by the spec, optimizations
//     are safe to ignore. AdvancedExtension.enhancement IS hashed: an
//     enhancement changes semantics and a consumer must understand it.
//
// Deliberately included: RelRoot.names (the output column names are the
// view's schema that downstream readers bind to by name, so a rename is a
// change consumers can observe), read base schemas, emit output mappings, ReadRel.best_effort_filter (conservative: it may change the
// files a scan touches), parameter bindings, and unknown fields found in
// binary input (as raw bytes: a field this version cannot interpret may
// carry meaning, so it must not be silently dropped).

// fieldAction says how the walker treats one field.
type fieldAction uint8

const (
	actHash fieldAction = iota
	actSkip
	actFunction
	actType
	actTypeVariation
	actTypeAlias
)

type fieldInfo struct {
	fd     protoreflect.FieldDescriptor
	num    uint64
	act    fieldAction
	always bool     // anchors outside a oneof: hashed even when 0, since 0 is a valid anchor
	isRel  bool     // the field holds relations (Rel or PlanRel); cut in shallow mode
	child  *msgInfo // field plan of the message type, linked once all are built
	kind   protoreflect.Kind
	isList bool
	// wireType is the field's wire type; a repeated scalar may also come
	// packed (BytesType). Other wire types are unknown fields to protobuf.
	wireType protowire.Type
	// emptyIsAbsent: a RelCommon or AdvancedExtension with nothing hashed
	// inside means the same as none at all.
	emptyIsAbsent bool
}

type msgInfo struct {
	fields    []fieldInfo // by ascending field number
	always    []int       // positions of fields hashed even when unset
	byNum     []int       // byNum[field number] is the position in fields, or -1
	pos       []int       // Fields().Get(i) is fields[pos[i]]
	dropUnkn1 bool        // Plan: unknown field 1 is the legacy extension_uris declaration list
}

var skipFields = map[protoreflect.FullName]bool{
	"substrait.Plan.version":                              true,
	"substrait.Plan.extension_urns":                       true,
	"substrait.Plan.extensions":                           true,
	"substrait.Plan.expected_type_urls":                   true,
	"substrait.Plan.type_aliases":                         true,
	"substrait.RelCommon.hint":                            true,
	"substrait.RelCommon.direct":                          true,
	"substrait.extensions.AdvancedExtension.optimization": true,
}

// emptyIsAbsent lists messages whose empty (after skipping) form is
// semantically the same as their absence.
var emptyIsAbsent = map[protoreflect.FullName]bool{
	"substrait.RelCommon":                    true,
	"substrait.extensions.AdvancedExtension": true,
}

const (
	relName     protoreflect.FullName = "substrait.Rel"
	planRelName protoreflect.FullName = "substrait.PlanRel"
)

func classify(fd protoreflect.FieldDescriptor) fieldAction {
	if skipFields[fd.FullName()] {
		return actSkip
	}
	if fd.Kind() != protoreflect.Uint32Kind || fd.IsList() {
		return actHash
	}
	name := string(fd.Name())
	switch {
	case strings.HasSuffix(name, "function_reference"):
		return actFunction
	case name == "type_reference" || name == "user_defined_type_reference":
		return actType
	case name == "type_variation_reference":
		return actTypeVariation
	case name == "type_alias_reference":
		return actTypeAlias
	}
	return actHash
}

func wireTypeOf(k protoreflect.Kind) protowire.Type {
	switch k {
	case protoreflect.StringKind, protoreflect.BytesKind, protoreflect.MessageKind:
		return protowire.BytesType
	case protoreflect.GroupKind:
		return protowire.StartGroupType
	case protoreflect.Fixed32Kind, protoreflect.Sfixed32Kind, protoreflect.FloatKind:
		return protowire.Fixed32Type
	case protoreflect.Fixed64Kind, protoreflect.Sfixed64Kind, protoreflect.DoubleKind:
		return protowire.Fixed64Type
	}
	return protowire.VarintType
}

func buildInfo(md protoreflect.MessageDescriptor) *msgInfo {
	fds := md.Fields()
	info := &msgInfo{fields: make([]fieldInfo, 0, fds.Len()), dropUnkn1: md.FullName() == "substrait.Plan"}
	for i := range fds.Len() {
		fd := fds.Get(i)
		fi := fieldInfo{fd: fd, num: uint64(fd.Number()), act: classify(fd), kind: fd.Kind(), isList: fd.IsList()}
		fi.wireType = wireTypeOf(fi.kind)
		fi.always = fi.act >= actFunction && fd.ContainingOneof() == nil
		if m := fd.Message(); m != nil && (m.FullName() == relName || m.FullName() == planRelName) {
			fi.isRel = true
		}
		if m := fd.Message(); m != nil && !fd.IsList() && emptyIsAbsent[m.FullName()] {
			fi.emptyIsAbsent = true
		}
		info.fields = append(info.fields, fi)
	}
	slices.SortFunc(info.fields, func(a, b fieldInfo) int { return cmpInt(int64(a.num), int64(b.num)) })
	maxNum := 0
	for _, f := range info.fields {
		maxNum = max(maxNum, int(f.num))
	}
	info.byNum = make([]int, maxNum+1)
	for i := range info.byNum {
		info.byNum[i] = -1
	}
	for p, f := range info.fields {
		info.byNum[f.num] = p
	}
	info.pos = make([]int, fds.Len())
	for p, f := range info.fields {
		info.pos[f.fd.Index()] = p
		if f.always {
			info.always = append(info.always, p)
		}
	}
	return info
}

var (
	infoOnce  sync.Once
	infoCache map[protoreflect.MessageDescriptor]*msgInfo
)

// infos precomputes the field plans of every message reachable from Plan,
// once; afterwards the cache is read-only and safe for concurrent use.
func infos() map[protoreflect.MessageDescriptor]*msgInfo {
	infoOnce.Do(func() {
		infoCache = map[protoreflect.MessageDescriptor]*msgInfo{}
		var add func(md protoreflect.MessageDescriptor)
		add = func(md protoreflect.MessageDescriptor) {
			if _, done := infoCache[md]; done {
				return
			}
			info := buildInfo(md)
			infoCache[md] = info
			for _, f := range info.fields {
				if m := f.fd.Message(); m != nil {
					add(m)
				}
			}
		}
		add((&substraitpb.Plan{}).ProtoReflect().Descriptor())
		for _, info := range infoCache {
			for i := range info.fields {
				if m := info.fields[i].fd.Message(); m != nil {
					info.fields[i].child = infoCache[m]
				}
			}
		}
	})
	return infoCache
}

func infoFor(md protoreflect.MessageDescriptor) *msgInfo {
	if info, ok := infos()[md]; ok {
		return info
	}
	return buildInfo(md) // not reachable from Plan: build uncached
}

// FingerprintPlan returns the canonical fingerprint of p. r resolves
// extension anchors; nil means PlanAnchors(p) (the plan's URN
// declarations). The result depends on every semantic field of the plan
// and on nothing listed as non-semantic in this file's notes.
func FingerprintPlan(p *substraitpb.Plan, r Resolver) (Digest, error) {
	if p == nil {
		return Digest{}, fmt.Errorf("fingerprint: nil plan")
	}
	if planHasMaps() {
		return fingerprintReflect(p, r)
	}
	return fingerprintWire(p, r)
}

// fingerprintReflect is the reference walk through protoreflect; the wire
// walk (wire.go) must write the same bytes.
func fingerprintReflect(p *substraitpb.Plan, r Resolver) (Digest, error) {
	w, err := newWalker("plan", p, r)
	if err != nil {
		return Digest{}, err
	}
	if err := w.message(p.ProtoReflect(), nil, false); err != nil {
		return Digest{}, err
	}
	return w.e.Sum()
}

// planHasMaps reports whether any message reachable from Plan has a map or
// group field; the wire walk neither sorts map entries nor reads groups, so
// such a schema takes the reflection walk. (Substrait v0.85 has neither.)
// It is a property of the compiled schema, so it is computed once.
var planHasMaps = sync.OnceValue(func() bool {
	for _, info := range infos() {
		for _, f := range info.fields {
			if f.fd.IsMap() || f.kind == protoreflect.GroupKind {
				return true
			}
		}
	}
	return false
})

type walker struct {
	e        *Encoder
	cur      *msgInfo          // message whose fields collect is gathering
	scratch  []entry           // stack of collected fields, one frame per open message
	wscratch []wireEntry       // the same for the wire-format walk
	extCache map[string]string // model.CanonicalExtension results: it allocates for URIs
	rangeFn  func(protoreflect.FieldDescriptor, protoreflect.Value) bool
	r        Resolver
	aliases  map[uint32]*substraitpb.Type
	inAlias  map[uint32]bool
}

func newWalker(domain string, p *substraitpb.Plan, r Resolver) (*walker, error) {
	w := &walker{e: New(domain)}
	if err := w.init(domain, p, r); err != nil {
		return nil, err
	}
	return w, nil
}

// init prepares w (new or recycled) for hashing p in domain.
func (w *walker) init(domain string, p *substraitpb.Plan, r Resolver) error {
	if p == nil {
		return fmt.Errorf("fingerprint: nil plan")
	}
	if r == nil {
		t, err := PlanAnchors(p)
		if err != nil {
			return fmt.Errorf("fingerprint: %w", err)
		}
		r = t
	}
	w.e.reset(domain)
	w.r = r
	w.rangeFn = w.collect
	if n := len(p.GetTypeAliases()); n > 0 {
		w.aliases = make(map[uint32]*substraitpb.Type, n)
		w.inAlias = map[uint32]bool{}
		for i, a := range p.GetTypeAliases() {
			if _, dup := w.aliases[a.GetTypeAliasAnchor()]; dup {
				return fmt.Errorf("fingerprint: type_aliases[%d]: %w: type alias anchor %d declared twice",
					i, ErrDuplicateAnchor, a.GetTypeAliasAnchor())
			}
			w.aliases[a.GetTypeAliasAnchor()] = a.GetType()
		}
	}
	return nil
}

func (w *walker) canonicalExt(ext string) string {
	if c, ok := w.extCache[ext]; ok {
		return c
	}
	c := model.CanonicalExtension(ext)
	if w.extCache == nil {
		w.extCache = map[string]string{}
	}
	w.extCache[ext] = c
	return c
}

// unknownBytes returns the unknown fields that are hashed: all of them,
// except the legacy declaration list on Plan.
func unknownBytes(m protoreflect.Message, info *msgInfo) []byte {
	raw := m.GetUnknown()
	if len(raw) == 0 || !info.dropUnkn1 {
		return raw
	}
	var kept []byte
	for b := raw; len(b) > 0; {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return raw // malformed: hash it whole rather than guess
		}
		m := protowire.ConsumeFieldValue(num, typ, b[n:])
		if m < 0 {
			return raw
		}
		if num != 1 {
			kept = append(kept, b[:n+m]...)
		}
		b = b[n+m:]
	}
	return kept
}

// entry is one present field collected by Range.
type entry struct {
	pos int
	v   protoreflect.Value
}

// collect is the Range callback; it appends to w.scratch for w.cur.
func (w *walker) collect(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
	p := w.cur.pos[fd.Index()]
	f := &w.cur.fields[p]
	if f.act == actSkip || f.emptyIsAbsent && !hasContent(v.Message(), f.child) {
		return true
	}
	w.scratch = append(w.scratch, entry{p, v})
	return true
}

// hasContent reports whether hashing m would write anything.
func hasContent(m protoreflect.Message, info *msgInfo) bool {
	if info == nil {
		info = infoFor(m.Descriptor())
	}
	if len(unknownBytes(m, info)) > 0 {
		return true
	}
	for i := range info.fields {
		f := &info.fields[i]
		if f.act == actSkip || !m.Has(f.fd) {
			continue
		}
		if !f.emptyIsAbsent || hasContent(m.Get(f.fd).Message(), f.child) {
			return true
		}
	}
	return false
}

// message hashes m as a struct of its present fields, keyed by field
// number. In shallow mode, fields holding relations are written as Null
// so the digest covers one relation's own content only (used by DiffPlans).
// info may be nil (then it is looked up).
func (w *walker) message(m protoreflect.Message, info *msgInfo, shallow bool) error {
	if info == nil {
		info = infoFor(m.Descriptor())
	}
	// Range visits only populated fields and is much faster than asking Has
	// of every field; its order is unspecified, so sort by field number.
	start := len(w.scratch)
	w.cur = info
	m.Range(w.rangeFn)
	for _, p := range info.always {
		found := false
		for i := start; i < len(w.scratch); i++ {
			if w.scratch[i].pos == p {
				found = true
				break
			}
		}
		if !found {
			w.scratch = append(w.scratch, entry{p, m.Get(info.fields[p].fd)})
		}
	}
	end := len(w.scratch)
	for i := start + 1; i < end; i++ { // insertion sort: a handful of fields
		for j := i; j > start && w.scratch[j].pos < w.scratch[j-1].pos; j-- {
			w.scratch[j], w.scratch[j-1] = w.scratch[j-1], w.scratch[j]
		}
	}
	unknown := unknownBytes(m, info)
	n := end - start
	if len(unknown) > 0 {
		n++
	}
	w.e.Struct(n)
	for i := start; i < end; i++ {
		en := w.scratch[i] // copy: recursion may grow w.scratch
		f := &info.fields[en.pos]
		w.e.FieldNum(f.num)
		if shallow && f.isRel {
			w.e.Null()
			continue
		}
		if err := w.field(m, f, en.v); err != nil {
			return err
		}
	}
	w.scratch = w.scratch[:start]
	if len(unknown) > 0 {
		w.e.FieldNum(0) // never a valid protobuf field number
		w.e.Bytes(unknown)
	}
	return nil
}

func (w *walker) field(m protoreflect.Message, f *fieldInfo, v protoreflect.Value) error {
	switch {
	case f.act >= actFunction:
		return w.anchor(f, uint32(v.Uint()))
	case f.fd.IsList():
		l := v.List()
		w.e.List(l.Len())
		for i := range l.Len() {
			if err := w.value(f.fd, f.child, l.Get(i)); err != nil {
				return err
			}
		}
		return nil
	case f.fd.IsMap():
		return w.mapValue(f.fd, v.Map())
	}
	return w.value(f.fd, f.child, v)
}

func (w *walker) anchor(f *fieldInfo, a uint32) error {
	if f.act == actTypeAlias {
		t, ok := w.aliases[a]
		if !ok {
			return fmt.Errorf("fingerprint: %s: %w: type alias anchor %d is not declared",
				f.fd.FullName(), ErrUnresolvedAnchor, a)
		}
		if w.inAlias[a] {
			return fmt.Errorf("fingerprint: %s: type alias anchor %d refers to itself", f.fd.FullName(), a)
		}
		w.inAlias[a] = true
		defer delete(w.inAlias, a)
		return w.message(t.ProtoReflect(), nil, false)
	}
	kind := AnchorFunction
	switch f.act {
	case actType:
		kind = AnchorType
	case actTypeVariation:
		kind = AnchorTypeVariation
	}
	ext, name, ok := w.r.Resolve(kind, a)
	switch {
	case ok:
		w.e.Struct(2)
		w.e.Field("extension")
		w.e.String(w.canonicalExt(ext))
		w.e.Field("name")
		w.e.String(name)
	case a == 0:
		w.e.Null() // unset: proto3 cannot tell "anchor 0" from "no anchor"
	default:
		return fmt.Errorf("fingerprint: %s in %s: %w: %s anchor %d is not declared",
			f.fd.Name(), f.fd.ContainingMessage().FullName(), ErrUnresolvedAnchor, kind, a)
	}
	return nil
}

func (w *walker) mapValue(fd protoreflect.FieldDescriptor, mv protoreflect.Map) error {
	keys := make([]protoreflect.MapKey, 0, mv.Len())
	mv.Range(func(k protoreflect.MapKey, _ protoreflect.Value) bool {
		keys = append(keys, k)
		return true
	})
	slices.SortFunc(keys, func(a, b protoreflect.MapKey) int { return compareMapKeys(a, b) })
	w.e.List(2 * len(keys))
	for _, k := range keys {
		if err := w.value(fd.MapKey(), nil, k.Value()); err != nil {
			return err
		}
		if err := w.value(fd.MapValue(), nil, mv.Get(k)); err != nil {
			return err
		}
	}
	return nil
}

func compareMapKeys(a, b protoreflect.MapKey) int {
	switch x := a.Interface().(type) {
	case string:
		return strings.Compare(x, b.String())
	case bool:
		if x == b.Bool() {
			return 0
		} else if x {
			return 1
		}
		return -1
	case int32, int64:
		ai, bi := a.Int(), b.Int()
		return cmpInt(ai, bi)
	default:
		au, bu := a.Uint(), b.Uint()
		switch {
		case au < bu:
			return -1
		case au > bu:
			return 1
		}
		return 0
	}
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (w *walker) value(fd protoreflect.FieldDescriptor, child *msgInfo, v protoreflect.Value) error {
	switch fd.Kind() {
	case protoreflect.MessageKind, protoreflect.GroupKind:
		return w.message(v.Message(), child, false)
	case protoreflect.BoolKind:
		w.e.Bool(v.Bool())
	case protoreflect.EnumKind:
		w.e.Int(int64(v.Enum()))
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind,
		protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		w.e.Int(v.Int())
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind, protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		w.e.Uint(v.Uint())
	case protoreflect.FloatKind, protoreflect.DoubleKind:
		w.e.Float(v.Float())
	case protoreflect.StringKind:
		w.e.String(v.String())
	case protoreflect.BytesKind:
		w.e.Bytes(v.Bytes())
	default:
		return fmt.Errorf("fingerprint: %s: unsupported field kind %s", fd.FullName(), fd.Kind())
	}
	return nil
}
