import type { Address, Hex } from 'viem'
import type { VoucherDomain } from '../chain/readVoucherDomain.ts'
import type { PeerLink } from '../p2p/PeerLink.ts'
import { JOB_PROTOCOL_VERSION, type HostMessage, type VolunteerMessage } from '../p2p/messages.ts'
import { createBindingNonce } from '../rewards/bindingMessage.ts'
import { BindingRefusedError, type BindingRefusalCode } from '../rewards/errors.ts'
import { verifyBinding, type VerifyBindingParameters } from '../rewards/verifyBinding.ts'
import type { JobRewards } from './JobRecord.ts'
import { VoucherIssuer, type IssuedVoucher } from './VoucherIssuer.ts'

type VolunteerLink = PeerLink<HostMessage, VolunteerMessage>

/** How the host binds volunteers' wallets (see `verifyBinding`); absent: no rewards. */
export type JobHostRewards = {
  chainId: number
  /** The hosts the app is served from: a binding message must name one of them. */
  domains: readonly string[]
  verifySignature: VerifyBindingParameters['verifySignature']
  /** The escrow's EIP-712 domain, read from the contract: needed to pay a funded job. */
  voucherDomain?: VoucherDomain | undefined
  now?: () => Date
}

export type RewardsDeskParameters = {
  /** How wallets are bound; absent: no volunteer is asked to bind. */
  rewards: JobHostRewards | undefined
  /** The funded job's rewards record; absent (or no `rewards.voucherDomain`): nothing is paid. */
  jobRewards: JobRewards | undefined
  /** Stores the job record that holds `jobRewards`. */
  persist: () => Promise<void>
  /** The links of the volunteers the host serves now: vouchers go to these only. */
  links: () => Iterable<VolunteerLink>
  /** Whether a volunteer flagged on this job had bound this address. */
  isFlaggedAddress?: ((address: Address) => boolean) | undefined
  /** The identity a link proved in its hello: earnings are kept per identity, not per peer id. */
  identityOf: (link: VolunteerLink) => string | undefined
}

/** A volunteer link's binding: the nonce it was asked to sign, then the address it bound. */
type Binding = { nonce: string | undefined; address: Address | undefined }

/**
 * The host's side of a volunteer's wallet: asks a volunteer that wants rewards to bind its
 * wallet (a fresh nonce), verifies the SIWE binding it answers with (the nonce serves one
 * attempt, refused or not), hands bound addresses to the job's `VoucherIssuer`, and sends each
 * voucher to every connected link bound to its address.
 *
 * @example
 * const desk = new RewardsDesk({ rewards, jobRewards: job.rewards, persist, links })
 * desk.requestBinding(link)
 * await desk.bind(link, message) // on the volunteer's `bind`
 * await desk.credit(outcome.agreeing) // on an accepted unit
 */
export class RewardsDesk {
  readonly #rewards: JobHostRewards | undefined
  readonly #vouchers: VoucherIssuer | undefined
  readonly #links: () => Iterable<VolunteerLink>
  readonly #isFlaggedAddress: ((address: Address) => boolean) | undefined
  readonly #identityOf: (link: VolunteerLink) => string | undefined
  // By link, not peer id: a peer that connects again starts unbound.
  readonly #bindings = new WeakMap<VolunteerLink, Binding>()

  constructor({
    rewards,
    jobRewards,
    persist,
    links,
    isFlaggedAddress,
    identityOf,
  }: RewardsDeskParameters) {
    this.#rewards = rewards
    this.#identityOf = identityOf
    this.#links = links
    this.#isFlaggedAddress = isFlaggedAddress
    const domain = rewards?.voucherDomain
    this.#vouchers =
      jobRewards && domain ? new VoucherIssuer(jobRewards, domain, persist) : undefined
  }

  /** The wallet address each connected volunteer bound, by peer id. */
  get bindings(): ReadonlyMap<string, Address> {
    const bound = new Map<string, Address>()
    for (const link of this.#links()) {
      const address = this.#bindings.get(link)?.address
      if (address) bound.set(link.peerId, address)
    }
    return bound
  }

  /**
   * The address an identity bound: while it is connected, or (for a funded job, whose bindings
   * are stored) after it left.
   */
  addressOf(identity: string): Address | undefined {
    for (const link of this.#links()) {
      const address = this.#bindings.get(link)?.address
      if (address && this.#identityOf(link) === identity) return address
    }
    return this.#vouchers?.addressOf(identity)
  }

  /** Asks a volunteer to bind its wallet, with a fresh nonce; nothing without rewards. */
  requestBinding(link: VolunteerLink): void {
    if (!this.#rewards) return
    const nonce = createBindingNonce()
    this.#binding(link).nonce = nonce
    link
      .send({
        v: JOB_PROTOCOL_VERSION,
        type: 'bind-request',
        nonce,
        chainId: this.#rewards.chainId,
      })
      .catch(() => undefined)
  }

  /**
   * Verifies a volunteer's SIWE binding and answers `bound` (then its latest voucher, for units
   * accepted before it bound) or `bind-refused` with the reason. A nonce serves one attempt,
   * refused or not. Resolves to `bound` or the refusal's code: the host dismisses a volunteer
   * refused with `bind/flagged`.
   */
  async bind(
    link: VolunteerLink,
    message: Extract<VolunteerMessage, { type: 'bind' }>,
  ): Promise<'bound' | BindingRefusalCode> {
    const rewards = this.#rewards
    const binding = this.#binding(link)
    const nonce = binding.nonce
    binding.nonce = undefined
    try {
      if (!rewards || !nonce)
        throw new BindingRefusedError(
          'bind/nonce',
          'This host did not ask this tab to bind a wallet.',
        )
      const address = await verifyBinding({
        message: message.message,
        signature: message.signature as Hex,
        expected: {
          domains: rewards.domains,
          chainId: rewards.chainId,
          peerId: link.peerId,
          nonce,
        },
        verifySignature: rewards.verifySignature,
        ...(rewards.now && { now: rewards.now() }),
      })
      if (this.#isFlaggedAddress?.(address))
        throw new BindingRefusedError(
          'bind/flagged',
          'Results computed under this wallet disagreed with verified ones; it earns nothing more in this job.',
        )
      binding.address = address
      const identity = this.#identityOf(link)
      const latest = identity ? await this.#vouchers?.bind(identity, address) : undefined
      await link.send({ v: JOB_PROTOCOL_VERSION, type: 'bound', address })
      if (latest) await this.#send(latest)
      return 'bound'
    } catch (error) {
      if (!(error instanceof BindingRefusedError)) throw error
      await link
        .send({
          v: JOB_PROTOCOL_VERSION,
          type: 'bind-refused',
          code: error.code,
          reason: error.reason,
        })
        .catch(() => undefined)
      return error.code
    }
  }

  /** Credits one final unit to each agreeing identity and sends the new vouchers. */
  async credit(identities: readonly string[]): Promise<void> {
    const vouchers = (await this.#vouchers?.credit(identities)) ?? []
    for (const voucher of vouchers) await this.#send(voucher)
  }

  #binding(link: VolunteerLink): Binding {
    let binding = this.#bindings.get(link)
    if (!binding) {
      binding = { nonce: undefined, address: undefined }
      this.#bindings.set(link, binding)
    }
    return binding
  }

  async #send(voucher: IssuedVoucher): Promise<void> {
    for (const link of this.#links()) {
      const address = this.#bindings.get(link)?.address
      if (address?.toLowerCase() !== voucher.volunteer.toLowerCase()) continue
      await link
        .send({ v: JOB_PROTOCOL_VERSION, type: 'voucher', ...voucher })
        .catch(() => undefined)
    }
  }
}
