import type { Hex, LocalAccount } from 'viem'
import type { VoucherDomain } from './readVoucherDomain.ts'
import { voucherTypedData, type Voucher } from './voucherTypedData.ts'

export type SignVoucherParameters = {
  /** The job's voucher signer (the job host's key). */
  signer: LocalAccount
  /** From `readVoucherDomain` on the escrow the voucher is for. */
  domain: VoucherDomain
  voucher: Voucher
}

/**
 * Signs a voucher for `JobEscrow.claim` / `claimMany`: a 65-byte EIP-712 signature (low s, as
 * viem always produces).
 *
 * @example
 * const domain = await readVoucherDomain(publicClient, escrow)
 * const signature = await signVoucher({ signer: hostAccount, domain, voucher })
 */
export function signVoucher({ signer, domain, voucher }: SignVoucherParameters): Promise<Hex> {
  return signer.signTypedData(voucherTypedData(domain, voucher))
}
