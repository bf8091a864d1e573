import { spawn, type ChildProcess } from 'node:child_process'
import { open, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { createSampleText } from '../../src/kernels/wordfreq/createSampleText.ts'
import { expectedWordCounts, wordCountPackage } from '../../tests/support/wordCountPackage.ts'

const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.resolve(here, '..', '..')
const MiB = 1024 * 1024
const blockBytes = 64 * MiB
const chunkBytes = MiB

/**
 * Writes a word-count job package with a `totalMiB` MiB text input to `folder`, block by block
 * (each its own seed, so memory stays bounded), and returns the counts its output must give.
 * What the large-input benches host, headless (`largeInput.ts`) and from a tab (`largeInputTab.ts`).
 */
export async function writeLargeInputPackage(
  folder: string,
  totalMiB: number,
): Promise<Uint32Array> {
  const pkg = await wordCountPackage({ totalBytes: chunkBytes, chunkBytes })
  await writeFile(path.join(folder, 'manifest.json'), JSON.stringify(pkg.manifest, null, 2))
  await writeFile(path.join(folder, 'wordfreq.wasm'), pkg.wasm)
  const expected = new Uint32Array(1024)
  const file = await open(path.join(folder, 'input.txt'), 'w')
  for (let written = 0, block = 0; written < totalMiB * MiB; written += blockBytes, block++) {
    const size = Math.min(blockBytes, totalMiB * MiB - written)
    const { text } = createSampleText({ chunkBytes, totalBytes: size, seed: block + 1 })
    await file.write(text)
    const counts = expectedWordCounts(text, { chunkBytes })
    for (let i = 0; i < counts.length; i++) expected[i]! += counts[i]!
  }
  await file.close()
  return expected
}

/**
 * Starts `count` headless volunteers in another process (`volunteers.ts`), serving each other at
 * 32 MiB/s, their piece caches in `dir`; closing its stdin stops them.
 */
export function spawnLargeInputVolunteers(
  signalingUrl: string,
  count: number,
  dir: string,
): ChildProcess {
  return spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(here, 'volunteers.ts'),
      JSON.stringify({ signalingUrl, count, dir, uploadBytesPerSecond: 32 * MiB }),
    ],
    { cwd: root, stdio: ['pipe', 'ignore', 'inherit'] },
  )
}
