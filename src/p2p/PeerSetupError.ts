import { BaseError } from '../errors/BaseError.ts'

/** The signaling server or a remote peer could not be reached in time. */
export class PeerSetupError extends BaseError {
  override readonly code: 'p2p/signaling-unreachable' | 'p2p/peer-unreachable'

  constructor(code: PeerSetupError['code'], message: string, cause?: unknown) {
    super(message, { cause })
    this.code = code
  }
}
