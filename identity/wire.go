package identity

import (
	"fmt"
	"math"
	"sync"

	"github.com/substrait-io/substrait-protobuf/go/substraitpb"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// The fast path. Reading a plan field by field through protoreflect costs
// most of a fingerprint's time, so FingerprintPlan instead marshals the plan
// once (deterministically) and walks the wire bytes, guided by the same
// per-message field plans (msgInfo) as the reflection walker. It writes
// exactly the bytes the reflection walker writes: TestWireMatchesReflection
// and FuzzFingerprintBinary compare the two on every corpus plan.

var marshalBufs = sync.Pool{New: func() any { b := make([]byte, 0, 16<<10); return &b }}

// wireEntry is one occurrence of a known field in a message's bytes.
type wireEntry struct {
	pos   int
	raw   []byte // length-delimited payload (bytes, strings, messages, packed)
	num   uint64 // varint or fixed payload
	bytes bool   // raw holds the payload
	zero  bool   // synthetic: an unset always-hashed anchor
}

// walkers recycles wire walkers (encoder state, scratch stacks) between
// fingerprints; release drops every reference to the plan.
var walkers = sync.Pool{New: func() any { return &walker{e: New("")} }}

func fingerprintWire(p *substraitpb.Plan, r Resolver) (Digest, error) {
	w := walkers.Get().(*walker)
	defer func() {
		w.r, w.aliases, w.inAlias, w.cur = nil, nil, nil, nil
		w.scratch, w.wscratch = w.scratch[:0], w.wscratch[:0]
		clear(w.extCache)
		walkers.Put(w)
	}()
	if err := w.init("plan", p, r); err != nil {
		return Digest{}, err
	}
	bp := marshalBufs.Get().(*[]byte)
	defer marshalBufs.Put(bp)
	b, err := proto.MarshalOptions{Deterministic: true}.MarshalAppend((*bp)[:0], p)
	if err != nil {
		return Digest{}, fmt.Errorf("fingerprint: marshal plan: %w", err)
	}
	*bp = b
	if err := w.wireMessage(b, infoFor(p.ProtoReflect().Descriptor())); err != nil {
		return Digest{}, err
	}
	return w.e.Sum()
}

// parseWire splits b into known-field entries (appended to w.wscratch) and
// the unknown fields' raw bytes. ok is false on malformed input.
func (w *walker) parseWire(b []byte, info *msgInfo) (unknown []byte, ok bool) {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return nil, false
		}
		m := protowire.ConsumeFieldValue(num, typ, b[n:])
		if m < 0 {
			return nil, false
		}
		field := b[:n+m]
		val := b[n : n+m]
		b = b[n+m:]
		pos := -1
		if int(num) < len(info.byNum) {
			pos = info.byNum[num]
		}
		if pos < 0 || typ != info.fields[pos].wireType && !(typ == protowire.BytesType && info.fields[pos].isList) {
			if !(info.dropUnkn1 && num == 1) {
				unknown = append(unknown, field...)
			}
			continue
		}
		if info.fields[pos].act == actSkip {
			continue
		}
		e := wireEntry{pos: pos}
		switch typ {
		case protowire.VarintType:
			e.num, _ = protowire.ConsumeVarint(val)
		case protowire.Fixed32Type:
			v, _ := protowire.ConsumeFixed32(val)
			e.num = uint64(v)
		case protowire.Fixed64Type:
			e.num, _ = protowire.ConsumeFixed64(val)
		case protowire.BytesType:
			e.raw, _ = protowire.ConsumeBytes(val)
			e.bytes = true
		}
		w.wscratch = append(w.wscratch, e)
	}
	return unknown, true
}

// wireHasContent mirrors hasContent on wire bytes.
func (w *walker) wireHasContent(b []byte, info *msgInfo) bool {
	start := len(w.wscratch)
	defer func() { w.wscratch = w.wscratch[:start] }()
	unknown, ok := w.parseWire(b, info)
	if !ok || len(unknown) > 0 {
		return true
	}
	for i := start; i < len(w.wscratch); i++ {
		e := w.wscratch[i]
		f := &info.fields[e.pos]
		if !f.emptyIsAbsent || w.wireHasContent(e.raw, f.child) {
			return true
		}
	}
	return false
}

func (w *walker) wireMessage(b []byte, info *msgInfo) error {
	if info == nil {
		return fmt.Errorf("fingerprint: internal error: no field plan for a nested message")
	}
	start := len(w.wscratch)
	unknown, ok := w.parseWire(b, info)
	if !ok {
		return fmt.Errorf("fingerprint: internal error: malformed marshaled message")
	}
	// Drop empty RelCommon / AdvancedExtension, add unset anchors.
	kept := start
	for i := start; i < len(w.wscratch); i++ {
		e := w.wscratch[i]
		if f := &info.fields[e.pos]; f.emptyIsAbsent && !w.wireHasContent(e.raw, f.child) {
			continue
		}
		w.wscratch[kept] = e
		kept++
	}
	w.wscratch = w.wscratch[:kept]
	for _, p := range info.always {
		found := false
		for i := start; i < len(w.wscratch); i++ {
			if w.wscratch[i].pos == p {
				found = true
				break
			}
		}
		if !found {
			w.wscratch = append(w.wscratch, wireEntry{pos: p, zero: true})
		}
	}
	end := len(w.wscratch)
	for i := start + 1; i < end; i++ { // stable: repeated elements keep their order
		for j := i; j > start && w.wscratch[j].pos < w.wscratch[j-1].pos; j-- {
			w.wscratch[j], w.wscratch[j-1] = w.wscratch[j-1], w.wscratch[j]
		}
	}
	n := 0
	for i := start; i < end; i++ {
		if i == start || w.wscratch[i].pos != w.wscratch[i-1].pos {
			n++
		}
	}
	if len(unknown) > 0 {
		n++
	}
	w.e.Struct(n)
	for i := start; i < end; {
		j := i + 1
		for j < end && w.wscratch[j].pos == w.wscratch[i].pos {
			j++
		}
		if err := w.wireField(info, start, i, j); err != nil {
			return err
		}
		i = j
	}
	w.wscratch = w.wscratch[:start]
	if len(unknown) > 0 {
		w.e.FieldNum(0)
		w.e.Bytes(unknown)
	}
	return nil
}

// wireField writes the field of entries [i, j) of the current frame. The
// entries are copied before recursing: recursion may grow w.wscratch.
func (w *walker) wireField(info *msgInfo, start, i, j int) error {
	first := w.wscratch[i]
	f := &info.fields[first.pos]
	w.e.FieldNum(f.num)
	if f.act >= actFunction {
		return w.anchor(f, uint32(first.num))
	}
	if !f.isList {
		return w.wireValue(f, first)
	}
	if f.kind == protoreflect.MessageKind || f.kind == protoreflect.StringKind || f.kind == protoreflect.BytesKind {
		w.e.List(j - i)
		for k := i; k < j; k++ {
			if err := w.wireValue(f, w.wscratch[k]); err != nil {
				return err
			}
		}
		return nil
	}
	// Repeated scalars: packed runs and single values may be mixed.
	var buf [16]uint64
	vals := buf[:0]
	for k := i; k < j; k++ {
		e := w.wscratch[k]
		if !e.bytes {
			vals = append(vals, e.num)
			continue
		}
		for b := e.raw; len(b) > 0; {
			var v uint64
			var m int
			switch f.kind {
			case protoreflect.Fixed32Kind, protoreflect.Sfixed32Kind, protoreflect.FloatKind:
				var x uint32
				x, m = protowire.ConsumeFixed32(b)
				v = uint64(x)
			case protoreflect.Fixed64Kind, protoreflect.Sfixed64Kind, protoreflect.DoubleKind:
				v, m = protowire.ConsumeFixed64(b)
			default:
				v, m = protowire.ConsumeVarint(b)
			}
			if m < 0 {
				return fmt.Errorf("fingerprint: %s: malformed packed field", f.fd.FullName())
			}
			vals = append(vals, v)
			b = b[m:]
		}
	}
	w.e.List(len(vals))
	for _, v := range vals {
		if err := w.wireValue(f, wireEntry{num: v}); err != nil {
			return err
		}
	}
	return nil
}

func (w *walker) wireValue(f *fieldInfo, e wireEntry) error {
	switch f.kind {
	case protoreflect.MessageKind, protoreflect.GroupKind:
		return w.wireMessage(e.raw, f.child)
	case protoreflect.BoolKind:
		w.e.Bool(e.num != 0)
	case protoreflect.EnumKind, protoreflect.Int32Kind, protoreflect.Sfixed32Kind:
		w.e.Int(int64(int32(e.num)))
	case protoreflect.Int64Kind, protoreflect.Sfixed64Kind:
		w.e.Int(int64(e.num))
	case protoreflect.Sint32Kind:
		w.e.Int(int64(int32(protowire.DecodeZigZag(e.num & math.MaxUint32))))
	case protoreflect.Sint64Kind:
		w.e.Int(protowire.DecodeZigZag(e.num))
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		w.e.Uint(uint64(uint32(e.num)))
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		w.e.Uint(e.num)
	case protoreflect.FloatKind:
		w.e.Float(float64(math.Float32frombits(uint32(e.num))))
	case protoreflect.DoubleKind:
		w.e.Float(math.Float64frombits(e.num))
	case protoreflect.StringKind:
		w.e.stringBytes(e.raw)
	case protoreflect.BytesKind:
		w.e.Bytes(e.raw)
	default:
		return fmt.Errorf("fingerprint: %s: unsupported field kind %s", f.fd.FullName(), f.fd.Kind())
	}
	return nil
}
