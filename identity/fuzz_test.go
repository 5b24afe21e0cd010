package identity

import (
	"testing"

	"github.com/substrait-io/substrait-protobuf/go/substraitpb"
	"google.golang.org/protobuf/proto"
)

// FuzzParseDigest: parsing never panics and what parses prints back as is.
func FuzzParseDigest(f *testing.F) {
	f.Add("sha256:" + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
	f.Add("")
	f.Add("sha256:")
	f.Add("SHA256:00")
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDigest(s)
		if err != nil {
			return
		}
		if d.String() != s {
			t.Fatalf("%q parsed but prints as %q", s, d.String())
		}
	})
}

// FuzzFingerprintBinary: any binary protobuf that decodes as a Plan either
// fingerprints or errors (never panics), and a re-encoded copy fingerprints
// the same.
func FuzzFingerprintBinary(f *testing.F) {
	seed, err := proto.Marshal(samplePlan())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	for _, file := range []string{"isthmus/integration-tpch-q06.json", "substrait-java/plan-roundtrip-simple-input-plan.json"} {
		p, _ := loadPlan(f, file)
		b, err := proto.Marshal(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p := &substraitpb.Plan{}
		if err := proto.Unmarshal(data, p); err != nil {
			return
		}
		d1, err := FingerprintPlan(p, nil)
		if err != nil {
			return
		}
		if ref, err := fingerprintReflect(p, nil); err != nil || ref != d1 {
			t.Fatalf("wire walk %s, reflection walk %s (%v)", d1, ref, err)
		}
		b, err := proto.Marshal(p)
		if err != nil {
			t.Fatalf("re-marshal: %v", err)
		}
		q := &substraitpb.Plan{}
		if err := proto.Unmarshal(b, q); err != nil {
			t.Fatalf("re-unmarshal: %v", err)
		}
		d2, err := FingerprintPlan(q, nil)
		if err != nil || d1 != d2 {
			t.Fatalf("re-encoded plan: %v %v vs %v", err, d2, d1)
		}
		if _, err := DiffPlans(p, q, nil, nil); err != nil {
			t.Fatalf("diff: %v", err)
		}
	})
}
