import { privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts'
import { BaseError } from '../errors/BaseError.ts'

/** The wallet key is not a secp256k1 private key. Its message never contains the key. */
export class WalletKeyError extends BaseError {
  override readonly code = 'wallet/key'
}

/**
 * The viem account of a private key given as text (an environment variable, a key file): 32 bytes
 * of hex, with or without `0x`, surrounding whitespace ignored. Anything else is a `wallet/key`
 * error that says what is wrong and names `source`, never the key.
 *
 * @example
 * const account = accountOfKey(process.env.REQUESTER_WALLET_KEY, 'REQUESTER_WALLET_KEY')
 */
export function accountOfKey(privateKey: string, source: string): PrivateKeyAccount {
  const hex = privateKey.trim().replace(/^0x/i, '')
  if (!/^[0-9a-fA-F]*$/.test(hex))
    throw new WalletKeyError(
      `${source} must be a private key in hex (0x and 64 hex digits); it holds other characters.`,
    )
  if (hex.length !== 64)
    throw new WalletKeyError(
      `${source} must be a private key in hex (0x and 64 hex digits); it has ${hex.length} digits.`,
    )
  try {
    return privateKeyToAccount(`0x${hex.toLowerCase()}`)
  } catch {
    // No cause: the library's message may quote the key.
    throw new WalletKeyError(
      `${source} is not a valid secp256k1 private key (zero, or not below the curve order).`,
    )
  }
}
