import type { Address, Hex } from 'viem'

/** A voucher as a volunteer's tab keeps it until claimed: the latest per job and address. */
export type StoredVoucher = {
  chainId: number
  escrow: Address
  jobId: Hex
  /** The job's name, to show. */
  jobName: string
  volunteer: Address
  /** Base units, as a decimal string. */
  cumulativeAmount: string
  deadline: number
  signature: Hex
  receivedAt: number
}

/** Where a volunteer's tab keeps its vouchers; `save` resolves once they are stored. */
export type VoucherStore = {
  /** Keeps `voucher` unless a stored one for the same job and address is worth more. */
  save(voucher: StoredVoucher): Promise<void>
  list(): Promise<StoredVoucher[]>
}
