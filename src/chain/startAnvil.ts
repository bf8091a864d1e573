import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import path from 'node:path'
import { AnvilStartError } from './errors.ts'

export type StartAnvilParameters = {
  /** Chain id of the node (anvil's default: 31337). */
  chainId?: number | undefined
  /** More command-line arguments for anvil (`--block-time`, `--hardfork`, ...). */
  args?: readonly string[] | undefined
  /** How long to wait for the node to answer, in ms (default 30,000). */
  timeoutMs?: number | undefined
}

export type StartAnvilReturnType = {
  /** `http://127.0.0.1:<port>`. */
  rpcUrl: string
  port: number
  /** Stops the node and resolves once its process has exited. */
  stop: () => Promise<void>
}

const platformPackages: Partial<Record<string, string>> = {
  'linux-x64': 'linux-amd64',
  'linux-arm64': 'linux-arm64',
  'darwin-x64': 'darwin-amd64',
  'darwin-arm64': 'darwin-arm64',
  'win32-x64': 'win32-amd64',
}

/** The anvil binary shipped in the platform package that `@foundry-rs/anvil` depends on. */
export function anvilBinaryPath(): string {
  const key = `${process.platform}-${process.arch}`
  const suffix = platformPackages[key]
  if (!suffix) {
    throw new AnvilStartError({ reason: `no anvil binary for ${key}`, output: '' })
  }
  const require = createRequire(import.meta.url)
  const manifest = require.resolve(`@foundry-rs/anvil-${suffix}/package.json`)
  return path.join(
    path.dirname(manifest),
    'bin',
    process.platform === 'win32' ? 'anvil.exe' : 'anvil',
  )
}

/**
 * Starts a local anvil node on a free loopback port (anvil picks it: `--port 0`) and resolves once
 * it answers JSON-RPC. Node only (tests, scripts). The node is killed if this process exits first.
 *
 * @example
 * const anvil = await startAnvil()
 * const client = createPublicClient({ chain: anvilChain, transport: http(anvil.rpcUrl) })
 * await anvil.stop()
 */
export async function startAnvil(
  parameters: StartAnvilParameters = {},
): Promise<StartAnvilReturnType> {
  const { chainId, args = [], timeoutMs = 30_000 } = parameters
  const child = spawn(
    anvilBinaryPath(),
    [
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      ...(chainId === undefined ? [] : ['--chain-id', String(chainId)]),
      ...args,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  const killOnExit = (): void => {
    child.kill('SIGKILL')
  }
  process.once('exit', killOnExit)
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))

  // Keep reading both pipes for the node's whole life: a full pipe would stall it.
  let output = ''
  const keep = (chunk: string): void => {
    output = (output + chunk).slice(-4_000)
  }
  child.stderr.setEncoding('utf8').on('data', keep)
  const stdout = child.stdout.setEncoding('utf8')

  const stop = async (): Promise<void> => {
    process.off('exit', killOnExit)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
    await exited
  }

  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new AnvilStartError({ reason: `no answer within ${timeoutMs} ms`, output })),
        timeoutMs,
      )
      const onData = (chunk: string): void => {
        keep(chunk)
        const match = /Listening on 127\.0\.0\.1:(\d+)/.exec(output)
        if (!match?.[1]) return
        clearTimeout(timer)
        stdout.off('data', onData)
        stdout.on('data', keep)
        resolve(Number(match[1]))
      }
      stdout.on('data', onData)
      child.once('error', (error) => {
        clearTimeout(timer)
        reject(new AnvilStartError({ reason: error.message, output }))
      })
      child.once('exit', (code, signal) => {
        clearTimeout(timer)
        reject(new AnvilStartError({ reason: `it exited (${signal ?? code})`, output }))
      })
    })
    const rpcUrl = `http://127.0.0.1:${port}`
    await waitForRpc(rpcUrl, timeoutMs)
    return { rpcUrl, port, stop }
  } catch (error) {
    await stop()
    throw error
  }
}

async function waitForRpc(rpcUrl: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      const response = await fetch(rpcUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
      })
      if (response.ok) return
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      throw new AnvilStartError({ reason: `${rpcUrl} did not answer`, output: '' })
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
