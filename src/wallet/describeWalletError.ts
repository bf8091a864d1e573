import { BaseError, UserRejectedRequestError } from 'viem'

/**
 * A wallet error in plain words: a rejection is the person's choice and says so; anything
 * else keeps viem's short message.
 *
 * @example
 * catch (error) { notice = describeWalletError(error) }
 */
export function describeWalletError(error: unknown): string {
  if (error instanceof BaseError) {
    const rejected = error.walk((cause) => cause instanceof UserRejectedRequestError)
    if (rejected || hasCode(error, 4001))
      return 'You declined the request in your wallet. Nothing was changed.'
    return error.shortMessage
  }
  if (hasCode(error, 4001)) return 'You declined the request in your wallet. Nothing was changed.'
  return error instanceof Error ? error.message : String(error)
}

function hasCode(error: unknown, code: number): boolean {
  let current: unknown = error
  for (let depth = 0; current && typeof current === 'object' && depth < 8; depth++) {
    if ('code' in current && current.code === code) return true
    current = 'cause' in current ? current.cause : undefined
  }
  return false
}
