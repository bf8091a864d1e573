// y = a * x + b over f32 items: the Task API's WGSL example (docs/task-api.md).

// Binding 2: the 16-byte unit header, then the job's params in manifest order.
struct Uniforms {
  unitIndex: u32,
  unitCount: u32,
  inputBytes: u32,
  pad: u32,
  a: f32,
  b: f32,
}

@group(0) @binding(0) var<storage, read> input: array<f32>;
@group(0) @binding(1) var<storage, read_write> output: array<f32>;
@group(0) @binding(2) var<uniform> uniforms: Uniforms;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let i = id.x;
  // The last unit may be short, and the dispatch is rounded up to whole workgroups.
  if (i >= uniforms.inputBytes / 4u) {
    return;
  }
  output[i] = uniforms.a * input[i] + uniforms.b;
}
