// C = A × B for n×n row-major f32 matrices: the input holds A then B, the output is C.
// Tiled through workgroup memory with register blocking: a workgroup computes a
// (workgroupSizeY·4)×(workgroupSizeX·4) tile of C, each invocation a 4×4 block of it kept in
// registers, stepping through k in slices of TILE_K staged in workgroup memory.

override workgroupSizeX: u32 = 16;
override workgroupSizeY: u32 = 16;
override workgroupSizeZ: u32 = 1;

const ROWS_PER_INVOCATION: u32 = 4u;
const COLS_PER_INVOCATION: u32 = 4u; // one vec4 of C per row
const TILE_K: u32 = 16u;

override tileRows: u32 = workgroupSizeY * ROWS_PER_INVOCATION;
override tileCols: u32 = workgroupSizeX * COLS_PER_INVOCATION;
override invocations: u32 = workgroupSizeX * workgroupSizeY;
override tileAElements: u32 = tileRows * TILE_K;
override tileBElements: u32 = TILE_K * tileCols;

struct Params {
  n: u32,
}

@group(0) @binding(0) var<storage, read> input: array<f32>;
@group(0) @binding(1) var<storage, read_write> output: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

// 16×16 invocations: 64×16 + 16×64 floats = 8 KiB, half the WebGPU default limit.
var<workgroup> tileA: array<f32, tileAElements>; // tileRows × TILE_K
var<workgroup> tileB: array<f32, tileBElements>; // TILE_K × tileCols

@compute @workgroup_size(workgroupSizeX, workgroupSizeY, workgroupSizeZ)
fn main(
  @builtin(workgroup_id) workgroup: vec3<u32>,
  @builtin(local_invocation_id) local: vec3<u32>,
  @builtin(local_invocation_index) localIndex: u32,
) {
  let n = params.n;
  let bOffset = n * n;
  let tileRow0 = workgroup.y * tileRows;
  let tileCol0 = workgroup.x * tileCols;
  let row0 = local.y * ROWS_PER_INVOCATION;
  let col0 = local.x * COLS_PER_INVOCATION;

  // Four named accumulators rather than an array: an array indexed in a loop may live in
  // memory instead of registers.
  var acc0 = vec4<f32>();
  var acc1 = vec4<f32>();
  var acc2 = vec4<f32>();
  var acc3 = vec4<f32>();

  let kTiles = (n + TILE_K - 1u) / TILE_K;
  for (var t = 0u; t < kTiles; t++) {
    let k0 = t * TILE_K;
    // Cooperative loads, consecutive invocations reading consecutive addresses; elements
    // past the matrix edge are zeros, so the products below need no bounds checks.
    for (var i = localIndex; i < tileAElements; i += invocations) {
      let r = tileRow0 + i / TILE_K;
      let k = k0 + i % TILE_K;
      tileA[i] = select(0.0, input[r * n + k], r < n && k < n);
    }
    for (var i = localIndex; i < tileBElements; i += invocations) {
      let k = k0 + i / tileCols;
      let c = tileCol0 + i % tileCols;
      tileB[i] = select(0.0, input[bOffset + k * n + c], k < n && c < n);
    }
    workgroupBarrier();

    for (var k = 0u; k < TILE_K; k++) {
      let b = vec4<f32>(
        tileB[k * tileCols + col0],
        tileB[k * tileCols + col0 + 1u],
        tileB[k * tileCols + col0 + 2u],
        tileB[k * tileCols + col0 + 3u],
      );
      acc0 = fma(vec4<f32>(tileA[row0 * TILE_K + k]), b, acc0);
      acc1 = fma(vec4<f32>(tileA[(row0 + 1u) * TILE_K + k]), b, acc1);
      acc2 = fma(vec4<f32>(tileA[(row0 + 2u) * TILE_K + k]), b, acc2);
      acc3 = fma(vec4<f32>(tileA[(row0 + 3u) * TILE_K + k]), b, acc3);
    }
    workgroupBarrier();
  }

  let row = tileRow0 + row0;
  let col = tileCol0 + col0;
  store(row, col, n, acc0);
  store(row + 1u, col, n, acc1);
  store(row + 2u, col, n, acc2);
  store(row + 3u, col, n, acc3);
}

// One row of an invocation's block, clipped at the matrix edge.
fn store(row: u32, col: u32, n: u32, values: vec4<f32>) {
  if (row >= n) {
    return;
  }
  for (var c = 0u; c < COLS_PER_INVOCATION && col + c < n; c++) {
    output[row * n + col + c] = values[c];
  }
}
