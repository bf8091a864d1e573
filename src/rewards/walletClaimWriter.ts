import { writeContract, type Config } from '@wagmi/core'
import type { ClaimWriter } from './claimVouchers.ts'

/**
 * The claim's writer for a page: wagmi sends `claimMany` through the connected wallet (the
 * person signs it there), refusing first if the wallet is on another chain than the claim's.
 *
 * @example
 * await claimVouchers({ ...parameters, write: walletClaimWriter(wallet.wagmi) })
 */
export function walletClaimWriter(config: Config): ClaimWriter {
  return (request) => writeContract(config, request)
}
