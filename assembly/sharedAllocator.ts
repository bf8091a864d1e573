// The allocator half of the WASM ABI for threaded kernels (src/kernels/wasmAbi.ts): the bump
// allocator of allocator.ts, with its top kept in the shared memory and moved by atomic
// compare-and-swap, so every thread's instance (each has its own globals) allocates from the
// same heap. The host resets it before each unit, from one thread, while no thread runs.
const HEAP_TOP: usize = memory.data(16, 16)

function heapStart(): usize {
  return (__heap_base + 15) & ~(<usize>15)
}

export function reset(): void {
  atomic.store<u32>(HEAP_TOP, <u32>heapStart())
}

/** Reserves `bytes` bytes, growing memory as needed; returns 0 when memory cannot grow. */
export function alloc(bytes: u32): usize {
  if (bytes > 0xffff0000) return 0
  atomic.cmpxchg<u32>(HEAP_TOP, 0, <u32>heapStart())
  while (true) {
    const start = atomic.load<u32>(HEAP_TOP)
    const end: u64 = <u64>start + ((<u64>bytes + 15) & ~(<u64>15))
    if (end > 0xffffffff) return 0
    const neededPages = <i32>((end + 0xffff) >> 16)
    // Another thread may grow memory at the same time: whichever grows, the size is what counts.
    const pages = memory.size()
    if (neededPages > pages && memory.grow(neededPages - pages) < 0 && memory.size() < neededPages)
      return 0
    if (atomic.cmpxchg<u32>(HEAP_TOP, start, <u32>end) == start) return <usize>start
  }
  return 0
}
