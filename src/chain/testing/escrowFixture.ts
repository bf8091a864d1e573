import {
  encodeAbiParameters,
  keccak256,
  parseEther,
  toHex,
  type Address,
  type Hash,
  type Hex,
  type LocalAccount,
  type TransactionReceipt,
} from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { computeTokenAbi, jobEscrowAbi } from '../abis.ts'
import type { DeployContractsParameters } from '../deployContracts.ts'
import { readVoucherDomain, type VoucherDomain } from '../readVoucherDomain.ts'
import { signVoucher } from '../signVoucher.ts'
import type { Voucher } from '../voucherTypedData.ts'
import { createTestChain, type TestChain, type TestWallet } from './createTestChain.ts'

export type CreateJobOptions = {
  requester: TestWallet
  amount: bigint
  /** Seconds from now to the job's expiry (default one day). */
  expiresIn?: number
  /** The voucher signer (default: the fixture's host key). */
  signer?: Address
  /** Another escrow on the same token (default: the deployed one). */
  escrow?: Address
  /** Another token to approve (default: the deployed one). */
  token?: Address
  /** Manifest hash and nonce (default: fresh ones). */
  manifestHash?: Hex
  nonce?: bigint
}

export type CreatedJob = {
  jobId: Hex
  manifestHash: Hex
  nonce: bigint
  expiry: bigint
  receipt: TransactionReceipt
}

export type EscrowFixture = {
  chain: TestChain
  token: Address
  escrow: Address
  /** The escrow's domain as `eip712Domain()` returns it. */
  domain: VoucherDomain
  /** The job host's voucher key. */
  host: LocalAccount
  /** The grace period the escrow was deployed with. */
  gracePeriod: bigint
  /** Waits for a transaction and fails unless it succeeded. */
  confirm: (hash: Hash) => Promise<TransactionReceipt>
  /** Sends `amount` tokens from the deployer. */
  giveTokens: (to: Address, amount: bigint, token?: Address) => Promise<void>
  balanceOf: (owner: Address, token?: Address) => Promise<bigint>
  /** Approves and creates a job; returns its id (checked against `jobIdOf`). */
  createJob: (options: CreateJobOptions) => Promise<CreatedJob>
  /** A voucher valid for an hour (or `deadlineIn` seconds). */
  voucher: (
    jobId: Hex,
    volunteer: Address,
    cumulativeAmount: bigint,
    deadlineIn?: number,
  ) => Promise<Voucher>
  /** Signs with the host key and the escrow's domain unless told otherwise. */
  sign: (
    voucher: Voucher,
    options?: { signer?: LocalAccount; domain?: VoucherDomain },
  ) => Promise<Hex>
}

/** The job id exactly as JobEscrow.jobIdOf computes it, computed here independently. */
export function expectedJobId(manifestHash: Hex, requester: Address, nonce: bigint): Hex {
  return keccak256(
    encodeAbiParameters(
      [{ type: 'bytes32' }, { type: 'address' }, { type: 'uint256' }],
      [manifestHash, requester, nonce],
    ),
  )
}

/**
 * A test chain with the contracts deployed, a host key and helpers to fund jobs and sign
 * vouchers: shared by the contract tests and the gas bench.
 */
export async function createEscrowFixture(
  parameters: DeployContractsParameters = {},
): Promise<EscrowFixture> {
  const gracePeriod = parameters.gracePeriod ?? 7n * 24n * 3600n
  const chain = await createTestChain({ ...parameters, gracePeriod })
  const { publicClient, deployer, contracts } = chain
  const { token, escrow } = contracts
  const host = privateKeyToAccount(generatePrivateKey())
  const domain = await readVoucherDomain(publicClient, escrow)
  let nextNonce = 1n

  const confirm = async (hash: Hash): Promise<TransactionReceipt> => {
    const receipt = await publicClient.waitForTransactionReceipt({ hash })
    if (receipt.status !== 'success') throw new Error(`transaction ${hash} reverted`)
    return receipt
  }
  const giveTokens = async (to: Address, amount: bigint, tokenAddress = token): Promise<void> => {
    await confirm(
      await deployer.writeContract({
        address: tokenAddress,
        abi: computeTokenAbi,
        functionName: 'transfer',
        args: [to, amount],
      }),
    )
  }
  const balanceOf = (owner: Address, tokenAddress = token): Promise<bigint> =>
    publicClient.readContract({
      address: tokenAddress,
      abi: computeTokenAbi,
      functionName: 'balanceOf',
      args: [owner],
    })

  return {
    chain,
    token,
    escrow,
    domain,
    host,
    gracePeriod,
    confirm,
    giveTokens,
    balanceOf,
    createJob: async (options) => {
      const { requester, amount, expiresIn = 24 * 3600 } = options
      const escrowAddress = options.escrow ?? escrow
      const tokenAddress = options.token ?? token
      const manifestHash = options.manifestHash ?? keccak256(toHex(`manifest ${nextNonce}`))
      const nonce = options.nonce ?? nextNonce++
      const expiry = (await chain.now()) + BigInt(expiresIn)
      await confirm(
        await requester.writeContract({
          address: tokenAddress,
          abi: computeTokenAbi,
          functionName: 'approve',
          args: [escrowAddress, amount],
        }),
      )
      const receipt = await confirm(
        await requester.writeContract({
          address: escrowAddress,
          abi: jobEscrowAbi,
          functionName: 'createJob',
          args: [manifestHash, nonce, amount, expiry, options.signer ?? host.address],
        }),
      )
      return {
        jobId: expectedJobId(manifestHash, requester.account.address, nonce),
        manifestHash,
        nonce,
        expiry,
        receipt,
      }
    },
    voucher: async (jobId, volunteer, cumulativeAmount, deadlineIn = 3600) => ({
      jobId,
      volunteer,
      cumulativeAmount,
      deadline: (await chain.now()) + BigInt(deadlineIn),
    }),
    sign: (voucher, options = {}) =>
      signVoucher({ signer: options.signer ?? host, domain: options.domain ?? domain, voucher }),
  }
}

/** 1 token (18 decimals). */
export const oneToken = parseEther('1')
