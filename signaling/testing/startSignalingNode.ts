import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export type StartedSignalingNode = {
  url: string
  port: number
  process: ChildProcess
  /** Everything it wrote, stdout and stderr together. */
  output: () => string
  /** Resolves with the exit code (null when a signal ended it). */
  exited: Promise<number | null>
}

const mainPath = fileURLToPath(new URL('../main.ts', import.meta.url))

/**
 * `signaling/main.ts` in a process of its own, as an operator runs it, so that a test can kill
 * it (`process.kill('SIGKILL')`) or drain it (`SIGTERM`). Resolves once it listens.
 *
 * @example
 * const node = await startSignalingNode(['--port', '0', '--redis', redis.url])
 */
export function startSignalingNode(args: readonly string[]): Promise<StartedSignalingNode> {
  const child = spawn(process.execPath, ['--import', 'tsx', mainPath, ...args], {
    env: { ...process.env, SIGNALING_PORT: '', SIGNALING_HOST: '', SIGNALING_REDIS_URL: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
  return new Promise((resolve, reject) => {
    const onData = () => {
      const match = /signaling server listening on (http:\/\/[^\s]+:(\d+))/.exec(output)
      if (!match) return
      child.stdout.off('data', onData)
      resolve({
        url: match[1]!,
        port: Number(match[2]),
        process: child,
        output: () => output,
        exited,
      })
    }
    child.stdout.on('data', onData)
    void exited.then((code) => reject(new Error(`signaling node exited with ${code}: ${output}`)))
  })
}
