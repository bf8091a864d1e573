// Fractal tiles: one unit renders one tile of the Mandelbrot set, one invocation per pixel, each
// writing one RGBA8 pixel as a u32 (little-endian: R in the low byte). Q4.28 fixed point, so the
// bytes equal those of assembly/fractal.ts and reference.ts on every device; the three compute
// the same integers in the same order: change them together.

struct Uniforms {
  unitIndex: u32,
  unitCount: u32,
  inputBytes: u32,
  workgroupOffset: u32,
  centreX: i32,
  centreY: i32,
  pixelSize: i32,
  width: u32,
  height: u32,
  tileWidth: u32,
  tileHeight: u32,
  maxIterations: u32,
}

@group(0) @binding(1) var<storage, read_write> output: array<u32>;
@group(0) @binding(2) var<uniform> uniforms: Uniforms;

const FRACTION_BITS: u32 = 28u;
// 2 and 4 in Q4.28: past |x| or |y| = 2 the point has escaped; below, x², y² ≤ 2^30 and their
// sum ≤ 2^31 fits a u32.
const TWO: i32 = 0x20000000;
const FOUR: u32 = 0x40000000u;

// Palette stops (r, g, b), 256 of 1024 positions apart; see fractalColor in reference.ts.
const STOPS = array<vec3<i32>, 4>(
  vec3<i32>(8, 16, 64),
  vec3<i32>(32, 128, 224),
  vec3<i32>(240, 248, 255),
  vec3<i32>(255, 160, 16),
);
const POSITIONS_PER_ITERATION: u32 = 16u;

// floor(a·b / 2^shift) wrapped to i32, for shift in 1..31. WGSL has no 64-bit integers: the
// unsigned 64-bit product comes from four 16×16-bit products (each fits a u32), and the signed
// high word subtracts b·2^32 when a < 0 and a·2^32 when b < 0 (two's complement).
fn mulShift(a: i32, b: i32, shift: u32) -> i32 {
  let ua = bitcast<u32>(a);
  let ub = bitcast<u32>(b);
  let a0 = ua & 0xffffu;
  let a1 = ua >> 16u;
  let b0 = ub & 0xffffu;
  let b1 = ub >> 16u;
  let p00 = a0 * b0;
  let p01 = a0 * b1;
  let p10 = a1 * b0;
  let p11 = a1 * b1;
  // Bits 16..49 of the product before carries: at most 3·(2^16 − 1), no overflow.
  let middle = (p00 >> 16u) + (p01 & 0xffffu) + (p10 & 0xffffu);
  let low = (middle << 16u) | (p00 & 0xffffu);
  var high = p11 + (p01 >> 16u) + (p10 >> 16u) + (middle >> 16u);
  high -= select(0u, ub, a < 0);
  high -= select(0u, ua, b < 0);
  return bitcast<i32>((high << (32u - shift)) | (low >> shift));
}

fn iterate(cx: i32, cy: i32, maxIterations: u32) -> u32 {
  var x = 0i;
  var y = 0i;
  var i = 0u;
  while (i < maxIterations) {
    if (x > TWO || x < -TWO || y > TWO || y < -TWO) {
      break;
    }
    let xx = mulShift(x, x, FRACTION_BITS);
    let yy = mulShift(y, y, FRACTION_BITS);
    if (bitcast<u32>(xx) + bitcast<u32>(yy) > FOUR) {
      break;
    }
    let nextY = mulShift(x, y, FRACTION_BITS - 1u) + cy;
    x = xx - yy + cx;
    y = nextY;
    i++;
  }
  return i;
}

fn color(iterations: u32, maxIterations: u32) -> u32 {
  if (iterations >= maxIterations) {
    return 0xff000000u;
  }
  let position = (iterations * POSITIONS_PER_ITERATION) & 1023u;
  let stop0 = STOPS[position >> 8u];
  let stop1 = STOPS[((position >> 8u) + 1u) & 3u];
  // Arithmetic shift of a signed difference, as in the reference.
  let c = stop0 + (((stop1 - stop0) * i32(position & 255u)) >> vec3<u32>(8u));
  return 0xff000000u | (u32(c.z) << 16u) | (u32(c.y) << 8u) | u32(c.x);
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_index) local: u32) {
  // The engine may cut a unit's dispatch into slices; workgroupOffset places this one.
  let pixel = (uniforms.workgroupOffset + group.x) * 64u + local;
  let tileWidth = uniforms.tileWidth;
  // The dispatch is rounded up to whole workgroups.
  if (pixel >= tileWidth * uniforms.tileHeight) {
    return;
  }
  let columns = uniforms.width / tileWidth;
  let px = (uniforms.unitIndex % columns) * tileWidth + pixel % tileWidth;
  let py = (uniforms.unitIndex / columns) * uniforms.tileHeight + pixel / tileWidth;
  let cx = uniforms.centreX + (i32(px) - i32(uniforms.width >> 1u)) * uniforms.pixelSize;
  let cy = uniforms.centreY + (i32(uniforms.height >> 1u) - i32(py)) * uniforms.pixelSize;
  output[pixel] = color(iterate(cx, cy, uniforms.maxIterations), uniforms.maxIterations);
}
