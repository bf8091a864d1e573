import type { Hex, PublicClient } from 'viem'
import { jobEscrowAbi } from '../chain/abis.ts'
import { BaseError } from '../errors/BaseError.ts'
import type { ResultRootLocation } from './verifyUnit.ts'

/** The host named an escrow on a chain other than the one the verifier reads. */
export class WrongChainForRootError extends BaseError {
  override readonly code = 'verify/wrong-chain'
}

/**
 * Reads the result root a job's escrow recorded, from the chain `client` is connected to (zero
 * when none is recorded): the verifier's own view of the chain, never the host's word. Refuses a
 * location on another chain, or in another escrow than `escrow`, when one is given.
 *
 * @example
 * const readResultRoot = resultRootReader(publicClient, config.escrow)
 * const root = await readResultRoot({ chainId: 31337, escrow, chainJobId })
 */
export function resultRootReader(
  client: PublicClient,
  escrow?: Hex,
): (location: ResultRootLocation) => Promise<Hex> {
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
    return job.resultRoot
  }
}
