import { openAsBlob } from 'node:fs'
import { readdir, readFile, stat } from 'node:fs/promises'
import path from 'node:path'
import type { UploadFiles, UploadProblems } from '../requester/checkUpload.ts'

/**
 * The files of a job package folder, as the upload form takes them:
 * - `manifest.json`, required;
 * - one `.wasm` and/or one `.wgsl` kernel file, whatever their names;
 * - the input file, if the job has one: named `input` or `input.<anything>`.
 *
 * Anything else in the folder (a README, the kernel's sources, dotfiles such as a host's store)
 * is left alone. A missing folder or manifest, or two candidates for one part, is a problem of
 * the part it concerns, worded as the upload form words its own.
 *
 * @example
 * const read = await readJobPackageFolder('jobs/sweep')
 * if (read.ok) await checkUpload(read.files)
 */
export async function readJobPackageFolder(
  folder: string,
): Promise<{ ok: true; files: UploadFiles } | { ok: false; problems: UploadProblems }> {
  let names: string[]
  try {
    if (!(await stat(folder)).isDirectory())
      return { ok: false, problems: { manifest: [`${folder} is not a folder.`] } }
    names = (await readdir(folder)).filter((name) => !name.startsWith('.')).sort()
  } catch (error) {
    return { ok: false, problems: { manifest: [`Cannot read ${folder}: ${reason(error)}`] } }
  }
  const problems: UploadProblems = {}
  const pick = (field: 'wasm' | 'wgsl' | 'input', matches: (name: string) => boolean) => {
    const found = names.filter(matches)
    if (found.length > 1)
      (problems[field] ??= []).push(
        `${found.length} files could be the ${field === 'input' ? 'input' : `${field.toUpperCase()} kernel`} (${found.join(', ')}): keep one.`,
      )
    return found.length === 1 ? path.join(folder, found[0]!) : undefined
  }
  const wasm = pick('wasm', (name) => name.endsWith('.wasm'))
  const wgsl = pick('wgsl', (name) => name.endsWith('.wgsl'))
  const input = pick('input', (name) => name === 'input' || name.startsWith('input.'))
  let manifestText: string | undefined
  if (!names.includes('manifest.json')) {
    problems.manifest = [`No manifest.json in ${folder}.`]
  } else {
    try {
      manifestText = await readFile(path.join(folder, 'manifest.json'), 'utf8')
    } catch (error) {
      problems.manifest = [`Cannot read manifest.json: ${reason(error)}`]
    }
  }
  if (Object.keys(problems).length || manifestText === undefined) return { ok: false, problems }
  return {
    ok: true,
    files: {
      manifestText,
      ...(wasm && { wasm: await fileBlob(wasm) }),
      ...(wgsl && { wgsl: await fileBlob(wgsl) }),
      ...(input && { input: await fileBlob(input) }),
    },
  }
}

/** A Blob backed by the file on disk, read as it is used: a large input is never held whole. */
function fileBlob(file: string): Promise<Blob> {
  return openAsBlob(file)
}

function reason(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code
  if (code === 'ENOENT') return 'no such file or folder'
  if (code === 'EACCES') return 'permission denied'
  return error instanceof Error ? error.message : String(error)
}
