// @vitest-environment node
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  createSignalingServer,
  type SignalingServer,
} from '../../signaling/createSignalingServer.ts'
import { startTestVolunteer } from '../../tests/support/startTestVolunteer.ts'
import { expectedWordCounts, wordCountPackage } from '../../tests/support/wordCountPackage.ts'
import type { NodeVolunteer } from '../node/startNodeVolunteer.ts'
import { createJob } from '../sdk/index.ts'

// ICE gathers candidates on every interface: a WebRTC test runs only inside the private network
// (`../shared/bin/private-net npx vitest run ...`, as `npm test` does in CI).
const insidePrivateNet = process.env.PRIVATE_NET === '1'

const MiB = 1024 * 1024

describe.skipIf(!insidePrivateNet)('the data swarm over WebRTC, Node volunteers', () => {
  let dir: string
  let server: SignalingServer
  let volunteers: NodeVolunteer[]

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'swarm-'))
    server = await createSignalingServer({ port: 0 })
    volunteers = []
  })

  afterEach(async () => {
    for (const volunteer of volunteers) volunteer.stop()
    await server.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('volunteers fetch pieces from each other; the host sends each about once; the output is right', async () => {
    const size = { totalBytes: 8 * MiB, chunkBytes: MiB }
    const pkg = await wordCountPackage(size)
    const job = await createJob({
      package: pkg,
      signaling: server.url,
      store: path.join(dir, 'job.sqlite'),
      privatePool: true,
      uplinkBytesPerSecond: 2 * MiB,
    })
    // Volunteers on a LAN, a host on a home uplink: the host is the slow way to a piece.
    for (const name of ['a', 'b', 'c', 'd'])
      volunteers.push(
        await startTestVolunteer({
          signalingUrl: server.url,
          dir,
          name,
          jobId: job.id,
          uploadBytesPerSecond: 4 * MiB,
        }),
      )
    // One that only downloads: it is never named as a source, and still computes.
    volunteers.push(
      await startTestVolunteer({
        signalingUrl: server.url,
        dir,
        name: 'metered',
        jobId: job.id,
        uploadBytesPerSecond: 0,
      }),
    )
    const output = await job.done()
    expect(new Uint32Array(output.bytes.slice().buffer)).toEqual(
      expectedWordCounts(pkg.input, size),
    )

    const { data } = job.progress
    const kernelBytes = pkg.wasm.length * volunteers.length
    // The star sends every replica's input: 2 × 8 MiB. Here about each piece once.
    expect(data.sentBytes - kernelBytes).toBeLessThanOrEqual(1.3 * size.totalBytes)
    expect(data.swarm?.suspendedSources).toBe(0)
    const stats = volunteers.map((v) => v.swarm.stats)
    expect(stats.reduce((sum, s) => sum + s.fromPeers, 0)).toBeGreaterThan(size.totalBytes / 2)
    expect(stats.at(-1)?.uploadedBytes).toBe(0)
    expect(job.progress.violations).toEqual([])
    await job.stop()
  }, 180_000)
})
