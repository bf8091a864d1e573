// The allocator half of the WASM ABI (src/kernels/wasmAbi.ts), shared by every kernel.
// A bump allocator: the host resets it before each unit, so a unit never sees another's data
// and nothing needs freeing. 16-byte alignment keeps f64 and v128 loads aligned.
let heapTop: usize = 0

function heapStart(): usize {
  return (__heap_base + 15) & ~(<usize>15)
}

export function reset(): void {
  heapTop = heapStart()
}

/** Reserves `bytes` bytes, growing memory as needed; returns 0 when memory cannot grow. */
export function alloc(bytes: u32): usize {
  if (heapTop == 0) heapTop = heapStart()
  if (bytes > 0xffff0000) return 0
  const start = heapTop
  const end: u64 = <u64>start + ((<u64>bytes + 15) & ~(<u64>15))
  const neededPages = <i32>((end + 0xffff) >> 16)
  const pages = memory.size()
  if (neededPages > pages && memory.grow(neededPages - pages) < 0) return 0
  heapTop = <usize>end
  return start
}
