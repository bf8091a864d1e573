import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { expectedWordCounts, wordCountPackage } from '../support/wordCountPackage.ts'

/*
 * Processes beside the browsers of an end-to-end test: the command line, a script under tsx,
 * a job package folder for them.
 */

export const root = fileURLToPath(new URL('../..', import.meta.url))
export const cli = path.join(root, 'bin', 'volunteer-compute.mjs')
const MiB = 1024 * 1024

export type Command = {
  process: ChildProcess
  output: () => string
  exited: Promise<number | null>
}

/** A TypeScript file (`cli` among them) in a process of its own, its output collected. */
export function run(file: string, args: string[], env: NodeJS.ProcessEnv = {}): Command {
  const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], {
    cwd: root,
    env: { ...process.env, SIGNALING_URL: 'http://127.0.0.1:9000', ...env },
  })
  let output = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  )
  return { process: child, output: () => output, exited }
}

/** A job package folder for the CLI: the word-count kernel over `totalBytes` of text, 1 MiB units. */
export async function wordCountFolder(totalBytes: number, chunkBytes = MiB) {
  const size = { totalBytes, chunkBytes }
  const pkg = await wordCountPackage(size)
  const folder = await mkdtemp(path.join(os.tmpdir(), 'word-count-'))
  await writeFile(path.join(folder, 'manifest.json'), JSON.stringify(pkg.manifest, null, 2))
  await writeFile(path.join(folder, 'wordfreq.wasm'), pkg.wasm)
  await writeFile(path.join(folder, 'input.txt'), pkg.input)
  return { folder, expected: expectedWordCounts(pkg.input, size) }
}
