import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { freePort } from './freePort.ts'

export type StartRedisParameters = {
  /** The `redis-server` binary; `REDIS_SERVER_PATH`, else the one on PATH. */
  command?: string | undefined
}

export type StartedRedis = {
  /** `redis://127.0.0.1:PORT`, the same across restarts. */
  url: string
  port: number
  /** Where its append-only file lives; removed by `stop`. */
  dir: string
  /**
   * Stops the server and starts it again on the same port and data: a clean shutdown by
   * default, a SIGKILL with `{ crash: true }` (the append-only file is synced on every write,
   * so nothing acknowledged is lost either way).
   */
  restart: (options?: { crash?: boolean }) => Promise<void>
  /** Stops the server and removes its data. */
  stop: () => Promise<void>
}

/**
 * Starts a throwaway `redis-server` on a free loopback port, with persistence on (append-only
 * file, fsync on every write) in a temporary folder, for tests.
 *
 * @example
 * const redis = await startRedis()
 * const server = await createSignalingServer({ port: 0, redisUrl: redis.url })
 * await redis.restart()
 * await redis.stop()
 */
export async function startRedis(parameters: StartRedisParameters = {}): Promise<StartedRedis> {
  const command = parameters.command ?? process.env['REDIS_SERVER_PATH'] ?? 'redis-server'
  const dir = await mkdtemp(path.join(tmpdir(), 'redis-test-'))
  const port = await freePort()
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--appendonly',
    'yes',
    '--appendfsync',
    'always',
    '--save',
    '',
    '--daemonize',
    'no',
    '--protected-mode',
    'yes',
    '--loglevel',
    'notice',
  ]
  let child = await launch(command, args)

  const stopChild = async (signal: NodeJS.Signals) => {
    const exited = new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve()
      else child.once('exit', () => resolve())
    })
    child.kill(signal)
    await exited
  }

  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    restart: async ({ crash = false } = {}) => {
      await stopChild(crash ? 'SIGKILL' : 'SIGTERM')
      child = await launch(command, args)
    },
    stop: async () => {
      await stopChild('SIGTERM')
      await rm(dir, { recursive: true, force: true })
    },
  }
}

/** Resolves once the server accepts connections; rejects with its output when it exits first. */
function launch(command: string, args: string[]): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      if (output.includes('Ready to accept connections')) {
        child.stdout?.off('data', onData)
        child.stdout?.resume()
        child.off('exit', onExit)
        resolve(child)
      }
    }
    const onExit = (code: number | null) => {
      reject(
        new Error(`redis-server exited (${code}) before it was ready:\n${output.slice(-2000)}`),
      )
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.once('error', reject)
    child.once('exit', onExit)
  })
}
