// @vitest-environment node
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { connectPeer } from './testing/connectPeer.ts'

const mainPath = fileURLToPath(new URL('./main.ts', import.meta.url))

function runMain(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', mainPath, ...args], {
    env: { ...process.env, SIGNALING_PORT: '', SIGNALING_HOST: '' },
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const exited = once(child, 'exit').then(([code]) => code as number | null)
  return { child, exited, output: () => ({ stdout, stderr }) }
}

describe('signaling/main.ts', () => {
  it('exits with code 2 and a clear message on a bad flag', async () => {
    const run = runMain(['--max-body-bytes', 'big'])
    expect(await run.exited).toBe(2)
    expect(run.output().stderr).toContain('--max-body-bytes must be a whole number')
  })

  it('starts, serves and stops on SIGTERM', async () => {
    const run = runMain(['--port', '0', '--host', '127.0.0.1'])
    const url = await new Promise<string>((resolve, reject) => {
      run.child.stdout.on('data', () => {
        const match = /signaling server listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(
          run.output().stdout,
        )
        if (match?.[1]) resolve(match[1])
      })
      void run.exited.then((code) => reject(new Error(`exited ${code}: ${run.output().stderr}`)))
    })
    expect((await fetch(`${url}/healthz`)).status).toBe(200)
    // A connected peer too: closing must leave no timer or socket that would keep the process alive.
    const peer = await connectPeer({ port: Number(new URL(url).port), id: 'peer-1' })
    const peerClosed = new Promise((resolve) => peer.once('close', resolve))
    run.child.kill('SIGTERM')
    expect(await run.exited).toBe(0)
    await peerClosed
  }, 20_000)
})
