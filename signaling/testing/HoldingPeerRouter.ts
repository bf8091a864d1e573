import type { PeerRouter, PeerSession, RegisterOutcome } from '../peers/PeerRouter.ts'

/**
 * A `PeerRouter` that passes everything to another one, except that it can hold a chosen id's
 * next registration until the test lets it go: the socket is then open but has no `OPEN` yet,
 * so a test can send frames before `OPEN` however fast the real router answers.
 *
 * @example
 * const router = new HoldingPeerRouter(new LocalPeerRouter())
 * const release = router.hold('early-1')
 * // open a socket as early-1, send frames, then:
 * release()
 */
export class HoldingPeerRouter implements PeerRouter {
  readonly #router: PeerRouter
  readonly #held = new Map<string, Promise<void>>()

  constructor(router: PeerRouter) {
    this.#router = router
  }

  /** Holds the next registration of `id`; returns the function that lets it proceed. */
  hold(id: string): () => void {
    let release = () => {}
    this.#held.set(id, new Promise<void>((resolve) => (release = resolve)))
    return () => release()
  }

  get nodeId(): string {
    return this.#router.nodeId
  }

  get localCount(): number {
    return this.#router.localCount
  }

  async register(session: PeerSession, token: string): Promise<RegisterOutcome> {
    const held = this.#held.get(session.id)
    if (held) {
      this.#held.delete(session.id)
      await held
    }
    return this.#router.register(session, token)
  }

  unregister(session: PeerSession): Promise<void> {
    return this.#router.unregister(session)
  }

  refresh(ids: readonly string[]): Promise<void> {
    return this.#router.refresh(ids)
  }

  deliver(dst: string, frame: string): Promise<boolean> {
    return this.#router.deliver(dst, frame)
  }

  isConnected(id: string): Promise<boolean> {
    return this.#router.isConnected(id)
  }

  holdsToken(id: string, token: string): Promise<boolean> {
    return this.#router.holdsToken(id, token)
  }

  localSession(id: string): PeerSession | undefined {
    return this.#router.localSession(id)
  }

  close(): Promise<void> {
    return this.#router.close()
  }
}
