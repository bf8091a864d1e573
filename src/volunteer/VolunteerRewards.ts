import type { Address, Hex } from 'viem'
import type { Listing } from '../../signaling/directory/schemas.ts'
import type { PeerLink } from '../p2p/PeerLink.ts'
import { JOB_PROTOCOL_VERSION, type HostMessage, type VolunteerMessage } from '../p2p/messages.ts'
import { createBindingMessage } from '../rewards/bindingMessage.ts'
import type { VoucherStore } from '../rewards/StoredVoucher.ts'
import { describeWalletError } from '../wallet/describeWalletError.ts'

type HostLink = PeerLink<VolunteerMessage, HostMessage>

/**
 * The volunteer's wallet, as the client needs it to bind its address for rewards; the page owns
 * the wallet itself (`WalletSession`).
 */
export type VolunteerWallet = {
  /** The connected address on the site's network; undefined: compute anonymously. */
  address(): Address | undefined
  /** This page's site and origin (`location.host`, `location.origin`), named in the message. */
  domain: string
  uri: string
  /** This tab's peer id, which the message binds. */
  peerId: string
  sign(message: string): Promise<Hex>
}

/** The host's messages about rewards: binding the wallet, and the vouchers it pays. */
export type RewardsMessage = Extract<
  HostMessage,
  { type: 'bind-request' | 'bound' | 'bind-refused' | 'voucher' }
>

/** What rewards show of a volunteer's state (see `VolunteerState`). */
export type RewardsState = {
  notice: string | undefined
  /** The address this job's rewards go to, once the host accepted the binding. */
  rewardAddress: string | undefined
  /** This job's latest voucher: everything earned in it so far (base units, decimal). */
  earned: string | undefined
  /** Vouchers stored since start: changes whenever there is a new one to show. */
  vouchersStored: number
}

export type VolunteerRewardsParameters = {
  wallet: VolunteerWallet | undefined
  /** Where vouchers are kept before they are acknowledged; required with `wallet`. */
  vouchers: VoucherStore | undefined
  /** The client's current state, and how to change it. */
  state: () => RewardsState
  set: (patch: Partial<RewardsState>) => void
}

/**
 * The volunteer's side of rewards in a job: answers a host's binding request with a SIWE
 * message the wallet signs, shows whether the host bound it, and stores each voucher for the
 * bound address before acknowledging it.
 *
 * @example
 * const rewards = new VolunteerRewards({ wallet, vouchers, state: () => client.state, set })
 * link.onMessage((message) => { if (message.type === 'voucher') rewards.receive(link, listing, message) })
 */
export class VolunteerRewards {
  readonly #wallet: VolunteerWallet | undefined
  readonly #vouchers: VoucherStore | undefined
  readonly #state: () => RewardsState
  readonly #set: (patch: Partial<RewardsState>) => void

  constructor({ wallet, vouchers, state, set }: VolunteerRewardsParameters) {
    this.#wallet = wallet
    this.#vouchers = vouchers
    this.#state = state
    this.#set = set
  }

  /** Whether this tab asks hosts to bind its wallet: it has one connected. */
  get wanted(): boolean {
    return this.#wallet?.address() !== undefined
  }

  /** Handles one of the host's rewards messages in the job of `listing`. */
  receive(link: HostLink, listing: Listing, message: RewardsMessage): void {
    switch (message.type) {
      case 'bind-request':
        return void this.#bind(link, message)
      case 'bound':
        this.#set({ rewardAddress: message.address, notice: undefined })
        return
      case 'bind-refused':
        this.#set({
          notice: `Your wallet was not bound, so this job's units earn nothing: ${message.reason}`,
        })
        return
      case 'voucher':
        return void this.#keepVoucher(link, listing, message)
      default: {
        const unexpected: never = message
        return unexpected
      }
    }
  }

  /** Stores a voucher for this tab's bound address, and only then acknowledges it. */
  async #keepVoucher(
    link: HostLink,
    listing: Listing,
    voucher: Extract<HostMessage, { type: 'voucher' }>,
  ): Promise<void> {
    const bound = this.#state().rewardAddress
    if (!this.#vouchers || !bound || voucher.volunteer.toLowerCase() !== bound.toLowerCase()) return
    await this.#vouchers.save({
      chainId: voucher.chainId,
      escrow: voucher.escrow as Address,
      jobId: voucher.jobId as Hex,
      jobName: listing.name,
      volunteer: voucher.volunteer as Address,
      cumulativeAmount: voucher.cumulativeAmount,
      deadline: voucher.deadline,
      signature: voucher.signature as Hex,
      receivedAt: Date.now(),
    })
    this.#set({
      earned: voucher.cumulativeAmount,
      vouchersStored: this.#state().vouchersStored + 1,
    })
    await link
      .send({
        v: JOB_PROTOCOL_VERSION,
        type: 'voucher-ack',
        jobId: voucher.jobId,
        cumulativeAmount: voucher.cumulativeAmount,
      })
      .catch(() => undefined)
  }

  /** Answers a host's binding request with a SIWE message the wallet signs. */
  async #bind(link: HostLink, request: Extract<HostMessage, { type: 'bind-request' }>) {
    const wallet = this.#wallet
    const address = wallet?.address()
    if (!wallet || !address) return
    const message = createBindingMessage({
      domain: wallet.domain,
      uri: wallet.uri,
      address,
      chainId: request.chainId,
      nonce: request.nonce,
      peerId: wallet.peerId,
    })
    let signature: Hex
    try {
      signature = await wallet.sign(message)
    } catch (error) {
      this.#set({
        notice: `${describeWalletError(error)} This job's units earn nothing; the computing goes on.`,
      })
      return
    }
    await link
      .send({ v: JOB_PROTOCOL_VERSION, type: 'bind', message, signature })
      .catch(() => undefined)
  }
}
