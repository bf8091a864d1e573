import { ManifestError, type ManifestIssue } from './errors.ts'
import { formatManifestIssues, formatPath } from './formatManifestIssues.ts'
import { manifestSchema, type Manifest } from './manifestSchema.ts'
import { paramLayout } from './packParams.ts'
import { assembledOutputBytes, unitOutputBytes } from './planUnits.ts'
import { reductionType, scalarBytes } from './scalarTypes.ts'
import { taskLimits } from './taskLimits.ts'

/**
 * Checks a parsed manifest against the schema, then the rules that span fields (one size for
 * the output, sizes that fit the element types, units that fit the limits, a WGSL kernel's
 * dispatch within WebGPU's). Returns it with defaults applied; throws `task/invalid-manifest`
 * whose `issues` name each problem's path (`units.itemBytes`, `params[2].value`).
 *
 * @example
 * const manifest = validateManifest(JSON.parse(text))
 */
export function validateManifest(value: unknown): Manifest {
  const parsed = manifestSchema.safeParse(value, { reportInput: true })
  if (!parsed.success) throw new ManifestError(formatManifestIssues(parsed.error.issues))
  const issues = crossFieldIssues(parsed.data)
  if (issues.length > 0) throw new ManifestError(issues)
  return parsed.data
}

function crossFieldIssues(manifest: Manifest): ManifestIssue[] {
  const issues: ManifestIssue[] = []
  const add = (path: PropertyKey[], message: string) => {
    const issue = { path: formatPath(path), message }
    // Two WGSL kernels would report the same output problem twice.
    if (!issues.some((other) => other.path === issue.path && other.message === message))
      issues.push(issue)
  }
  const { kernels, units, params, output, comparison, replication, limits } = manifest
  const hasWgsl = kernels.some((kernel) => kernel.kind === 'wgsl')

  kernels.forEach((kernel, i) => {
    if (kernels.findIndex((other) => other.kind === kernel.kind) !== i)
      add(['kernels', i, 'kind'], `Give at most one ${kernel.kind} kernel.`)
  })

  const seen = new Set<string>()
  params.forEach((param, i) => {
    if (seen.has(param.name))
      add(['params', i, 'name'], `Another parameter is named ${param.name}.`)
    seen.add(param.name)
    if (param.type === 'f64' && hasWgsl)
      add(['params', i, 'type'], 'WGSL has no f64: use f32, or drop the WGSL kernel.')
  })

  const sizes = (['bytesPerUnit', 'bytesPerItem', 'maxBytesPerUnit'] as const).filter(
    (key) => output[key] !== undefined,
  )
  const [sizeKey] = sizes
  if (sizes.length !== 1 || !sizeKey) {
    add(['output'], 'Give exactly one of bytesPerUnit, bytesPerItem and maxBytesPerUnit.')
    return issues
  }
  const size = output[sizeKey] ?? 0
  if (sizeKey === 'bytesPerItem' && units.mode !== 'split')
    add(['output', 'bytesPerItem'], 'Only split units have items: use bytesPerUnit.')

  if (output.assemble !== 'concat') {
    const { reduce } = output.assemble
    const elementBytes = scalarBytes[reductionType(reduce)]
    if (sizeKey !== 'bytesPerUnit')
      add(
        ['output', 'assemble'],
        'A reduction needs the same size from every unit: use bytesPerUnit.',
      )
    else if (size % elementBytes !== 0)
      add(['output', sizeKey], `Must be a multiple of ${elementBytes} bytes for ${reduce}.`)
    if (comparison.mode === 'float' && comparison.elementType !== reductionType(reduce))
      add(
        ['comparison', 'elementType'],
        `Must be the type the output is reduced in (${reductionType(reduce)}).`,
      )
  }
  if (comparison.mode === 'float' && sizeKey !== 'maxBytesPerUnit') {
    const elementBytes = scalarBytes[comparison.elementType]
    if (size % elementBytes !== 0)
      add(
        ['output', sizeKey],
        `Must be a multiple of ${elementBytes} bytes to compare ${comparison.elementType} elements.`,
      )
  }

  const itemsPerUnit = units.mode === 'split' ? units.itemsPerUnit : 0
  const unitInputBytes = units.mode === 'split' ? units.itemBytes * units.itemsPerUnit : 0
  const unitOutput = unitOutputBytes(output, units, itemsPerUnit)
  if (unitInputBytes > taskLimits.maxUnitInputBytes)
    add(
      ['units', 'itemsPerUnit'],
      `A unit would hold ${unitInputBytes} bytes of input, more than ${taskLimits.maxUnitInputBytes}.`,
    )
  if (unitOutput > taskLimits.maxUnitOutputBytes)
    add(
      ['output', sizeKey],
      `A unit would write ${unitOutput} bytes, more than ${taskLimits.maxUnitOutputBytes}.`,
    )

  kernels.forEach((kernel, i) => {
    if (kernel.kind !== 'wgsl') return
    if (size % 4 !== 0)
      add(['output', sizeKey], 'WGSL kernels write 4-byte words: must be a multiple of 4.')
    const [x, y, z] = kernel.workgroupSize
    const [maxX, maxY, maxZ] = taskLimits.maxWorkgroupSize
    const invocations = x * y * z
    if (x > maxX || y > maxY || z > maxZ || invocations > taskLimits.maxWorkgroupInvocations)
      add(
        ['kernels', i, 'workgroupSize'],
        `Must be at most [${maxX}, ${maxY}, ${maxZ}] with at most ${taskLimits.maxWorkgroupInvocations} invocations in all.`,
      )
    const workgroups = Math.ceil(unitOutput / 4 / (invocations * kernel.elementsPerInvocation))
    if (workgroups > taskLimits.maxWorkgroupsPerDimension)
      add(
        ['kernels', i, 'workgroupSize'],
        `A unit would need ${workgroups} workgroups, more than WebGPU's ${taskLimits.maxWorkgroupsPerDimension}: raise workgroupSize or elementsPerInvocation.`,
      )
  })

  const unitMemory = unitInputBytes + unitOutput + paramLayout(params).byteLength
  if (unitMemory > limits.memoryBytes)
    add(
      ['limits', 'memoryBytes'],
      `A unit needs ${unitMemory} bytes for its input, output and parameters alone.`,
    )

  if (units.mode === 'count') {
    const assembled = assembledOutputBytes(manifest, units.unitCount, 0)
    if (assembled > taskLimits.maxJobOutputBytes)
      add(
        ['units', 'unitCount'],
        `The assembled output could reach ${assembled} bytes, more than ${taskLimits.maxJobOutputBytes}.`,
      )
  }

  if (replication.maxResults < replication.quorum)
    add(['replication', 'maxResults'], `Must be at least the quorum (${replication.quorum}).`)
  return issues
}
