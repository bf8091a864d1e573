import { hashBlob } from '../../crypto/hashBlob.ts'
import { sha256Hex } from '../../crypto/sha256Hex.ts'
import { checkUpload, type UploadField, type UploadProblems } from '../../requester/checkUpload.ts'
import { dryRun, type DryRunReturnType } from '../../requester/dryRun.ts'
import type { JobPackage } from '../../tasks/JobPackage.ts'
import { GpuUnitRunner } from '../../workers/webgpu/GpuUnitRunner.ts'
import { WorkerPool } from '../../workers/WorkerPool.ts'
import { manifestFromForm, type ManifestForm } from './manifestFromForm.ts'

/**
 * The upload form's state: the chosen files, the manifest text, each field's problems, the
 * input's hash and the dry run of unit 0 on this device. Only a package that passed both the
 * checks and the dry run can be published.
 */
export class UploadSession {
  manifestText = $state('')
  files = $state.raw<{ wgsl?: File; wasm?: File; input?: File }>({})
  problems = $state.raw<UploadProblems>({})
  phase = $state<'editing' | 'checking' | 'hashing' | 'dry-running' | 'ready'>('editing')
  inputHashed = $state(0)
  dryRun = $state.raw<DryRunReturnType | undefined>()
  /** Set once checks and dry run passed: what publishing will send. */
  checked = $state.raw<{ package: JobPackage; inputSha256?: string } | undefined>()
  error = $state<string | undefined>()

  #pool: WorkerPool | undefined
  #gpu: Promise<GpuUnitRunner | undefined> | undefined

  setFile(field: Exclude<UploadField, 'manifest'>, file: File | undefined): void {
    const files = { ...this.files }
    if (file) files[field] = file
    else delete files[field]
    this.files = files
    this.#changed()
  }

  setManifestText(text: string): void {
    this.manifestText = text
    this.#changed()
  }

  async loadManifestFile(file: File | undefined): Promise<void> {
    if (file) this.setManifestText(await file.text())
  }

  /** Writes a manifest from the form, naming the chosen kernel files by their SHA-256. */
  async writeManifest(form: ManifestForm): Promise<void> {
    const { wgsl, wasm } = this.files
    const manifest = manifestFromForm(form, {
      wgslSha256: wgsl && (await sha256Hex(await wgsl.arrayBuffer())),
      wasmSha256: wasm && (await sha256Hex(await wasm.arrayBuffer())),
    })
    this.setManifestText(JSON.stringify(manifest, null, 2))
  }

  /** Checks every field, hashes the input off the main thread, then dry-runs unit 0. */
  async check(): Promise<void> {
    this.error = undefined
    this.phase = 'checking'
    try {
      const gpu = this.files.wgsl ? await this.#gpuRunner() : undefined
      const checked = await checkUpload(
        { manifestText: this.manifestText, ...this.files },
        gpu && {
          compileWgsl: (kernel, bytes) =>
            gpu.load({
              bytes,
              sha256: kernel.sha256,
              entry: kernel.entry,
              workgroupSize: kernel.workgroupSize,
              elementsPerInvocation: kernel.elementsPerInvocation,
            }),
        },
      )
      if (!checked.ok) {
        this.problems = checked.problems
        this.phase = 'editing'
        return
      }
      this.problems = {}
      let inputSha256: string | undefined
      if (this.files.input) {
        this.phase = 'hashing'
        inputSha256 = await hashBlob(this.files.input, (read) => (this.inputHashed = read))
      }
      this.phase = 'dry-running'
      this.#pool ??= new WorkerPool({ size: 1 })
      const result = await dryRun(checked.package, { wasm: this.#pool, wgsl: gpu })
      this.dryRun = result
      for (const kernel of result.kernels)
        if (!kernel.ok) this.problems = { ...this.problems, [kernel.kind]: [kernel.error] }
      if (!result.ok) {
        this.phase = 'editing'
        return
      }
      this.checked = { package: checked.package, ...(inputSha256 && { inputSha256 }) }
      this.phase = 'ready'
    } catch (error) {
      this.error = error instanceof Error ? error.message : String(error)
      this.phase = 'editing'
    }
  }

  dispose(): void {
    this.#pool?.dispose()
    void this.#gpu?.then((gpu) => gpu?.dispose())
    this.#pool = undefined
    this.#gpu = undefined
  }

  #changed(): void {
    this.checked = undefined
    this.dryRun = undefined
    if (this.phase === 'ready') this.phase = 'editing'
  }

  /** The requester's own GPU, software adapter included: the dry run is about correctness. */
  #gpuRunner(): Promise<GpuUnitRunner | undefined> {
    this.#gpu ??= GpuUnitRunner.start({ allowFallbackAdapter: true }).catch((error: unknown) => {
      console.warn('no WebGPU for the dry run', error)
      return undefined
    })
    return this.#gpu
  }
}
