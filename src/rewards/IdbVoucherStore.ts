import { openDB, type DBSchema, type IDBPDatabase } from 'idb'
import type { StoredVoucher, VoucherStore } from './StoredVoucher.ts'

interface VoucherDb extends DBSchema {
  vouchers: { key: string; value: StoredVoucher }
}

/** A volunteer's vouchers in IndexedDB, one per (chain, escrow, job, address): the highest. */
export class IdbVoucherStore implements VoucherStore {
  readonly #db: Promise<IDBPDatabase<VoucherDb>>

  constructor(name = 'volunteer-compute-vouchers') {
    this.#db = openDB<VoucherDb>(name, 1, {
      upgrade(db) {
        db.createObjectStore('vouchers')
      },
    })
  }

  async save(voucher: StoredVoucher): Promise<void> {
    const tx = (await this.#db).transaction('vouchers', 'readwrite')
    const key = voucherKey(voucher)
    const stored = await tx.store.get(key)
    if (!stored || BigInt(stored.cumulativeAmount) < BigInt(voucher.cumulativeAmount))
      await tx.store.put(voucher, key)
    await tx.done
  }

  async list(): Promise<StoredVoucher[]> {
    return (await this.#db).getAll('vouchers')
  }
}

/** One voucher per chain, escrow, job and address: the newest replaces the older. */
export function voucherKey(voucher: StoredVoucher): string {
  return [voucher.chainId, voucher.escrow, voucher.jobId, voucher.volunteer].join(':').toLowerCase()
}
