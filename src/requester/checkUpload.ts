import { sha256Hex } from '../crypto/sha256Hex.ts'
import { limitWasmMemory } from '../kernels/limitWasmMemory.ts'
import { validateWasmKernel } from '../kernels/wasmAbi.ts'
import { ManifestError } from '../tasks/errors.ts'
import type { JobPackage } from '../tasks/JobPackage.ts'
import type { Manifest, WgslKernelRef } from '../tasks/manifestSchema.ts'
import { parseManifest } from '../tasks/parseManifest.ts'
import { planUnits } from '../tasks/planUnits.ts'
import { declaredWorkgroupSize } from './declaredWorkgroupSize.ts'

/** The fields of the upload form, each of which can carry its own problems. */
export type UploadField = 'manifest' | 'wgsl' | 'wasm' | 'input'

export type UploadFiles = {
  manifestText: string
  wgsl?: Blob | undefined
  wasm?: Blob | undefined
  input?: Blob | undefined
}

export type UploadProblems = Partial<Record<UploadField, string[]>>

export type CheckUploadParameters = {
  /** Compiles WGSL on this device; rejects with `kernel/wgsl-compile` and line:column details. */
  compileWgsl?: ((kernel: WgslKernelRef, bytes: ArrayBuffer) => Promise<void>) | undefined
}

export type CheckUploadReturnType =
  { ok: true; package: JobPackage } | { ok: false; problems: UploadProblems }

/**
 * Checks an upload the way volunteers will meet it, and says what is wrong next to the field it
 * concerns: manifest schema problems by JSON path, a kernel file missing, extra or not matching
 * its SHA-256 in the manifest, a WASM module that does not compile or breaks the ABI (missing
 * exports, forbidden imports, memory above the limit), WGSL that does not compile (line and
 * column) or declares another workgroup size, an input file that does not divide into units.
 *
 * @example
 * const checked = await checkUpload({ manifestText, wasm: wasmFile, input: inputFile })
 * if (!checked.ok) show(checked.problems)
 */
export async function checkUpload(
  files: UploadFiles,
  parameters: CheckUploadParameters = {},
): Promise<CheckUploadReturnType> {
  const problems: UploadProblems = {}
  const add = (field: UploadField, message: string) => (problems[field] ??= []).push(message)

  let manifest: Manifest | undefined
  try {
    manifest = parseManifest(files.manifestText)
  } catch (error) {
    if (!(error instanceof ManifestError)) throw error
    for (const issue of error.issues)
      add('manifest', `${issue.path || '(manifest)'}: ${issue.message}`)
  }
  if (!manifest) {
    // Without a manifest the kernels can still be checked on their own.
    if (files.wasm)
      for (const message of await wasmProblems(files.wasm, undefined)) add('wasm', message)
    return { ok: false, problems }
  }

  const pkg: JobPackage = { manifest }
  for (const kind of ['wgsl', 'wasm'] as const) {
    const kernel = manifest.kernels.find((k) => k.kind === kind)
    const file = files[kind]
    if (!kernel) {
      if (file)
        add(
          kind,
          `The manifest has no ${kind} kernel: add one to "kernels", or leave this file out.`,
        )
      continue
    }
    if (!file) {
      add(
        kind,
        `The manifest names a ${kind} kernel (sha256 ${kernel.sha256.slice(0, 12)}…): choose its file.`,
      )
      continue
    }
    const bytes = await file.arrayBuffer()
    const actual = await sha256Hex(bytes)
    if (actual !== kernel.sha256)
      add(
        kind,
        `This file's SHA-256 is ${actual}, but kernels[${manifest.kernels.indexOf(kernel)}].sha256 is ${kernel.sha256}: upload the file the manifest names, or update the manifest.`,
      )
    if (kernel.kind === 'wasm') {
      for (const message of await wasmProblems(file, manifest.limits.memoryBytes))
        add('wasm', message)
      pkg.wasm = new Uint8Array(bytes)
    } else {
      const source = await wgslSource(bytes)
      if (source === undefined) {
        add('wgsl', 'This file is not UTF-8 text: a WGSL kernel is source code.')
        continue
      }
      const declared = declaredWorkgroupSize(source, kernel.entry)
      if (declared === undefined)
        add(
          'wgsl',
          `No @compute function named "${kernel.entry}" (kernels[].entry) with a @workgroup_size was found.`,
        )
      else if (declared.some((size, i) => size !== undefined && size !== kernel.workgroupSize[i]))
        add(
          'wgsl',
          `The shader's @workgroup_size is (${declared.map((s) => s ?? '?').join(', ')}), but the manifest says [${kernel.workgroupSize.join(', ')}]: make them equal, or the dispatch will not cover the output.`,
        )
      try {
        await parameters.compileWgsl?.(kernel, bytes)
      } catch (error) {
        add('wgsl', describe(error))
      }
      pkg.wgsl = source
    }
  }

  try {
    planUnits(manifest, files.input?.size ?? 0)
  } catch (error) {
    add('input', describe(error))
  }
  if (files.input) pkg.input = files.input
  return Object.keys(problems).length ? { ok: false, problems } : { ok: true, package: pkg }
}

async function wasmProblems(file: Blob, memoryBytes: number | undefined): Promise<string[]> {
  const bytes = new Uint8Array(await file.arrayBuffer())
  let module: WebAssembly.Module
  try {
    module = await WebAssembly.compile(bytes)
  } catch (error) {
    return [`Not a valid WebAssembly module: ${error instanceof Error ? error.message : error}`]
  }
  const problems: string[] = []
  try {
    validateWasmKernel(module)
  } catch (error) {
    problems.push(describe(error))
  }
  if (memoryBytes !== undefined) {
    try {
      limitWasmMemory(bytes, memoryBytes)
    } catch (error) {
      problems.push(describe(error))
    }
  }
  return problems
}

async function wgslSource(bytes: ArrayBuffer): Promise<string | undefined> {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    return undefined
  }
}

/** An error's message with its details, as one line per part. */
export function describe(error: unknown): string {
  if (error && typeof error === 'object' && 'shortMessage' in error) {
    const details = 'details' in error && error.details ? `: ${String(error.details)}` : ''
    return `${String(error.shortMessage)}${details}`
  }
  return error instanceof Error ? error.message : String(error)
}
