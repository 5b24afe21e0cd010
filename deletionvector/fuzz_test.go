package deletionvector

import (
	"context"
	"testing"
)

// FuzzDecode: arbitrary bytes never panic; what decodes re-encodes to a
// bitmap with the same rows.
func FuzzDecode(f *testing.F) {
	f.Add(serialize(f, 1, 2, 3))
	f.Add(serialize(f))
	f.Add(serialize(f, 0, 1<<32, 1<<40))
	f.Add([]byte{0xd1, 0xd3, 0x39, 0x64, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		bm, err := Decode(data)
		if err != nil {
			return
		}
		again, err := Decode(serialize(t, bm.ToArray()...))
		if err != nil || !again.Equals(bm) {
			t.Fatalf("round trip changed the bitmap: %v", err)
		}
	})
}

// FuzzUniqueID: any id either fails with an error or loads/errs without
// panicking, inline or stored.
func FuzzUniqueID(f *testing.F) {
	f.Add("i^Bg9^0rr910000000000iXQKl0rr91000005c8Xg##093", int64(1))
	f.Add("u0Mb{.bIUQYOtd%By%1f@@1", int64(2))
	f.Add("pdv.bin@1", int64(0))
	file, _ := frame(serialize(f, 3))
	st := memFiles{"dv.bin": file}
	f.Fuzz(func(t *testing.T, id string, card int64) {
		d, err := ParseUniqueID(id, card)
		if err != nil {
			return
		}
		// "@007" and "@7" are one offset: compare descriptors, not text.
		again, err := ParseUniqueID(d.UniqueID(), card)
		if err != nil || again != d {
			t.Fatalf("round trip %q -> %q: %+v vs %+v (%v)", id, d.UniqueID(), d, again, err)
		}
		_, _ = Load(context.Background(), st, d)
	})
}
