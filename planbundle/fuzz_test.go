package planbundle

import (
	"testing"

	"github.com/deltaplan/deltaplan/delta"
	"github.com/deltaplan/deltaplan/lineage"
)

// FuzzSchemaCheck: any plan that decodes is checked against a table schema
// without panicking, and a fitting read resolves every top-level column.
func FuzzSchemaCheck(f *testing.F) {
	f.Add(revenuePlan(f))
	f.Add(joinPlan(f))
	schema, err := delta.ParseSchema(`{"type":"struct","fields":[
		{"name":"order_id","type":"long","nullable":false,"metadata":{}},
		{"name":"region","type":"string","nullable":true,"metadata":{}},
		{"name":"order_date","type":"date","nullable":true,"metadata":{}},
		{"name":"amount","type":"decimal(12,2)","nullable":true,"metadata":{}},
		{"name":"s","type":{"type":"struct","fields":[{"name":"x","type":{"type":"array","elementType":"integer","containsNull":true},"nullable":true,"metadata":{}},
			{"name":"m","type":{"type":"map","keyType":"string","valueType":"double","valueContainsNull":false},"nullable":true,"metadata":{}}]},"nullable":true,"metadata":{}}]}`)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		prep, err := Prepare(data)
		if err != nil {
			return
		}
		for _, rd := range prep.Lineage().Reads {
			rs, err := checkSchema(rd, schema)
			if err == nil && len(rs.Columns) != countTop(rd) {
				t.Fatalf("read %s fits but resolved %d of %d columns", rd.Path, len(rs.Columns), countTop(rd))
			}
		}
	})
}

// countTop is the number of top-level columns of a read's base schema.
func countTop(rd lineage.Read) int {
	if n := len(rd.BaseSchema.GetStruct().GetTypes()); n > 0 {
		return n
	}
	return len(rd.BaseSchema.GetNames())
}
