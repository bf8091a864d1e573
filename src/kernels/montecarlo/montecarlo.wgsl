// Monte Carlo volume of the unit ball in 2, 4, ..., 16 dimensions: invocation i of a unit counts
// how many of its `samples` points have their first 2, 4, ..., 16 coordinates inside the ball
// and writes the eight counts at words 8i .. 8i + 7 (elementsPerInvocation 8). Every invocation
// owns its words, so the output does not depend on scheduling; the job sums units element by
// element (sum-u32). Twin of assembly/montecarlo.ts: u32 arithmetic only, equal bit for bit.

struct Uniforms {
  unitIndex: u32,
  unitCount: u32,
  inputBytes: u32,
  workgroupOffset: u32,
  seed: u32,
  samples: u32,
}

@group(0) @binding(1) var<storage, read_write> output: array<u32>;
@group(0) @binding(2) var<uniform> uniforms: Uniforms;

const dimensionPairs = 8u;
// (2 · 2¹³)²: a doubled 13-bit coordinate 2c + 1 is below 2¹⁴, so sixteen squares fit a u32.
const radius2 = 1u << 28u;

// PCG-RXS-M-XS, the Task API's hash (docs/task-api.md).
fn pcg(v: u32) -> u32 {
  let state = v * 747796405u + 2891336453u;
  let word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
  return (word >> 22u) ^ word;
}

// Two coordinates from one draw, 13 bits each, as doubled cell midpoints squared and summed.
fn pairSquares(draw: u32) -> u32 {
  let a = ((draw >> 19u) << 1u) + 1u;
  let b = (((draw >> 6u) & 0x1fffu) << 1u) + 1u;
  return a * a + b * b;
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_index) local: u32) {
  let i = (uniforms.workgroupOffset + group.x) * 64u + local;
  // The unit's invocations are its output words over eight; the last workgroup may overhang.
  if (i >= arrayLength(&output) / dimensionPairs) {
    return;
  }
  let elementHash = pcg(pcg(pcg(uniforms.seed) + uniforms.unitIndex) + i);
  // How many points stopped after each number of pairs inside (0 to 8).
  var depths = array<u32, 9>();
  // The invocation's stream of draws, random(seed, unit, i, draw) for draw = 0, 1, 2, ...
  var draw = 0u;
  for (var s = 0u; s < uniforms.samples; s++) {
    // Once the sum passes the radius, every higher dimension misses too: the point takes no
    // more draws, and the next point goes on with the stream.
    var sum = 0u;
    var depth = 0u;
    loop {
      if (depth >= dimensionPairs) {
        break;
      }
      sum += pairSquares(pcg(elementHash + draw));
      draw++;
      if (sum >= radius2) {
        break;
      }
      depth++;
    }
    depths[depth]++;
  }
  // Dimension 2(m + 1) counts the points that went deeper than m pairs.
  var inside = 0u;
  for (var m = dimensionPairs; m > 0u; m--) {
    inside += depths[m];
    output[i * dimensionPairs + m - 1u] = inside;
  }
}
