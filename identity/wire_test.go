package identity

import (
	"testing"

	"github.com/substrait-io/substrait-protobuf/go/substraitpb"
)

// TestWireMatchesReflection: the fast wire walk and the reference
// reflection walk agree on every corpus plan and every mutated sample.
func TestWireMatchesReflection(t *testing.T) {
	check := func(name string, p *substraitpb.Plan, r Resolver) {
		t.Helper()
		a, errA := fingerprintWire(p, r)
		b, errB := fingerprintReflect(p, r)
		if errA != nil || errB != nil || a != b {
			t.Errorf("%s: wire %s (%v), reflection %s (%v)", name, a, errA, b, errB)
		}
	}
	for _, f := range reproPlans(t) {
		p, r := loadPlan(t, f)
		check(f, p, r)
	}
	check("sample", samplePlan(), nil)
	p := samplePlan()
	pr, j, l, _ := relAt(p)
	pr.Common.GetEmit().OutputMapping = []int32{-1, 300, 0}
	j.PostJoinFilter = call(11, strType(), i64Lit(-5), i64Lit(1<<40))
	l.Common = &substraitpb.RelCommon{Hint: &substraitpb.RelCommon_Hint{Alias: "x"}}
	check("mutated sample", p, nil)
	if planHasMaps() {
		t.Log("schema has map fields: FingerprintPlan uses the reflection walk")
	}
}
