import type { HostMessage, VolunteerMessage } from '../p2p/messages.ts'
import type { PeerLink } from '../p2p/PeerLink.ts'
import { JobContent, type KernelFile } from '../pieces/JobContent.ts'
import type { KernelRef } from '../tasks/manifestSchema.ts'
import type { DataFigures } from './HostProgress.ts'
import { HostUplink } from './HostUplink.ts'
import type { JobRecord } from './JobRecord.ts'
import type { StoredJob } from './openStoredJob.ts'
import { PieceDesk } from './PieceDesk.ts'
import { UnitInputs } from './UnitInputs.ts'
import type { WelcomeMessage } from './welcomeMessage.ts'

type VolunteerLink = PeerLink<HostMessage, VolunteerMessage>
type Assign = Extract<HostMessage, { type: 'assign' }>
type PieceMessage = Extract<VolunteerMessage, { type: 'piece-request' | 'have' | 'bad-piece' }>

export type DataDeskOptions = {
  /** Volunteers fetch the job's content from each other (default true); false: the star. */
  swarm?: boolean | undefined
  /** The requester's uplink cap, bytes per second (none by default). */
  uplinkBytesPerSecond?: number | undefined
  /** Keeps a protocol violation (the link is then closed by the caller's rules). */
  violation: (link: VolunteerLink, what: string) => void
  /** Keeps something the requester should see without closing the link. */
  record: (link: VolunteerLink, what: string) => void
}

/**
 * How a job's data reaches its volunteers: the kernel with the `welcome`, each unit's input with
 * its `assign`. With the swarm (`PieceDesk` over the job's `JobContent`) they name pieces, which
 * volunteers fetch from each other and the host pushes only where nobody else has them; without
 * it (the star) the host sends the kernel and every input in the messages' bodies. Everything
 * bulky goes through the `HostUplink`, paced to the requester's cap and counted.
 *
 * @example
 * const data = await DataDesk.open(opened, { swarm: true, violation, record })
 * await data.welcome(link, welcomeMessage(job, kernel), kernel.kind)
 * await data.assign(link, { v: JOB_PROTOCOL_VERSION, type: 'assign', assignmentId, index, outputBytes })
 */
export class DataDesk {
  readonly uplink: HostUplink
  readonly #inputs: UnitInputs
  readonly #inputBytes: number
  readonly #pieces: PieceDesk | undefined

  private constructor(
    opened: StoredJob,
    content: JobContent | undefined,
    options: DataDeskOptions,
  ) {
    this.uplink = new HostUplink(options.uplinkBytesPerSecond)
    this.#inputs = new UnitInputs(opened.plan, opened.file)
    this.#inputBytes = opened.job.inputBytes
    this.#pieces = content
      ? new PieceDesk({
          content,
          uplink: this.uplink,
          violation: options.violation,
          record: options.record,
        })
      : undefined
  }

  /** Hashes the kernel files' pieces (the input's are hashed already) unless `swarm` is false. */
  static async open(opened: StoredJob, options: DataDeskOptions): Promise<DataDesk> {
    const content =
      options.swarm === false
        ? undefined
        : await JobContent.of(
            opened.pieces && opened.file && { pieces: opened.pieces, file: opened.file },
            kernelFilesOf(opened.job),
          )
    return new DataDesk(opened, content, options)
  }

  /** The Merkle root of what volunteers fetch, for the listing; none for the star. */
  get contentRoot(): string | undefined {
    return this.#pieces?.content.root
  }

  /**
   * Whether a volunteer should hold one unit more than its slots: for a job whose units name
   * input pieces, the next unit's then arrive while it computes.
   */
  get prefetches(): boolean {
    return this.#pieces?.hasInput ?? false
  }

  get figures(): DataFigures {
    return {
      sentBytes: this.uplink.sentBytes,
      inputBytes: this.#inputBytes,
      swarm: this.#pieces ? { ...this.#pieces.figures } : undefined,
    }
  }

  /** A volunteer was admitted: whether it serves pieces, and which its cache holds (`held`). */
  join(
    link: VolunteerLink,
    identity: string,
    serving: boolean,
    held: readonly (readonly [number, number])[] | undefined,
  ): void {
    this.#pieces?.join(link, identity, serving, held)
  }

  leave(link: VolunteerLink): void {
    this.#pieces?.leave(link)
  }

  /** Sends the `welcome` with its kernel: named in pieces (pushing those nobody has), or as the body. */
  async welcome(
    link: VolunteerLink,
    { message, body }: { message: WelcomeMessage; body: Uint8Array },
    kernel: KernelRef['kind'],
  ): Promise<void> {
    const desk = this.#pieces
    if (!desk) return this.uplink.send(link, message, body)
    // The kernel comes from other volunteers where they hold it, as units' inputs do.
    const kernelPieces = desk.kernel(link, kernel)
    await link.send({ ...message, content: desk.content, kernelPieces })
    await desk.push(link, kernelPieces)
  }

  /** Sends an `assign`: with its input in the body, or naming its pieces and pushing those nobody else has. */
  async assign(link: VolunteerLink, message: Assign): Promise<void> {
    const desk = this.#pieces
    if (!desk?.hasInput)
      return this.uplink.send(link, message, await this.#inputs.read(message.index))
    const pieces = desk.assign(link, message.index)
    await link.send({ ...message, pieces })
    await desk.push(link, pieces)
  }

  /** Takes an admitted volunteer's `piece-request`, `have` or `bad-piece`. */
  pieces(link: VolunteerLink, message: PieceMessage, violation: (what: string) => void): void {
    const desk = this.#pieces
    if (!desk) return violation(`a ${message.type} for a job without pieces`)
    if (message.type === 'have') return desk.have(link, message)
    if (message.type === 'bad-piece') return desk.badPiece(link, message)
    void desk.request(link, message).catch(() => link.close())
  }
}

/** The job's kernel files, in the manifest's order, as its volunteers fetch them. */
function kernelFilesOf(job: JobRecord): KernelFile[] {
  return job.manifest.kernels.flatMap((kernel): KernelFile[] => {
    if (kernel.kind === 'wasm') return job.wasm ? [{ kind: 'wasm', bytes: job.wasm }] : []
    return job.wgsl ? [{ kind: 'wgsl', bytes: new TextEncoder().encode(job.wgsl) }] : []
  })
}
