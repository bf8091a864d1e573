/**
 * `npm run bench`: the transfer bench, the pipeline bench, the headless host bench, the matmul
 * bench, the engines' calibration against it, the WASM threads bench, the embed bench, the
 * escrow's gas bench, the trust simulation, the signaling load bench, then the data swarm
 * against the star, each in its own process; their markdown goes to stdout and to bench/results/latest.md, their progress to
 * stderr. BENCH_RUNS (default 3) is passed on to all.
 *
 *   ../shared/bin/private-net npm run bench
 */
import { execFileSync, spawn } from 'node:child_process'
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.dirname(here)
const benches = [
  'transfer/run.ts',
  'pipeline/run.ts',
  'headless/run.ts',
  'matmul/run.ts',
  'calibration/run.ts',
  'threads/run.ts',
  'embed/run.ts',
  'gas/run.ts',
  'trust/run.ts',
  'signaling/run.ts',
  'swarm/run.ts',
]

function runBench(file: string, env: NodeJS.ProcessEnv): Promise<string> {
  const tsx = path.join(root, 'node_modules', '.bin', 'tsx')
  const child = spawn(tsx, [path.join(here, file)], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  let output = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
  return new Promise((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code) => {
      if (code === 0) resolve(output.trimEnd())
      else reject(new Error(`bench/${file} exited with ${code}`))
    })
  })
}

function commit(): string {
  try {
    const hash = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root })
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      cwd: root,
    })
    return `${hash.toString().trim()}${dirty.length ? ' (with uncommitted changes)' : ''}`
  } catch {
    return 'unknown'
  }
}

async function main(): Promise<void> {
  if (process.env.PRIVATE_NET !== '1') {
    console.error(
      'The benchmarks open WebRTC connections, which must stay inside a private network. Run:\n\n  ../shared/bin/private-net npm run bench\n',
    )
    process.exit(2)
  }
  const env = { ...process.env, BENCH_RUNS: process.env.BENCH_RUNS ?? '3' }
  const started = Date.now()
  const sections: string[] = []
  for (const file of benches) {
    console.error(`bench/${file} ...`)
    sections.push(await runBench(file, env))
  }
  const minutes = ((Date.now() - started) / 60_000).toFixed(1)
  const markdown = [
    `# Benchmarks, ${new Date().toISOString()}, commit ${commit()}, ${minutes} min`,
    '',
    sections.join('\n\n'),
    '',
  ].join('\n')
  await mkdir(path.join(here, 'results'), { recursive: true })
  await writeFile(path.join(here, 'results', 'latest.md'), markdown)
  process.stdout.write(markdown)
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
