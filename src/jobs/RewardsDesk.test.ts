import { verifyMessage, type Address, type Hex } from 'viem'
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import { memoryLinkPair } from '../../tests/support/memoryLinkPair.ts'
import type { HostMessage, VolunteerMessage } from '../p2p/messages.ts'
import type { PeerLink } from '../p2p/PeerLink.ts'
import { createBindingMessage } from '../rewards/bindingMessage.ts'
import type { JobRewards } from './JobRecord.ts'
import { RewardsDesk, type JobHostRewards } from './RewardsDesk.ts'

const alice = privateKeyToAccount(generatePrivateKey())
const bob = privateKeyToAccount(generatePrivateKey())
const voucherDomain = {
  name: 'JobEscrow',
  version: '1',
  chainId: 31337,
  verifyingContract: '0x00000000000000000000000000000000000000e5' as const,
}
const rewards: JobHostRewards = {
  chainId: 31337,
  domains: ['app.example'],
  verifySignature: (args: { address: Address; message: string; signature: Hex }) =>
    verifyMessage(args),
  voucherDomain,
}

function jobRewards(): JobRewards {
  return {
    chainId: 31337,
    escrow: voucherDomain.verifyingContract,
    chainJobId: `0x${'11'.repeat(32)}`,
    rewardPerUnit: '100',
    budget: '10000',
    signerKey: generatePrivateKey(),
    voucherDeadline: 2_000_000_000,
    earned: {},
    boundPeers: {},
    unboundUnits: {},
  }
}

type HostSide = PeerLink<HostMessage, VolunteerMessage>

/** A desk serving the links in `links`, and a way to connect a volunteer that sees its messages. */
function deskWith(options: { rewards?: JobHostRewards; jobRewards?: JobRewards } = {}) {
  const links = new Set<HostSide>()
  const desk = new RewardsDesk({
    rewards: options.rewards,
    jobRewards: options.jobRewards,
    persist: async () => undefined,
    links: () => links,
    // In these tests a volunteer's identity is its peer id.
    identityOf: (link) => link.peerId,
  })
  const connect = (peerId: string) => {
    const [link, volunteer] = memoryLinkPair<HostMessage, VolunteerMessage>('host', peerId)
    const seen: HostMessage[] = []
    volunteer.onMessage((message) => void seen.push(message))
    links.add(link)
    return { link, seen }
  }
  return { desk, connect }
}

/** Answers the desk's binding request on `link` with `wallet`'s signature. */
async function answer(
  desk: RewardsDesk,
  volunteer: { link: HostSide; seen: HostMessage[] },
  wallet: PrivateKeyAccount,
) {
  const request = await until(() => volunteer.seen.find((m) => m.type === 'bind-request'))
  if (request.type !== 'bind-request') throw new Error('unreachable')
  const message = createBindingMessage({
    domain: 'app.example',
    uri: 'https://app.example',
    address: wallet.address,
    chainId: request.chainId,
    nonce: request.nonce,
    peerId: volunteer.link.peerId,
  })
  const signature = await wallet.signMessage({ message })
  await desk.bind(volunteer.link, { v: 5, type: 'bind', message, signature })
}

async function until<T>(find: () => T | undefined): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const found = find()
    if (found !== undefined) return found
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  throw new Error('timed out')
}

const vouchersOf = (seen: HostMessage[]) =>
  seen.flatMap((m) => (m.type === 'voucher' ? [m.cumulativeAmount] : []))

describe('RewardsDesk', () => {
  it('pays units credited before the binding once it is verified, then each new unit', async () => {
    const { desk, connect } = deskWith({ rewards, jobRewards: jobRewards() })
    const a = connect('a')
    await desk.credit(['a'])
    desk.requestBinding(a.link)
    await answer(desk, a, alice)
    expect(desk.bindings.get('a')).toBe(alice.address)
    await desk.credit(['a'])
    await until(() => (vouchersOf(a.seen).length === 2 ? true : undefined))
    expect(a.seen.map((m) => m.type)).toEqual(['bind-request', 'bound', 'voucher', 'voucher'])
    expect(vouchersOf(a.seen)).toEqual(['100', '200'])
  })

  it("sends a voucher to every link bound to its address, and to no one else's", async () => {
    const { desk, connect } = deskWith({ rewards, jobRewards: jobRewards() })
    const [a1, a2, b, anonymous] = ['a1', 'a2', 'b', 'anonymous'].map(connect)
    for (const [volunteer, wallet] of [
      [a1!, alice],
      [a2!, alice],
      [b!, bob],
    ] as const) {
      desk.requestBinding(volunteer.link)
      await answer(desk, volunteer, wallet)
    }
    await desk.credit(['a1'])
    await until(() => (vouchersOf(a2!.seen).length ? true : undefined))
    expect(vouchersOf(a1!.seen)).toEqual(['100'])
    expect(vouchersOf(a2!.seen)).toEqual(['100'])
    expect(vouchersOf(b!.seen)).toEqual([])
    expect(vouchersOf(anonymous!.seen)).toEqual([])
  })

  it('refuses a binding it did not ask for, and asks nothing without rewards', async () => {
    const asking = deskWith({ rewards })
    const a = asking.connect('a')
    const message = createBindingMessage({
      domain: 'app.example',
      uri: 'https://app.example',
      address: alice.address,
      chainId: 31337,
      nonce: 'a'.repeat(96),
      peerId: 'a',
    })
    const signature = await alice.signMessage({ message })
    await asking.desk.bind(a.link, { v: 5, type: 'bind', message, signature })
    const refusal = await until(() => a.seen.find((m) => m.type === 'bind-refused'))
    expect(refusal).toMatchObject({ code: 'bind/nonce' })
    expect(asking.desk.bindings.size).toBe(0)

    const unpaid = deskWith()
    const b = unpaid.connect('b')
    unpaid.desk.requestBinding(b.link)
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(b.seen).toEqual([])
  })
})
