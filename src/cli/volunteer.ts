import os from 'node:os'
import path from 'node:path'
import { createKeyWallet, WalletKeyError, type KeyWallet } from '../node/createKeyWallet.ts'
import { FilePieceCache } from '../node/FilePieceCache.ts'
import { FileVoucherStore } from '../node/FileVoucherStore.ts'
import { openNodePeer } from '../node/openNodePeer.ts'
import { startNodeVolunteer } from '../node/startNodeVolunteer.ts'
import type { VolunteerState } from '../volunteer/VolunteerClient.ts'
import type { GpuAdapterDescription } from '../workers/webgpu/requestComputeDevice.ts'
import { common, parse, signalingUrlOf, type Io } from './commandLine.ts'
import { publishStatus } from './publishStatus.ts'
import { defaultStatusDir, statusDirOf } from './statusFile.ts'
import { UsageError } from './UsageError.ts'
import { withBackoff } from '../p2p/withBackoff.ts'

const volunteerUsage = `Usage: volunteer-compute volunteer [options]

Donates this machine to open jobs until Ctrl-C: WASM kernels on worker threads, one per core,
at the CPU share you set, and WGSL kernels through Dawn (the optional npm package webgpu) where
it finds a GPU adapter. A software adapter (Mesa's llvmpipe on a machine without a GPU) takes
only jobs that have no WASM kernel. Hosts know the machine by an identity key kept in a file,
so the trust it earns carries over from run to run; a new key starts with none.

Options:
  --signaling URL     The signaling server (default $SIGNALING_URL, else http://127.0.0.1:9000)
  --identity FILE     The identity key (default ~/.volunteer-compute/identity.json)
  --cpu-share N       Share of each thread's time spent computing, 0.1 to 1 (default 0.5)
  --threads N         Compute threads (default: one per core, ${os.availableParallelism()} here)
  --job ID            Only this job
  --no-gpu            WASM kernels only: do not start Dawn
  --upload-share N    KiB per second it may send job data it holds to other volunteers, so
                      that requesters' connections carry less; 0 turns it off (default 512)
  --piece-cache DIR   Where job data pieces are kept across runs (default pieces/ beside the
                      identity file)
  --piece-cache-mb N  What the pieces may take on disk, MiB (default 1024)
  --site URL          The app whose job hosts pay rewards, named in the wallet binding (default
                      $VOLUNTEER_SITE, else port 5173 of the signaling server's host)
  --status-dir DIR    Where \`volunteer-compute status\` finds this process (default
                      $VOLUNTEER_COMPUTE_STATUS_DIR, else ${defaultStatusDir})
  -h, --help          This help

Environment:
  VOLUNTEER_WALLET_KEY  A wallet's private key (0x and 64 hex digits). Hosts of jobs with
                        rewards then pay this wallet: the volunteer signs their binding request
                        with it, and keeps their vouchers in vouchers.json beside the identity
                        file. Without it, it computes unpaid. Never given as a flag, so it does
                        not show in the process list.
`

export const statusText: Record<VolunteerState['status'], string> = {
  idle: 'starting',
  searching: 'looking for a job',
  connecting: 'connecting to the job host',
  running: 'computing',
  waiting: 'waiting for work',
  stopped: 'stopped',
}

/** `volunteer-compute volunteer`: runs a headless volunteer until `io.signal` aborts. */
export async function volunteer(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, {
    ...common,
    identity: { type: 'string' },
    'cpu-share': { type: 'string' },
    threads: { type: 'string' },
    job: { type: 'string' },
    'no-gpu': { type: 'boolean' },
    'upload-share': { type: 'string' },
    'piece-cache': { type: 'string' },
    'piece-cache-mb': { type: 'string' },
    site: { type: 'string' },
    'status-dir': { type: 'string' },
  })
  if (values.help) {
    io.out.write(volunteerUsage)
    return 0
  }
  if (positionals.length)
    throw new UsageError(`volunteer takes no arguments, got '${positionals[0]}'`)
  const cpuShare = numberFlag('--cpu-share', values['cpu-share'] ?? '0.5', 0.1, 1)
  const threads =
    values.threads === undefined ? undefined : numberFlag('--threads', values.threads, 1, 256)
  if (threads !== undefined && !Number.isInteger(threads))
    throw new UsageError(`--threads must be a whole number, not '${values.threads}'`)
  const signalingUrl = signalingUrlOf(values.signaling, io.env)
  const identityFile =
    values.identity ?? path.join(os.homedir(), '.volunteer-compute', 'identity.json')
  const wallet = walletOf(io.env.VOLUNTEER_WALLET_KEY, siteUrlOf(values.site, io.env, signalingUrl))
  const vouchersFile = path.join(path.dirname(identityFile), 'vouchers.json')
  const uploadKiBps = numberFlag('--upload-share', values['upload-share'] ?? '512', 0, 1_048_576)
  const cacheMiB = numberFlag('--piece-cache-mb', values['piece-cache-mb'] ?? '1024', 0, 1_048_576)
  const cacheDir = values['piece-cache'] ?? path.join(path.dirname(identityFile), 'pieces')
  const pieceCache = await FilePieceCache.open({
    dir: cacheDir,
    budgetBytes: Math.floor(cacheMiB * 1024 * 1024),
  })

  const started = await startNodeVolunteer({
    signalingUrl,
    identityFile,
    cpuShare,
    threads,
    useGpu: values['no-gpu'] !== true,
    jobId: values.job,
    pieceCache,
    uploadBytesPerSecond: Math.floor(uploadKiBps * 1024),
    ...(wallet && { wallet: wallet.forPeer, vouchers: new FileVoucherStore(vouchersFile) }),
    openPeer: (url) =>
      withBackoff(() => openNodePeer({ signalingUrl: url }), {
        onRetry: (error, delayMs) =>
          io.err.write(
            `Signaling server ${url} unreachable (${error instanceof Error ? error.message : String(error)}); retrying in ${delayMs / 1000} s.\n`,
          ),
      }),
    onSignaling: (event) => {
      if (event.kind === 'lost')
        io.err.write(
          `Lost the signaling server ${signalingUrl}; reconnecting. Jobs joined go on.\n`,
        )
      else if (event.kind === 'back')
        io.err.write(`Back on the signaling server ${signalingUrl}.\n`)
    },
  })
  io.err.write(
    [
      `Identity ${started.identity.id} (${identityFile})${started.identity.created ? ': new, so no host trusts it yet' : ''}`,
      `WASM: ${started.pool.size} threads at ${Math.round(cpuShare * 100)}% CPU share, ${started.gflops.toFixed(1)} GFLOPS`,
      `WGSL: ${started.gpu ? describeGpu(started.gpu.adapter, started.gpuGflops ?? 0) : started.gpuUnavailable}`,
      wallet
        ? `Wallet ${wallet.address} (VOLUNTEER_WALLET_KEY): rewards of jobs that pay them; vouchers in ${vouchersFile}`
        : 'No wallet (VOLUNTEER_WALLET_KEY): computing unpaid',
      `Job data: pieces kept in ${cacheDir} (up to ${cacheMiB} MiB); ${uploadKiBps > 0 ? `serves them to other volunteers at up to ${uploadKiBps} KiB/s` : 'serves none to other volunteers (--upload-share 0)'}`,
      `Signaling server ${signalingUrl}; Ctrl-C stops.`,
      '',
    ].join('\n'),
  )
  let last = ''
  const print = (state: VolunteerState) => {
    const line = [
      statusText[state.status],
      ...(state.job ? [`${state.job.name} (${state.job.jobId})`] : []),
      `${state.unitsDone} units done`,
      `${state.credit} credited`,
      ...(state.notice ? [state.notice] : []),
    ].join(' · ')
    if (line === last) return
    last = line
    io.out.write(`${line}\n`)
  }
  print(started.client.state)
  const unsubscribe = started.client.onChange(print)
  const statusDir = statusDirOf(values['status-dir'], io.env)
  const stopPublishing = publishStatus({
    dir: statusDir,
    snapshot: () => {
      const state = started.client.state
      return {
        kind: 'volunteer',
        state: state.status,
        ...(state.job && { job: { jobId: state.job.jobId, name: state.job.name } }),
        unitsDone: state.unitsDone,
        credit: state.credit,
        threads: started.pool.size,
        cpuShare,
        engines: started.gpu ? ['wasm', 'webgpu'] : ['wasm'],
        ...(wallet && { wallet: wallet.address }),
      }
    },
    onError: once((error) =>
      io.err.write(
        `Cannot write this process's status file in ${statusDir} (${error instanceof Error ? error.message : String(error)}); \`volunteer-compute status\` will not show it.\n`,
      ),
    ),
  })
  await new Promise<void>((resolve) => {
    if (io.signal?.aborted) return resolve()
    io.signal?.addEventListener('abort', () => resolve(), { once: true })
  })
  unsubscribe()
  await stopPublishing()
  started.stop()
  io.err.write(`Stopped after ${started.client.state.unitsDone} units.\n`)
  return 0
}

/** The wallet of `VOLUNTEER_WALLET_KEY`, if set; a bad key is a usage error (exit 2). */
function walletOf(key: string | undefined, siteUrl: string): KeyWallet | undefined {
  if (key === undefined || key === '') return undefined
  try {
    return createKeyWallet({ privateKey: key, source: 'VOLUNTEER_WALLET_KEY', siteUrl })
  } catch (error) {
    if (error instanceof WalletKeyError) throw new UsageError(error.shortMessage)
    throw error
  }
}

/** `--site`, else `$VOLUNTEER_SITE`, else port 5173 of the signaling server's host (`npm start`). */
function siteUrlOf(flag: string | undefined, env: NodeJS.ProcessEnv, signalingUrl: string) {
  const signaling = new URL(signalingUrl)
  const url = flag ?? env.VOLUNTEER_SITE ?? `${signaling.protocol}//${signaling.hostname}:5173`
  try {
    const parsed = new URL(url)
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error()
  } catch {
    throw new UsageError(`--site must be an http(s) URL, not '${url}'`)
  }
  return url
}

function once(report: (error: unknown) => void): (error: unknown) => void {
  let reported = false
  return (error) => {
    if (reported) return
    reported = true
    report(error)
  }
}

function describeGpu(adapter: GpuAdapterDescription, gflops: number): string {
  const name = [adapter.vendor, adapter.device || adapter.architecture, adapter.description]
    .filter(Boolean)
    .join(', ')
  const software = adapter.isFallbackAdapter
    ? ': a software adapter, for jobs with no WASM kernel only'
    : ''
  return `Dawn on ${name}, ${gflops.toFixed(1)} GFLOPS${software}`
}

function numberFlag(name: string, text: string, min: number, max: number): number {
  const value = Number(text)
  if (!Number.isFinite(value) || value < min || value > max)
    throw new UsageError(`${name} must be a number from ${min} to ${max}, not '${text}'`)
  return value
}
