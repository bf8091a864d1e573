import { fork } from 'node:child_process'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')

type Api = { [name: string]: (argument: never) => Promise<unknown> }

export type BenchChild<A extends Api> = {
  pid: number
  /** What the child passed to `answerParent` once it was ready. */
  ready: unknown
  call: <K extends keyof A & string>(
    name: K,
    ...argument: Parameters<A[K]>
  ) => Promise<Awaited<ReturnType<A[K]>>>
  /**
   * Ends the child and resolves once it has exited: SIGTERM after `graceMs` (for a child already
   * told to exit, which then writes its CPU profile), then SIGKILL after 5 s more.
   */
  stop: (graceMs?: number) => Promise<void>
}

/**
 * Runs a TypeScript file of this folder in its own Node process (so that its CPU time, memory
 * and file descriptors are its own), with `--expose-gc`, and calls the functions it serves
 * with `answerParent` over IPC.
 *
 * @example
 * const server = await startBenchChild<ServerApi>('serverProcess.ts', { kind: 'peerjs' })
 * const usage = await server.call('usage', { gc: true })
 */
export function startBenchChild<A extends Api>(
  file: string,
  argument: unknown,
): Promise<BenchChild<A>> {
  const child = fork(path.join(root, 'bench', 'signaling', file), [JSON.stringify(argument)], {
    cwd: root,
    execArgv: [
      '--expose-gc',
      // BENCH_SIGNALING_PROFILE=<dir>: a CPU profile of every process of the bench there.
      ...(process.env.BENCH_SIGNALING_PROFILE
        ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_SIGNALING_PROFILE]
        : []),
      '--import',
      'tsx',
    ],
    // The bench's stdout is its report: whatever a child prints goes to stderr.
    stdio: ['ignore', process.stderr, 'inherit', 'ipc'],
  })
  const waiting = new Map<
    number,
    { resolve: (value: never) => void; reject: (error: Error) => void }
  >()
  let nextId = 0
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  exited.then(() => {
    for (const { reject } of waiting.values()) reject(new Error(`${file} exited`))
    waiting.clear()
  })
  return new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('exit', (code) =>
      reject(new Error(`${file} exited with ${code} before it was ready`)),
    )
    child.on(
      'message',
      (message: {
        ready?: unknown
        id?: number
        ok?: boolean
        value?: unknown
        error?: string
      }) => {
        if ('ready' in message) {
          resolve({
            pid: child.pid!,
            ready: message.ready,
            call: (name, ...argument) =>
              new Promise((resolveCall, rejectCall) => {
                const id = nextId++
                waiting.set(id, { resolve: resolveCall, reject: rejectCall })
                child.send({ id, name, argument: argument[0] })
              }),
            stop: async (graceMs = 0) => {
              const ended = () => child.exitCode !== null || child.signalCode !== null
              if (!ended() && graceMs > 0) await Promise.race([exited, sleep(graceMs)])
              if (ended()) return
              child.kill('SIGTERM')
              const killer = setTimeout(() => child.kill('SIGKILL'), 5_000)
              await exited
              clearTimeout(killer)
            },
          })
          return
        }
        const call = waiting.get(message.id!)
        if (!call) return
        waiting.delete(message.id!)
        if (message.ok) call.resolve(message.value as never)
        else call.reject(new Error(`${file}: ${message.error}`))
      },
    )
  })
}
