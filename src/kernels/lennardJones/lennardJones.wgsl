// Lennard-Jones molecular dynamics: each input item is a periodic box of 64 atoms, eight f32 per
// atom (x y z vx vy vz potential kinetic; the energies are ignored on input). One workgroup
// advances one system by `steps` velocity-Verlet steps, one invocation per atom, and writes the
// same layout with both energies filled in. Twin of assembly/lennardJones.ts and reference.ts:
// same operations in the same order (sums over j in index order), so only fused multiply-adds
// and the GPU's division (2.5 ULP) tell them apart, within the job's float tolerance.

struct Uniforms {
  unitIndex: u32,
  unitCount: u32,
  inputBytes: u32,
  workgroupOffset: u32,
  steps: u32,
  dt: f32,
  box: f32,
  cutoff: f32,
}

@group(0) @binding(0) var<storage, read> input: array<f32>;
@group(0) @binding(1) var<storage, read_write> output: array<f32>;
@group(0) @binding(2) var<uniform> uniforms: Uniforms;

const atoms = 64u;
const floatsPerAtom = 8u;
const systemBytes = 2048u;

// The system's positions, shared by its 64 invocations.
var<workgroup> positions: array<vec3<f32>, 64>;

struct Pair {
  box: f32,
  inverseBox: f32,
  cutoff2: f32,
  forceAtCutoff: f32,
  energyAtCutoff: f32,
  halfForceAtCutoff: f32,
}

// Acceleration (unit mass) in xyz and potential energy in w of atom i.
struct Force {
  acceleration: vec3<f32>,
  potential: f32,
}

fn pairConstants() -> Pair {
  let cutoff2 = uniforms.cutoff * uniforms.cutoff;
  let inverse = 1.0 / cutoff2;
  let s6 = (inverse * inverse) * inverse;
  let forceAtCutoff = ((24.0 * inverse) * s6) * ((2.0 * s6) - 1.0);
  return Pair(
    uniforms.box,
    1.0 / uniforms.box,
    cutoff2,
    forceAtCutoff,
    (4.0 * s6) * (s6 - 1.0),
    0.5 * forceAtCutoff,
  );
}

fn forceOn(i: u32, pair: Pair) -> Force {
  let xi = positions[i];
  var acceleration = vec3<f32>(0.0);
  var energy = 0.0;
  for (var j = 0u; j < atoms; j++) {
    var d = xi - positions[j];
    // Nearest image; round() takes halves to even, like wasm's f32.nearest.
    d = d - pair.box * round(d * pair.inverseBox);
    let r2 = ((d.x * d.x) + (d.y * d.y)) + (d.z * d.z);
    // The atom itself (r² = 0) and pairs past the cutoff add +0; the cutoff is smooth, so a
    // last-bit disagreement on this test changes nothing.
    let inside = j != i && r2 < pair.cutoff2;
    let inverse = 1.0 / r2;
    let s6 = (inverse * inverse) * inverse;
    let force = (((24.0 * inverse) * s6) * ((2.0 * s6) - 1.0)) - pair.forceAtCutoff;
    let u = (((4.0 * s6) * (s6 - 1.0)) - pair.energyAtCutoff)
      + (pair.halfForceAtCutoff * (r2 - pair.cutoff2));
    acceleration = acceleration + select(0.0, force, inside) * d;
    energy = energy + select(0.0, u, inside);
  }
  return Force(acceleration, 0.5 * energy);
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_index) local: u32) {
  // The linear invocation index is system * 64 + local: one workgroup per system. The bound
  // is the same for the whole workgroup, which keeps the barriers below in uniform control flow.
  let system = uniforms.workgroupOffset + group.x;
  if (system >= uniforms.inputBytes / systemBytes) {
    return;
  }
  let at = (system * atoms + local) * floatsPerAtom;
  var x = vec3<f32>(input[at], input[at + 1u], input[at + 2u]);
  var v = vec3<f32>(input[at + 3u], input[at + 4u], input[at + 5u]);
  let dt = uniforms.dt;
  let halfDt = 0.5 * dt;
  let pair = pairConstants();

  positions[local] = x;
  workgroupBarrier();
  var force = forceOn(local, pair);
  for (var step = 0u; step < uniforms.steps; step++) {
    v = v + halfDt * force.acceleration;
    x = x + dt * v;
    // Every atom has read the old positions before any is overwritten.
    workgroupBarrier();
    positions[local] = x;
    workgroupBarrier();
    force = forceOn(local, pair);
    v = v + halfDt * force.acceleration;
  }

  output[at] = x.x;
  output[at + 1u] = x.y;
  output[at + 2u] = x.z;
  output[at + 3u] = v.x;
  output[at + 4u] = v.y;
  output[at + 5u] = v.z;
  output[at + 6u] = force.potential;
  output[at + 7u] = 0.5 * (((v.x * v.x) + (v.y * v.y)) + (v.z * v.z));
}
