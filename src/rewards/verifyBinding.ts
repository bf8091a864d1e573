import { parseSiweMessage } from 'viem/siwe'
import type { Address, Hex } from 'viem'
import { BindingRefusedError } from './errors.ts'
import { peerResource } from './bindingMessage.ts'

export type VerifyBindingParameters = {
  message: string
  signature: Hex
  expected: {
    /** The hosts the app is served from (the volunteer signs for the site it is on). */
    domains: readonly string[]
    chainId: number
    /** The peer id of the connection the message came on. */
    peerId: string
    /** The nonce this host sent that volunteer, not used before. */
    nonce: string
  }
  /** Checks the signature: viem's `verifyMessage` (public client: smart wallets too). */
  verifySignature: (args: { address: Address; message: string; signature: Hex }) => Promise<boolean>
  now?: Date
}

/**
 * Checks a volunteer's binding message (see `createBindingMessage`) and returns the address it
 * binds. Throws `BindingRefusedError` with a code and a reason a person can read: a malformed
 * message, another site (`bind/domain`), another chain (`bind/chain`), another peer id
 * (`bind/peer`), a nonce this host did not just issue (`bind/nonce`), a message not yet valid or
 * expired (`bind/expired`), a signature by someone else (`bind/signature`).
 *
 * @example
 * const address = await verifyBinding({ message, signature, expected, verifySignature: (a) => publicClient.verifyMessage(a) })
 */
export async function verifyBinding(parameters: VerifyBindingParameters): Promise<Address> {
  const { message, signature, expected, verifySignature, now = new Date() } = parameters
  const fields = parseSiweMessage(message)
  const { address, domain, chainId, nonce, resources, expirationTime, issuedAt, notBefore } = fields
  if (!address || !domain || !chainId || !nonce || !issuedAt || fields.version !== '1')
    throw new BindingRefusedError(
      'bind/malformed',
      'The message is not a complete Sign-In with Ethereum message.',
    )
  if (!expected.domains.includes(domain))
    throw new BindingRefusedError(
      'bind/domain',
      `The message was signed for the site ${domain}, not for this one.`,
    )
  if (chainId !== expected.chainId)
    throw new BindingRefusedError(
      'bind/chain',
      `The message names chain ${chainId}; this job pays on chain ${expected.chainId}.`,
    )
  if (!resources?.includes(peerResource(expected.peerId)))
    throw new BindingRefusedError(
      'bind/peer',
      'The message binds another volunteer tab, not this connection.',
    )
  if (nonce !== expected.nonce)
    throw new BindingRefusedError(
      'bind/nonce',
      'The message carries an old or unknown nonce; sign the fresh one.',
    )
  if (!expirationTime || expirationTime <= now)
    throw new BindingRefusedError('bind/expired', 'The message has expired; sign a new one.')
  if ((notBefore && notBefore > now) || issuedAt.getTime() > now.getTime() + 60_000)
    throw new BindingRefusedError(
      'bind/expired',
      'The message is not valid yet; check the device clock.',
    )
  let valid = false
  try {
    valid = await verifySignature({ address, message, signature })
  } catch {
    valid = false
  }
  if (!valid) throw new BindingRefusedError('bind/signature', `The signature is not by ${address}.`)
  return address
}
