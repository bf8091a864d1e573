import {
  encodeAbiParameters,
  hexToSignature,
  keccak256,
  stringToBytes,
  type Address,
  type Hash,
  type Hex,
  type PublicClient,
  type TypedDataDefinition,
} from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { getEip712Domain } from 'viem/actions'
import { computeTokenAbi, jobEscrowAbi } from '../chain/abis.ts'
import type { ChainConfig } from '../chain/chainConfig.ts'
import type { JobRewards } from '../jobs/JobRecord.ts'
import type { Manifest } from '../tasks/manifestSchema.ts'

export type FundJobParameters = {
  chain: ChainConfig
  publicClient: PublicClient
  requester: Address
  manifest: Manifest
  /**
   * The job's input (its pieces' Merkle root, `InputPieces.root`, and its size), which the escrow
   * job commits to beside the manifest (`jobContentHashOf`); none for a job without input.
   */
  input?: JobInputCommitment | undefined
  unitsTotal: number
  /** Base units a volunteer earns per accepted unit it computed. */
  rewardPerUnit: bigint
  /** How long vouchers pay, from now. */
  durationSeconds: number
  /** The wallet: sign typed data (the permit) and send a contract call. */
  signTypedData: (typedData: TypedDataDefinition) => Promise<Hex>
  writeContract: (call: {
    address: Address
    abi: typeof jobEscrowAbi
    functionName: 'createJobWithPermit'
    args: readonly [Hex, bigint, bigint, bigint, Address, bigint, number, Hex, Hex]
  }) => Promise<Hash>
  now?: () => number
}

/**
 * What a job costs: every unit is computed `quorum` times and each agreeing result earns its
 * volunteer `rewardPerUnit`, so the escrow must hold `rewardPerUnit × units × quorum`.
 */
export function jobCost(manifest: Manifest, unitsTotal: number, rewardPerUnit: bigint): bigint {
  return rewardPerUnit * BigInt(unitsTotal) * BigInt(manifest.replication.quorum)
}

/**
 * Funds a job in the escrow from the requester's wallet, in one transaction: the wallet signs an
 * EIP-2612 permit for the cost (its domain read from the token), then sends
 * `createJobWithPermit` with a fresh voucher-signer key that this browser keeps. Returns the
 * job's rewards record, once the transaction is confirmed.
 *
 * @example
 * const rewards = await fundJob({ chain, publicClient, requester, manifest, unitsTotal, rewardPerUnit, durationSeconds, signTypedData, writeContract })
 */
export async function fundJob(parameters: FundJobParameters): Promise<JobRewards> {
  const { chain, publicClient, requester, manifest, unitsTotal, rewardPerUnit } = parameters
  const now = parameters.now ?? Date.now
  const amount = jobCost(manifest, unitsTotal, rewardPerUnit)
  const signerKey = generatePrivateKey()
  const signer = privateKeyToAccount(signerKey)
  const contentHash = jobContentHashOf(JSON.stringify(manifest), parameters.input)
  const nonce = fundingNonceOf(signerKey)
  const expiry = BigInt(Math.floor(now() / 1000) + parameters.durationSeconds)
  const permitDeadline = BigInt(Math.floor(now() / 1000) + 3600)

  const { domain } = await getEip712Domain(publicClient, { address: chain.token })
  const permitNonce = await publicClient.readContract({
    address: chain.token,
    abi: computeTokenAbi,
    functionName: 'nonces',
    args: [requester],
  })
  const permit = await parameters.signTypedData({
    domain: {
      name: domain.name,
      version: domain.version,
      chainId: Number(domain.chainId),
      verifyingContract: domain.verifyingContract,
    },
    types: {
      Permit: [
        { name: 'owner', type: 'address' },
        { name: 'spender', type: 'address' },
        { name: 'value', type: 'uint256' },
        { name: 'nonce', type: 'uint256' },
        { name: 'deadline', type: 'uint256' },
      ],
    },
    primaryType: 'Permit',
    message: {
      owner: requester,
      spender: chain.escrow,
      value: amount,
      nonce: permitNonce,
      deadline: permitDeadline,
    },
  })
  const { v, r, s } = hexToSignature(permit)
  const hash = await parameters.writeContract({
    address: chain.escrow,
    abi: jobEscrowAbi,
    functionName: 'createJobWithPermit',
    args: [contentHash, nonce, amount, expiry, signer.address, permitDeadline, Number(v), r, s],
  })
  const receipt = await publicClient.waitForTransactionReceipt({ hash })
  if (receipt.status !== 'success') throw new Error(`The funding transaction ${hash} failed.`)
  const chainJobId = escrowJobIdOf(contentHash, requester, nonce)
  return {
    chainId: chain.chainId,
    escrow: chain.escrow,
    chainJobId,
    ...(parameters.input && { inputRoot: parameters.input.root }),
    rewardPerUnit: String(rewardPerUnit),
    budget: String(amount),
    signerKey,
    voucherDeadline: Number(expiry),
    earned: {},
    boundPeers: {},
    unboundUnits: {},
  }
}

/**
 * The escrow nonce of a job funded with this voucher-signer key: derived from the key, so a
 * host that still holds the key can name it (to a verifier) without storing it.
 */
export function fundingNonceOf(signerKey: Hex): bigint {
  return BigInt(keccak256(stringToBytes(`${signerKey}:nonce`))) >> 192n
}

/** What a funded job commits to of its input: its pieces' Merkle root and its size. */
export type JobInputCommitment = { root: string; bytes: number }

const noInputRoot = `0x${'00'.repeat(32)}` as const

/**
 * What the escrow records as the job's "manifest hash": `keccak256(abi.encode(keccak256(manifest
 * JSON), inputRoot, inputBytes))`, with a zero root and size for a job without input. It binds
 * both what to compute (kernel hashes, params, limits, comparison) and what to compute it on: a
 * verifier checks a unit's pieces against the input root by their Merkle proofs, and derives the
 * unit's pieces and settings from the manifest and the input's size.
 */
export function jobContentHashOf(manifestJson: string, input?: JobInputCommitment): Hex {
  const root = input ? (`0x${input.root}` as const) : noInputRoot
  return keccak256(
    encodeAbiParameters(
      [{ type: 'bytes32' }, { type: 'bytes32' }, { type: 'uint256' }],
      [keccak256(stringToBytes(manifestJson)), root, BigInt(input?.bytes ?? 0)],
    ),
  )
}

/** The escrow's id of a job: `keccak256(abi.encode(contentHash, requester, nonce))` (`JobEscrow.jobIdOf`). */
export function escrowJobIdOf(contentHash: Hex, requester: Address, nonce: bigint): Hex {
  return keccak256(
    encodeAbiParameters(
      [{ type: 'bytes32' }, { type: 'address' }, { type: 'uint256' }],
      [contentHash, requester, nonce],
    ),
  )
}
