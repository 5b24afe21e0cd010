package identity

import (
	"fmt"

	"github.com/substrait-io/substrait-protobuf/go/substraitpb"
)

// AnchorKind says which declaration table an anchor number refers to.
type AnchorKind uint8

// The anchor kinds of Substrait simple extensions.
const (
	AnchorFunction AnchorKind = iota + 1
	AnchorType
	AnchorTypeVariation
)

func (k AnchorKind) String() string {
	switch k {
	case AnchorFunction:
		return "function"
	case AnchorType:
		return "type"
	case AnchorTypeVariation:
		return "type variation"
	}
	return fmt.Sprintf("AnchorKind(%d)", uint8(k))
}

// Resolver maps an extension anchor of a plan to the declaration it stands
// for: the extension's identity (URN, or URI) and the declared name. The
// fingerprint hashes that pair instead of the anchor number, which is
// arbitrary producer numbering. ok is false for an undeclared anchor.
// ext may be "" when the declaration names no resolvable extension (real
// producers do this); the name is then still hashed.
type Resolver interface {
	Resolve(kind AnchorKind, anchor uint32) (ext, name string, ok bool)
}

type anchorKey struct {
	kind   AnchorKind
	anchor uint32
}

type extName struct{ ext, name string }

// AnchorTable is a Resolver backed by a table filled with Add. Build one
// from a plan's own URN declarations with PlanAnchors, or fill one from a
// decoder that also understands legacy extension URIs.
type AnchorTable struct {
	m     map[anchorKey]extName
	kinds [4]int // declarations per kind: most plans declare no type variations
}

// NewAnchorTable returns an empty table.
func NewAnchorTable() *AnchorTable { return &AnchorTable{m: map[anchorKey]extName{}} }

// Add declares anchor of kind as (ext, name). Declaring one anchor twice is
// ErrDuplicateAnchor unless both declarations agree.
func (t *AnchorTable) Add(kind AnchorKind, anchor uint32, ext, name string) error {
	k := anchorKey{kind, anchor}
	v := extName{ext, name}
	if old, dup := t.m[k]; dup && old != v {
		return fmt.Errorf("%w: %s anchor %d declared as %s#%s and %s#%s",
			ErrDuplicateAnchor, kind, anchor, old.ext, old.name, ext, name)
	}
	if _, dup := t.m[k]; !dup && int(kind) < len(t.kinds) {
		t.kinds[kind]++
	}
	t.m[k] = v
	return nil
}

// Resolve implements Resolver.
func (t *AnchorTable) Resolve(kind AnchorKind, anchor uint32) (string, string, bool) {
	if int(kind) < len(t.kinds) && t.kinds[kind] == 0 {
		return "", "", false
	}
	v, ok := t.m[anchorKey{kind, anchor}]
	return v.ext, v.name, ok
}

// PlanAnchors builds the anchor table from the plan's extension_urns and
// extensions declarations. A declaration pointing at an undeclared URN
// anchor keeps its name with ext "" (producers write such plans).
func PlanAnchors(p *substraitpb.Plan) (*AnchorTable, error) {
	urns := make(map[uint32]string, len(p.GetExtensionUrns()))
	for i, u := range p.GetExtensionUrns() {
		if old, dup := urns[u.GetExtensionUrnAnchor()]; dup && old != u.GetUrn() {
			return nil, fmt.Errorf("%w: extension_urns[%d]: URN anchor %d declared as %q and %q",
				ErrDuplicateAnchor, i, u.GetExtensionUrnAnchor(), old, u.GetUrn())
		}
		urns[u.GetExtensionUrnAnchor()] = u.GetUrn()
	}
	t := NewAnchorTable()
	for i, d := range p.GetExtensions() {
		var err error
		switch {
		case d.GetExtensionFunction() != nil:
			f := d.GetExtensionFunction()
			err = t.Add(AnchorFunction, f.GetFunctionAnchor(), urns[f.GetExtensionUrnReference()], f.GetName())
		case d.GetExtensionType() != nil:
			f := d.GetExtensionType()
			err = t.Add(AnchorType, f.GetTypeAnchor(), urns[f.GetExtensionUrnReference()], f.GetName())
		case d.GetExtensionTypeVariation() != nil:
			f := d.GetExtensionTypeVariation()
			err = t.Add(AnchorTypeVariation, f.GetTypeVariationAnchor(), urns[f.GetExtensionUrnReference()], f.GetName())
		}
		if err != nil {
			return nil, fmt.Errorf("extensions[%d]: %w", i, err)
		}
	}
	return t, nil
}
