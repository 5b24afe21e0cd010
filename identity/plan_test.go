package identity

import (
	"github.com/substrait-io/substrait-protobuf/go/substraitpb"
	"github.com/substrait-io/substrait-protobuf/go/substraitpb/extensions"
)

// Hand-built plans: the shapes the mutation suite edits.
//
//	root(names) <- project(add(field 0, literal)) <- join(equal(field 0, field 2))
//	                                                   left: read nation, right: read region

const (
	urnArith = "extension:io.substrait:functions_arithmetic"
	urnCmp   = "extension:io.substrait:functions_comparison"
)

func i64Type() *substraitpb.Type {
	return &substraitpb.Type{Kind: &substraitpb.Type_I64_{I64: &substraitpb.Type_I64{Nullability: substraitpb.Type_NULLABILITY_REQUIRED}}}
}

func strType() *substraitpb.Type {
	return &substraitpb.Type{Kind: &substraitpb.Type_String_{String_: &substraitpb.Type_String{Nullability: substraitpb.Type_NULLABILITY_NULLABLE}}}
}

func fieldRef(i int32) *substraitpb.Expression {
	return &substraitpb.Expression{RexType: &substraitpb.Expression_Selection{Selection: &substraitpb.Expression_FieldReference{
		ReferenceType: &substraitpb.Expression_FieldReference_DirectReference{DirectReference: &substraitpb.Expression_ReferenceSegment{
			ReferenceType: &substraitpb.Expression_ReferenceSegment_StructField_{StructField: &substraitpb.Expression_ReferenceSegment_StructField{Field: i}},
		}},
		RootType: &substraitpb.Expression_FieldReference_RootReference_{RootReference: &substraitpb.Expression_FieldReference_RootReference{}},
	}}}
}

func i64Lit(v int64) *substraitpb.Expression {
	return &substraitpb.Expression{RexType: &substraitpb.Expression_Literal_{Literal: &substraitpb.Expression_Literal{
		LiteralType: &substraitpb.Expression_Literal_I64{I64: v}}}}
}

func call(anchor uint32, out *substraitpb.Type, args ...*substraitpb.Expression) *substraitpb.Expression {
	fa := make([]*substraitpb.FunctionArgument, len(args))
	for i, a := range args {
		fa[i] = &substraitpb.FunctionArgument{ArgType: &substraitpb.FunctionArgument_Value{Value: a}}
	}
	return &substraitpb.Expression{RexType: &substraitpb.Expression_ScalarFunction_{ScalarFunction: &substraitpb.Expression_ScalarFunction{
		FunctionReference: anchor, Arguments: fa, OutputType: out}}}
}

func read(table string, names []string, types ...*substraitpb.Type) *substraitpb.Rel {
	return &substraitpb.Rel{RelType: &substraitpb.Rel_Read{Read: &substraitpb.ReadRel{
		Common:     &substraitpb.RelCommon{EmitKind: &substraitpb.RelCommon_Direct_{Direct: &substraitpb.RelCommon_Direct{}}},
		BaseSchema: &substraitpb.NamedStruct{Names: names, Struct: &substraitpb.Type_Struct{Types: types, Nullability: substraitpb.Type_NULLABILITY_REQUIRED}},
		ReadType:   &substraitpb.ReadRel_NamedTable_{NamedTable: &substraitpb.ReadRel_NamedTable{Names: []string{table}}},
	}}}
}

func funcDecl(urnRef, anchor uint32, name string) *extensions.SimpleExtensionDeclaration {
	return &extensions.SimpleExtensionDeclaration{MappingType: &extensions.SimpleExtensionDeclaration_ExtensionFunction_{
		ExtensionFunction: &extensions.SimpleExtensionDeclaration_ExtensionFunction{
			ExtensionUrnReference: urnRef, FunctionAnchor: anchor, Name: name}}}
}

// samplePlan builds the reference plan. Function anchors: 10 add, 11 equal.
func samplePlan() *substraitpb.Plan {
	join := &substraitpb.Rel{RelType: &substraitpb.Rel_Join{Join: &substraitpb.JoinRel{
		Left:       read("nation", []string{"n_nationkey", "n_name", "n_regionkey"}, i64Type(), strType(), i64Type()),
		Right:      read("region", []string{"r_regionkey"}, i64Type()),
		Expression: call(11, &substraitpb.Type{Kind: &substraitpb.Type_Bool{Bool: &substraitpb.Type_Boolean{}}}, fieldRef(2), fieldRef(3)),
		Type:       substraitpb.JoinRel_JOIN_TYPE_INNER,
	}}}
	project := &substraitpb.Rel{RelType: &substraitpb.Rel_Project{Project: &substraitpb.ProjectRel{
		Common:      &substraitpb.RelCommon{EmitKind: &substraitpb.RelCommon_Emit_{Emit: &substraitpb.RelCommon_Emit{OutputMapping: []int32{1, 4}}}},
		Input:       join,
		Expressions: []*substraitpb.Expression{call(10, i64Type(), fieldRef(0), i64Lit(1))},
	}}}
	return &substraitpb.Plan{
		Version: &substraitpb.Version{MinorNumber: 85, Producer: "deltaplan-test"},
		ExtensionUrns: []*extensions.SimpleExtensionURN{
			{ExtensionUrnAnchor: 1, Urn: urnArith},
			{ExtensionUrnAnchor: 2, Urn: urnCmp},
		},
		Extensions: []*extensions.SimpleExtensionDeclaration{
			funcDecl(1, 10, "add:i64_i64"),
			funcDecl(2, 11, "equal:any_any"),
		},
		Relations: []*substraitpb.PlanRel{{RelType: &substraitpb.PlanRel_Root{Root: &substraitpb.RelRoot{
			Input: project, Names: []string{"n_name", "key_plus_one"}}}}},
	}
}
