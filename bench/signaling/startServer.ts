import type { ServerApi, ServerOptions } from './serverProcess.ts'
import { startBenchChild } from './startBenchChild.ts'
import type { BenchChild } from './startBenchChild.ts'

/** The servers compared: ours alone (LocalPeerRouter), ours on Redis (RedisPeerRouter), bare PeerServer. */
export type ServerKind = 'ours' | 'ours-redis' | 'peerjs'

export const serverLabels: Record<ServerKind, string> = {
  ours: 'ours, one node',
  'ours-redis': 'ours, --redis',
  peerjs: 'bare PeerServer (peer 1.0)',
}

export type ServerUnderTest = {
  kind: ServerKind
  /** The peer socket URL, without the query. */
  url: string
  process: BenchChild<ServerApi>
  stop: () => Promise<void>
}

/**
 * Starts one server under test in its own process (`serverProcess.ts`).
 *
 * @example
 * const server = await startServer('peerjs', 16_000)
 */
export async function startServer(
  kind: ServerKind,
  maxPeers: number,
  redisUrl?: string,
): Promise<ServerUnderTest> {
  if (kind === 'ours-redis' && redisUrl === undefined) throw new Error('ours-redis needs a Redis')
  const options: ServerOptions = {
    kind: kind === 'peerjs' ? 'peerjs' : 'ours',
    maxPeers,
    redisUrl: kind === 'ours-redis' ? redisUrl : undefined,
  }
  const child = await startBenchChild<ServerApi>('serverProcess.ts', options)
  const { port } = child.ready as { port: number }
  return {
    kind,
    url: `ws://127.0.0.1:${port}/peerjs/peerjs`,
    process: child,
    stop: async () => {
      // Closing ours removes its peers' keys from a shared Redis; the process then exits.
      await child.call('stop').catch(() => undefined)
      await child.stop(5_000)
    },
  }
}
