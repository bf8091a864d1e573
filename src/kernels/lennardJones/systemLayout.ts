/**
 * The data of a Lennard-Jones job (reduced units: σ = ε = m = 1). One input item is a system of
 * 64 atoms in a periodic cubic box; each atom is eight f32, `x y z vx vy vz potential kinetic`.
 * The output has the same layout, so a job's output is a valid input for the next job (the
 * kernels ignore the two energy fields of their input). 64 atoms is the WGSL workgroup: one
 * workgroup per system, one invocation per atom.
 */
export const atomsPerSystem = 64
export const floatsPerAtom = 8
export const floatsPerSystem = atomsPerSystem * floatsPerAtom
export const systemBytes = floatsPerSystem * Float32Array.BYTES_PER_ELEMENT

/** Where each quantity sits in an atom's eight floats. */
export const atomField = {
  x: 0,
  y: 1,
  z: 2,
  vx: 3,
  vy: 4,
  vz: 5,
  potential: 6,
  kinetic: 7,
} as const
