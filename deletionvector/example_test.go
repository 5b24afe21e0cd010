package deletionvector_test

import (
	"context"
	"fmt"

	"github.com/deltaplan/deltaplan/deletionvector"
)

// An inline deletion vector from a Delta log, decoded and checked against
// its cardinality, and where a relative one is stored.
func ExampleLoad() {
	d := deletionvector.Descriptor{StorageType: 'i', PathOrInlineDv: "^Bg9^0rr910000000000iXQKl0rr91000315c8Xg000f5", SizeInBytes: 36, Cardinality: 2}
	bm, err := deletionvector.Load(context.Background(), nil, d)
	if err != nil {
		panic(err)
	}
	fmt.Println(bm.ToArray())
	rel := deletionvector.Descriptor{StorageType: 'u', PathOrInlineDv: "ab^-aqEH.-t@S}K{vb[*k^", Cardinality: 1}
	p, err := rel.RelativePath()
	fmt.Println(p, err)
	// Output:
	// [0 5]
	// ab/deletion_vector_d2c639aa-8816-431a-aaf6-d3fe2512ff61.bin <nil>
}
