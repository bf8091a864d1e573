import type { Address } from 'viem'
import type { VolunteerWallet } from '../volunteer/VolunteerRewards.ts'
import { accountOfKey } from './accountOfKey.ts'

export { WalletKeyError } from './accountOfKey.ts'

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
  const account = accountOfKey(parameters.privateKey, parameters.source)
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
