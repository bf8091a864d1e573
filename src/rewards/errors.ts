import { BaseError } from '../errors/BaseError.ts'

export type BindingRefusalCode =
  | 'bind/malformed'
  | 'bind/domain'
  | 'bind/chain'
  | 'bind/peer'
  | 'bind/nonce'
  | 'bind/expired'
  | 'bind/signature'
  /** The wallet was bound by a volunteer flagged on this job: it earns nothing more here. */
  | 'bind/flagged'

/** A volunteer's wallet binding was refused; `reason` says why in plain words. */
export class BindingRefusedError extends BaseError {
  override readonly code: BindingRefusalCode
  readonly reason: string

  constructor(code: BindingRefusalCode, reason: string) {
    super('The wallet binding was refused', { details: reason })
    this.code = code
    this.reason = reason
  }
}
