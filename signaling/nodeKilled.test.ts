// @vitest-environment node
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { NodeVolunteer } from '../src/node/startNodeVolunteer.ts'
import { createJob, type Job } from '../src/sdk/index.ts'
import {
  hitsOf,
  monteCarloPiHits,
  monteCarloPiPackage,
} from '../tests/support/monteCarloPiPackage.ts'
import { startTestVolunteer } from '../tests/support/startTestVolunteer.ts'
import { jobListResponseSchema } from './directory/schemas.ts'
import { freePort } from './testing/freePort.ts'
import { startLoadBalancer, type StartedLoadBalancer } from './testing/startLoadBalancer.ts'
import { startRedis, type StartedRedis } from './testing/startRedis.ts'
import { startSignalingNode, type StartedSignalingNode } from './testing/startSignalingNode.ts'

// ICE gathers candidates on every interface: a WebRTC test runs only inside the private network
// (`../shared/bin/private-net npx vitest run ...`, as `npm test` does in CI).
const insidePrivateNet = process.env.PRIVATE_NET === '1'

const sweep = { seed: 11, samples: 200_000, unitCount: 12 }

let dir: string
let redis: StartedRedis
let nodes: StartedSignalingNode[]
let balancer: StartedLoadBalancer
let volunteers: NodeVolunteer[]
let job: Job | undefined

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'node-killed-'))
  nodes = []
  volunteers = []
  job = undefined
})

afterEach(async () => {
  for (const volunteer of volunteers) volunteer.stop()
  await job?.stop().catch(() => undefined)
  await balancer?.stop()
  for (const node of nodes) node.process.kill('SIGKILL')
  await Promise.all(nodes.map((node) => node.exited))
  await redis?.stop()
  await rm(dir, { recursive: true, force: true })
})

async function volunteer(jobId: string, name: string): Promise<NodeVolunteer> {
  const started = await startTestVolunteer({ signalingUrl: balancer.url, dir, name, jobId })
  volunteers.push(started)
  return started
}

describe.runIf(insidePrivateNet)('a signaling node killed mid-job', () => {
  it('its peers reconnect to another node behind the load balancer, a newcomer joins there, and the job completes', async () => {
    redis = await startRedis()
    const [portA, portB] = [await freePort(), await freePort()]
    // Only A at first, so that the host and the first volunteer are on the node that dies.
    const nodeA = await startSignalingNode(['--port', String(portA), '--redis', redis.url])
    nodes.push(nodeA)
    balancer = await startLoadBalancer([portA, portB])

    job = await createJob({
      package: await monteCarloPiPackage(sweep),
      signaling: balancer.url,
      store: path.join(dir, 'job.sqlite'),
      privatePool: true,
    })
    const events: string[] = []
    const firstListing = new Promise<void>((resolve) =>
      job!.on('signaling', (event) => {
        events.push(event.kind)
        if (event.kind === 'listed') resolve()
      }),
    )
    await firstListing
    // One volunteer: it computes, but no unit can be accepted until a second identity agrees,
    // so the job cannot end before the node dies.
    const first = await volunteer(job.id, 'first')
    await vi.waitFor(() => expect(job!.progress.verification.results).toBeGreaterThan(0), {
      timeout: 60_000,
      interval: 50,
    })
    nodes.push(await startSignalingNode(['--port', String(portB), '--redis', redis.url]))

    nodeA.process.kill('SIGKILL')
    await nodeA.exited
    // The host comes back under its id on node B and lists the job again; so does the volunteer.
    await vi.waitFor(() => expect(events.filter((kind) => kind === 'listed')).toHaveLength(2), {
      timeout: 30_000,
      interval: 100,
    })
    expect(events).toContain('lost')
    await vi.waitFor(() => expect(first.peer.disconnected).toBe(false), { timeout: 30_000 })
    const listed = jobListResponseSchema.parse(
      await (await fetch(`${balancer.url}/api/v1/jobs`)).json(),
    )
    expect(listed.jobs.map((listing) => listing.hostPeerId)).toEqual([job.hostPeerId])
    expect(job.progress.validated).toBe(0)

    // A newcomer reaches the host through node B, and with it each unit gets its second result.
    await volunteer(job.id, 'newcomer')
    const output = await job.done()
    expect(output.units.map(hitsOf)).toEqual(monteCarloPiHits(sweep))
    expect(balancer.handed.get(portB)).toBeGreaterThan(0)
  }, 180_000)
})
