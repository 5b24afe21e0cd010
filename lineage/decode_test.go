package lineage

import (
	"encoding/json"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"testing"

	"github.com/substrait-io/substrait-protobuf/go/substraitpb/extensions"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	pb "github.com/substrait-io/substrait-protobuf/go/substraitpb"

	"github.com/deltaplan/deltaplan/model"
)

// toRetiredBinary encodes p as protobuf binary the way a pre-v0.75 producer
// would: extension URIs as Plan field 1, URI references as field 1 of each
// declaration (taken from the side table Decode resolved from JSON).
func toRetiredBinary(t *testing.T, jsonPlan []byte) []byte {
	t.Helper()
	var raw struct {
		URIs []struct {
			Anchor uint32 `json:"extensionUriAnchor"`
			URI    string `json:"uri"`
		} `json:"extensionUris"`
		Extensions []map[string]struct {
			Ref *uint32 `json:"extensionUriReference"`
		} `json:"extensions"`
	}
	if err := json.Unmarshal(jsonPlan, &raw); err != nil {
		t.Fatal(err)
	}
	p, err := Decode(jsonPlan)
	if err != nil {
		t.Fatal(err)
	}
	msg := proto.Clone(p.Proto).(*pb.Plan)
	for i, d := range msg.GetExtensions() {
		for _, v := range raw.Extensions[i] {
			if v.Ref == nil {
				continue
			}
			var unk []byte
			unk = protowire.AppendTag(unk, 1, protowire.VarintType)
			unk = protowire.AppendVarint(unk, uint64(*v.Ref))
			if f, ok := d.GetMappingType().(*extensions.SimpleExtensionDeclaration_ExtensionFunction_); ok {
				f.ExtensionFunction.ProtoReflect().SetUnknown(unk)
			}
		}
	}
	var unk []byte
	for _, u := range raw.URIs {
		var m []byte
		m = protowire.AppendTag(m, 1, protowire.VarintType)
		m = protowire.AppendVarint(m, uint64(u.Anchor))
		m = protowire.AppendTag(m, 2, protowire.BytesType)
		m = protowire.AppendString(m, u.URI)
		unk = protowire.AppendTag(unk, 1, protowire.BytesType)
		unk = protowire.AppendBytes(unk, m)
	}
	msg.ProtoReflect().SetUnknown(unk)
	b, err := proto.Marshal(msg)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestBinaryMatchesJSON: the same plan as protobuf binary (with the retired
// URI fields as unknown fields) and as JSON decodes to equal messages and
// equal lineage.
func TestBinaryMatchesJSON(t *testing.T) {
	dir := filepath.Join(fixturesDir(t), "isthmus")
	files := []string{"testdata/plans/expressions.json", "testdata/plans/logical_relations.json",
		filepath.Join(dir, "integration-tpch-q06.json"), filepath.Join(dir, "integration-tpch-q21.json")}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			js, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			fromJSON, err := Decode(js)
			if err != nil {
				t.Fatal(err)
			}
			fromBin, err := Decode(toRetiredBinary(t, js))
			if err != nil {
				t.Fatal(err)
			}
			if fromBin.Encoding != EncodingBinary || fromJSON.Encoding != EncodingJSON {
				t.Fatalf("encodings %s / %s", fromBin.Encoding, fromJSON.Encoding)
			}
			if !proto.Equal(fromBin.Proto, fromJSON.Proto) {
				t.Fatal("binary and JSON decode to different messages")
			}
			a, err := Analyze(fromJSON)
			if err != nil {
				t.Fatal(err)
			}
			b, err := Analyze(fromBin)
			if err != nil {
				t.Fatal(err)
			}
			ja, _ := json.Marshal(a.JSON())
			jb, _ := json.Marshal(b.JSON())
			if string(ja) != string(jb) {
				t.Fatalf("lineage differs:\njson   %s\nbinary %s", ja, jb)
			}
			if len(a.Functions) > 0 && a.Functions[0].URN == "" && len(fromJSON.Extensions.All()) > 0 {
				t.Errorf("functions lost their extension: %+v", a.Functions)
			}
		})
	}
}

func TestBinaryUnknownFieldIsAnError(t *testing.T) {
	js, _ := os.ReadFile("testdata/plans/reference.json")
	p, err := Decode(js)
	if err != nil {
		t.Fatal(err)
	}
	msg := proto.Clone(p.Proto).(*pb.Plan)
	var unk []byte
	unk = protowire.AppendTag(unk, 77, protowire.VarintType)
	unk = protowire.AppendVarint(unk, 1)
	msg.GetRelations()[0].GetRel().GetFilter().ProtoReflect().SetUnknown(unk)
	b, _ := proto.Marshal(msg)
	if _, err := Decode(b); !errors.Is(err, ErrDecode) {
		t.Fatalf("want ErrDecode for an unknown nested field, got %v", err)
	}
}

func TestExtensionResolution(t *testing.T) {
	js, _ := os.ReadFile("testdata/plans/expressions.json")
	p, err := Decode(js)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		anchor   uint32
		urn      string
		declared string
		name     string
	}{
		{1, "extension:io.substrait:functions_comparison", "https://github.com/substrait-io/substrait/blob/main/extensions/functions_comparison.yaml", "equal:any_any"},
		{3, "extension:io.substrait:functions_boolean", "/functions_boolean.yaml", "and:bool"},
		{8, "https://example.com/ext/custom.yaml", "https://example.com/ext/custom.yaml", "sum:dec"},
	}
	for _, tc := range tests {
		e, ok := p.Extensions.Function(tc.anchor)
		if !ok || e.URN != tc.urn || e.Declared != tc.declared || e.Name != tc.name {
			t.Errorf("anchor %d: got %+v, %v", tc.anchor, e, ok)
		}
	}
	if _, ok := p.Extensions.Function(99); ok {
		t.Error("anchor 99 resolved")
	}
	if n := len(p.Extensions.All()); n != 15 {
		t.Errorf("All: %d declarations, want 15", n)
	}
}

func TestLiteralValue(t *testing.T) {
	dec := func(v int64) []byte {
		b := make([]byte, 16)
		u := uint64(v)
		for i := 0; i < 8; i++ {
			b[i] = byte(u >> (8 * i))
		}
		if v < 0 {
			for i := 8; i < 16; i++ {
				b[i] = 0xff
			}
		}
		return b
	}
	tests := []struct {
		name string
		lit  *pb.Expression_Literal
		want model.Value
		ok   bool
	}{
		{"i8 is an int", &pb.Expression_Literal{LiteralType: &pb.Expression_Literal_I8{I8: -3}}, model.IntValue(-3), true},
		{"fp32 is a float", &pb.Expression_Literal{LiteralType: &pb.Expression_Literal_Fp32{Fp32: 0.5}}, model.FloatValue(0.5), true},
		{"negative decimal", &pb.Expression_Literal{LiteralType: &pb.Expression_Literal_Decimal_{Decimal: &pb.Expression_Literal_Decimal{Value: dec(-150), Scale: 2, Precision: 5}}}, model.DecimalValue(big.NewInt(-150), 2), true},
		{"short decimal bytes are refused", &pb.Expression_Literal{LiteralType: &pb.Expression_Literal_Decimal_{Decimal: &pb.Expression_Literal_Decimal{Value: []byte{1}, Scale: 2}}}, model.Null, false},
		{"varchar is a string", &pb.Expression_Literal{LiteralType: &pb.Expression_Literal_VarChar_{VarChar: &pb.Expression_Literal_VarChar{Value: "x", Length: 3}}}, model.StringValue("x"), true},
		{"fixed char is a string", &pb.Expression_Literal{LiteralType: &pb.Expression_Literal_FixedChar{FixedChar: "ab"}}, model.StringValue("ab"), true},
		{"date in days", &pb.Expression_Literal{LiteralType: &pb.Expression_Literal_Date{Date: 18262}}, model.DateValue(18262), true},
		{"deprecated timestamp is µs without zone", &pb.Expression_Literal{LiteralType: &pb.Expression_Literal_Timestamp{Timestamp: 7}}, model.TimestampNTZValue(7), true},
		{"precision timestamp ms to µs", &pb.Expression_Literal{LiteralType: &pb.Expression_Literal_PrecisionTimestamp_{PrecisionTimestamp: &pb.Expression_Literal_PrecisionTimestamp{Precision: 3, Value: 5}}}, model.TimestampNTZValue(5000), true},
		{"precision timestamp tz ns to µs", &pb.Expression_Literal{LiteralType: &pb.Expression_Literal_PrecisionTimestampTz{PrecisionTimestampTz: &pb.Expression_Literal_PrecisionTimestamp{Precision: 9, Value: 5000}}}, model.TimestampValue(5), true},
		{"inexact ns timestamp is refused", &pb.Expression_Literal{LiteralType: &pb.Expression_Literal_PrecisionTimestampTz{PrecisionTimestampTz: &pb.Expression_Literal_PrecisionTimestamp{Precision: 9, Value: 5001}}}, model.Null, false},
		{"boolean", &pb.Expression_Literal{LiteralType: &pb.Expression_Literal_Boolean{Boolean: true}}, model.BoolValue(true), true},
		{"typed null", &pb.Expression_Literal{LiteralType: &pb.Expression_Literal_Null{Null: &pb.Type{}}}, model.Null, true},
		{"interval has no domain", &pb.Expression_Literal{LiteralType: &pb.Expression_Literal_IntervalYearToMonth_{IntervalYearToMonth: &pb.Expression_Literal_IntervalYearToMonth{Years: 1}}}, model.Null, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := LiteralValue(tc.lit)
			if ok != tc.ok || got.Kind != tc.want.Kind || got.String() != tc.want.String() {
				t.Fatalf("got %v (%v), %v; want %v (%v), %v", got, got.Kind, ok, tc.want, tc.want.Kind, tc.ok)
			}
		})
	}
}
