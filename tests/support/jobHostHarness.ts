import { sha256Hex } from '../../src/crypto/sha256Hex.ts'
import { bytesToBase64 } from '../../src/encoding/base64.ts'
import { createIdentity } from '../../src/identity/createIdentity.ts'
import { helloProofBytes } from '../../src/identity/helloProofBytes.ts'
import type { VolunteerIdentity } from '../../src/identity/VolunteerIdentity.ts'
import { createJobRecord } from '../../src/jobs/createJobRecord.ts'
import type { JobHost } from '../../src/jobs/JobHost.ts'
import type { JobRecord } from '../../src/jobs/JobRecord.ts'
import type { EngineOffer, HostMessage, VolunteerMessage } from '../../src/p2p/messages.ts'
import type { PeerLink } from '../../src/p2p/PeerLink.ts'
import type { ManifestInput } from '../../src/tasks/manifestSchema.ts'
import { validateManifest } from '../../src/tasks/validateManifest.ts'
import { memoryLinkPair } from './memoryLinkPair.ts'

/*
 * A small job and volunteers in memory, for tests of the job host and its desks
 * (src/jobs/JobHost.test.ts, src/jobs/ResultDesk.test.ts).
 */

/** A WASM module header: enough for the host, which never runs it. */
export const wasm = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])

export type JobOptions = {
  unitsTotal?: number
  quorum?: number
  maxErrors?: number
  deadlineMs?: number
  comparison?: ManifestInput['comparison']
}

/** Job `job-1`: count units of 4 output bytes each, WASM only. */
export async function makeJob(options: JobOptions = {}): Promise<JobRecord> {
  const { unitsTotal = 6, quorum = 2, maxErrors = 3, deadlineMs = 5000 } = options
  const manifest = validateManifest({
    manifestVersion: 1,
    name: 'test job',
    kernels: [{ kind: 'wasm', sha256: await sha256Hex(wasm) }],
    units: { mode: 'count', unitCount: unitsTotal },
    params: [{ name: 'p', type: 'u32', value: 7 }],
    output: { bytesPerUnit: 4 },
    comparison: options.comparison ?? { mode: 'exact' },
    replication: { quorum, maxResults: quorum + 2, maxErrors },
    limits: { timeLimitMs: 1000 },
  })
  return { ...createJobRecord({ manifest, wasm }), jobId: 'job-1', deadlineMs }
}

export const wasmOffer: EngineOffer = { kind: 'wasm', slots: 2, gflops: 10 }

/** One identity key per test volunteer name, so that a volunteer that connects again is the same. */
const identities = new Map<string, Promise<VolunteerIdentity>>()

export function identityOf(name: string): Promise<VolunteerIdentity> {
  let identity = identities.get(name)
  if (!identity) identities.set(name, (identity = createIdentity().then((c) => c.identity)))
  return identity
}

/** The identity id of the test volunteer named `name` (what the host counts and flags). */
export async function idOf(name: string): Promise<string> {
  return (await identityOf(name)).id
}

export type HelloOptions = {
  engines?: EngineOffer[]
  siteKey?: string | undefined
  jobId?: string
  wantsRewards?: boolean
  /** The identity key's name (default: the volunteer's peer id). */
  identity?: string
  servesPieces?: boolean
  /** Pieces of the job's content it says it holds, as `[start, end)` ranges. */
  held?: [number, number][]
}

/**
 * Answers the host's challenge on `link` with a hello proving the identity named `name`, as
 * `VolunteerClient` does.
 */
export function sayHelloOnChallenge(
  link: PeerLink<VolunteerMessage, HostMessage>,
  options: HelloOptions = {},
): void {
  link.onMessage(async (message) => {
    if (message.type !== 'challenge') return
    const jobId = options.jobId ?? 'job-1'
    const identity = await identityOf(options.identity ?? link.localPeerId)
    const signature = await identity.sign(
      helloProofBytes({
        jobId,
        hostPeerId: link.peerId,
        volunteerPeerId: link.localPeerId,
        nonce: message.nonce,
      }),
    )
    await link
      .send({
        v: 5,
        type: 'hello',
        jobId,
        engines: options.engines ?? [wasmOffer],
        allowFallbackGpu: false,
        wantsRewards: options.wantsRewards ?? false,
        servesPieces: options.servesPieces ?? false,
        ...(options.held && { held: options.held }),
        ...(options.siteKey && { siteKey: options.siteKey }),
        identity: {
          publicKey: bytesToBase64(identity.publicKey),
          signature: bytesToBase64(signature),
        },
      })
      .catch(() => undefined)
  })
}

/**
 * `silent` takes units and never answers; `deaf` also ignores the refusal, and is left to the
 * host to close.
 */
type Behaviour = 'honest' | 'liar' | 'silent' | 'deaf'

/** The right output of a unit of `makeJob`'s job. */
export const truth = (index: number) => new Uint8Array([index, index * 2, 7, 7])

export const f32 = (...values: number[]) => new Uint8Array(new Float32Array(values).buffer)

/** What a volunteer of `behaviour` answers for unit `index`: the truth, or not for a liar. */
export function answer(index: number, behaviour: Behaviour = 'honest'): Uint8Array {
  const output = truth(index)
  if (behaviour === 'liar') output[0] = 255
  return output
}

/** Sends `output` as the result of `assignment`, with its hash; a closed link is ignored. */
export async function sendResult(
  link: PeerLink<VolunteerMessage, HostMessage>,
  assignment: Extract<HostMessage, { type: 'assign' }>,
  output: Uint8Array,
): Promise<void> {
  const result = {
    v: 5,
    type: 'result',
    assignmentId: assignment.assignmentId,
    index: assignment.index,
    sha256: await sha256Hex(output.slice()),
    kernelMs: 1,
  } as const
  await link.send(result, output).catch(() => undefined)
}

/** A volunteer in memory that answers every unit after a tick. */
export function volunteer(
  host: JobHost,
  id: string,
  behaviour: Behaviour = 'honest',
  siteKey?: string,
  options: { origin?: string; identity?: string } = {},
) {
  const [toVolunteer, toHost] = memoryLinkPair<HostMessage, VolunteerMessage>(
    'host',
    id,
    options.origin ? { b: options.origin } : {},
  )
  const seen: HostMessage[] = []
  const link: PeerLink<VolunteerMessage, HostMessage> = toHost
  let closed = false
  link.onClose(() => (closed = true))
  link.onMessage(async (message) => {
    seen.push(message)
    // As VolunteerClient does: the refusal is the host's last word, and the volunteer closes.
    if (message.type === 'refuse' && behaviour !== 'deaf') return link.close()
    if (message.type !== 'assign' || behaviour === 'silent' || behaviour === 'deaf') return
    if (closed) return
    await sendResult(link, message, answer(message.index, behaviour))
  })
  sayHelloOnChallenge(link, { siteKey, ...(options.identity && { identity: options.identity }) })
  host.attach(toVolunteer)
  return { seen, link, isClosed: () => closed }
}

/** A volunteer in memory that computes each unit with `compute` (input slice in the body). */
export function computingVolunteer(
  host: JobHost,
  id: string,
  compute: (index: number, input: Uint8Array) => Uint8Array,
  engines: EngineOffer[] = [wasmOffer],
  jobId = 'job-1',
) {
  const [toVolunteer, toHost] = memoryLinkPair<HostMessage, VolunteerMessage>('host', id)
  const seen: { message: HostMessage; body: Uint8Array }[] = []
  toHost.onMessage(async (message, body) => {
    seen.push({ message, body: body.slice() })
    if (message.type === 'refuse') return toHost.close()
    if (message.type !== 'assign') return
    await sendResult(toHost, message, compute(message.index, body))
  })
  sayHelloOnChallenge(toHost, { engines, jobId })
  host.attach(toVolunteer)
  return { seen }
}

/** Resolves once `condition` holds; rejects after 5 s, naming `what`. */
export function until(condition: () => boolean, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now()
    const poll = () => {
      if (condition()) return resolve()
      if (Date.now() - started > 5000) return reject(new Error(`timed out waiting for ${what}`))
      setTimeout(poll, 5)
    }
    poll()
  })
}
