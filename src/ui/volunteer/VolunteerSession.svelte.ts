import type { Peer } from 'peerjs'
import { iceServers, signalingUrl } from '../../config.ts'
import { DirectoryClient } from '../../directory/DirectoryClient.ts'
import { createPeerLink } from '../../p2p/createPeerLink.ts'
import { hostMessageSchema, type HostMessage, type VolunteerMessage } from '../../p2p/messages.ts'
import { connectToPeer, openPeer } from '../../p2p/openPeer.ts'
import {
  VolunteerClient,
  type Engine,
  type VolunteerState,
} from '../../volunteer/VolunteerClient.ts'
import { detectEngines, type EngineReport } from '../../workers/detectEngines.ts'
import { WorkerPool } from '../../workers/WorkerPool.ts'

const cpuShareKey = 'volunteer.cpuShare'

/**
 * The volunteer page's state: owns the worker pool, the peer and the client,
 * none of which exist before the person consents with `start()`.
 */
export class VolunteerSession {
  state = $state<VolunteerState | undefined>()
  peerId = $state<string | undefined>()
  error = $state<string | undefined>()
  starting = $state(false)
  /** Percent of each worker's time spent computing, 10 to 100. */
  cpuShare = $state(readCpuShare())
  workers = $state(0)
  /** What this browser can compute with; probed only after consent. */
  engines = $state<EngineReport | undefined>()

  #pool: WorkerPool | undefined
  #peer: Peer | undefined
  #client: VolunteerClient | undefined

  get active(): boolean {
    return this.#client !== undefined
  }

  async start(): Promise<void> {
    if (this.#client || this.starting) return
    this.starting = true
    this.error = undefined
    try {
      const engines = await detectEngines()
      this.engines = engines
      const signaling = signalingUrl()
      const directory = new DirectoryClient(signaling)
      const peer = await openPeer({ signalingUrl: signaling, iceServers: iceServers() })
      const pool = new WorkerPool({ cpuShare: this.cpuShare / 100 })
      const client = new VolunteerClient({
        runner: pool,
        listJobs: () => directory.list(),
        engines: offeredEngines(engines),
        connect: async (hostPeerId) =>
          createPeerLink<VolunteerMessage, HostMessage>({
            connection: await connectToPeer(peer, hostPeerId),
            schema: hostMessageSchema,
          }),
      })
      client.onChange((state) => (this.state = state))
      this.#pool = pool
      this.#peer = peer
      this.#client = client
      this.peerId = peer.id
      this.workers = pool.size
      client.start()
      // Closing the tab ends the peer at once, so hosts reissue its units without waiting.
      addEventListener('pagehide', () => this.stop(), { once: true })
    } catch (error) {
      this.error = error instanceof Error ? error.message : String(error)
    } finally {
      this.starting = false
    }
  }

  stop(): void {
    this.#client?.stop()
    this.#pool?.dispose()
    this.#peer?.destroy()
    this.#client = this.#pool = this.#peer = undefined
  }

  setCpuShare(percent: number): void {
    this.cpuShare = percent
    localStorage.setItem(cpuShareKey, String(percent))
    this.#pool?.setCpuShare(percent / 100)
  }
}

// A software adapter runs on the CPU, slower than our WASM kernels: it never makes WGSL jobs
// eligible on its own.
function offeredEngines({ webgpu }: EngineReport): Engine[] {
  return webgpu.available && !webgpu.isFallback ? ['wasm', 'webgpu'] : ['wasm']
}

function readCpuShare(): number {
  const stored = Number(globalThis.localStorage?.getItem(cpuShareKey))
  return stored >= 10 && stored <= 100 ? stored : 50
}
