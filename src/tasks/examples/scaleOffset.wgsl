// y = a * x + b over f32 items: the Task API's WGSL example (docs/task-api.md).

// Binding 2: the 16-byte unit header, then the job's params in manifest order.
struct Uniforms {
  unitIndex: u32,
  unitCount: u32,
  inputBytes: u32,
  workgroupOffset: u32,
  a: f32,
  b: f32,
}

@group(0) @binding(0) var<storage, read> input: array<f32>;
@group(0) @binding(1) var<storage, read_write> output: array<f32>;
@group(0) @binding(2) var<uniform> uniforms: Uniforms;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_index) local: u32) {
  // The engine may cut a unit's dispatch into slices; workgroupOffset places this one.
  let i = (uniforms.workgroupOffset + group.x) * 64u + local;
  // The last unit may be short, and the dispatch is rounded up to whole workgroups.
  if (i >= uniforms.inputBytes / 4u) {
    return;
  }
  output[i] = uniforms.a * input[i] + uniforms.b;
}
