import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import type { StoredVoucher } from '../rewards/StoredVoucher.ts'
import { FileVoucherStore } from './FileVoucherStore.ts'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'vouchers-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

const voucher = (jobId: `0x${string}`, cumulativeAmount: string): StoredVoucher => ({
  chainId: 31337,
  escrow: '0x5fbdb2315678afecb367f032d93f642f64180aa3',
  jobId,
  jobName: 'Monte Carlo π',
  volunteer: '0x70997970c51812dc3a010c7d01b50e0d17dc79c8',
  cumulativeAmount,
  deadline: 2_000_000_000,
  signature: '0xabcdef',
  receivedAt: 1,
})

describe('FileVoucherStore', () => {
  test('keeps the highest voucher per job and address, in a file only its owner reads', async () => {
    const file = path.join(dir, 'sub', 'vouchers.json')
    const store = new FileVoucherStore(file)
    expect(await store.list()).toEqual([])
    await Promise.all([
      store.save(voucher('0x01', '10')),
      store.save(voucher('0x01', '30')),
      store.save(voucher('0x01', '20')),
      store.save(voucher('0x02', '5')),
    ])
    expect(await new FileVoucherStore(file).list()).toEqual([
      voucher('0x01', '30'),
      voucher('0x02', '5'),
    ])
    expect((await stat(file)).mode & 0o777).toBe(0o600)
    expect(JSON.parse(await readFile(file, 'utf8')).v).toBe(1)
  })

  test('a file that is not ours is a vouchers/file error naming it, and is left as it was', async () => {
    const file = path.join(dir, 'vouchers.json')
    await writeFile(file, '{"something": "else"}')
    const store = new FileVoucherStore(file)
    await expect(store.save(voucher('0x01', '1'))).rejects.toMatchObject({
      code: 'vouchers/file',
      message: `${file} is not a voucher file of this program.`,
    })
    expect(await readFile(file, 'utf8')).toBe('{"something": "else"}')
  })
})
