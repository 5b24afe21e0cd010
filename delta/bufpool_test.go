package delta

import (
	"context"
	"os"
	"reflect"
	"testing"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

func TestBufferPool(t *testing.T) {
	p := &bufferPool{}
	for _, size := range []int{1, 63, 64, 100, 4096, 1<<20 + 3} {
		b := p.Allocate(size)
		if len(b) != size || uintptr(unsafe.Pointer(&b[0]))%poolAlign != 0 {
			t.Fatalf("Allocate(%d): len %d, address %p", size, len(b), &b[0])
		}
		for i := range b[:cap(b)] {
			b[:cap(b)][i] = 0xff // dirty the whole buffer before it is recycled
		}
		p.Free(b)
		c := p.Allocate(size)
		for i, x := range c {
			if x != 0 {
				t.Fatalf("Allocate(%d) after Free: byte %d is %#x, want zeroed", size, i, x)
			}
		}
		c[0] = 7
		g := p.Reallocate(cap(c), c) // grows into the dirty tail
		if len(g) != cap(c) || g[0] != 7 {
			t.Fatalf("Reallocate in place: len %d, first byte %d", len(g), g[0])
		}
		for i, x := range g[1:] {
			if x != 0 {
				t.Fatalf("Reallocate(%d) exposes byte %d = %#x", cap(c), i+1, x)
			}
		}
		if h := p.Reallocate(2*cap(c)+1, g); len(h) != 2*cap(c)+1 || h[0] != 7 {
			t.Fatalf("Reallocate: len %d", len(h))
		}
	}
	p.Free(make([]byte, 100)) // not from the pool: ignored
	if b := p.Allocate(0); len(b) != 0 {
		t.Fatal("Allocate(0) not empty")
	}
}

// TestBufferPoolSameSnapshot: snapshots decoded with recycled buffers
// equal those decoded with arrow's allocator, also when the buffers have
// been used before (nothing kept from a batch may alias its buffers).
func TestBufferPoolSameSnapshot(t *testing.T) {
	ctx := context.Background()
	tables := []string{"multi-part-checkpoint", "basic-with-inserts-deletes-checkpoint", "app-txn-checkpoint"}
	if big := os.Getenv("DELTAPLAN_POOL_TABLE"); big != "" { // e.g. a bench/deltagen table
		tables = append(tables, big)
	}
	load := func(alloc memory.Allocator, dir string) *Snapshot {
		old := addBuffers
		addBuffers = alloc
		defer func() { addBuffers = old }()
		tbl, err := openDir(ctx, dir)
		if err != nil {
			t.Fatal(err)
		}
		s, err := tbl.Snapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	pool := &bufferPool{}
	for _, name := range tables {
		dir := name
		if _, err := os.Stat(dir); err != nil {
			dir = copyTable(t, name)
		}
		want := load(memory.DefaultAllocator, dir)
		for round := range 3 {
			if got := load(pool, dir); !reflect.DeepEqual(got.Files, want.Files) {
				t.Errorf("%s round %d: files differ with recycled buffers", name, round)
			}
		}
	}
}
