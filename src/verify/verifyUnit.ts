import { hexToBytes, type Hex } from 'viem'
import { verifyMerkleProof } from '../pieces/merkleRoot.ts'
import { PieceLayout } from '../pieces/PieceLayout.ts'
import { escrowJobIdOf, jobContentHashOf } from '../rewards/fundJob.ts'
import { manifestSchema, type Manifest } from '../tasks/manifestSchema.ts'
import { packParams } from '../tasks/packParams.ts'
import { planUnits, type UnitPlan } from '../tasks/planUnits.ts'
import { bytesToBase64 } from '../encoding/base64.ts'
import type { EscrowJobRecord } from './escrowJobReader.ts'
import { sha256Hex } from '../crypto/sha256Hex.ts'
import { base64ToBytes } from '../encoding/base64.ts'
import type { PeerLink } from '../p2p/PeerLink.ts'
import { verifyResultProof } from '../rewards/resultRoot.ts'
import { compareResults } from '../tasks/compareResults.ts'
import { trimUnitOutput } from '../tasks/trimUnitOutput.ts'
import type { UnitRunner } from '../volunteer/UnitRunner.ts'
import type { ComputeKernel } from '../workers/compute/createComputeApi.ts'
import { VerifyTransportError } from './errors.ts'
import {
  VERIFY_PROTOCOL_VERSION,
  type VerifierMessage,
  type VerifyHostMessage,
} from './verifyMessages.ts'

type UnitMessage = Extract<VerifyHostMessage, { type: 'unit' }>
type Unavailable = Extract<VerifyHostMessage, { type: 'unavailable' }>

/** The escrow job a unit's result root is recorded under. */
export type ResultRootLocation = UnitMessage['chain']

/** What was checked, for the verdict's reader. */
export type VerifiedUnit = {
  jobId: string
  name: string
  index: number
  unitsTotal: number
  chain: ResultRootLocation
  outputSha256: string
  /** The root read from the chain, when it was. */
  root?: Hex
  inputBytes: number
  kernelMs?: number
}

export type VerifyVerdict =
  | { kind: 'confirmed'; unit: VerifiedUnit }
  | {
      kind: 'rejected'
      /**
       * `wrong-job`: the host answered for another escrow job; `output-hash`: its output is not
       * the hash it names; `no-root`: no root is recorded on chain; `proof`: the output's hash is
       * not that unit's under the root on chain; `manifest`: the manifest is not the one the
       * escrow job was created for, or the unit's settings are not the manifest's; `kernel-hash`
       * / `piece-hash`: a file is not the hash the manifest or the host names; `recomputed`: the
       * unit computed here gives another output.
       */
      reason:
        | 'wrong-job'
        | 'output-hash'
        | 'no-root'
        | 'proof'
        | 'manifest'
        | 'kernel-hash'
        | 'piece-hash'
        | 'recomputed'
      message: string
      unit: VerifiedUnit
    }
  | { kind: 'unavailable'; code: Unavailable['code']; message: string }

export type VerifyUnitParameters = {
  /** An open verify link to the job's host (`VERIFY_CONNECTION_LABEL`). */
  link: PeerLink<VerifierMessage, VerifyHostMessage>
  index: number
  /** The escrow job the person means, when they named one: an answer for another is refused. */
  chainJobId?: Hex | undefined
  /** Reads the job's record in its escrow: its requester and result root (`escrowJobReader`). */
  readEscrowJob: (location: ResultRootLocation) => Promise<EscrowJobRecord>
  /** A WASM engine to recompute the unit: the worker pool in a tab, worker threads in Node. */
  runner: UnitRunner<ComputeKernel>
  /** How long the host has to send everything (default 60 s). */
  timeoutMs?: number
}

const zeroRoot = `0x${'00'.repeat(32)}`

/**
 * Re-verifies one accepted unit of a funded job, trusting the host for nothing: asks it for the
 * unit, checks its output against the hash it names and that hash, by its Merkle proof, against
 * the result root read from the chain; checks that the manifest and the input root are the ones
 * the escrow job was created for, the kernel and params the manifest's, and the unit's pieces the
 * ones the manifest and the input's size give; checks each piece against its hash and, by its
 * Merkle proof, against the input root; recomputes the unit on `runner` and compares the result
 * by the manifest's comparison. The verdict says which check failed.
 *
 * The result root commits to the units' outputs, and the escrow job id to the manifest and the
 * input (`jobContentHashOf`, with the requester and a nonce), so a rejection by recomputation
 * shows that the accepted output is not what the job's kernel computes from the job's input.
 *
 * @example
 * const verdict = await verifyUnit({ link, index: 7, readEscrowJob, runner: pool })
 * if (verdict.kind === 'confirmed') console.log('unit 7 checks out')
 */
export async function verifyUnit({
  link,
  index,
  chainJobId,
  readEscrowJob,
  runner,
  timeoutMs = 60_000,
}: VerifyUnitParameters): Promise<VerifyVerdict> {
  const received = await receive(link, index, timeoutMs)
  if (received.kind === 'unavailable') {
    const { code, message } = received.message
    return { kind: 'unavailable', code, message }
  }
  const { unit, output, kernel, pieces } = received
  const summary: VerifiedUnit = {
    jobId: unit.jobId,
    name: unit.name,
    index: unit.index,
    unitsTotal: unit.unitsTotal,
    chain: unit.chain,
    outputSha256: unit.outputSha256,
    inputBytes: pieces.reduce((sum, piece) => sum + piece.length, 0),
  }
  const reject = (
    reason: Extract<VerifyVerdict, { kind: 'rejected' }>['reason'],
    message: string,
  ): VerifyVerdict => ({ kind: 'rejected', reason, message, unit: summary })

  if (unit.index !== index) return reject('wrong-job', `The host answered for unit ${unit.index}.`)
  if (chainJobId && unit.chain.chainJobId.toLowerCase() !== chainJobId.toLowerCase())
    return reject('wrong-job', `The host answered for escrow job ${unit.chain.chainJobId}.`)
  if ((await sha256Hex(output)) !== unit.outputSha256)
    return reject('output-hash', "The host's output for this unit is not the hash it names.")
  const escrowJob = await readEscrowJob(unit.chain)
  const root = escrowJob.resultRoot
  summary.root = root
  if (root === zeroRoot)
    return reject(
      'no-root',
      `No result root is recorded on chain for job ${unit.chain.chainJobId}.`,
    )
  const proven = verifyResultProof({
    root,
    sha256: unit.outputSha256,
    index,
    count: unit.unitsTotal,
    proof: unit.proof as Hex[],
  })
  if (!proven)
    return reject('proof', `This output is not unit ${index}'s under the result root on chain.`)
  const manifest = boundManifest(unit, escrowJob)
  if (typeof manifest === 'string') return reject('manifest', manifest)
  const kernelRef = manifest.kernels.find((k) => k.kind === 'wasm')
  if (!kernelRef || kernelRef.sha256 !== unit.kernel.sha256)
    return reject('manifest', "The host's kernel is not the WASM kernel the manifest names.")
  if (unit.params !== bytesToBase64(packParams(manifest.params)))
    return reject('manifest', "The host's params are not the manifest's.")
  let plan: UnitPlan
  try {
    plan = planUnits(manifest, unit.input?.bytes ?? 0)
  } catch {
    return reject(
      'manifest',
      `The manifest does not take an input of ${unit.input?.bytes ?? 0} bytes.`,
    )
  }
  if (plan.unitCount !== unit.unitsTotal)
    return reject('manifest', `The manifest has ${plan.unitCount} units, not ${unit.unitsTotal}.`)
  const expected = unit.input ? PieceLayout.of(plan).piecesOf(index) : []
  if (
    expected.length !== unit.pieces.length ||
    expected.some((range, i) => {
      const piece = unit.pieces[i]!
      return piece.index !== range.index || piece.bytes !== range.end - range.start
    })
  )
    return reject('manifest', `The host's pieces are not unit ${index}'s under the manifest.`)
  if ((await sha256Hex(kernel)) !== unit.kernel.sha256)
    return reject('kernel-hash', 'The kernel the host sent is not the hash the manifest names.')
  const inputRoot = unit.input && hexToBytes(`0x${unit.input.root}`)
  const count = unit.input ? PieceLayout.countOf(plan) : 0
  for (const [i, piece] of unit.pieces.entries()) {
    if (pieces[i]!.length !== piece.bytes || (await sha256Hex(pieces[i]!)) !== piece.sha256)
      return reject('piece-hash', `Input piece ${piece.index} is not the hash the host names.`)
    const proven = await verifyMerkleProof({
      root: inputRoot!,
      leaf: hexToBytes(`0x${piece.sha256}`),
      index: piece.index,
      count,
      proof: piece.proof.map((node) => hexToBytes(`0x${node}`)),
    })
    if (!proven)
      return reject(
        'piece-hash',
        `Input piece ${piece.index} is not that piece of the input the escrow job commits to.`,
      )
  }

  const input = new Uint8Array(summary.inputBytes)
  let at = 0
  for (const piece of pieces) {
    input.set(piece, at)
    at += piece.length
  }
  const { limits, comparison } = manifest
  await runner.load({
    bytes: kernel.slice().buffer,
    sha256: unit.kernel.sha256,
    memoryBytes: limits.memoryBytes,
  })
  const { output: buffer, kernelMs } = await runner.run(
    {
      index,
      count: unit.unitsTotal,
      params: base64ToBytes(unit.params),
      input,
      outputBytes: plan.outputBytes(index),
    },
    { timeLimitMs: limits.timeLimitMs },
  )
  summary.kernelMs = kernelMs
  const recomputed = trimUnitOutput(manifest.output, buffer)
  const compared = compareResults(recomputed, output, comparison)
  if (!compared.equal)
    return reject(
      'recomputed',
      `Recomputed here, unit ${index} differs from the accepted output (first at ${compared.index}: ${compared.a} against ${compared.b}).`,
    )
  return { kind: 'confirmed', unit: summary }
}

type Received =
  | { kind: 'unavailable'; message: Unavailable }
  | {
      kind: 'unit'
      unit: UnitMessage
      output: Uint8Array<ArrayBuffer>
      kernel: Uint8Array<ArrayBuffer>
      pieces: Uint8Array<ArrayBuffer>[]
    }

/** Asks for unit `index` and collects the answer: the unit, its kernel and its pieces. */
function receive(
  link: PeerLink<VerifierMessage, VerifyHostMessage>,
  index: number,
  timeoutMs: number,
): Promise<Received> {
  return new Promise((resolve, reject) => {
    let unit: UnitMessage | undefined
    let output: Uint8Array<ArrayBuffer> | undefined
    let kernel: Uint8Array<ArrayBuffer> | undefined
    const pieces: Uint8Array<ArrayBuffer>[] = []
    const fail = (why: string) => {
      clearTimeout(timer)
      reject(new VerifyTransportError(why))
    }
    const timer = setTimeout(
      () => fail(`The host did not send unit ${index} within ${timeoutMs / 1000} s.`),
      timeoutMs,
    )
    link.onClose(() => fail('The host closed the connection before it sent everything.'))
    link.onMessage((message, body) => {
      if (message.type === 'unavailable') {
        clearTimeout(timer)
        return resolve({ kind: 'unavailable', message })
      }
      if (message.type === 'unit') {
        if (unit) return fail('The host sent a second unit.')
        unit = message
        output = body.slice()
      } else if (message.type === 'kernel') {
        if (!unit || kernel) return fail('The host sent a kernel out of turn.')
        kernel = body.slice()
      } else {
        const expected = unit?.pieces[pieces.length]
        if (!kernel || !expected || expected.index !== message.index)
          return fail('The host sent a piece out of turn.')
        pieces.push(body.slice())
      }
      if (unit && output && kernel && pieces.length === unit.pieces.length) {
        clearTimeout(timer)
        resolve({ kind: 'unit', unit, output, kernel, pieces })
      }
    })
    void link
      .send({ v: VERIFY_PROTOCOL_VERSION, type: 'verify', index })
      .catch(() => fail('The host could not be asked.'))
  })
}

/**
 * The manifest the host sent, if it and the input root are the ones the escrow job was created
 * for (their content hash, the requester on chain and the nonce give the escrow job id) and it is
 * a valid manifest; else why not.
 */
function boundManifest(unit: UnitMessage, escrowJob: EscrowJobRecord): Manifest | string {
  const contentHash = jobContentHashOf(unit.manifest, unit.input)
  const id = escrowJobIdOf(contentHash, escrowJob.requester, BigInt(unit.nonce))
  if (id.toLowerCase() !== unit.chain.chainJobId.toLowerCase())
    return `The manifest and input the host names are not the ones escrow job ${unit.chain.chainJobId} was created for.`
  let value: unknown
  try {
    value = JSON.parse(unit.manifest)
  } catch {
    return 'The manifest the host sent is not JSON.'
  }
  const parsed = manifestSchema.safeParse(value)
  return parsed.success ? parsed.data : 'The manifest the host sent is not a valid manifest.'
}
