/**
 * `npm run build:wasm`: compiles every AssemblyScript kernel, `assembly/<name>.ts`, to
 * `build/wasm/<name>.wasm` (release: -O3, SIMD enabled, the stub runtime). `allocator.ts` and
 * `sharedAllocator.ts` are the shared half of the WASM ABI that kernels re-export, not kernels.
 * A kernel named `<name>Threads.ts` is a threaded kernel: it imports a shared memory as
 * `env.memory` (maximum 1 GiB, which the host lowers to the job's limit) and may use atomics.
 *
 *   npx tsx scripts/buildWasm.ts [name ...]   # only the named kernels
 */
import { execFile } from 'node:child_process'
import { readdir } from 'node:fs/promises'
import path from 'node:path'
import { promisify } from 'node:util'

const root = path.dirname(import.meta.dirname)
const assembly = path.join(root, 'assembly')
const asc = path.join(root, 'node_modules', '.bin', 'asc')
const notKernels = new Set(['allocator', 'sharedAllocator'])
// 1 GiB in 64 KiB pages: the largest `limits.memoryBytes` a job may declare.
const threadedFlags = [
  '--enable',
  'threads',
  '--importMemory',
  '--sharedMemory',
  '--maximumMemory',
  '16384',
]

async function kernelNames(): Promise<string[]> {
  const files = await readdir(assembly)
  return files
    .filter((file) => file.endsWith('.ts'))
    .map((file) => file.slice(0, -3))
    .filter((name) => !notKernels.has(name))
    .sort()
}

async function build(name: string): Promise<void> {
  const outFile = path.join(root, 'build', 'wasm', `${name}.wasm`)
  await promisify(execFile)(asc, [
    path.join(assembly, `${name}.ts`),
    '--config',
    path.join(assembly, 'asconfig.json'),
    '--target',
    'release',
    '--outFile',
    outFile,
    ...(name.endsWith('Threads') ? threadedFlags : []),
  ])
  console.log(`built ${path.relative(root, outFile)}`)
}

const requested = process.argv.slice(2)
const names = requested.length ? requested : await kernelNames()
for (const name of names) await build(name)
