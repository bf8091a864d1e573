// C = A × B for n×n row-major f32 matrices, one invocation per element of C, every operand
// read from storage: the baseline the tiled kernel is measured against.

override workgroupSizeX: u32 = 16;
override workgroupSizeY: u32 = 16;
override workgroupSizeZ: u32 = 1;

struct Params {
  n: u32,
}

@group(0) @binding(0) var<storage, read> input: array<f32>;
@group(0) @binding(1) var<storage, read_write> output: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

@compute @workgroup_size(workgroupSizeX, workgroupSizeY, workgroupSizeZ)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let n = params.n;
  let row = id.y;
  let col = id.x;
  if (row >= n || col >= n) {
    return;
  }
  let bOffset = n * n;
  var sum = 0.0;
  for (var k = 0u; k < n; k++) {
    sum = fma(input[row * n + k], input[bOffset + k * n + col], sum);
  }
  output[row * n + col] = sum;
}
