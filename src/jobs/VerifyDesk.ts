import type { Hex } from 'viem'
import { bytesToBase64 } from '../encoding/base64.ts'
import type { PeerLink } from '../p2p/PeerLink.ts'
import type { InputPieces } from '../pieces/InputPieces.ts'
import { fundingNonceOf } from '../rewards/fundJob.ts'
import { proofIn } from '../pieces/merkleRoot.ts'
import { resultLevels } from '../rewards/resultRoot.ts'
import type { UnitPlan } from '../tasks/planUnits.ts'
import {
  VERIFY_PROTOCOL_VERSION,
  type VerifierMessage,
  type VerifyHostMessage,
} from '../verify/verifyMessages.ts'
import type { HostUplink } from './HostUplink.ts'
import type { JobRecord } from './JobRecord.ts'
import type { JobStore } from './JobStore.ts'

export type VerifierLink = PeerLink<VerifyHostMessage, VerifierMessage>

/** Units one verifier link may ask for: a check, not a download of the job. */
const maxRequestsPerLink = 16

export type VerifyDeskParameters = {
  job: JobRecord
  store: JobStore
  plan: UnitPlan
  pieces: InputPieces | undefined
  file: Blob | undefined
  uplink: HostUplink
  /** Every unit's accepted output hash, in unit order (`ResultDesk.acceptedHashes`). */
  acceptedHashes: () => Promise<(string | undefined)[]>
}

/**
 * Serves re-verification of a funded job's accepted units to anyone who asks over a verify link
 * (`VERIFY_CONNECTION_LABEL`): the unit's settings, its accepted output and the Merkle proof of
 * that output's hash under the result root (`resultProof`, the root the host recorded on chain; the tree is built once),
 * the WASM kernel and the unit's input pieces with their proofs under the input root (which the
 * escrow job commits to), all paced by the host's uplink. Requests on a link
 * are answered one at a time, at most 16 in all.
 *
 * @example
 * const desk = new VerifyDesk({ job, store, plan, pieces, file, uplink, acceptedHashes })
 * desk.attach(verifierLink)
 */
export class VerifyDesk {
  readonly #parameters: VerifyDeskParameters
  /** The result tree of the root on chain, built once per recorded root (its transaction). */
  #tree: { tx: string; levels: Hex[][] } | undefined

  constructor(parameters: VerifyDeskParameters) {
    this.#parameters = parameters
  }

  attach(link: VerifierLink): void {
    let requests = 0
    let line = Promise.resolve()
    link.onMessage((message) => {
      if (++requests > maxRequestsPerLink) return link.close()
      line = line.then(() => this.#answer(link, message.index)).catch(() => link.close())
    })
  }

  async #answer(link: VerifierLink, index: number): Promise<void> {
    const { job, store, plan, pieces, file, uplink } = this.#parameters
    const unavailable = (
      code: Extract<VerifyHostMessage, { type: 'unavailable' }>['code'],
      message: string,
    ) => link.send({ v: VERIFY_PROTOCOL_VERSION, type: 'unavailable', index, code, message })
    if (index >= job.unitsTotal)
      return unavailable(
        'unit/unknown',
        `The job has ${job.unitsTotal} units; there is no unit ${index}.`,
      )
    const rewards = job.rewards
    if (!rewards || job.status !== 'complete' || !rewards.resultRootTx)
      return unavailable(
        'job/no-result-root',
        'This job has no result root on chain: only a funded job that completed records one.',
      )
    const kernel = job.manifest.kernels.find((k) => k.kind === 'wasm')
    if (!kernel || !job.wasm)
      return unavailable(
        'job/no-wasm-kernel',
        'This job has no WASM kernel to recompute its units with.',
      )
    const hashes = await this.#parameters.acceptedHashes()
    const sha256 = hashes[index]
    const output = sha256 && (await store.loadOutput(job.jobId, index, sha256))
    if (!sha256 || !output)
      return unavailable('unit/not-accepted', `Unit ${index} has no accepted output.`)
    const unitPieces = pieces?.piecesOf(index) ?? []
    await uplink.send(
      link,
      {
        v: VERIFY_PROTOCOL_VERSION,
        type: 'unit',
        jobId: job.jobId,
        name: job.name,
        index,
        unitsTotal: job.unitsTotal,
        chain: { chainId: rewards.chainId, escrow: rewards.escrow, chainJobId: rewards.chainJobId },
        manifest: JSON.stringify(job.manifest),
        nonce: String(fundingNonceOf(rewards.signerKey)),
        outputSha256: sha256,
        proof: proofIn(this.#treeOf(rewards.resultRootTx, hashes), index),
        kernel: { kind: 'wasm', sha256: kernel.sha256 },
        params: bytesToBase64(job.params),
        outputBytes: plan.outputBytes(index),
        variableOutput: job.manifest.output.maxBytesPerUnit !== undefined,
        timeLimitMs: job.manifest.limits.timeLimitMs,
        memoryBytes: job.manifest.limits.memoryBytes,
        comparison: job.manifest.comparison,
        ...(pieces && { input: { root: pieces.root, bytes: job.inputBytes } }),
        pieces: await Promise.all(
          unitPieces.map(async ({ index: piece, start, end }) => ({
            index: piece,
            sha256: pieces!.sha256Of(piece),
            bytes: end - start,
            proof: await pieces!.proofOf(piece),
          })),
        ),
      },
      output,
    )
    await uplink.send(
      link,
      { v: VERIFY_PROTOCOL_VERSION, type: 'kernel', sha256: kernel.sha256 },
      job.wasm,
    )
    for (const { index: piece } of unitPieces)
      await uplink.send(
        link,
        {
          v: VERIFY_PROTOCOL_VERSION,
          type: 'piece',
          index: piece,
          sha256: pieces!.sha256Of(piece),
        },
        await pieces!.read(file!, piece),
      )
  }

  #treeOf(tx: string, hashes: readonly (string | undefined)[]): Hex[][] {
    if (this.#tree?.tx !== tx) this.#tree = { tx, levels: resultLevels(hashes) }
    return this.#tree.levels
  }
}
