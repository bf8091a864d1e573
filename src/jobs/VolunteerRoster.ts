import type { PeerLink } from '../p2p/PeerLink.ts'
import type { HostMessage, VolunteerMessage } from '../p2p/messages.ts'
import type { KernelRef } from '../tasks/manifestSchema.ts'
import { refuseVolunteer, type RefusalCode } from './refuseVolunteer.ts'

type VolunteerLink = PeerLink<HostMessage, VolunteerMessage>

/** A volunteer the host serves: admitted after its hello (see `admitVolunteer`). */
export type Volunteer = {
  link: VolunteerLink
  /** The identity its hello proved (a key id): what the host counts, trusts and flags. */
  identity: string
  /** The job's kernel this volunteer runs (see `chooseKernel`). */
  kernel: KernelRef
  /** Units it may have in flight at once. */
  slots: number
  /** Its assignments in flight, by id. */
  inFlight: Set<string>
  /** Its `welcome` is sent: units may follow (a capped uplink can hold the welcome back). */
  welcomed?: boolean
}

/**
 * The volunteers a host serves now, one per peer id: a peer that connects again replaces its
 * earlier link, which is closed. A volunteer leaves the roster when its link closes or when the
 * host sends it away.
 *
 * @example
 * roster.add({ link, identity, kernel, slots, inFlight: new Set() })
 * link.onClose(() => roster.remove(volunteer) && reissue(link.peerId))
 * roster.dismissAll('job/complete', 'The job is complete.')
 */
export class VolunteerRoster {
  readonly #byPeer = new Map<string, Volunteer>()

  get size(): number {
    return this.#byPeer.size
  }

  get(peerId: string): Volunteer | undefined {
    return this.#byPeer.get(peerId)
  }

  values(): IterableIterator<Volunteer> {
    return this.#byPeer.values()
  }

  *links(): Generator<VolunteerLink> {
    for (const volunteer of this.#byPeer.values()) yield volunteer.link
  }

  /** The links of one identity (a browser profile may connect from several tabs). */
  *linksOf(identity: string): Generator<VolunteerLink> {
    for (const volunteer of this.#byPeer.values())
      if (volunteer.identity === identity) yield volunteer.link
  }

  /** Every volunteer of one identity. */
  ofIdentity(identity: string): Volunteer[] {
    return [...this.#byPeer.values()].filter((volunteer) => volunteer.identity === identity)
  }

  /** Takes a volunteer on; an earlier link of the same peer is closed. */
  add(volunteer: Volunteer): void {
    const { peerId } = volunteer.link
    this.#byPeer.get(peerId)?.link.close()
    this.#byPeer.set(peerId, volunteer)
  }

  /** Strikes off a volunteer whose link closed; false when a newer link of its peer replaced it. */
  remove(volunteer: Volunteer): boolean {
    const { peerId } = volunteer.link
    if (this.#byPeer.get(peerId) !== volunteer) return false
    return this.#byPeer.delete(peerId)
  }

  /** Refuses a volunteer further units, saying why, and strikes it off. */
  dismiss(peerId: string, code: RefusalCode, message: string): void {
    const volunteer = this.#byPeer.get(peerId)
    if (!volunteer) return
    this.#byPeer.delete(peerId)
    void refuseVolunteer(volunteer.link, code, message)
  }

  /**
   * Refuses every volunteer, saying why, and clears the roster. Resolves once every link is
   * closed: by its volunteer after reading the refusal, or by the host after a grace time.
   */
  dismissAll(code: RefusalCode, message: string): Promise<void> {
    const closing = [...this.#byPeer.values()].map(({ link }) =>
      refuseVolunteer(link, code, message),
    )
    this.#byPeer.clear()
    return Promise.all(closing).then(() => undefined)
  }
}
