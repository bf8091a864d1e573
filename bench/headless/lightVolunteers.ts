/**
 * Light volunteers for the Node host's ceiling, in a process of their own: `count` real
 * `VolunteerClient`s, each with its own identity and its own PeerJS peer over node-datachannel
 * (real data channels to the host), whose units run in this process's thread instead of a worker
 * pool (the trivial kernel takes microseconds). Prints `{ "ready": count }` once every peer is
 * open, then joins the job.
 *
 *   node --import tsx bench/headless/lightVolunteers.ts '<LightVolunteersOptions as JSON>'
 */
import type { HostInfo } from '../pipeline/host.ts'
import { createIdentity } from '../../src/identity/createIdentity.ts'
import { openNodePeer } from '../../src/node/openNodePeer.ts'
import { createPeerLink } from '../../src/p2p/createPeerLink.ts'
import {
  hostMessageSchema,
  type HostMessage,
  type VolunteerMessage,
} from '../../src/p2p/messages.ts'
import { connectToPeer } from '../../src/p2p/openPeer.ts'
import { VolunteerClient } from '../../src/volunteer/VolunteerClient.ts'
import type { UnitRunner } from '../../src/volunteer/UnitRunner.ts'
import { createComputeApi, type ComputeKernel } from '../../src/workers/compute/createComputeApi.ts'
import { soloSwarm } from '../../src/pieces/testing/soloSwarm.ts'

export type LightVolunteersOptions = {
  signalingUrl: string
  count: number
  /** Units each takes at once. */
  slots: number
  job: HostInfo
}

const { signalingUrl, count, slots, job } = JSON.parse(
  process.argv[2] ?? '{}',
) as LightVolunteersOptions

/**
 * The compute worker's logic, run in this thread. It takes `slots` units at once, as a pool of
 * that many workers would, so that a round trip to the host does not leave it idle.
 */
function inlineRunner(): UnitRunner<ComputeKernel> {
  const api = createComputeApi()
  return {
    size: slots,
    load: async (kernel) => void (await api.load(kernel)),
    run: (unit) => api.run(unit),
  }
}

const now = new Date().toISOString()
const listing = {
  ...job,
  kernelKinds: ['wasm' as const],
  unitsDone: 0,
  listedAt: now,
  updatedAt: now,
}
const volunteers = await Promise.all(
  Array.from({ length: count }, async () => {
    const peer = await openNodePeer({ signalingUrl })
    const { identity } = await createIdentity()
    return { peer, identity }
  }),
)
console.log(JSON.stringify({ ready: count }))
for (const { peer, identity } of volunteers) {
  new VolunteerClient({
    swarm: soloSwarm(),
    identity,
    runners: { wasm: inlineRunner() },
    engines: [{ kind: 'wasm', slots, gflops: 0 }],
    listJobs: async () => [listing],
    connect: async (hostPeerId) =>
      createPeerLink<VolunteerMessage, HostMessage>({
        connection: await connectToPeer(peer, hostPeerId),
        schema: hostMessageSchema,
      }),
    retryMs: 200,
  }).start()
}
