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

  /**
   * Records a binding and pays the peer's units accepted before it; returns the address's latest
   * voucher, if it has earned anything.
   */
  async bind(peerId: string, address: Address): Promise<IssuedVoucher | undefined> {
    this.#rewards.boundPeers[peerId] = address
    const unbound = this.#rewards.unboundUnits[peerId] ?? 0
    delete this.#rewards.unboundUnits[peerId]
    for (let unit = 0; unit < unbound; unit++) if (!this.#add(address)) break
    await this.#persist()
    const earned = BigInt(this.#rewards.earned[address] ?? '0')
    return earned > 0n ? this.#sign(address, earned) : undefined
  }

  /**
   * Credits one accepted unit to each of these peers' bound addresses, within the budget (a peer
   * not bound yet has it counted, and paid if it binds), stores the new totals, and returns the
   * new vouchers.
   */
  async credit(peerIds: readonly string[]): Promise<IssuedVoucher[]> {
    const credited: Address[] = []
    let unbound = false
    for (const peerId of peerIds) {
      const address = this.#rewards.boundPeers[peerId]
      if (!address) {
        this.#rewards.unboundUnits[peerId] = (this.#rewards.unboundUnits[peerId] ?? 0) + 1
        unbound = true
      } else if (this.#add(address)) credited.push(address)
    }
    if (!credited.length) {
      if (unbound) await this.#persist()
      return []
    }
    await this.#persist()
    return Promise.all(
      [...new Set(credited)].map((address) =>
        this.#sign(address, BigInt(this.#rewards.earned[address]!)),
      ),
    )
  }

  /** Adds one unit's reward to `address`, within the budget; false when the budget is spent. */
  #add(address: Address): boolean {
    const amount = minBigInt(
      BigInt(this.#rewards.rewardPerUnit),
      BigInt(this.#rewards.budget) - this.promised,
    )
    if (amount <= 0n) return false
    this.#rewards.earned[address] = String(BigInt(this.#rewards.earned[address] ?? '0') + amount)
    return true
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
