/**
 * A dedicated worker for the WebGPU tests: WebGPU runs here as it will for volunteers, off
 * the main thread. It wraps one GpuEngine; errors cross with their codes.
 */
import { expose, transfer } from 'comlink'
import { registerErrorTransferHandler } from '../errorTransferHandler.ts'
import { GpuEngine, type GpuEngineEvent, type GpuSlicing, type GpuUnit } from './GpuEngine.ts'
import type { GpuKernelProgram } from './GpuKernelProgram.ts'
import {
  requestComputeDevice,
  type RequestComputeDeviceParameters,
} from './requestComputeDevice.ts'

type RequestParameters = Omit<RequestComputeDeviceParameters, 'gpu'>

let engine: GpuEngine | undefined
const events: GpuEngineEvent[] = []

function current(): GpuEngine {
  if (!engine) throw new Error('call start() first')
  return engine
}

const api = {
  /** requestComputeDevice as the worker sees it; the device is destroyed at once. */
  async probe(parameters: RequestParameters, gpu: 'navigator' | 'missing' | 'no-adapter') {
    const fakes = {
      navigator: {},
      missing: { gpu: undefined },
      'no-adapter': { gpu: { requestAdapter: async () => null } as unknown as GPU },
    }
    const { device, adapterInfo, isFallback } = await requestComputeDevice({
      ...parameters,
      ...fakes[gpu],
    })
    const limits = { maxComputeWorkgroupStorageSize: device.limits.maxComputeWorkgroupStorageSize }
    device.destroy()
    return { adapterInfo, isFallback, limits }
  },

  async start(parameters: RequestParameters) {
    engine?.dispose()
    events.length = 0
    engine = await GpuEngine.create(parameters)
    engine.onChange((event) => events.push(event))
  },

  async compile(source: string) {
    return (await current().compile(source, 'test kernel')).messages
  },

  async run(program: GpuKernelProgram, unit: GpuUnit, slicing?: GpuSlicing) {
    const result = await current().run(program, unit, slicing)
    return transfer(result, [result.output.buffer])
  },

  /** Starts a unit and destroys the device before it can finish, as a GPU reset would. */
  async runWhileLosingDevice(program: GpuKernelProgram, unit: GpuUnit) {
    const engine = current()
    const running = engine.run(program, unit)
    engine.device.destroy()
    await running
  },

  async reacquire() {
    const { isFallback } = await current().reacquire()
    return isFallback
  },

  stats() {
    return current().stats
  },

  events() {
    return [...events]
  },

  dispose() {
    engine?.dispose()
    engine = undefined
  },
}

export type GpuTestApi = typeof api

registerErrorTransferHandler()
expose(api)
