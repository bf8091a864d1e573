import type { Address } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { BaseError } from '../errors/BaseError.ts'
import type { VolunteerWallet } from '../volunteer/VolunteerRewards.ts'

/** The wallet key is not a secp256k1 private key. Its message never contains the key. */
export class WalletKeyError extends BaseError {
  override readonly code = 'wallet/key'
}

export type CreateKeyWalletParameters = {
  /** The private key in hex, 64 digits, with or without `0x`. */
  privateKey: string
  /** Where the key came from, to name in an error (`VOLUNTEER_WALLET_KEY`). */
  source: string
  /** The app's origin whose job hosts pay rewards: its host is the binding's SIWE domain. */
  siteUrl: string
}

/** A wallet held by this process: its address, and the `VolunteerWallet` for a peer id. */
export type KeyWallet = {
  address: Address
  forPeer(peerId: string): VolunteerWallet
}

/**
 * A headless volunteer's wallet from a private key (viem's local account): hosts that pay rewards
 * ask the volunteer to bind its address, and it signs the binding message (`createBindingMessage`)
 * itself, as a browser wallet would. A key that is not 32 bytes of hex, or not a valid secp256k1
 * key, is a `wallet/key` error that says which and names `source`, never the key.
 *
 * @example
 * const wallet = createKeyWallet({ privateKey: process.env.VOLUNTEER_WALLET_KEY, source: 'VOLUNTEER_WALLET_KEY', siteUrl: 'http://127.0.0.1:5173' })
 * await startNodeVolunteer({ ...parameters, wallet: wallet.forPeer })
 */
export function createKeyWallet(parameters: CreateKeyWalletParameters): KeyWallet {
  const { source } = parameters
  const hex = parameters.privateKey.trim().replace(/^0x/i, '')
  if (!/^[0-9a-fA-F]*$/.test(hex))
    throw new WalletKeyError(
      `${source} must be a private key in hex (0x and 64 hex digits); it holds other characters.`,
    )
  if (hex.length !== 64)
    throw new WalletKeyError(
      `${source} must be a private key in hex (0x and 64 hex digits); it has ${hex.length} digits.`,
    )
  let account: ReturnType<typeof privateKeyToAccount>
  try {
    account = privateKeyToAccount(`0x${hex.toLowerCase()}`)
  } catch {
    // No cause: the library's message may quote the key.
    throw new WalletKeyError(
      `${source} is not a valid secp256k1 private key (zero, or not below the curve order).`,
    )
  }
  const site = new URL(parameters.siteUrl)
  return {
    address: account.address,
    forPeer: (peerId) => ({
      address: () => account.address,
      domain: site.host,
      uri: site.origin,
      peerId,
      sign: (message) => account.signMessage({ message }),
    }),
  }
}
