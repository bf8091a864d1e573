// A batch of dense matrix products under the Task API's binding contract: the unit's input is
// one or more independent pairs (A, B) of n×n row-major f32 matrices, each A followed by its B;
// the output is each C = A × B in the same order. One invocation per element of C.
//
// Kept simple rather than tiled like matmul.wgsl: the linear dispatch gives a workgroup 64
// consecutive elements of the flat output, which for most n straddle rows and even matrices, so
// there is no fixed tile of A or B for a workgroup to stage in workgroup memory; and the small
// matrices of a batch (n = 64 in the catalogue job) are read from cache anyway.

struct Uniforms {
  unitIndex: u32,
  unitCount: u32,
  inputBytes: u32,
  workgroupOffset: u32,
  n: u32,
}

@group(0) @binding(0) var<storage, read> input: array<f32>;
@group(0) @binding(1) var<storage, read_write> output: array<f32>;
@group(0) @binding(2) var<uniform> uniforms: Uniforms;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_index) local: u32) {
  // The engine may cut a unit's dispatch into slices; workgroupOffset places this one.
  let element = (uniforms.workgroupOffset + group.x) * 64u + local;
  let n = uniforms.n;
  let matrixElements = n * n;
  // One C per pair of the unit's input (the last unit may hold fewer pairs); the dispatch is
  // rounded up to whole workgroups.
  let pairs = uniforms.inputBytes / (8u * matrixElements);
  if (element >= pairs * matrixElements) {
    return;
  }
  let pair = element / matrixElements;
  let row = (element % matrixElements) / n;
  let col = element % n;
  let a = pair * 2u * matrixElements + row * n;
  let b = (pair * 2u + 1u) * matrixElements + col;
  var sum = 0.0;
  for (var k = 0u; k < n; k++) {
    sum += input[a + k] * input[b + k * n];
  }
  output[element] = sum;
}
