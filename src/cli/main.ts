import { DirectoryClient } from '../directory/DirectoryClient.ts'
import { formatUploadProblems } from '../requester/formatUploadProblems.ts'
import { FundingMismatchError, RewardsOptionError } from '../sdk/errors.ts'
import { hostJob } from './hostJob.ts'
import { hostRewardsOf } from './hostRewards.ts'
import { publishStatus } from './publishStatus.ts'
import { hostSnapshotOf, statusDirOf } from './statusFile.ts'
import { status } from './status.ts'
import { verify } from './verify.ts'
import { volunteer } from './volunteer.ts'
import {
  common,
  defaultSignalingUrl,
  isLoopback,
  parse,
  signalingUrlOf,
  type Io,
} from './commandLine.ts'
import { UsageError } from './UsageError.ts'

/**
 * `volunteer-compute`: the command line of a headless node. Exit codes: 0 done, 1 the job ended
 * with failed units or a command failed, 2 a bad command line or a bad package, 130 stopped by
 * Ctrl-C (the job resumes on the next run).
 */

const usage = `Usage: volunteer-compute <command> [options]

Commands:
  host <folder>   Check a job package folder as the upload page does, host the job over WebRTC
                  from this machine, and write its verified output. Run it again to resume.
  volunteer       Donate this machine's CPU cores to open jobs (WASM kernels) until Ctrl-C.
  jobs            List the open jobs of a signaling server's directory.
  status          What this machine is doing: its running volunteer and host processes.
  verify <job> <unit>
                  Re-verify one accepted unit of a funded job against its result root on chain.

Options for every command:
  --signaling URL   The signaling server (default $SIGNALING_URL, else ${defaultSignalingUrl})
  -h, --help        This help, or a command's with \`volunteer-compute <command> --help\`
`

const hostUsage = `Usage: volunteer-compute host <folder> [options]

The folder holds manifest.json, one .wasm and/or one .wgsl kernel, and the input file if the
job has one (named input or input.<anything>); docs/task-api.md describes them. The job's
units, results and the reputation of its volunteers are kept in a SQLite file: after Ctrl-C or
a crash, the same command resumes the job without losing or recomputing an accepted result.

Options:
  --signaling URL   The signaling server (default $SIGNALING_URL, else ${defaultSignalingUrl})
  --store FILE      The host's store (default <folder>/.volunteer-compute/host.sqlite)
  --output FILE     Where the assembled output goes (default <folder>/output.bin)
  --private-pool    Replicas of a unit may go to volunteers on one network (your own LAN);
                    on by default with a signaling server on loopback
  --uplink N        Caps what this host sends, KiB per second (default no cap): keep it under
                    your connection's upload rate. Volunteers fetch the input's pieces from
                    each other; the host sends only what none of them has.
  --no-swarm        Send the kernel and every unit's input from this host (no pieces between volunteers)
  --serve           Once the output is written, stay up answering \`volunteer-compute verify\`
                    for the job's units until Ctrl-C
  --status-dir DIR  Where this process's status file goes, for \`volunteer-compute status\`
                    (default $VOLUNTEER_COMPUTE_STATUS_DIR, else ~/.volunteer-compute/run)
  -h, --help        This help

Rewards (optional: the job is funded in the escrow before it is listed, and pays volunteers
that bind a wallet in vouchers; its result root is recorded on chain when it completes):
  --reward-per-unit AMOUNT  Tokens (decimal, e.g. 0.5) each agreeing volunteer earns per
                    accepted unit; the job costs AMOUNT × units × quorum
  --key-file FILE   The requester's private key (hex) in a file only you may read (chmod 600);
                    default $REQUESTER_WALLET_KEY. The key is never printed
  --chain URL|FILE  An app's chain.json (default: the CHAIN_RPC_URL, CHAIN_ID, TOKEN_ADDRESS,
                    ESCROW_ADDRESS… variables if set, else <site>/chain.json)
  --site URL        The app volunteers bind their wallets for (default port 5173 of the
                    signaling server's host, as npm start serves it)
  --funding-days N  How long the vouchers pay (default 7)
  A resumed job keeps its funding; run it again with the same key and chain.

Examples:
  volunteer-compute host examples/monte-carlo-pi --signaling http://127.0.0.1:9000
  REQUESTER_WALLET_KEY=0x… volunteer-compute host examples/monte-carlo-pi --reward-per-unit 1
`

const jobsUsage = `Usage: volunteer-compute jobs [options]

Lists the open jobs: id, name, kernels, units done of total, and results per accepted unit.

Options:
  --signaling URL   The signaling server (default $SIGNALING_URL, else ${defaultSignalingUrl})
  --json            The directory's listings as JSON
  -h, --help        This help
`

/** Runs one command line; resolves to the process's exit code. */
export async function main(argv: string[], io: Io): Promise<number> {
  try {
    return await run(argv, io)
  } catch (error) {
    if (error instanceof UsageError) {
      io.err.write(`volunteer-compute: ${error.shortMessage}\nTry 'volunteer-compute --help'.\n`)
      return 2
    }
    io.err.write(`volunteer-compute: ${error instanceof Error ? error.message : String(error)}\n`)
    return 1
  }
}

async function run(argv: string[], io: Io): Promise<number> {
  const [command, ...rest] = argv
  if (command === undefined || command === '-h' || command === '--help') {
    io.out.write(usage)
    return command === undefined ? 2 : 0
  }
  switch (command) {
    case 'host':
      return host(rest, io)
    case 'jobs':
      return jobs(rest, io)
    case 'volunteer':
      return volunteer(rest, io)
    case 'status':
      return status(rest, io)
    case 'verify':
      return verify(rest, io)
    default:
      throw new UsageError(`unknown command '${command}'`)
  }
}

async function host(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, {
    ...common,
    store: { type: 'string' },
    output: { type: 'string' },
    'private-pool': { type: 'boolean' },
    uplink: { type: 'string' },
    'no-swarm': { type: 'boolean' },
    serve: { type: 'boolean' },
    'status-dir': { type: 'string' },
    'reward-per-unit': { type: 'string' },
    'key-file': { type: 'string' },
    chain: { type: 'string' },
    site: { type: 'string' },
    'funding-days': { type: 'string' },
  })
  if (values.help) {
    io.out.write(hostUsage)
    return 0
  }
  if (positionals.length !== 1)
    throw new UsageError(
      positionals.length
        ? `host takes one folder, not ${positionals.length}`
        : 'host needs a job package folder',
    )
  const statusDir = statusDirOf(values['status-dir'], io.env)
  const signalingUrl = signalingUrlOf(values.signaling, io.env)
  const uplinkKiBps = values.uplink === undefined ? undefined : Number(values.uplink)
  if (uplinkKiBps !== undefined && !(Number.isFinite(uplinkKiBps) && uplinkKiBps >= 16))
    throw new UsageError(
      `--uplink must be a number of KiB per second, at least 16, not '${values.uplink}'`,
    )
  const rewards = await hostRewardsOf({
    rewardPerUnit: values['reward-per-unit'],
    keyFile: values['key-file'],
    chain: values.chain,
    site: values.site,
    fundingDays: values['funding-days'],
    signalingUrl,
    env: io.env,
  })
  let stopPublishing: (() => Promise<void>) | undefined
  let statusFailed = false
  const result = await hostJob({
    folder: positionals[0]!,
    signalingUrl,
    storeFile: values.store,
    rewards,
    outputFile: values.output,
    // On a loopback signaling server every volunteer is on this machine's network.
    privatePool: values['private-pool'] ?? isLoopback(signalingUrlOf(values.signaling, io.env)),
    ...(uplinkKiBps !== undefined && { uplinkBytesPerSecond: uplinkKiBps * 1024 }),
    swarm: values['no-swarm'] !== true,
    serve: values.serve === true,
    out: io.out,
    err: io.err,
    ...(io.signal && { signal: io.signal }),
    onJob: (job) => {
      stopPublishing = publishStatus({
        dir: statusDir,
        snapshot: () => hostSnapshotOf({ jobId: job.id, name: job.name }, job.progress),
        onError: (error) => {
          if (statusFailed) return
          statusFailed = true
          io.err.write(
            `Could not write the status file in ${statusDir} (${error instanceof Error ? error.message : String(error)}); hosting goes on.\n`,
          )
        },
      })
    },
  })
    .catch((error: unknown) => {
      // The command line did not fit the stored job, or asked for an impossible reward.
      if (error instanceof FundingMismatchError || error instanceof RewardsOptionError)
        throw new UsageError(error.shortMessage)
      throw error
    })
    .finally(() => stopPublishing?.())
  switch (result.kind) {
    case 'problems':
      io.err.write(`${formatUploadProblems(result.problems)}\n`)
      return 2
    case 'stopped':
      return 130
    case 'failed-units':
      io.err.write(
        `${result.failures.length} units failed, so there is no assembled output:\n${result.failures
          .slice(0, 20)
          .map((f) => `  - unit ${f.index}: ${f.reason}`)
          .join('\n')}\n`,
      )
      return 1
    case 'complete':
      io.out.write(`Output: ${result.outputFile} (SHA-256 ${result.sha256})\n`)
      return 0
  }
}

async function jobs(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, { ...common, json: { type: 'boolean' } })
  if (values.help) {
    io.out.write(jobsUsage)
    return 0
  }
  if (positionals.length) throw new UsageError(`jobs takes no arguments, got '${positionals[0]}'`)
  const listings = await new DirectoryClient(signalingUrlOf(values.signaling, io.env)).list()
  if (values.json) {
    io.out.write(`${JSON.stringify(listings, null, 2)}\n`)
    return 0
  }
  if (!listings.length) {
    io.out.write('No open jobs.\n')
    return 0
  }
  for (const listing of listings)
    io.out.write(
      `${listing.jobId}  ${listing.name}  [${listing.kernelKinds.join(', ')}]  ${listing.unitsDone}/${listing.unitsTotal} units${listing.verification ? `  ${listing.verification.resultsPerUnit} results per unit` : ''}\n`,
    )
  return 0
}
