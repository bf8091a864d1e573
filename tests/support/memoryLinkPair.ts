import type { PeerLink } from '../../src/p2p/PeerLink.ts'

/**
 * Two PeerLinks joined in memory, for tests of the host and the volunteer
 * logic without a network. Messages go through JSON, as on the wire, and are
 * delivered asynchronously and in order.
 */
export function memoryLinkPair<A, B>(
  idA: string,
  idB: string,
  /** Each side's network origin as the other sees it (default: one of its own, `mem:<id>`). */
  origins: { a?: string; b?: string } = {},
): [PeerLink<A, B>, PeerLink<B, A>] {
  type Handler = (message: never, body: Uint8Array) => void
  const handlers: [Handler[], Handler[]] = [[], []]
  const closeHandlers: [((e?: unknown) => void)[], ((e?: unknown) => void)[]] = [[], []]
  // `closing` refuses new sends; `closed` is set once the messages sent before close() are
  // delivered, as a data channel flushes its buffer before it closes.
  let closing = false
  let closed = false
  const close = () => {
    if (closing) return
    closing = true
    setTimeout(() => {
      closed = true
      for (const handler of [...closeHandlers[0], ...closeHandlers[1]]) handler()
    }, 0)
  }
  const side = (
    self: 0 | 1,
    peerId: string,
    localPeerId: string,
    origin: string,
  ): PeerLink<never, never> => ({
    peerId,
    localPeerId,
    remoteOrigin: async () => ({ key: origin, visible: true }),
    async send(message, body = new Uint8Array()) {
      if (closing) throw new Error('closed')
      const json = JSON.stringify(message)
      const copy = body.slice()
      setTimeout(() => {
        if (closed) return
        for (const handler of handlers[self === 0 ? 1 : 0]) handler(JSON.parse(json) as never, copy)
      }, 0)
    },
    onMessage: (handler) => void handlers[self].push(handler as Handler),
    onClose: (handler) => void closeHandlers[self].push(handler),
    close,
  })
  // Each side's peerId is the id of the peer at the other end.
  return [
    side(0, idB, idA, origins.b ?? `mem:${idB}`) as PeerLink<A, B>,
    side(1, idA, idB, origins.a ?? `mem:${idA}`) as PeerLink<B, A>,
  ]
}
