import os from 'node:os'
import path from 'node:path'
import { openNodePeer } from '../node/openNodePeer.ts'
import { startNodeVolunteer } from '../node/startNodeVolunteer.ts'
import type { VolunteerState } from '../volunteer/VolunteerClient.ts'
import { common, parse, signalingUrlOf, type Io } from './commandLine.ts'
import { UsageError } from './UsageError.ts'
import { withBackoff } from '../p2p/withBackoff.ts'

const volunteerUsage = `Usage: volunteer-compute volunteer [options]

Donates this machine to open jobs until Ctrl-C: WASM kernels on worker threads, one per core,
at the CPU share you set. Hosts know the machine by an identity key kept in a file, so the
trust it earns carries over from run to run; a new key starts with none.

Options:
  --signaling URL     The signaling server (default $SIGNALING_URL, else http://127.0.0.1:9000)
  --identity FILE     The identity key (default ~/.volunteer-compute/identity.json)
  --cpu-share N       Share of each thread's time spent computing, 0.1 to 1 (default 0.5)
  --threads N         Compute threads (default: one per core, ${os.availableParallelism()} here)
  --job ID            Only this job
  -h, --help          This help
`

const statusText: Record<VolunteerState['status'], string> = {
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

  const started = await startNodeVolunteer({
    signalingUrl,
    identityFile,
    cpuShare,
    threads,
    jobId: values.job,
    openPeer: (url) =>
      withBackoff(() => openNodePeer({ signalingUrl: url }), {
        onRetry: (error, delayMs) =>
          io.err.write(
            `Signaling server ${url} unreachable (${error instanceof Error ? error.message : String(error)}); retrying in ${delayMs / 1000} s.\n`,
          ),
      }),
  })
  io.err.write(
    [
      `Identity ${started.identity.id} (${identityFile})${started.identity.created ? ': new, so no host trusts it yet' : ''}`,
      `WASM: ${started.pool.size} threads at ${Math.round(cpuShare * 100)}% CPU share, ${started.gflops.toFixed(1)} GFLOPS`,
      `WGSL: ${started.gpuUnavailable}`,
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
  await new Promise<void>((resolve) => {
    if (io.signal?.aborted) return resolve()
    io.signal?.addEventListener('abort', () => resolve(), { once: true })
  })
  unsubscribe()
  started.stop()
  io.err.write(`Stopped after ${started.client.state.unitsDone} units.\n`)
  return 0
}

function numberFlag(name: string, text: string, min: number, max: number): number {
  const value = Number(text)
  if (!Number.isFinite(value) || value < min || value > max)
    throw new UsageError(`${name} must be a number from ${min} to ${max}, not '${text}'`)
  return value
}
