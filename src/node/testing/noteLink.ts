import type { DataConnection, Peer } from 'peerjs'
import { z } from 'zod'
import { createPeerLink } from '../../p2p/createPeerLink.ts'
import type { PeerLink } from '../../p2p/PeerLink.ts'

/** The one message the Node peer tests send: a note, with any body. */
export const noteSchema = z.object({ type: z.literal('note'), text: z.string() })

export type Note = z.infer<typeof noteSchema>

export type NoteLink = PeerLink<Note, Note> & {
  /** Resolves with the next message that arrives, in order. */
  next(): Promise<{ message: Note; body: Uint8Array }>
}

/** A PeerLink of notes over an open connection, with the messages it receives kept in order. */
export function noteLink(connection: DataConnection): NoteLink {
  const link = createPeerLink<Note, Note>({ connection, schema: noteSchema })
  const arrived: { message: Note; body: Uint8Array }[] = []
  const waiting: ((received: { message: Note; body: Uint8Array }) => void)[] = []
  link.onMessage((message, body) => {
    const waiter = waiting.shift()
    if (waiter) waiter({ message, body })
    else arrived.push({ message, body })
  })
  return {
    ...link,
    next: () => {
      const first = arrived.shift()
      return first ? Promise.resolve(first) : new Promise((resolve) => waiting.push(resolve))
    },
  }
}

/** Resolves with a note link over the next connection `peer` accepts, once it is open. */
export function acceptNoteLink(peer: Peer): Promise<NoteLink> {
  return new Promise((resolve) => {
    peer.once('connection', (connection) =>
      connection.once('open', () => resolve(noteLink(connection))),
    )
  })
}
