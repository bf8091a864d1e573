import type { Address, Hex } from 'viem'
import type { Manifest } from '../tasks/manifestSchema.ts'

/** A funded job's rewards: its escrow on chain, and what each volunteer address has earned. */
export type JobRewards = {
  chainId: number
  escrow: Address
  /** The job's id in the escrow (`escrowJobIdOf(jobContentHashOf(manifest, input), requester, nonce)`). */
  chainJobId: Hex
  /**
   * The Merkle root of the input's pieces (`InputPieces.root`) that the escrow job commits to;
   * absent for a job without input, and for jobs funded before the input was committed.
   */
  inputRoot?: string
  /** Base units a volunteer earns per accepted unit it computed, decimal. */
  rewardPerUnit: string
  /** The deposit: vouchers never promise more than this in all, decimal. */
  budget: string
  /** The job's voucher signer key: registered in the escrow, kept in this browser only. */
  signerKey: Hex
  /** Vouchers' deadline, Unix seconds (the job's expiry). */
  voucherDeadline: number
  /** Everything each address earned so far, decimal: the cumulative amount of its vouchers. */
  earned: Record<string, string>
  /** Which address each volunteer identity bound, so units final after it left still pay it. */
  boundPeers: Record<string, Address>
  /**
   * Final units of identities not bound (yet): a volunteer's first units may be accepted before
   * its wallet has signed; they are paid when it binds.
   */
  unboundUnits: Record<string, number>
  /** The transaction that recorded the job's result root, once sent. */
  resultRootTx?: Hex
}

/** Everything the host needs to run (or resume) a job, but its input file; stored as one record. */
export type JobRecord = {
  jobId: string
  name: string
  manifest: Manifest
  /** The WGSL kernel's source, when the manifest has a `wgsl` kernel. */
  wgsl?: string
  /** The WASM kernel's bytes, when the manifest has a `wasm` kernel. */
  wasm?: Uint8Array
  /** The manifest's params, packed: the same bytes for every unit. */
  params: Uint8Array
  unitsTotal: number
  /** Size of the input file (stored apart, see `JobStore.saveInput`); 0 for count units. */
  inputBytes: number
  /** SHA-256 of the input file, when there is one. */
  inputSha256?: string
  /** The catalogue entry the job came from, so the page knows how to present its output. */
  catalogueId?: string
  /** Time a volunteer has to return a unit, transfers included. */
  deadlineMs: number
  /** Proves ownership of the directory listing across reloads of the host. */
  ownerToken: string
  /** Present when the job was funded in an escrow. */
  rewards?: JobRewards
  /** Accepted units per partner site key (`hello.siteKey`): the site's visitors' contribution. */
  siteCredits?: Record<string, number>
  status: 'running' | 'complete'
  createdAt: number
  /** Identities (key ids) whose results disagreed with verified ones, or that broke the protocol. */
  flagged: string[]
  /**
   * The requester runs a private pool on one network (an organisation's desktop grid): replicas
   * of a unit may go to volunteers of one origin (identities and wallets must still differ).
   */
  privatePool?: boolean
  /** The latest protocol violations, and who made them (at most 100 kept). */
  violations?: Violation[]
  /**
   * Wallet addresses those volunteers had bound (lower case): a flagged volunteer that comes back
   * under a new peer id with the same wallet is refused (`bind/flagged`). Absent in older records.
   */
  flaggedAddresses?: string[]
}

/** A volunteer broke the protocol: the requester sees what, and who. */
export type Violation = {
  at: number
  peerId: string
  /** Its identity, when it had proved one. */
  identity?: string
  what: string
}
