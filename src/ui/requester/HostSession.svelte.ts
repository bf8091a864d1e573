import type { Peer } from 'peerjs'
import { iceServers, signalingUrl } from '../../config.ts'
import { sha256Hex } from '../../crypto/sha256Hex.ts'
import { DirectoryClient } from '../../directory/DirectoryClient.ts'
import { createMandelbrotJob } from '../../jobs/demo/createMandelbrotJob.ts'
import { IdbJobStore } from '../../jobs/IdbJobStore.ts'
import { JobHost, type HostProgress } from '../../jobs/JobHost.ts'
import type { JobRecord } from '../../jobs/JobRecord.ts'
import {
  decodeMandelbrotParams,
  mandelbrotUnitOutputBytes,
} from '../../kernels/mandelbrot/params.ts'
import { assembleTiles } from '../../kernels/mandelbrot/reference.ts'
import { createPeerLink } from '../../p2p/createPeerLink.ts'
import {
  volunteerMessageSchema,
  type HostMessage,
  type VolunteerMessage,
} from '../../p2p/messages.ts'
import { openPeer } from '../../p2p/openPeer.ts'

export type JobImage = { width: number; height: number; rgba: Uint8Array; sha256: string }

/**
 * The requester page's state: this tab becomes the job host. A running job is
 * resumed from IndexedDB when the page loads again.
 */
export class HostSession {
  phase = $state<'loading' | 'choose' | 'starting' | 'running' | 'complete'>('loading')
  job = $state<{ jobId: string; name: string } | undefined>()
  progress = $state<HostProgress | undefined>()
  resumed = $state(false)
  peerId = $state<string | undefined>()
  error = $state<string | undefined>()
  image = $state.raw<JobImage | undefined>()

  readonly #store = new IdbJobStore()
  readonly #directory = new DirectoryClient(signalingUrl())
  #host: JobHost | undefined
  #peer: Peer | undefined
  #lastListed = 0

  async init(): Promise<void> {
    const latest = await this.#store.latestJob()
    if (latest?.status === 'running') {
      this.resumed = true
      await this.#run(latest)
    } else if (latest?.status === 'complete') {
      this.#host = await JobHost.open(this.#store, latest)
      this.job = { jobId: latest.jobId, name: latest.name }
      this.progress = this.#host.progress
      await this.#showResult()
    } else {
      this.phase = 'choose'
    }
  }

  async startDemo(): Promise<void> {
    this.error = undefined
    this.resumed = false
    this.image = undefined
    this.phase = 'starting'
    try {
      await this.#run(await createMandelbrotJob())
    } catch (error) {
      this.error = describe(error)
      this.phase = 'choose'
    }
  }

  newJob(): void {
    this.image = undefined
    this.progress = undefined
    this.job = undefined
    this.phase = 'choose'
  }

  async #run(job: JobRecord): Promise<void> {
    this.phase = 'starting'
    const host = await JobHost.open(this.#store, job)
    this.#host = host
    this.job = { jobId: job.jobId, name: job.name }
    this.progress = host.progress
    const peer = await openPeer({ signalingUrl: signalingUrl(), iceServers: iceServers() })
    this.#peer = peer
    this.peerId = peer.id
    // On reload or close, tell volunteers at once; the job resumes from storage next time.
    addEventListener('pagehide', () => peer.destroy(), { once: true })
    peer.on('connection', (connection) => {
      connection.on('open', () =>
        host.attach(
          createPeerLink<HostMessage, VolunteerMessage>({
            connection,
            schema: volunteerMessageSchema,
          }),
        ),
      )
    })
    const progress = host.progress
    await this.#directory.register({
      jobId: job.jobId,
      name: job.name,
      hostPeerId: peer.id,
      kernelKinds: job.manifest.kernels.map((kernel) => kernel.kind),
      unitsTotal: job.unitsTotal,
      unitsDone: progress.validated + progress.failed,
      ownerToken: job.ownerToken,
    })
    host.onProgress((p) => {
      this.progress = p
      this.#updateListing(p)
      if (p.complete && this.phase === 'running') void this.#finish()
    })
    host.start()
    this.phase = 'running'
    if (host.progress.complete) await this.#finish()
  }

  #updateListing(progress: HostProgress): void {
    const now = Date.now()
    if (now - this.#lastListed < 1000 && !progress.complete) return
    this.#lastListed = now
    const job = this.#host?.job
    if (!job) return
    this.#directory
      .update(job.jobId, job.ownerToken, { unitsDone: progress.validated + progress.failed })
      .catch((error) => (this.error = `Could not update the job listing: ${describe(error)}`))
  }

  async #finish(): Promise<void> {
    const job = this.#host?.job
    if (!job) return
    await this.#directory.remove(job.jobId, job.ownerToken).catch(() => undefined)
    // Leave the signaling server but keep the data connections: the host is still saying
    // goodbye to its volunteers (last acks, credits, the refusal that releases them).
    this.#peer?.disconnect()
    await this.#showResult()
  }

  async #showResult(): Promise<void> {
    const host = this.#host
    if (!host) return
    const params = decodeMandelbrotParams(host.job.params)
    const blank = new Uint8Array(mandelbrotUnitOutputBytes(params))
    // Only verified outputs are drawn; a failed unit leaves its tile empty.
    const tiles = (await host.outputs()).map((tile) => tile ?? blank)
    const rgba = assembleTiles(params, tiles)
    const sha256 = await sha256Hex(rgba as Uint8Array<ArrayBuffer>)
    this.image = { width: params.width, height: params.height, rgba, sha256 }
    this.phase = 'complete'
  }
}

function describe(error: unknown): string {
  if (error && typeof error === 'object' && 'shortMessage' in error)
    return String(error.shortMessage)
  return error instanceof Error ? error.message : String(error)
}
