import type { Address, Client } from 'viem'
import { getEip712Domain } from 'viem/actions'
import { UnsupportedDomainError } from './errors.ts'

/** The EIP-712 domain a contract publishes through `eip712Domain()` (EIP-5267). */
export type VoucherDomain = {
  name: string
  version: string
  chainId: number
  verifyingContract: Address
}

/** name, version, chainId and verifyingContract: what OpenZeppelin's EIP712 publishes. */
const expectedFields = '0x0f'

/**
 * Reads the escrow's EIP-712 domain from the contract (never hard-coded), so a voucher signed with
 * it is valid on exactly that chain and contract. Read it once per escrow and reuse it.
 *
 * @example
 * const domain = await readVoucherDomain(publicClient, escrowAddress)
 */
export async function readVoucherDomain(client: Client, address: Address): Promise<VoucherDomain> {
  const { domain, fields, extensions } = await getEip712Domain(client, { address })
  if (fields !== expectedFields || extensions.length !== 0) {
    throw new UnsupportedDomainError({ address, fields })
  }
  return {
    name: domain.name,
    version: domain.version,
    chainId: Number(domain.chainId),
    verifyingContract: domain.verifyingContract,
  }
}
