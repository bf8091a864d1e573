import { createPeerLink } from '../../src/p2p/createPeerLink.ts'
import { DirectoryClient } from '../../src/directory/DirectoryClient.ts'
import { createMandelbrotJob } from '../../src/jobs/demo/createMandelbrotJob.ts'
import { IdbJobStore } from '../../src/jobs/IdbJobStore.ts'
import { JobHost } from '../../src/jobs/JobHost.ts'
import type { MandelbrotParams } from '../../src/kernels/mandelbrot/params.ts'
import {
  volunteerMessageSchema,
  type HostMessage,
  type VolunteerMessage,
} from '../../src/p2p/messages.ts'
import { openPeer, signalingToken } from '../../src/p2p/openPeer.ts'

/**
 * The embed bench's requester: a Mandelbrot job large enough to outlast the bench, hosted and
 * listed in the directory as the requester page does, so that the embed's frame finds it.
 */
let host: JobHost | undefined

export const bench = {
  async host(signalingUrl: string, params: MandelbrotParams, quorum: number) {
    const job = await createMandelbrotJob({ params, quorum })
    const peer = await openPeer({ signalingUrl })
    const opened = await JobHost.open(new IdbJobStore('embed-bench'), job)
    host = opened
    peer.on('connection', (connection) => {
      connection.on('open', () =>
        opened.attach(
          createPeerLink<HostMessage, VolunteerMessage>({
            connection,
            schema: volunteerMessageSchema,
          }),
        ),
      )
    })
    await new DirectoryClient(signalingUrl).register({
      jobId: job.jobId,
      name: job.name,
      hostPeerId: peer.id,
      hostToken: signalingToken(peer),
      kernelKinds: job.manifest.kernels.map((kernel) => kernel.kind),
      unitsTotal: job.unitsTotal,
      unitsDone: 0,
      ownerToken: job.ownerToken,
    })
    opened.start()
    return { jobId: job.jobId, unitsTotal: job.unitsTotal }
  },
  progress() {
    const { validated, issued, inFlight } = host!.progress
    return { validated, issued, inFlight }
  },
}
export type EmbedBenchApi = typeof bench

Object.assign(globalThis, { bench })
