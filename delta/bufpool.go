package delta

import (
	"math/bits"
	"sync"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// bufferPool is an arrow memory.Allocator that recycles the buffers the
// parquet reader frees (each record batch releases its buffers before the
// next is decoded) instead of leaving them to the garbage collector. A
// checkpoint of a million files decodes about a gigabyte of short-lived
// buffers; recycling them keeps the heap near the live data.
//
// Only data copied out of the batches may outlive them: everything kept
// from a decoded add row (path, partition values, statistics) is copied.
type bufferPool struct {
	classes [64]sync.Pool // by log2 of the capacity
}

// addBuffers serves the decoding of checkpoint add rows (a variable so
// tests can compare with arrow's own allocator).
var addBuffers memory.Allocator = &bufferPool{}

const poolAlign = 64 // as arrow's GoAllocator: 64-byte aligned buffers

// Allocate returns zeroed, 64-byte aligned memory of len size and a
// power-of-two capacity. Only what a caller can see is zeroed: [0, size)
// here, the extension in Reallocate.
func (p *bufferPool) Allocate(size int) []byte {
	if size <= 0 {
		return []byte{}
	}
	c := bits.Len(uint(size - 1))
	if v, ok := p.classes[c].Get().(*[]byte); ok {
		b := (*v)[:size]
		clear(b) // the tail beyond size is cleared when Reallocate extends into it
		return b
	}
	raw := make([]byte, 1<<c+poolAlign)
	shift := (poolAlign - int(uintptr(unsafe.Pointer(&raw[0]))%poolAlign)) % poolAlign
	return raw[shift : shift+size : shift+1<<c]
}

// Reallocate grows b to size, keeping its contents.
func (p *bufferPool) Reallocate(size int, b []byte) []byte {
	if size <= cap(b) {
		n := len(b)
		b = b[:size]
		if size > n {
			clear(b[n:]) // recycled memory: zero it as fresh memory would be
		}
		return b
	}
	nb := p.Allocate(size)
	copy(nb, b)
	p.Free(b)
	return nb
}

// Free recycles b; buffers this pool did not make are left to the GC.
func (p *bufferPool) Free(b []byte) {
	c := cap(b)
	if c == 0 || c&(c-1) != 0 || uintptr(unsafe.Pointer(unsafe.SliceData(b)))%poolAlign != 0 {
		return
	}
	b = b[:c]
	p.classes[bits.Len(uint(c-1))].Put(&b)
}
