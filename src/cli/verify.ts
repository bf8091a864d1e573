import { createPublicClient, http, type Hex } from 'viem'
import { DirectoryClient } from '../directory/DirectoryClient.ts'
import { createNodeWorkerPool } from '../node/createNodeWorkerPool.ts'
import { openNodePeer } from '../node/openNodePeer.ts'
import { connectToJobHost } from '../verify/connectToJobHost.ts'
import { escrowJobReader } from '../verify/escrowJobReader.ts'
import { verifyUnit, type VerifyVerdict } from '../verify/verifyUnit.ts'
import { common, parse, signalingUrlOf, type Io } from './commandLine.ts'
import { chainConfigOf } from './hostRewards.ts'
import { UsageError } from './UsageError.ts'

const verifyUsage = `Usage: volunteer-compute verify <job id> <unit> [options]

Re-verifies one accepted unit of a funded job, trusting its host for nothing: asks the host for
the unit's output, the Merkle proof of its hash and the unit's kernel and input; checks the
output against its hash and the hash against the job's result root, read from the chain here;
checks the kernel and every input piece against their hashes; recomputes the unit on a worker
thread and compares. Prints the verdict. The job's host must be running (a requester page left
open, or \`volunteer-compute host --serve\`).

Exit status: 0 confirmed, 1 rejected (the line says which check failed), 3 the host cannot
serve that unit (not accepted, no result root on chain), 2 a bad command line.

Options:
  --signaling URL     The signaling server (default $SIGNALING_URL, else http://127.0.0.1:9000)
  --host PEER_ID      The job host's peer id (default: the job's listing in the directory)
  --chain URL|FILE    The chain settings (an app's /chain.json); default the CHAIN_* variables,
                      else /chain.json at --site
  --site URL          The app (default port 5173 of the signaling server's host)
  --escrow-job ID     The escrow job (0x and 64 hex digits) the unit must belong to
  --json              The verdict as JSON
  -h, --help          This help
`

/** `volunteer-compute verify <job id> <unit>`: re-verifies one accepted unit. */
export async function verify(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, {
    ...common,
    host: { type: 'string' },
    chain: { type: 'string' },
    site: { type: 'string' },
    'escrow-job': { type: 'string' },
    json: { type: 'boolean' },
  })
  if (values.help) {
    io.out.write(verifyUsage)
    return 0
  }
  if (positionals.length !== 2)
    throw new UsageError('verify takes a job id and a unit index, e.g. `verify my-job-1a2b 7`')
  const [jobId, unitText] = positionals as [string, string]
  const index = Number(unitText)
  if (!/^\d+$/.test(unitText) || !Number.isSafeInteger(index))
    throw new UsageError(`the unit must be a whole number, not '${unitText}'`)
  const chainJobId = values['escrow-job']
  if (chainJobId !== undefined && !/^0x[0-9a-fA-F]{64}$/.test(chainJobId))
    throw new UsageError(`--escrow-job must be 0x and 64 hex digits, not '${chainJobId}'`)
  const signalingUrl = signalingUrlOf(values.signaling, io.env)
  const chain = await chainConfigOf({
    chain: values.chain,
    site: values.site,
    signalingUrl,
    env: io.env,
  })
  const hostPeerId = values.host ?? (await hostOf(jobId, signalingUrl))
  const client = createPublicClient({ transport: http(chain.rpcUrl) })
  const pool = createNodeWorkerPool({ cpuShare: 1, size: 1 })
  const peer = await openNodePeer({ signalingUrl })
  try {
    const link = await connectToJobHost(peer, hostPeerId)
    const verdict = await verifyUnit({
      link,
      index,
      chainJobId: chainJobId as Hex | undefined,
      readEscrowJob: escrowJobReader(client, chain.escrow),
      runner: pool,
    })
    link.close()
    io.out.write(values.json ? `${JSON.stringify(verdict)}\n` : `${describeVerdict(verdict)}\n`)
    return verdict.kind === 'confirmed' ? 0 : verdict.kind === 'rejected' ? 1 : 3
  } finally {
    pool.dispose()
    peer.destroy()
  }
}

async function hostOf(jobId: string, signalingUrl: string): Promise<string> {
  const listings = await new DirectoryClient(signalingUrl).list()
  const listing = listings.find((l) => l.jobId === jobId)
  if (!listing)
    throw new UsageError(
      `no job '${jobId}' is listed at ${signalingUrl}: its host must be running (or give --host)`,
    )
  return listing.hostPeerId
}

/** One line a person reads: the verdict, and what was checked or which check failed. */
export function describeVerdict(verdict: VerifyVerdict): string {
  if (verdict.kind === 'unavailable') return `Unavailable (${verdict.code}): ${verdict.message}`
  const { unit } = verdict
  const where = `unit ${unit.index} of ${unit.name} (${unit.jobId}), escrow job ${unit.chain.chainJobId}`
  if (verdict.kind === 'rejected')
    return `REJECTED (${verdict.reason}) ${where}: ${verdict.message}`
  return `Confirmed ${where}: output ${unit.outputSha256} is under the result root ${unit.root} on chain ${unit.chain.chainId}, and recomputing it here from ${unit.inputBytes} bytes of input gave the same.`
}
