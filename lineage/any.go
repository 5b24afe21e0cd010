package lineage

import (
	"fmt"
	"strings"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// Extension payloads (google.protobuf.Any in extension relations and
// advanced extensions) name producer-private message types that this binary
// cannot know. protojson refuses them, so Decode rewrites them first:
//
//   - pbjson form {"typeUrl": U, "value": "<base64>"} keeps its exact bytes:
//     it is decoded through a BytesValue stand-in and unwrapped afterwards.
//   - protojson form {"@type": U, ...fields} keeps its fields as a
//     google.protobuf.Struct encoding under the original type URL (the real
//     schema is unknown, so the bytes cannot be the producer's).
const (
	bytesPrefix  = "deltaplan.bytes/"
	structPrefix = "deltaplan.struct/"
)

func rewriteAny(v any) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if obj, ok := x.(map[string]any); ok {
				if r, ok := rewriteOneAny(obj); ok {
					v[k] = r
					continue
				}
			}
			rewriteAny(x)
		}
	case []any:
		for i, x := range v {
			if obj, ok := x.(map[string]any); ok {
				if r, ok := rewriteOneAny(obj); ok {
					v[i] = r
					continue
				}
			}
			rewriteAny(x)
		}
	}
}

func rewriteOneAny(obj map[string]any) (map[string]any, bool) {
	if url, ok := obj["@type"].(string); ok {
		if _, err := protoregistry.GlobalTypes.FindMessageByURL(url); err == nil {
			return nil, false
		}
		rest := map[string]any{}
		for k, x := range obj {
			if k != "@type" {
				rest[k] = x
			}
		}
		return map[string]any{"@type": structPrefix + url, "value": rest}, true
	}
	if len(obj) == 2 {
		url, ok1 := obj["typeUrl"].(string)
		if !ok1 {
			url, ok1 = obj["type_url"].(string)
		}
		val, ok2 := obj["value"].(string)
		if ok1 && ok2 {
			return map[string]any{"@type": bytesPrefix + url, "value": val}, true
		}
	}
	return nil, false
}

// anyResolver resolves the stand-in type URLs of rewriteAny and defers to
// the global registry otherwise.
type anyResolver struct{}

func (anyResolver) FindMessageByURL(url string) (protoreflect.MessageType, error) {
	switch {
	case strings.HasPrefix(url, bytesPrefix):
		return (&wrapperspb.BytesValue{}).ProtoReflect().Type(), nil
	case strings.HasPrefix(url, structPrefix):
		return (&structpb.Struct{}).ProtoReflect().Type(), nil
	}
	return protoregistry.GlobalTypes.FindMessageByURL(url)
}

func (anyResolver) FindExtensionByName(field protoreflect.FullName) (protoreflect.ExtensionType, error) {
	return protoregistry.GlobalTypes.FindExtensionByName(field)
}

func (anyResolver) FindExtensionByNumber(message protoreflect.FullName, field protoreflect.FieldNumber) (protoreflect.ExtensionType, error) {
	return protoregistry.GlobalTypes.FindExtensionByNumber(message, field)
}

// unwrapOpaqueAny restores the original type URLs (and, for pbjson bytes,
// the original payload) of every Any that rewriteAny replaced.
func unwrapOpaqueAny(m protoreflect.Message) error {
	if a, ok := m.Interface().(*anypb.Any); ok {
		switch {
		case strings.HasPrefix(a.TypeUrl, bytesPrefix):
			var b wrapperspb.BytesValue
			if err := proto.Unmarshal(a.Value, &b); err != nil {
				return fmt.Errorf("%w: extension payload %s: %v", ErrDecode, a.TypeUrl, err)
			}
			a.TypeUrl, a.Value = strings.TrimPrefix(a.TypeUrl, bytesPrefix), b.Value
		case strings.HasPrefix(a.TypeUrl, structPrefix):
			a.TypeUrl = strings.TrimPrefix(a.TypeUrl, structPrefix)
		}
		return nil
	}
	var err error
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		if fd.Message() == nil || fd.IsMap() {
			return true
		}
		if fd.IsList() {
			l := v.List()
			for i := 0; i < l.Len() && err == nil; i++ {
				err = unwrapOpaqueAny(l.Get(i).Message())
			}
		} else {
			err = unwrapOpaqueAny(v.Message())
		}
		return err == nil
	})
	return err
}

func (anyResolver) FindMessageByName(name protoreflect.FullName) (protoreflect.MessageType, error) {
	return protoregistry.GlobalTypes.FindMessageByName(name)
}
