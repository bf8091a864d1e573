/** Holders remembered per piece: enough to spread requests, bounded for a job of many volunteers. */
const maxHoldersPerPiece = 16
/** Peers named for one piece. */
const maxSources = 3

/**
 * The host's view of its job's data swarm: which volunteers hold (or are fetching) which pieces,
 * and whom to name when another needs one. Holders are kept in the order they were registered,
 * and a volunteer is only ever named peers registered before it for that piece, so two volunteers
 * fetching the same piece never wait on each other. Among them, those that confirmed holding it
 * (`have`) come first, then those named least so far, to spread the load. A volunteer that served
 * a bad piece is suspended as a source for the rest of the job.
 *
 * @example
 * tracker.join('peer-a', true)
 * tracker.expect('peer-a', 12) // it was given a unit that needs piece 12
 * tracker.sources(12, 'peer-b') // ['peer-a']
 */
export class PieceTracker {
  /** Piece index → holder peer id → confirmed. */
  readonly #holders = new Map<number, Map<string, boolean>>()
  readonly #byPeer = new Map<string, Set<number>>()
  readonly #serving = new Set<string>()
  readonly #suspended = new Set<string>()
  /** How often each peer was named: the least named are named first. */
  readonly #named = new Map<string, number>()

  /** A volunteer joined; only one that serves is ever named. */
  join(peerId: string, serving: boolean): void {
    if (serving && !this.#suspended.has(peerId)) this.#serving.add(peerId)
  }

  /** A volunteer left: it is named no more. */
  leave(peerId: string): void {
    this.#serving.delete(peerId)
    for (const index of this.#byPeer.get(peerId) ?? []) this.#holders.get(index)?.delete(peerId)
    this.#byPeer.delete(peerId)
    this.#named.delete(peerId)
  }

  /** Never names this peer again in this job. */
  suspend(peerId: string): void {
    this.#suspended.add(peerId)
    this.leave(peerId)
  }

  isSuspended(peerId: string): boolean {
    return this.#suspended.has(peerId)
  }

  /** `peerId` was given a unit that needs piece `index`: it will hold it soon. */
  expect(peerId: string, index: number): void {
    this.#add(peerId, index, false)
  }

  /** `peerId` holds piece `index`, checked. */
  confirm(peerId: string, index: number): void {
    this.#add(peerId, index, true)
  }

  /** Whether `peerId` was registered as holding (or fetching) piece `index`. */
  holds(peerId: string, index: number): boolean {
    return this.#holders.get(index)?.has(peerId) ?? false
  }

  /** Peers to ask for piece `index` on behalf of `forPeer`, best first, none of `exclude`. */
  sources(index: number, forPeer: string, exclude: readonly string[] = []): string[] {
    const holders = this.#holders.get(index)
    if (!holders) return []
    const candidates: { peerId: string; confirmed: boolean; named: number }[] = []
    for (const [peerId, confirmed] of holders) {
      // Only those registered before `forPeer`: it never waits on someone waiting on it.
      if (peerId === forPeer) break
      if (!this.#serving.has(peerId) || exclude.includes(peerId)) continue
      candidates.push({ peerId, confirmed, named: this.#named.get(peerId) ?? 0 })
    }
    candidates.sort(
      (a, b) =>
        Number(b.confirmed) - Number(a.confirmed) || a.named - b.named || Math.random() - 0.5,
    )
    const chosen = candidates.slice(0, maxSources).map((c) => c.peerId)
    for (const peerId of chosen) this.#named.set(peerId, (this.#named.get(peerId) ?? 0) + 1)
    return chosen
  }

  #add(peerId: string, index: number, confirmed: boolean): void {
    if (!this.#serving.has(peerId)) return
    let holders = this.#holders.get(index)
    if (!holders) this.#holders.set(index, (holders = new Map()))
    if (holders.has(peerId)) {
      if (confirmed) holders.set(peerId, true)
      return
    }
    if (holders.size >= maxHoldersPerPiece) return
    holders.set(peerId, confirmed)
    let indices = this.#byPeer.get(peerId)
    if (!indices) this.#byPeer.set(peerId, (indices = new Set()))
    indices.add(index)
  }
}
