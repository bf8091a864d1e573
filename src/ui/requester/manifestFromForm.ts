import type { ManifestInput, Param, ParamType, Reduction } from '../../tasks/manifestSchema.ts'

/** One job parameter as the form holds it, in declaration order (the packing order). */
export type FormParam = { name: string; type: ParamType; value: number }

/** What the manifest form writes; the kernels come from the chosen files. */
export type ManifestForm = {
  name: string
  unitsMode: 'split' | 'count'
  itemBytes: number
  itemsPerUnit: number
  unitCount: number
  outputMode: 'bytesPerItem' | 'bytesPerUnit'
  outputBytes: number
  /** `concat`, or the element-wise fold of every unit's output (`bytesPerUnit` only). */
  assemble: 'concat' | Reduction
  params: FormParam[]
  workgroupSize: number
  comparison: 'exact' | 'float'
  tolerance: number
  quorum: number
  timeLimitMs: number
  /** `limits.memoryBytes`, in MiB. */
  memoryMiB: number
}

/** What the upload form starts with: a split job of f32 items, quorum 2. */
export function defaultManifestForm(): ManifestForm {
  return {
    name: 'My job',
    unitsMode: 'split',
    itemBytes: 4,
    itemsPerUnit: 65536,
    unitCount: 100,
    outputMode: 'bytesPerItem',
    outputBytes: 4,
    assemble: 'concat',
    params: [],
    workgroupSize: 64,
    comparison: 'exact',
    tolerance: 1e-6,
    quorum: 2,
    timeLimitMs: 30000,
    memoryMiB: 256,
  }
}

/** The SHA-256 of each chosen kernel file. */
export type FormKernels = { wgslSha256?: string | undefined; wasmSha256?: string | undefined }

/**
 * The manifest the form describes, not yet validated: the upload's check reports its problems
 * by path, as for a manifest written by hand.
 *
 * @example
 * const manifest = manifestFromForm(form, { wasmSha256 })
 */
export function manifestFromForm(form: ManifestForm, kernels: FormKernels): ManifestInput {
  const kernelRefs: ManifestInput['kernels'] = []
  if (kernels.wgslSha256)
    kernelRefs.push({
      kind: 'wgsl',
      sha256: kernels.wgslSha256,
      entry: 'main',
      workgroupSize: [form.workgroupSize],
    })
  if (kernels.wasmSha256) kernelRefs.push({ kind: 'wasm', sha256: kernels.wasmSha256 })
  return {
    manifestVersion: 1,
    name: form.name,
    kernels: kernelRefs,
    units:
      form.unitsMode === 'split'
        ? { mode: 'split', itemBytes: form.itemBytes, itemsPerUnit: form.itemsPerUnit }
        : { mode: 'count', unitCount: form.unitCount },
    params: form.params.map(({ name, type, value }) => ({ name, type, value }) as Param),
    output: {
      [form.outputMode]: form.outputBytes,
      // A reduction needs every unit's output the same size; the form offers it only then.
      assemble:
        form.assemble === 'concat' || form.outputMode !== 'bytesPerUnit'
          ? 'concat'
          : { reduce: form.assemble },
    },
    comparison:
      form.comparison === 'exact'
        ? { mode: 'exact' }
        : { mode: 'float', elementType: 'f32', absolute: form.tolerance, relative: form.tolerance },
    replication: { quorum: form.quorum },
    limits: {
      timeLimitMs: form.timeLimitMs,
      memoryBytes: Math.round(form.memoryMiB * 1024 * 1024),
    },
  }
}
