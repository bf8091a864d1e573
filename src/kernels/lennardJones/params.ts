import type { Param } from '../../tasks/manifestSchema.ts'

/** A Lennard-Jones job's parameters (reduced units: σ = ε = m = kB = 1). */
export type LennardJonesParams = {
  /** Velocity-Verlet steps per system. */
  steps: number
  /** Time step. */
  dt: number
  /** Edge of the periodic box. */
  box: number
  /** Interaction cutoff; below half the box, so an atom meets at most one image of another. */
  cutoff: number
}

/**
 * The sample job: 64 atoms at the liquid density 0.8, 100 steps of 0.005 (half a time unit).
 * Molecular dynamics is chaotic: a last-bit difference between two engines doubles about every
 * 25 steps here, so the step count is what keeps a GPU's and a CPU's results within the job's
 * tolerance (src/kernels/lennardJones/reference.test.ts measures it).
 */
export const lennardJonesSampleParams: LennardJonesParams = {
  steps: 100,
  dt: 0.005,
  box: Math.fround(Math.cbrt(64 / 0.8)),
  cutoff: 2,
}

/** The manifest's parameter names, in the order the kernels read them. */
export const lennardJonesParamNames = ['steps', 'dt', 'box', 'cutoff'] as const

/** Non-zero codes the wasm kernel's run() returns (see `assembly/lennardJones.ts`). */
export const lennardJonesKernelErrorCodes = {
  paramsLength: 1,
  inputLength: 2,
  outputLength: 3,
} as const

/**
 * The manifest parameters of a job, in kernel order.
 *
 * @example
 * lennardJonesManifestParams(lennardJonesSampleParams)
 */
export function lennardJonesManifestParams(params: LennardJonesParams): Param[] {
  return [
    { name: 'steps', type: 'u32', value: params.steps },
    { name: 'dt', type: 'f32', value: params.dt },
    { name: 'box', type: 'f32', value: params.box },
    { name: 'cutoff', type: 'f32', value: params.cutoff },
  ]
}

/** Reads a job's parameters back from a manifest; throws when one is missing or mistyped. */
export function lennardJonesParamsFromManifest(params: readonly Param[]): LennardJonesParams {
  const value = (name: (typeof lennardJonesParamNames)[number], type: Param['type']) => {
    const param = params.find((p) => p.name === name)
    if (param?.type !== type) throw new Error(`the ${type} parameter "${name}" is missing`)
    return param.value
  }
  return {
    steps: value('steps', 'u32'),
    dt: value('dt', 'f32'),
    box: value('box', 'f32'),
    cutoff: value('cutoff', 'f32'),
  }
}
