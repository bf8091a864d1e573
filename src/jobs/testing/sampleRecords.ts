import type { ReputationEntry } from '../../trust/ReputationBook.ts'
import { manifestSchema } from '../../tasks/manifestSchema.ts'
import type { JobRecord } from '../JobRecord.ts'
import type { UnitRecord } from '../UnitRecord.ts'

const kernelSha = 'ab'.repeat(32)

/** A job record with every field a store must keep, the optional ones and the bytes included. */
export function sampleJob(overrides: Partial<JobRecord> = {}): JobRecord {
  const manifest = manifestSchema.parse({
    manifestVersion: 1,
    name: 'Sample sweep',
    kernels: [
      { kind: 'wgsl', sha256: kernelSha, workgroupSize: [64] },
      { kind: 'wasm', sha256: 'cd'.repeat(32) },
    ],
    units: { mode: 'split', itemBytes: 4, itemsPerUnit: 256 },
    params: [
      { name: 'scale', type: 'f64', value: 0.1 },
      { name: 'steps', type: 'u32', value: 4_294_967_295 },
    ],
    output: { bytesPerItem: 4 },
    comparison: { mode: 'float', elementType: 'f32', absolute: 1e-6, relative: 1e-5 },
  })
  return {
    jobId: 'sample-sweep-0123456789ab',
    name: 'Sample sweep',
    manifest,
    wgsl: '@compute @workgroup_size(64) fn main() {}',
    wasm: new Uint8Array([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 0xff]),
    params: new Uint8Array([
      0x9a, 0x99, 0x99, 0x99, 0x99, 0x99, 0xb9, 0x3f, 0xff, 0xff, 0xff, 0xff,
    ]),
    unitsTotal: 16,
    inputBytes: 16_384,
    inputSha256: 'ef'.repeat(32),
    catalogueId: 'sweep',
    deadlineMs: 90_000,
    ownerToken: 'f'.repeat(64),
    rewards: {
      chainId: 31_337,
      escrow: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
      chainJobId: `0x${'12'.repeat(32)}`,
      rewardPerUnit: '1000000000000000000',
      budget: '16000000000000000000',
      signerKey: `0x${'34'.repeat(32)}`,
      voucherDeadline: 1_900_000_000,
      earned: { '0x70997970c51812dc3a010c7d01b50e0d17dc79c8': '3000000000000000000' },
      boundPeers: { 'key-a': '0x70997970C51812dc3A010C7d01b50e0d17dc79C8' },
      unboundUnits: { 'key-b': 2 },
      resultRootTx: `0x${'56'.repeat(32)}`,
    },
    siteCredits: { 'partner.example': 5 },
    status: 'running',
    createdAt: 1_750_000_000_123,
    flagged: ['key-liar'],
    privatePool: true,
    violations: [
      { at: 1_750_000_100_000, peerId: 'peer-9', identity: 'key-liar', what: 'bad frame' },
    ],
    flaggedAddresses: ['0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc'],
    ...overrides,
  }
}

/** A unit record with results, and optional fields set as a busy job sets them. */
export function sampleUnit(index: number, overrides: Partial<UnitRecord> = {}): UnitRecord {
  return {
    index,
    status: 'accepted',
    issued: 3,
    errors: 1,
    results: [
      {
        volunteerId: 'key-a',
        sha256: `${index}a`.padEnd(64, '0'),
        origin: '10.0.0',
        wallet: '0xaa',
      },
      { volunteerId: 'key-b', sha256: `${index}a`.padEnd(64, '0') },
    ],
    acceptedSha256: `${index}a`.padEnd(64, '0'),
    canary: true,
    credited: ['key-a', 'key-b'],
    reopened: 1,
    lastError: 'timeout',
    ...overrides,
  }
}

/** One identity's standing on the sample kernel. */
export function sampleReputation(identity: string, valid = 1): ReputationEntry {
  return {
    identity,
    firstSeen: 1_750_000_000_000,
    lastSeen: 1_750_000_000_000 + valid,
    kernels: {
      [kernelSha]: {
        valid,
        invalid: 0,
        cv: valid,
        canariesPassed: 1,
        canariesFailed: 0,
        errors: 0,
        missed: 0,
      },
    },
    flaggedJobs: ['sample-sweep-0123456789ab'],
  }
}
