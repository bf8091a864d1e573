/** Byte sizes of one unit's buffers, each already a multiple of 4 as WebGPU copies need. */
export type GpuUnitSizes = { inputBytes: number; outputBytes: number; paramsBytes: number }

/** The buffers and bind group one unit runs with; reused by later units of the same sizes. */
export type GpuUnitBuffers = {
  sizes: GpuUnitSizes
  input: GPUBuffer
  output: GPUBuffer
  params: GPUBuffer
  /** Mapped for reading: the 16 bytes of timestamps (when measured), then the output. */
  staging: GPUBuffer
  bindGroup: GPUBindGroup
  timestamps: { querySet: GPUQuerySet; resolve: GPUBuffer } | undefined
}

/** Where the output starts in the staging buffer: after two 64-bit timestamps. */
export const stagingOutputOffset = 16

const maxIdleSets = 4

/**
 * Keeps the buffers of finished units for the next unit of the same sizes: a job's units all
 * have the same sizes, so after the first unit nothing is allocated. A set is taken while a
 * unit runs, so concurrent units never share buffers.
 */
export class GpuUnitBufferCache {
  readonly #device: GPUDevice
  readonly #layout: GPUBindGroupLayout
  /** Idle sets, oldest first. */
  #idle: GpuUnitBuffers[] = []
  #created = 0

  constructor(device: GPUDevice, layout: GPUBindGroupLayout) {
    this.#device = device
    this.#layout = layout
  }

  /** Buffers created so far (four or six per set). */
  get buffersCreated(): number {
    return this.#created
  }

  acquire(sizes: GpuUnitSizes): GpuUnitBuffers {
    const index = this.#idle.findIndex((set) => sameSizes(set.sizes, sizes))
    if (index >= 0) return this.#idle.splice(index, 1)[0]!
    return this.#create(sizes)
  }

  release(set: GpuUnitBuffers): void {
    this.#idle.push(set)
    while (this.#idle.length > maxIdleSets) destroySet(this.#idle.shift()!)
  }

  /** Drops a set whose state is unknown (its unit failed). */
  discard(set: GpuUnitBuffers): void {
    destroySet(set)
  }

  destroy(): void {
    for (const set of this.#idle) destroySet(set)
    this.#idle = []
  }

  #create(sizes: GpuUnitSizes): GpuUnitBuffers {
    const device = this.#device
    const name = `unit (${sizes.inputBytes} B in, ${sizes.outputBytes} B out)`
    const buffer = (part: string, size: number, usage: GPUBufferUsageFlags) => {
      this.#created++
      return device.createBuffer({ label: `${name} ${part}`, size, usage })
    }
    const input = buffer(
      'input',
      sizes.inputBytes,
      GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
    )
    const output = buffer(
      'output',
      sizes.outputBytes,
      GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    )
    const params = buffer(
      'params',
      sizes.paramsBytes,
      GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
    )
    const staging = buffer(
      'staging',
      stagingOutputOffset + sizes.outputBytes,
      GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    )
    const timestamps = device.features.has('timestamp-query')
      ? {
          querySet: device.createQuerySet({
            label: `${name} timestamps`,
            type: 'timestamp',
            count: 2,
          }),
          resolve: buffer(
            'timestamp resolve',
            16,
            GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC,
          ),
        }
      : undefined
    const bindGroup = device.createBindGroup({
      label: `${name} bind group`,
      layout: this.#layout,
      entries: [
        { binding: 0, resource: { buffer: input } },
        { binding: 1, resource: { buffer: output } },
        { binding: 2, resource: { buffer: params } },
      ],
    })
    return { sizes, input, output, params, staging, bindGroup, timestamps }
  }
}

function sameSizes(a: GpuUnitSizes, b: GpuUnitSizes): boolean {
  return (
    a.inputBytes === b.inputBytes &&
    a.outputBytes === b.outputBytes &&
    a.paramsBytes === b.paramsBytes
  )
}

function destroySet(set: GpuUnitBuffers): void {
  for (const buffer of [set.input, set.output, set.params, set.staging]) buffer.destroy()
  set.timestamps?.querySet.destroy()
  set.timestamps?.resolve.destroy()
}
