import type { Address, Hex, PublicClient } from 'viem'
import { jobEscrowAbi } from '../chain/abis.ts'
import { BaseError } from '../errors/BaseError.ts'
import type { ResultRootLocation } from './verifyUnit.ts'

/** The host named an escrow on a chain other than the one the verifier reads. */
export class WrongChainForRootError extends BaseError {
  override readonly code = 'verify/wrong-chain'
}

/** What the escrow holds of a job: who created it, and its result root (zero before one). */
export type EscrowJobRecord = { requester: Address; resultRoot: Hex }

/**
 * Reads a job's record in its escrow (its requester and recorded result root), from the chain
 * `client` is connected to: the verifier's own view of the chain, never the host's word. Refuses
 * a location on another chain, or in another escrow than `escrow`, when one is given.
 *
 * @example
 * const readEscrowJob = escrowJobReader(publicClient, config.escrow)
 * const { resultRoot } = await readEscrowJob({ chainId: 31337, escrow, chainJobId })
 */
export function escrowJobReader(
  client: PublicClient,
  escrow?: Hex,
): (location: ResultRootLocation) => Promise<EscrowJobRecord> {
  return async ({ chainId, escrow: named, chainJobId }) => {
    const connected = client.chain?.id ?? (await client.getChainId())
    if (chainId !== connected)
      throw new WrongChainForRootError(
        `The host names chain ${chainId}, but this verifier reads chain ${connected}.`,
      )
    if (escrow && named.toLowerCase() !== escrow.toLowerCase())
      throw new WrongChainForRootError(
        `The host names the escrow ${named}, not this chain's escrow ${escrow}.`,
      )
    const job = await client.readContract({
      address: named as Hex,
      abi: jobEscrowAbi,
      functionName: 'jobs',
      args: [chainJobId as Hex],
    })
    return { requester: job.requester, resultRoot: job.resultRoot }
  }
}
