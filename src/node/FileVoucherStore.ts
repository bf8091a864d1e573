import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { z } from 'zod'
import { BaseError } from '../errors/BaseError.ts'
import { voucherKey } from '../rewards/IdbVoucherStore.ts'
import type { StoredVoucher, VoucherStore } from '../rewards/StoredVoucher.ts'

/** The voucher file cannot be read or written, or is not one this program wrote. */
export class VoucherFileError extends BaseError {
  override readonly code = 'vouchers/file'
}

const hex = z.string().regex(/^0x[0-9a-fA-F]*$/)
const voucherFileSchema = z.strictObject({
  v: z.literal(1),
  vouchers: z.array(
    z.strictObject({
      chainId: z.number(),
      escrow: hex,
      jobId: hex,
      jobName: z.string(),
      volunteer: hex,
      cumulativeAmount: z.string().regex(/^\d+$/),
      deadline: z.number(),
      signature: hex,
      receivedAt: z.number(),
    }),
  ),
})

/**
 * A headless volunteer's vouchers in a JSON file (mode 0600), as `IdbVoucherStore` keeps a tab's:
 * the highest per chain, escrow, job and address. `save` resolves once the file has been
 * replaced (written beside it, then renamed), so a voucher is acknowledged only once it is on disk.
 *
 * @example
 * const vouchers = new FileVoucherStore(`${os.homedir()}/.volunteer-compute/vouchers.json`)
 */
export class FileVoucherStore implements VoucherStore {
  readonly #file: string
  // Saves one after another: each reads what the last one wrote.
  #queue: Promise<unknown> = Promise.resolve()

  constructor(file: string) {
    this.#file = file
  }

  save(voucher: StoredVoucher): Promise<void> {
    const saved = this.#queue.then(async () => {
      const vouchers = await this.list()
      const key = voucherKey(voucher)
      const index = vouchers.findIndex((stored) => voucherKey(stored) === key)
      const stored = vouchers[index]
      if (stored && BigInt(stored.cumulativeAmount) >= BigInt(voucher.cumulativeAmount)) return
      if (stored) vouchers[index] = voucher
      else vouchers.push(voucher)
      await this.#write(vouchers)
    })
    this.#queue = saved.catch(() => undefined)
    return saved
  }

  async list(): Promise<StoredVoucher[]> {
    let text: string
    try {
      text = await readFile(this.#file, 'utf8')
    } catch (error) {
      if ((error as { code?: unknown }).code === 'ENOENT') return []
      throw new VoucherFileError(`Cannot read the voucher file ${this.#file}.`, { cause: error })
    }
    try {
      return voucherFileSchema.parse(JSON.parse(text)).vouchers as StoredVoucher[]
    } catch (error) {
      throw new VoucherFileError(`${this.#file} is not a voucher file of this program.`, {
        cause: error,
      })
    }
  }

  async #write(vouchers: StoredVoucher[]): Promise<void> {
    const temporary = `${this.#file}.${process.pid}.tmp`
    try {
      await mkdir(path.dirname(this.#file), { recursive: true })
      await writeFile(temporary, `${JSON.stringify({ v: 1, vouchers }, null, 2)}\n`, {
        mode: 0o600,
      })
      await rename(temporary, this.#file)
    } catch (error) {
      await rm(temporary, { force: true }).catch(() => undefined)
      throw new VoucherFileError(`Cannot write the voucher file ${this.#file}.`, { cause: error })
    }
  }
}
