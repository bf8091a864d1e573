// C = A × B for n×n row-major f32 matrices: the input holds A then B, the output is C.
// Tiled through workgroup memory with register blocking, as GPU SGEMM kernels do: a workgroup
// computes a (workgroupSizeY·8)×(workgroupSizeX·8) tile of C, each invocation an 8×8 block of
// it held in sixteen vec4 accumulators, stepping through k in slices of TILE_K staged in
// workgroup memory. An invocation's rows are two groups of four, workgroupSizeY·4 rows apart,
// and its columns two vec4s, workgroupSizeX·4 columns apart, so that neighbouring invocations
// read neighbouring vec4s of the tiles (no bank conflicts on a GPU).
//
// Per k an invocation reads 16 floats of workgroup memory for 64 multiply-adds: on a GPU that
// arithmetic intensity keeps the ALUs busy; on SwiftShader (the CPU, four invocations per SIMD
// vector) the 8×8 block took half the time of a 4×4 one (docs/benchmarks.md, matmul).

override workgroupSizeX: u32 = 16;
override workgroupSizeY: u32 = 8;
override workgroupSizeZ: u32 = 1;

// Rows and columns of C per invocation: eight, as two vec4s of rows × two vec4s of columns.
const BLOCK: u32 = 8u;
// k per slice of the tiles; 8 keeps the unrolled inner loop small enough to compile quickly on
// SwiftShader (16 takes seconds) and the tiles at 6 KiB.
const TILE_K: u32 = 8u;

override tileRows: u32 = workgroupSizeY * BLOCK;
override tileCols: u32 = workgroupSizeX * BLOCK;
override invocations: u32 = workgroupSizeX * workgroupSizeY;
// Tiles in vec4s, k-major: tileA[k][rows / 4] holds four consecutive rows of A at one k,
// tileB[k][cols / 4] four consecutive columns of B.
override tileAQuads: u32 = tileRows / 4u;
override tileBQuads: u32 = tileCols / 4u;
override tileAVec4s: u32 = TILE_K * tileAQuads;
override tileBVec4s: u32 = TILE_K * tileBQuads;
// Cooperative loads: each invocation fills `aLoads` vec4s of tileA and `bLoads` of tileB per
// slice. createMatmulProgram's workgroup makes both exact: invocations is a multiple of
// TILE_K and of tileBQuads, and divides both tile sizes.
override aLoads: u32 = tileAVec4s / invocations;
override bLoads: u32 = tileBVec4s / invocations;

struct Params {
  n: u32,
}

@group(0) @binding(0) var<storage, read> input: array<f32>;
@group(0) @binding(1) var<storage, read_write> output: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

// 16×8 invocations: 8×64 + 8×128 floats = 6 KiB, well inside the WebGPU default 16 KiB.
var<workgroup> tileA: array<vec4<f32>, tileAVec4s>;
var<workgroup> tileB: array<vec4<f32>, tileBVec4s>;

// Elements past the matrix edge read as zeros, so the products need no bounds checks.
fn loadA(row: u32, k: u32, n: u32) -> f32 {
  return select(0.0, input[row * n + k], row < n && k < n);
}

fn loadB(k: u32, col: u32, n: u32) -> f32 {
  return select(0.0, input[n * n + k * n + col], k < n && col < n);
}

@compute @workgroup_size(workgroupSizeX, workgroupSizeY, workgroupSizeZ)
fn main(
  @builtin(workgroup_id) workgroup: vec3<u32>,
  @builtin(local_invocation_id) local: vec3<u32>,
  @builtin(local_invocation_index) localIndex: u32,
) {
  let n = params.n;
  let tileRow0 = workgroup.y * tileRows;
  let tileCol0 = workgroup.x * tileCols;

  // What this invocation loads: its k within the slice and first row quad of tileA; its
  // column quad and first k of tileB. Consecutive invocations read consecutive addresses.
  let aK = localIndex % TILE_K;
  let aQuad = localIndex / TILE_K;
  let bQuad = localIndex % tileBQuads;
  let bK = localIndex / tileBQuads;

  // Sixteen named accumulators rather than an array: an array indexed in a loop may live in
  // memory instead of registers. accRC: row group R (0: rows 0..3, 1: rows 4..7), row R·4+i
  // in field i of the row quad, column vec4 C.
  var acc00 = vec4<f32>();
  var acc01 = vec4<f32>();
  var acc02 = vec4<f32>();
  var acc03 = vec4<f32>();
  var acc04 = vec4<f32>();
  var acc05 = vec4<f32>();
  var acc06 = vec4<f32>();
  var acc07 = vec4<f32>();
  var acc10 = vec4<f32>();
  var acc11 = vec4<f32>();
  var acc12 = vec4<f32>();
  var acc13 = vec4<f32>();
  var acc14 = vec4<f32>();
  var acc15 = vec4<f32>();
  var acc16 = vec4<f32>();
  var acc17 = vec4<f32>();

  for (var k0 = 0u; k0 < n; k0 += TILE_K) {
    for (var s = 0u; s < aLoads; s++) {
      let quad = aQuad + s * (invocations / TILE_K);
      let row = tileRow0 + quad * 4u;
      let k = k0 + aK;
      tileA[aK * tileAQuads + quad] = vec4<f32>(
        loadA(row, k, n),
        loadA(row + 1u, k, n),
        loadA(row + 2u, k, n),
        loadA(row + 3u, k, n),
      );
    }
    for (var s = 0u; s < bLoads; s++) {
      let kk = bK + s * (invocations / tileBQuads);
      let k = k0 + kk;
      let col = tileCol0 + bQuad * 4u;
      tileB[kk * tileBQuads + bQuad] = vec4<f32>(
        loadB(k, col, n),
        loadB(k, col + 1u, n),
        loadB(k, col + 2u, n),
        loadB(k, col + 3u, n),
      );
    }
    workgroupBarrier();

    for (var k = 0u; k < TILE_K; k++) {
      let a0 = tileA[k * tileAQuads + local.y];
      let a1 = tileA[k * tileAQuads + local.y + workgroupSizeY];
      let b0 = tileB[k * tileBQuads + local.x];
      let b1 = tileB[k * tileBQuads + local.x + workgroupSizeX];
      acc00 = fma(vec4<f32>(a0.x), b0, acc00);
      acc01 = fma(vec4<f32>(a0.x), b1, acc01);
      acc02 = fma(vec4<f32>(a0.y), b0, acc02);
      acc03 = fma(vec4<f32>(a0.y), b1, acc03);
      acc04 = fma(vec4<f32>(a0.z), b0, acc04);
      acc05 = fma(vec4<f32>(a0.z), b1, acc05);
      acc06 = fma(vec4<f32>(a0.w), b0, acc06);
      acc07 = fma(vec4<f32>(a0.w), b1, acc07);
      acc10 = fma(vec4<f32>(a1.x), b0, acc10);
      acc11 = fma(vec4<f32>(a1.x), b1, acc11);
      acc12 = fma(vec4<f32>(a1.y), b0, acc12);
      acc13 = fma(vec4<f32>(a1.y), b1, acc13);
      acc14 = fma(vec4<f32>(a1.z), b0, acc14);
      acc15 = fma(vec4<f32>(a1.z), b1, acc15);
      acc16 = fma(vec4<f32>(a1.w), b0, acc16);
      acc17 = fma(vec4<f32>(a1.w), b1, acc17);
    }
    workgroupBarrier();
  }

  let row0 = tileRow0 + local.y * 4u;
  let row1 = row0 + tileRows / 2u;
  let col0 = tileCol0 + local.x * 4u;
  let col1 = col0 + tileCols / 2u;
  store(row0, col0, n, acc00);
  store(row0, col1, n, acc01);
  store(row0 + 1u, col0, n, acc02);
  store(row0 + 1u, col1, n, acc03);
  store(row0 + 2u, col0, n, acc04);
  store(row0 + 2u, col1, n, acc05);
  store(row0 + 3u, col0, n, acc06);
  store(row0 + 3u, col1, n, acc07);
  store(row1, col0, n, acc10);
  store(row1, col1, n, acc11);
  store(row1 + 1u, col0, n, acc12);
  store(row1 + 1u, col1, n, acc13);
  store(row1 + 2u, col0, n, acc14);
  store(row1 + 2u, col1, n, acc15);
  store(row1 + 3u, col0, n, acc16);
  store(row1 + 3u, col1, n, acc17);
}

// Four consecutive elements of one row of C, clipped at the matrix edge.
fn store(row: u32, col: u32, n: u32, values: vec4<f32>) {
  if (row >= n) {
    return;
  }
  for (var c = 0u; c < 4u && col + c < n; c++) {
    output[row * n + col + c] = values[c];
  }
}
