import { createSiweMessage, generateSiweNonce } from 'viem/siwe'
import type { Address } from 'viem'

/** How a volunteer tab's peer id appears in its binding message: a SIWE resource. */
export function peerResource(peerId: string): string {
  return `urn:volunteer-compute:peer:${encodeURIComponent(peerId)}`
}

/** A binding message stays valid this long after it is issued. */
export const bindingLifetimeMs = 5 * 60_000

export type CreateBindingMessageParameters = {
  /** The site the volunteer is on: `location.host` (wallets check it against the page). */
  domain: string
  /** The page's origin: `location.origin`. */
  uri: string
  address: Address
  chainId: number
  /** The host's fresh nonce, from `bind-request`. */
  nonce: string
  peerId: string
  now?: Date
}

/**
 * The Sign-In-with-Ethereum message (EIP-4361) a volunteer's wallet signs to bind its address to
 * its peer id for one job host: it names the site, the chain, the host's nonce and the peer id,
 * and expires after {@link bindingLifetimeMs}.
 *
 * @example
 * const message = createBindingMessage({ domain: location.host, uri: location.origin, address, chainId, nonce, peerId })
 * const signature = await signMessage(config, { message })
 */
export function createBindingMessage(parameters: CreateBindingMessageParameters): string {
  const { domain, uri, address, chainId, nonce, peerId, now = new Date() } = parameters
  return createSiweMessage({
    domain,
    uri,
    address,
    chainId,
    nonce,
    version: '1',
    statement: `Send the rewards for the units this browser tab computes (volunteer ${peerId}) to this address.`,
    issuedAt: now,
    expirationTime: new Date(now.getTime() + bindingLifetimeMs),
    resources: [peerResource(peerId)],
  })
}

/** A nonce for `bind-request`: 96 bits, alphanumeric, as EIP-4361 asks. */
export function createBindingNonce(): string {
  return generateSiweNonce()
}
