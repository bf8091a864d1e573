import type { Address, Hex } from 'viem'
import { privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts'
import type { VoucherDomain } from '../chain/readVoucherDomain.ts'
import { signVoucher } from '../chain/signVoucher.ts'
import type { JobRewards } from './JobRecord.ts'

export type IssuedVoucher = {
  chainId: number
  escrow: Address
  jobId: Hex
  volunteer: Address
  cumulativeAmount: string
  deadline: number
  signature: Hex
}

/**
 * The host's side of rewards for one funded job: which address each volunteer peer bound, what
 * each address has earned, and the cumulative vouchers that pay it. It never promises more than
 * the job's budget in all. `persist` stores the job record; a voucher is signed only after the
 * earnings it covers are stored, so a reload never pays twice nor forgets a promise.
 *
 * @example
 * const issuer = new VoucherIssuer(job.rewards, domain, () => store.saveJob(job))
 * const vouchers = await issuer.credit(['peer-a', 'peer-b'])
 */
export class VoucherIssuer {
  readonly #rewards: JobRewards
  readonly #domain: VoucherDomain
  readonly #persist: () => Promise<void>
  readonly #signer: PrivateKeyAccount

  constructor(rewards: JobRewards, domain: VoucherDomain, persist: () => Promise<void>) {
    this.#rewards = rewards
    this.#domain = domain
    this.#persist = persist
    this.#signer = privateKeyToAccount(rewards.signerKey)
  }

  /** Everything promised so far, in base units. */
  get promised(): bigint {
    return Object.values(this.#rewards.earned).reduce((sum, amount) => sum + BigInt(amount), 0n)
  }

  addressOf(peerId: string): Address | undefined {
    return this.#rewards.boundPeers[peerId]
  }

  /** Records a binding; returns the address's latest voucher, if it earned anything before. */
  async bind(peerId: string, address: Address): Promise<IssuedVoucher | undefined> {
    this.#rewards.boundPeers[peerId] = address
    await this.#persist()
    const earned = BigInt(this.#rewards.earned[address] ?? '0')
    return earned > 0n ? this.#sign(address, earned) : undefined
  }

  /**
   * Credits one accepted unit to each of these peers' bound addresses (peers that did not bind
   * earn nothing), within the budget, stores the new totals, and returns the new vouchers.
   */
  async credit(peerIds: readonly string[]): Promise<IssuedVoucher[]> {
    const perUnit = BigInt(this.#rewards.rewardPerUnit)
    const budget = BigInt(this.#rewards.budget)
    const credited: Address[] = []
    for (const peerId of peerIds) {
      const address = this.#rewards.boundPeers[peerId]
      if (!address) continue
      const amount = minBigInt(perUnit, budget - this.promised)
      if (amount <= 0n) break
      this.#rewards.earned[address] = String(BigInt(this.#rewards.earned[address] ?? '0') + amount)
      credited.push(address)
    }
    if (!credited.length) return []
    await this.#persist()
    return Promise.all(
      [...new Set(credited)].map((address) =>
        this.#sign(address, BigInt(this.#rewards.earned[address]!)),
      ),
    )
  }

  async #sign(volunteer: Address, cumulativeAmount: bigint): Promise<IssuedVoucher> {
    const { chainId, escrow, chainJobId, voucherDeadline } = this.#rewards
    const signature = await signVoucher({
      signer: this.#signer,
      domain: this.#domain,
      voucher: {
        jobId: chainJobId,
        volunteer,
        cumulativeAmount,
        deadline: BigInt(voucherDeadline),
      },
    })
    return {
      chainId,
      escrow,
      jobId: chainJobId,
      volunteer,
      cumulativeAmount: String(cumulativeAmount),
      deadline: voucherDeadline,
      signature,
    }
  }
}

function minBigInt(a: bigint, b: bigint): bigint {
  return a < b ? a : b
}
