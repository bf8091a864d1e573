// @vitest-environment node
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import type { Peer } from 'peerjs'
import { verifyMessage } from 'viem'
import { generatePrivateKey } from 'viem/accounts'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  createSignalingServer,
  type SignalingServer,
} from '../../signaling/createSignalingServer.ts'
import { DirectoryClient } from '../directory/DirectoryClient.ts'
import { acceptVolunteers } from '../jobs/acceptVolunteers.ts'
import { createMandelbrotJob } from '../jobs/demo/createMandelbrotJob.ts'
import { JobHost } from '../jobs/JobHost.ts'
import { MemoryJobStore } from '../jobs/MemoryJobStore.ts'
import { createKeyWallet } from './createKeyWallet.ts'
import { FileVoucherStore } from './FileVoucherStore.ts'
import { signalingToken } from '../p2p/openPeer.ts'
import { openNodePeer } from './openNodePeer.ts'
import { startNodeVolunteer, type NodeVolunteer } from './startNodeVolunteer.ts'

// ICE gathers candidates on every interface: a WebRTC test runs only inside the private network
// (`../shared/bin/private-net npx vitest run ...`).
const insidePrivateNet = process.env.PRIVATE_NET === '1'
const mandelbrotWasm = new URL('../../build/wasm/mandelbrot.wasm', import.meta.url)

let server: SignalingServer
let dir: string
let hostPeer: Peer | undefined
let host: JobHost | undefined
let volunteer: NodeVolunteer | undefined

async function until<T>(value: () => T | undefined, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs
  for (;;) {
    const found = value()
    if (found !== undefined) return found
    if (Date.now() > end) throw new Error('timed out')
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

describe.skipIf(!insidePrivateNet)(
  'startNodeVolunteer with a job host (WebRTC: only inside ../shared/bin/private-net)',
  () => {
    beforeEach(async () => {
      server = await createSignalingServer({ port: 0, host: '127.0.0.1' })
      dir = await mkdtemp(path.join(os.tmpdir(), 'node-volunteer-'))
    })

    afterEach(async () => {
      volunteer?.stop()
      host?.stop()
      hostPeer?.destroy()
      await server.close()
      await rm(dir, { recursive: true, force: true })
    })

    it("binds the wallet of its key: the host records the volunteer's address", async () => {
      const job = await createMandelbrotJob({
        fetchWasm: async () => new Uint8Array(await readFile(mandelbrotWasm)),
      })
      host = await JobHost.open(new MemoryJobStore(), job, {
        rewards: {
          chainId: 31337,
          domains: ['127.0.0.1:5173'],
          verifySignature: (args) => verifyMessage(args),
        },
      })
      hostPeer = await openNodePeer({ signalingUrl: server.url })
      acceptVolunteers(hostPeer, host)
      host.start()
      await new DirectoryClient(server.url).register({
        jobId: job.jobId,
        name: job.name,
        hostPeerId: hostPeer.id,
        hostToken: signalingToken(hostPeer),
        kernelKinds: ['wasm'],
        unitsTotal: job.unitsTotal,
        unitsDone: 0,
        ownerToken: job.ownerToken,
      })

      const wallet = createKeyWallet({
        privateKey: generatePrivateKey(),
        source: 'VOLUNTEER_WALLET_KEY',
        siteUrl: 'http://127.0.0.1:5173',
      })
      volunteer = await startNodeVolunteer({
        signalingUrl: server.url,
        identityFile: path.join(dir, 'identity.json'),
        cpuShare: 1,
        threads: 1,
        jobId: job.jobId,
        wallet: wallet.forPeer,
        vouchers: new FileVoucherStore(path.join(dir, 'vouchers.json')),
      })
      const running = volunteer
      expect(await until(() => host!.bindings.get(running.peer.id))).toBe(wallet.address)
      expect(await until(() => running.client.state.rewardAddress)).toBe(wallet.address)
    }, 120_000)
  },
)
