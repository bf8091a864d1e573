import { BaseError } from '../errors/BaseError.ts'

/** The connection to a peer was lost (its tab closed, its network went away). */
export class PeerGoneError extends BaseError {
  override readonly code = 'p2p/peer-gone'
  constructor(peerId: string) {
    super(`The connection to peer ${peerId} was lost.`)
  }
}
