/**
 * The native C twin of the AssemblyScript matmul kernel (native/matmul.c), built at bench time
 * with the system compiler at the wasm kernel's vector width: 128 bits, no AVX, no FMA.
 */
import { execFile, execFileSync } from 'node:child_process'
import { mkdtemp } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const run = promisify(execFile)
const source = path.join(path.dirname(fileURLToPath(import.meta.url)), 'native', 'matmul.c')

// x86-64 baseline has SSE2 (128-bit) and neither AVX nor FMA, as wasm SIMD; -mno-avx keeps it
// so even if a distribution's compiler defaults to a newer level. aarch64's baseline NEON is
// 128-bit already. No contraction into fused multiply-adds either: wasm SIMD has none, and the
// outputs are compared bit for bit.
const archFlags: Record<string, string[]> = {
  x64: ['-march=x86-64', '-mtune=generic', '-mno-avx'],
}

export type NativeMatmul =
  | { built: true; binary: string; compiler: string; flags: string[] }
  | { built: false; reason: string }

/** Compiles native/matmul.c with `cc` into a temporary folder; says why not if it cannot. */
export async function buildNativeMatmul(): Promise<NativeMatmul> {
  let compiler: string
  try {
    compiler = execFileSync('cc', ['--version'], { encoding: 'utf8' }).split('\n')[0]!.trim()
  } catch {
    return { built: false, reason: 'no C compiler (`cc`) on PATH' }
  }
  const flags = ['-O3', '-ffp-contract=off', ...(archFlags[process.arch] ?? [])]
  const binary = path.join(await mkdtemp(path.join(os.tmpdir(), 'matmul-native-')), 'matmul')
  try {
    await run('cc', [...flags, '-o', binary, source])
  } catch (error) {
    return { built: false, reason: `cc failed: ${(error as Error).message.split('\n')[0]}` }
  }
  return { built: true, binary, compiler, flags }
}

/**
 * One process: a warm-up multiply, then `runs` timed ones (clear C and multiply, as the wasm
 * `run` export does). Returns their ms and FNV-1a of C.
 */
export async function runNativeMatmul(
  binary: string,
  n: number,
  runs: number,
): Promise<{ ms: number[]; hash: number }> {
  const { stdout } = await run(binary, [String(n), String(runs)])
  const report = JSON.parse(stdout) as { n: number; ms: number[]; hash: number }
  if (report.n !== n || report.ms.length !== runs) throw new Error(`native matmul: ${stdout}`)
  return { ms: report.ms, hash: report.hash }
}
