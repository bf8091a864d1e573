// Lennard-Jones molecular dynamics, WASM ABI v0 (see src/kernels/wasmAbi.ts). One input item is
// a periodic box of 64 atoms, eight f32 per atom (x y z vx vy vz potential kinetic, the last two
// ignored on input); the unit advances every system by `steps` velocity-Verlet steps and writes
// the same layout with both energies filled in. Params as packParams lays them out: steps u32,
// dt f32, box f32, cutoff f32.
//
// The TypeScript twin is src/kernels/lennardJones/reference.ts, which rounds every operation to
// f32 in the order one SIMD lane computes it here, so the two agree bit for bit; keep them in
// step. Four atoms i share a v128 and loop over j in index order: each lane sums its forces in
// the same order as the scalar reference (vectorising over j would reorder the sums).

// Error codes returned by run(); 0 is success. Mirrored by lennardJonesKernelErrorCodes.
const ERROR_PARAMS_LENGTH: i32 = 1
const ERROR_INPUT_LENGTH: i32 = 2
const ERROR_OUTPUT_LENGTH: i32 = 3

const PARAMS_BYTES: u32 = 16
const ATOMS: i32 = 64
const FLOATS_PER_ATOM: i32 = 8
const SYSTEM_BYTES: u32 = <u32>(ATOMS * FLOATS_PER_ATOM * 4)

// Structure-of-arrays scratch for one system, 64 f32 (256 bytes) per quantity, so that four
// consecutive atoms load as one v128.
const FIELD_BYTES: usize = <usize>ATOMS * 4
const scratch = memory.data(<i32>(FIELD_BYTES * 10), 16)
const X: usize = scratch
const Y: usize = scratch + FIELD_BYTES
const Z: usize = scratch + FIELD_BYTES * 2
const VX: usize = scratch + FIELD_BYTES * 3
const VY: usize = scratch + FIELD_BYTES * 4
const VZ: usize = scratch + FIELD_BYTES * 5
const AX: usize = scratch + FIELD_BYTES * 6
const AY: usize = scratch + FIELD_BYTES * 7
const AZ: usize = scratch + FIELD_BYTES * 8
const POTENTIAL: usize = scratch + FIELD_BYTES * 9

export { alloc, reset } from './allocator'

// The pair constants of a job, set by run() before the first system; see reference.ts.
let box: f32 = 0
let inverseBox: f32 = 0
let cutoff2: f32 = 0
let forceAtCutoff: f32 = 0
let energyAtCutoff: f32 = 0
let halfForceAtCutoff: f32 = 0

function setPairConstants(boxParam: f32, cutoff: f32): void {
  box = boxParam
  inverseBox = <f32>1 / box
  cutoff2 = cutoff * cutoff
  const inverse: f32 = <f32>1 / cutoff2
  const s6 = inverse * inverse * inverse
  forceAtCutoff = <f32>24 * inverse * s6 * (<f32>2 * s6 - <f32>1)
  energyAtCutoff = <f32>4 * s6 * (s6 - <f32>1)
  halfForceAtCutoff = <f32>0.5 * forceAtCutoff
}

// d − L·round(d/L), per lane; f32x4.nearest rounds halves to even like WGSL's round().
function minimumImage(d: v128, boxV: v128, inverseBoxV: v128): v128 {
  return f32x4.sub(d, f32x4.mul(boxV, f32x4.nearest(f32x4.mul(d, inverseBoxV))))
}

// Accelerations (unit mass) and per-atom potential energies from the positions in scratch.
function computeForces(): void {
  const boxV = f32x4.splat(box)
  const inverseBoxV = f32x4.splat(inverseBox)
  const cutoff2V = f32x4.splat(cutoff2)
  const forceAtCutoffV = f32x4.splat(forceAtCutoff)
  const energyAtCutoffV = f32x4.splat(energyAtCutoff)
  const halfForceAtCutoffV = f32x4.splat(halfForceAtCutoff)
  const one = f32x4.splat(1)
  const two = f32x4.splat(2)
  const four = f32x4.splat(4)
  const twentyFour = f32x4.splat(24)
  const laneOffsets = i32x4(0, 1, 2, 3)
  for (let i = 0; i < ATOMS; i += 4) {
    const at = (<usize>i) << 2
    const xi = v128.load(X + at)
    const yi = v128.load(Y + at)
    const zi = v128.load(Z + at)
    const lanes = i32x4.add(i32x4.splat(i), laneOffsets)
    let ax = f32x4.splat(0)
    let ay = f32x4.splat(0)
    let az = f32x4.splat(0)
    let energy = f32x4.splat(0)
    for (let j = 0; j < ATOMS; j++) {
      const jt = (<usize>j) << 2
      const dx = minimumImage(f32x4.sub(xi, f32x4.splat(load<f32>(X + jt))), boxV, inverseBoxV)
      const dy = minimumImage(f32x4.sub(yi, f32x4.splat(load<f32>(Y + jt))), boxV, inverseBoxV)
      const dz = minimumImage(f32x4.sub(zi, f32x4.splat(load<f32>(Z + jt))), boxV, inverseBoxV)
      const r2 = f32x4.add(f32x4.add(f32x4.mul(dx, dx), f32x4.mul(dy, dy)), f32x4.mul(dz, dz))
      // The atom itself (r² = 0, an infinite force) and pairs past the cutoff add +0.
      const inside = v128.and(f32x4.lt(r2, cutoff2V), i32x4.ne(lanes, i32x4.splat(j)))
      const inverse = f32x4.div(one, r2)
      const s6 = f32x4.mul(f32x4.mul(inverse, inverse), inverse)
      const force = f32x4.sub(
        f32x4.mul(
          f32x4.mul(f32x4.mul(twentyFour, inverse), s6),
          f32x4.sub(f32x4.mul(two, s6), one),
        ),
        forceAtCutoffV,
      )
      const u = f32x4.add(
        f32x4.sub(f32x4.mul(f32x4.mul(four, s6), f32x4.sub(s6, one)), energyAtCutoffV),
        f32x4.mul(halfForceAtCutoffV, f32x4.sub(r2, cutoff2V)),
      )
      const maskedForce = v128.and(force, inside)
      ax = f32x4.add(ax, f32x4.mul(maskedForce, dx))
      ay = f32x4.add(ay, f32x4.mul(maskedForce, dy))
      az = f32x4.add(az, f32x4.mul(maskedForce, dz))
      energy = f32x4.add(energy, v128.and(u, inside))
    }
    v128.store(AX + at, ax)
    v128.store(AY + at, ay)
    v128.store(AZ + at, az)
    v128.store(POTENTIAL + at, f32x4.mul(f32x4.splat(0.5), energy))
  }
}

// v += h·a for four atoms at a time, and with drift also x += dt·v.
function kick(halfDt: f32, dt: f32, drift: bool): void {
  const h = f32x4.splat(halfDt)
  const d = f32x4.splat(dt)
  for (let at: usize = 0; at < FIELD_BYTES; at += 16) {
    const vx = f32x4.add(v128.load(VX + at), f32x4.mul(h, v128.load(AX + at)))
    const vy = f32x4.add(v128.load(VY + at), f32x4.mul(h, v128.load(AY + at)))
    const vz = f32x4.add(v128.load(VZ + at), f32x4.mul(h, v128.load(AZ + at)))
    v128.store(VX + at, vx)
    v128.store(VY + at, vy)
    v128.store(VZ + at, vz)
    if (drift) {
      v128.store(X + at, f32x4.add(v128.load(X + at), f32x4.mul(d, vx)))
      v128.store(Y + at, f32x4.add(v128.load(Y + at), f32x4.mul(d, vy)))
      v128.store(Z + at, f32x4.add(v128.load(Z + at), f32x4.mul(d, vz)))
    }
  }
}

function simulate(input: usize, output: usize, steps: u32, dt: f32): void {
  // X, Y, Z, VX, VY, VZ follow one another in scratch, in the order of an atom's fields.
  for (let i = 0; i < ATOMS; i++) {
    const from = input + <usize>(i * FLOATS_PER_ATOM * 4)
    for (let k = 0; k < 6; k++)
      store<f32>(
        X + <usize>k * FIELD_BYTES + ((<usize>i) << 2),
        load<f32>(from + ((<usize>k) << 2)),
      )
  }
  const halfDt: f32 = <f32>0.5 * dt
  computeForces()
  for (let step: u32 = 0; step < steps; step++) {
    kick(halfDt, dt, true)
    computeForces()
    kick(halfDt, dt, false)
  }
  for (let i = 0; i < ATOMS; i++) {
    const to = output + <usize>(i * FLOATS_PER_ATOM * 4)
    const at = (<usize>i) << 2
    for (let k = 0; k < 6; k++)
      store<f32>(to + ((<usize>k) << 2), load<f32>(X + <usize>k * FIELD_BYTES + at))
    const vx = load<f32>(VX + at)
    const vy = load<f32>(VY + at)
    const vz = load<f32>(VZ + at)
    store<f32>(to, load<f32>(POTENTIAL + at), 24)
    store<f32>(to, <f32>0.5 * (vx * vx + vy * vy + vz * vz), 28)
  }
}

export function run(
  unitIndex: u32,
  unitCount: u32,
  paramsPtr: usize,
  paramsLen: u32,
  inputPtr: usize,
  inputLen: u32,
  outputPtr: usize,
  outputLen: u32,
): i32 {
  if (paramsLen != PARAMS_BYTES) return ERROR_PARAMS_LENGTH
  if (inputLen == 0 || inputLen % SYSTEM_BYTES != 0) return ERROR_INPUT_LENGTH
  if (outputLen != inputLen) return ERROR_OUTPUT_LENGTH
  const steps = load<u32>(paramsPtr)
  const dt = load<f32>(paramsPtr, 4)
  setPairConstants(load<f32>(paramsPtr, 8), load<f32>(paramsPtr, 12))
  for (let offset: u32 = 0; offset < inputLen; offset += SYSTEM_BYTES)
    simulate(inputPtr + offset, outputPtr + offset, steps, dt)
  return 0
}
