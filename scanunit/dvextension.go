package scanunit

// This file defines the Substrait enhancement that carries deletion vectors.
// Substrait's LocalFiles has no deletion-vector field, and a plain read of a
// file with a deletion vector returns its deleted rows, so every exported
// read that holds such a file carries, in ReadRel.local_files.advanced_extension
// (LocalFileReadRel.GetAdvancedExtension in substrait-go), an
// enhancement (which a consumer that does not understand it must refuse,
// per the Substrait spec) of the message type below. The descriptor is
// built in code (no generated package) and registered in the global protobuf
// registries so that protojson and anypb resolve it.
//
//	syntax = "proto3";
//	package deltaplan.substrait.v1;
//	message DeletionVectors {
//	  string table_root = 1;               // the Delta table location
//	  repeated FileDeletionVector files = 2;
//	}
//	message FileDeletionVector {
//	  uint32 item_index = 1;               // index into LocalFiles.items of the read
//	  string uri = 2;                      // that item's uri_file
//	  string unique_id = 3;                // the Delta protocol's DV unique id
//	  string storage_type = 4;             // "u", "i" or "p"
//	  string path_or_inline_dv = 5;
//	  int32 offset = 6;                    // -1 when the descriptor has none
//	  int64 cardinality = 7;               // rows deleted; -1 when unknown
//	}

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/substrait-io/substrait-protobuf/go/substraitpb/extensions"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
	"google.golang.org/protobuf/types/known/anypb"
)

// DeletionVectorsType is the full protobuf name of the enhancement message;
// its Any type URL is "type.googleapis.com/" + DeletionVectorsType.
const DeletionVectorsType = "deltaplan.substrait.v1.DeletionVectors"

var dvMsg, dvFileMsg protoreflect.MessageDescriptor

func init() {
	str := descriptorpb.FieldDescriptorProto_TYPE_STRING.Enum()
	opt := descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum()
	field := func(name string, num int32, t descriptorpb.FieldDescriptorProto_Type) *descriptorpb.FieldDescriptorProto {
		return &descriptorpb.FieldDescriptorProto{Name: proto.String(name), Number: proto.Int32(num), Label: opt, Type: t.Enum(), JsonName: proto.String(jsonName(name))}
	}
	files := field("files", 2, descriptorpb.FieldDescriptorProto_TYPE_MESSAGE)
	files.Label = descriptorpb.FieldDescriptorProto_LABEL_REPEATED.Enum()
	files.TypeName = proto.String(".deltaplan.substrait.v1.FileDeletionVector")
	fdp := &descriptorpb.FileDescriptorProto{
		Name:    proto.String("deltaplan/substrait/v1/deletion_vectors.proto"),
		Package: proto.String("deltaplan.substrait.v1"),
		Syntax:  proto.String("proto3"),
		MessageType: []*descriptorpb.DescriptorProto{
			{Name: proto.String("DeletionVectors"), Field: []*descriptorpb.FieldDescriptorProto{
				{Name: proto.String("table_root"), Number: proto.Int32(1), Label: opt, Type: str, JsonName: proto.String("tableRoot")},
				files,
			}},
			{Name: proto.String("FileDeletionVector"), Field: []*descriptorpb.FieldDescriptorProto{
				field("item_index", 1, descriptorpb.FieldDescriptorProto_TYPE_UINT32),
				field("uri", 2, descriptorpb.FieldDescriptorProto_TYPE_STRING),
				field("unique_id", 3, descriptorpb.FieldDescriptorProto_TYPE_STRING),
				field("storage_type", 4, descriptorpb.FieldDescriptorProto_TYPE_STRING),
				field("path_or_inline_dv", 5, descriptorpb.FieldDescriptorProto_TYPE_STRING),
				field("offset", 6, descriptorpb.FieldDescriptorProto_TYPE_INT32),
				field("cardinality", 7, descriptorpb.FieldDescriptorProto_TYPE_INT64),
			}},
		},
	}
	fd, err := protodesc.NewFile(fdp, protoregistry.GlobalFiles)
	if err != nil {
		panic("scanunit: deletion-vector descriptor: " + err.Error()) // our bug, found by every test run
	}
	if err := protoregistry.GlobalFiles.RegisterFile(fd); err != nil {
		panic("scanunit: register deletion-vector descriptor: " + err.Error())
	}
	dvMsg, dvFileMsg = fd.Messages().Get(0), fd.Messages().Get(1)
	if err := protoregistry.GlobalTypes.RegisterMessage(dynamicpb.NewMessageType(dvMsg)); err != nil {
		panic("scanunit: register deletion-vector type: " + err.Error())
	}
}

func jsonName(s string) string {
	parts := strings.Split(s, "_")
	for i := 1; i < len(parts); i++ {
		if parts[i] != "" {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
	}
	return strings.Join(parts, "")
}

// FileDV is one file's deletion vector in an exported read.
type FileDV struct {
	ItemIndex      uint32 // index into LocalFiles.items
	URI            string
	UniqueID       string
	StorageType    string
	PathOrInlineDV string
	Offset         int32 // -1 when absent
	Cardinality    int64 // -1 when unknown
}

// parseDVUniqueID splits the protocol's DV unique id (storageType,
// pathOrInlineDv, then "@offset" when present) into its parts. An inline DV
// ("i") never has an offset.
func parseDVUniqueID(id string) (storage, path string, offset int32, err error) {
	if len(id) < 2 {
		return "", "", 0, fmt.Errorf("scanunit: deletion vector id %q is too short", id)
	}
	storage, path, offset = id[:1], id[1:], -1
	if storage != "i" {
		if at := strings.LastIndexByte(path, '@'); at >= 0 {
			if n, e := strconv.ParseInt(path[at+1:], 10, 32); e == nil && n >= 0 {
				path, offset = path[:at], int32(n)
			}
		}
	}
	switch storage {
	case "u", "i", "p":
	default:
		return "", "", 0, fmt.Errorf("scanunit: deletion vector id %q has unknown storage type %q", id, storage)
	}
	return storage, path, offset, nil
}

// dvEnhancement builds the advanced extension for a read's deletion
// vectors; nil when no file has one.
func dvEnhancement(root string, dvs []FileDV) (*extensions.AdvancedExtension, error) {
	if len(dvs) == 0 {
		return nil, nil
	}
	m := dynamicpb.NewMessage(dvMsg)
	m.Set(dvMsg.Fields().ByName("table_root"), protoreflect.ValueOfString(rootURI(root)))
	list := m.Mutable(dvMsg.Fields().ByName("files")).List()
	for _, d := range dvs {
		f := dynamicpb.NewMessage(dvFileMsg)
		fl := dvFileMsg.Fields()
		f.Set(fl.ByName("item_index"), protoreflect.ValueOfUint32(d.ItemIndex))
		f.Set(fl.ByName("uri"), protoreflect.ValueOfString(d.URI))
		f.Set(fl.ByName("unique_id"), protoreflect.ValueOfString(d.UniqueID))
		f.Set(fl.ByName("storage_type"), protoreflect.ValueOfString(d.StorageType))
		f.Set(fl.ByName("path_or_inline_dv"), protoreflect.ValueOfString(d.PathOrInlineDV))
		f.Set(fl.ByName("offset"), protoreflect.ValueOfInt32(d.Offset))
		f.Set(fl.ByName("cardinality"), protoreflect.ValueOfInt64(d.Cardinality))
		list.Append(protoreflect.ValueOfMessage(f))
	}
	a, err := anypb.New(m)
	if err != nil {
		return nil, fmt.Errorf("scanunit: encode deletion vectors: %w", err)
	}
	return &extensions.AdvancedExtension{Enhancement: a}, nil
}

// DeletionVectorsOf decodes the deletion-vector enhancement of a read (nil
// when it has none; an error when it has an enhancement of another type,
// which a consumer must refuse).
func DeletionVectorsOf(ext *extensions.AdvancedExtension) ([]FileDV, error) {
	if ext == nil || ext.GetEnhancement() == nil {
		return nil, nil
	}
	a := ext.GetEnhancement()
	if string(a.MessageName()) != DeletionVectorsType {
		return nil, fmt.Errorf("scanunit: read has enhancement %s, not %s", a.GetTypeUrl(), DeletionVectorsType)
	}
	m := dynamicpb.NewMessage(dvMsg)
	if err := proto.Unmarshal(a.GetValue(), m); err != nil {
		return nil, fmt.Errorf("scanunit: decode deletion vectors: %w", err)
	}
	var out []FileDV
	list := m.Get(dvMsg.Fields().ByName("files")).List()
	fl := dvFileMsg.Fields()
	for i := 0; i < list.Len(); i++ {
		f := list.Get(i).Message()
		out = append(out, FileDV{
			ItemIndex:      uint32(f.Get(fl.ByName("item_index")).Uint()),
			URI:            f.Get(fl.ByName("uri")).String(),
			UniqueID:       f.Get(fl.ByName("unique_id")).String(),
			StorageType:    f.Get(fl.ByName("storage_type")).String(),
			PathOrInlineDV: f.Get(fl.ByName("path_or_inline_dv")).String(),
			Offset:         int32(f.Get(fl.ByName("offset")).Int()),
			Cardinality:    f.Get(fl.ByName("cardinality")).Int(),
		})
	}
	return out, nil
}

// rootURI is the table location as a URI: a local directory becomes an
// absolute file:// URI, a URI stays as it is.
func rootURI(root string) string {
	if strings.Contains(root, "://") {
		return root
	}
	u, err := fileURI(root, ".")
	if err != nil {
		return root
	}
	return strings.TrimSuffix(u, "/.")
}
