import { describe, expect, it } from 'vitest'
import { computingVolunteer, until } from '../../tests/support/jobHostHarness.ts'
import { memoryLinkPair } from '../../tests/support/memoryLinkPair.ts'
import type { Address, Hex } from 'viem'
import { escrowJobIdOf, fundingNonceOf, jobContentHashOf } from '../rewards/fundJob.ts'
import { sha256Hex } from '../crypto/sha256Hex.ts'
import { createJobRecord } from '../jobs/createJobRecord.ts'
import { hashJobInput } from '../jobs/hashJobInput.ts'
import { JobHost } from '../jobs/JobHost.ts'
import type { JobRecord } from '../jobs/JobRecord.ts'
import { MemoryJobStore } from '../jobs/MemoryJobStore.ts'
import { resultRoot } from '../rewards/resultRoot.ts'
import { validateManifest } from '../tasks/validateManifest.ts'
import type { UnitRunner } from '../volunteer/UnitRunner.ts'
import type { ComputeKernel } from '../workers/compute/createComputeApi.ts'
import { InputChangedError } from '../pieces/errors.ts'
import type { PeerLink } from '../p2p/PeerLink.ts'
import type { VerifierMessage, VerifyHostMessage } from './verifyMessages.ts'
import { verifyUnit, type VerifyUnitParameters } from './verifyUnit.ts'

/*
 * verifyUnit against a real JobHost's VerifyDesk, over links in memory: a funded job whose
 * units were computed by volunteers in memory, then checked unit by unit, honest and tampered.
 */

const kernel = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 7])
const requester: Address = `0x${'55'.repeat(20)}`
const signerKey: Hex = `0x${'33'.repeat(32)}`
const unitBytes = 300 * 1024
const units = 4
const input = new Uint8Array(unitBytes * units).map((_, i) => (i * 7919) >>> 5)

/** The job's computation: a unit's output is 8 bytes folded from its input. */
function fold(slice: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(8)
  slice.forEach((byte, i) => (out[i % 8] = (out[i % 8]! * 31 + byte) & 0xff))
  return out
}

function runner(
  compute: (input: Uint8Array) => Uint8Array<ArrayBuffer> = fold,
): UnitRunner<ComputeKernel> {
  return {
    size: 1,
    async load({ bytes, sha256 }) {
      if ((await sha256Hex(bytes)) !== sha256) throw new Error('kernel hash mismatch')
    },
    async run(unit) {
      return { output: compute(unit.input), kernelMs: 1 }
    },
  }
}

async function completedJob(store = new MemoryJobStore()) {
  const manifest = validateManifest({
    manifestVersion: 1,
    name: 'fold',
    kernels: [{ kind: 'wasm', sha256: await sha256Hex(kernel) }],
    units: { mode: 'split', itemBytes: 1024, itemsPerUnit: unitBytes / 1024 },
    output: { bytesPerUnit: 8 },
    replication: { quorum: 2 },
    verification: { adaptive: false, canaryRate: 0, distinctOrigins: false },
  })
  const created = createJobRecord({ manifest, wasm: kernel, input: new Blob([input]) })
  const pieces = (await hashJobInput(created, new Blob([input])))!
  const committed = { root: pieces.root, bytes: input.length }
  const job: JobRecord = {
    ...created,
    jobId: 'job-1',
    rewards: {
      chainId: 31337,
      escrow: `0x${'11'.repeat(20)}`,
      // As fundJob makes it: from the manifest and the input, the requester and the nonce.
      chainJobId: escrowJobIdOf(
        jobContentHashOf(JSON.stringify(manifest), committed),
        requester,
        fundingNonceOf(signerKey),
      ),
      inputRoot: pieces.root,
      rewardPerUnit: '0',
      budget: '0',
      signerKey,
      voucherDeadline: 0,
      earned: {},
      boundPeers: {},
      unboundUnits: {},
    },
  }
  const host = await JobHost.open(store, job, { input: new Blob([input]), swarm: false })
  for (const id of ['a', 'b']) computingVolunteer(host, id, (_, slice) => fold(slice))
  await until(() => host.progress.complete, 'completion')
  // What the host does once the root's transaction is sent.
  host.job.rewards!.resultRootTx = `0x${'44'.repeat(32)}`
  return { host, store, pieces, root: resultRoot(await host.acceptedHashes()) }
}

type Tamper = (message: VerifyHostMessage, body: Uint8Array) => [VerifyHostMessage, Uint8Array]

/** Verifies against the host, each of its messages first passed through `tamper`. */
function verify(
  host: JobHost,
  parameters: Omit<VerifyUnitParameters, 'link'>,
  tamper: Tamper = (message, body) => [message, body],
) {
  const [toVerifier, toHost] = memoryLinkPair<VerifyHostMessage, VerifierMessage>('host', 'v')
  host.attachVerifier(toVerifier)
  const link: PeerLink<VerifierMessage, VerifyHostMessage> = {
    ...toHost,
    send: (message, body) => toHost.send(message, body),
    onMessage: (handler) => toHost.onMessage((message, body) => handler(...tamper(message, body))),
  }
  return verifyUnit({ link, ...parameters })
}

describe('verifyUnit', () => {
  it('confirms every accepted unit: hashes, proof under the root on chain, recomputed', async () => {
    const { host, root } = await completedJob()
    for (let index = 0; index < units; index++) {
      const verdict = await verify(host, {
        index,
        readEscrowJob: async () => ({ requester, resultRoot: root }),
        runner: runner(),
      })
      expect(verdict, `unit ${index}`).toMatchObject({
        kind: 'confirmed',
        unit: { index, inputBytes: unitBytes, root },
      })
    }
    host.stop()
  })

  it('rejects an output the host tampered with after the root was recorded', async () => {
    const store = new MemoryJobStore()
    const { host, root } = await completedJob(store)
    const [sha256] = await host.acceptedHashes()
    const stored = await store.loadOutput('job-1', 0, sha256!)
    stored![0]! ^= 0xff
    await store.saveUnits('job-1', [
      {
        unit: (await store.loadUnits('job-1')).find((unit) => unit.index === 0)!,
        change: { put: { sha256: sha256!, bytes: stored! } },
      },
    ])
    const verdict = await verify(host, {
      index: 0,
      readEscrowJob: async () => ({ requester, resultRoot: root }),
      runner: runner(),
    })
    expect(verdict).toMatchObject({ kind: 'rejected', reason: 'output-hash' })
    host.stop()
  })

  it('rejects an output that is not under the root on chain', async () => {
    const { host } = await completedJob()
    const otherRoot = resultRoot([
      'ab'.repeat(32),
      'cd'.repeat(32),
      'ef'.repeat(32),
      '01'.repeat(32),
    ])
    const verdict = await verify(host, {
      index: 2,
      readEscrowJob: async () => ({ requester, resultRoot: otherRoot }),
      runner: runner(),
    })
    expect(verdict).toMatchObject({ kind: 'rejected', reason: 'proof' })
    const none = await verify(host, {
      index: 2,
      readEscrowJob: async () => ({ requester, resultRoot: `0x${'00'.repeat(32)}` as Hex }),
      runner: runner(),
    })
    expect(none).toMatchObject({ kind: 'rejected', reason: 'no-root' })
    host.stop()
  })

  it('rejects an accepted output that the kernel does not compute (volunteers who agreed on a lie)', async () => {
    const { host, root } = await completedJob()
    const honestElsewhere = (slice: Uint8Array) => fold(slice).map((byte) => byte ^ 1)
    const verdict = await verify(host, {
      index: 1,
      readEscrowJob: async () => ({ requester, resultRoot: root }),
      runner: runner(honestElsewhere),
    })
    expect(verdict).toMatchObject({ kind: 'rejected', reason: 'recomputed' })
    host.stop()
  })

  it("rejects a manifest that is not the escrow job's: the kernel and params are held to it", async () => {
    const { host, root } = await completedJob()
    const stranger: Address = `0x${'66'.repeat(20)}`
    const verdict = await verify(host, {
      index: 0,
      readEscrowJob: async () => ({ requester: stranger, resultRoot: root }),
      runner: runner(),
    })
    expect(verdict).toMatchObject({ kind: 'rejected', reason: 'manifest' })
    host.stop()
  })

  it('refuses an answer for another escrow job, and says why a unit is unavailable', async () => {
    const { host, root } = await completedJob()
    const other = await verify(host, {
      index: 0,
      chainJobId: `0x${'99'.repeat(32)}`,
      readEscrowJob: async () => ({ requester, resultRoot: root }),
      runner: runner(),
    })
    expect(other).toMatchObject({ kind: 'rejected', reason: 'wrong-job' })
    const missing = await verify(host, {
      index: units,
      readEscrowJob: async () => ({ requester, resultRoot: root }),
      runner: runner(),
    })
    expect(missing).toMatchObject({ kind: 'unavailable', code: 'unit/unknown' })
    delete host.job.rewards!.resultRootTx
    const unrecorded = await verify(host, {
      index: 0,
      readEscrowJob: async () => ({ requester, resultRoot: root }),
      runner: runner(),
    })
    expect(unrecorded).toMatchObject({ kind: 'unavailable', code: 'job/no-result-root' })
    host.stop()
  })
  it("rejects a piece that is not the committed input's, though it is the hash the host names", async () => {
    const { host, pieces, root } = await completedJob()
    // The host serves unit 1's first piece in place of unit 0's, naming its true hash and proof.
    const other = pieces.piecesOf(1)[0]!
    const swapped = {
      entry: {
        sha256: pieces.sha256Of(other.index),
        bytes: other.end - other.start,
        proof: await pieces.proofOf(other.index),
      },
      bytes: input.slice(other.start, other.end),
    }
    const verdict = await verify(
      host,
      { index: 0, readEscrowJob: async () => ({ requester, resultRoot: root }), runner: runner() },
      (message, body) => {
        if (message.type === 'unit')
          return [
            { ...message, pieces: [{ ...swapped.entry, index: 0 }, ...message.pieces.slice(1)] },
            body,
          ]
        if (message.type === 'piece' && message.index === 0)
          return [{ ...message, sha256: swapped.entry.sha256 }, swapped.bytes]
        return [message, body]
      },
    )
    expect(verdict).toMatchObject({ kind: 'rejected', reason: 'piece-hash' })
    expect(verdict.kind === 'rejected' && verdict.message).toMatch(/commits to/)
    host.stop()
  })

  it('rejects an input size or pieces that the escrow job does not commit to', async () => {
    const { host, root } = await completedJob()
    const verifyWith = (tamper: Tamper) =>
      verify(
        host,
        {
          index: 0,
          readEscrowJob: async () => ({ requester, resultRoot: root }),
          runner: runner(),
        },
        tamper,
      )
    const smaller = await verifyWith((message, body) =>
      message.type === 'unit' && message.input
        ? [{ ...message, input: { ...message.input, bytes: message.input.bytes - 1024 } }, body]
        : [message, body],
    )
    expect(smaller).toMatchObject({ kind: 'rejected', reason: 'manifest' })
    const otherRoot = await verifyWith((message, body) =>
      message.type === 'unit' && message.input
        ? [{ ...message, input: { ...message.input, root: 'ab'.repeat(32) } }, body]
        : [message, body],
    )
    expect(otherRoot).toMatchObject({ kind: 'rejected', reason: 'manifest' })
    const shortened = await verifyWith((message, body) =>
      message.type === 'unit'
        ? [{ ...message, pieces: message.pieces.slice(0, 1) }, body]
        : [message, body],
    )
    expect(shortened).toMatchObject({ kind: 'rejected', reason: 'manifest' })
    host.stop()
  })

  it('a host refuses to serve a funded job whose stored input is not the one it committed to', async () => {
    const store = new MemoryJobStore()
    const { host } = await completedJob(store)
    host.stop()
    const changed = input.slice()
    changed[5]! ^= 1
    await store.saveInput('job-1', new Blob([changed]))
    await expect(JobHost.open(store, host.job)).rejects.toBeInstanceOf(InputChangedError)
  })
})
