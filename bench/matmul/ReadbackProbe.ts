/**
 * Readback latency on one device, apart from upload and compute: copies `bytes` from a storage
 * buffer to a mappable one, submits, maps and copies out, as GpuEngine does after each unit.
 *
 * @example
 * const probe = new ReadbackProbe(engine.device)
 * const ms = await probe.measure(4 * 1024 * 1024)
 * probe.destroy()
 */
export class ReadbackProbe {
  readonly #device: GPUDevice
  readonly #buffers = new Map<number, { source: GPUBuffer; staging: GPUBuffer }>()

  constructor(device: GPUDevice) {
    this.#device = device
  }

  /** Wall ms from encoding the copy to the bytes in a host ArrayBuffer; buffers are reused. */
  async measure(bytes: number): Promise<number> {
    const { source, staging } = this.#pair(bytes)
    const started = performance.now()
    const encoder = this.#device.createCommandEncoder({ label: 'readback probe' })
    encoder.copyBufferToBuffer(source, 0, staging, 0, bytes)
    this.#device.queue.submit([encoder.finish()])
    await staging.mapAsync(GPUMapMode.READ)
    const copy = staging.getMappedRange().slice(0)
    staging.unmap()
    const ms = performance.now() - started
    if (copy.byteLength !== bytes) throw new Error('readback probe: short read')
    return ms
  }

  destroy(): void {
    for (const { source, staging } of this.#buffers.values()) {
      source.destroy()
      staging.destroy()
    }
    this.#buffers.clear()
  }

  #pair(bytes: number): { source: GPUBuffer; staging: GPUBuffer } {
    let pair = this.#buffers.get(bytes)
    if (!pair) {
      pair = {
        source: this.#device.createBuffer({
          label: `readback probe source ${bytes}`,
          size: bytes,
          usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC,
        }),
        staging: this.#device.createBuffer({
          label: `readback probe staging ${bytes}`,
          size: bytes,
          usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
        }),
      }
      this.#buffers.set(bytes, pair)
    }
    return pair
  }
}
