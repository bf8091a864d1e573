import type { Address, Hex, TypedDataDefinition } from 'viem'
import type { VoucherDomain } from './readVoucherDomain.ts'

/** A voucher as the escrow's `Voucher` struct: cumulative, so the newest one covers all before. */
export type Voucher = {
  jobId: Hex
  volunteer: Address
  /** Everything the volunteer earned on the job so far, in the token's smallest unit. */
  cumulativeAmount: bigint
  /** Last second (Unix time, inclusive) at which it can be claimed. */
  deadline: bigint
}

/** EIP-712 types of `Voucher`; must match `VOUCHER_TYPEHASH` in contracts/JobEscrow.sol. */
export const voucherTypes = {
  Voucher: [
    { name: 'jobId', type: 'bytes32' },
    { name: 'volunteer', type: 'address' },
    { name: 'cumulativeAmount', type: 'uint256' },
    { name: 'deadline', type: 'uint256' },
  ],
} as const

/**
 * The EIP-712 typed data of a voucher, for `signTypedData` (a local account or a wallet) or
 * `hashTypedData`. The domain must come from the escrow itself (`readVoucherDomain`).
 *
 * @example
 * const domain = await readVoucherDomain(publicClient, escrow)
 * const digest = hashTypedData(voucherTypedData(domain, voucher))
 */
export function voucherTypedData(
  domain: VoucherDomain,
  voucher: Voucher,
): TypedDataDefinition<typeof voucherTypes, 'Voucher'> {
  return { domain, types: voucherTypes, primaryType: 'Voucher', message: voucher }
}
