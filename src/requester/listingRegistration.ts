import type { Peer } from 'peerjs'
import type { RegisterJobRequest } from '../../signaling/directory/schemas.ts'
import type { JobHost } from '../jobs/JobHost.ts'
import { signalingToken } from '../p2p/openPeer.ts'
import { listingProgress, listingReward } from './listingProgress.ts'

/**
 * What a host registers in the directory for its job, whoever hosts it (a tab or a headless
 * node): the job, the peer volunteers reach it at (with the signaling token that proves it is
 * that peer's), its content root, and its reward and progress as they stand.
 *
 * @example
 * await directory.register(listingRegistration(host, peer, wallet.chain))
 */
export function listingRegistration(
  host: JobHost,
  peer: Peer,
  token: { tokenSymbol: string; tokenDecimals: number } | undefined,
): Omit<RegisterJobRequest, 'v'> {
  const { job } = host
  return {
    jobId: job.jobId,
    name: job.name,
    hostPeerId: peer.id,
    hostToken: signalingToken(peer),
    kernelKinds: job.manifest.kernels.map((kernel) => kernel.kind),
    ...(host.contentRoot && { contentRoot: host.contentRoot }),
    about: {
      category: job.manifest.about?.category ?? 'other',
      ...(job.manifest.about?.description && { description: job.manifest.about.description }),
    },
    policy: {
      quorum: job.manifest.replication.quorum,
      adaptive: job.manifest.verification.adaptive,
      canaryRate: job.manifest.verification.canaryRate,
      distinctOrigins: job.manifest.verification.distinctOrigins,
    },
    unitsTotal: job.unitsTotal,
    ownerToken: job.ownerToken,
    ...listingReward(job.rewards, token),
    ...listingProgress(host.progress),
  }
}
