import type { LatencyResult, MeasureLatencyReturnType } from './measureLatency.ts'
import type { MeasureNodesReturnType } from './measureNodes.ts'
import type { MeasureRegistrationsReturnType } from './measureRegistrations.ts'
import type { RelayResult } from './measureRelay.ts'
import { serverLabels } from './startServer.ts'
import type { ServerKind } from './startServer.ts'
import { median } from './statistics.ts'

export type SignalingBenchResults = {
  registrations?: MeasureRegistrationsReturnType | undefined
  relay?: RelayResult[] | undefined
  latency?: MeasureLatencyReturnType | undefined
  nodes?: MeasureNodesReturnType | undefined
}

export type SignalingBenchSettings = {
  runs: number
  kinds: ServerKind[]
  step: number
  maxPeers: number
  relaySeconds: number
  latency: { pairs: number[]; samples: number }
  nodesBatch: number
}

const whole = (value: number) => Math.round(value).toLocaleString('en-US')
const fixed = (value: number, digits = 2) => value.toFixed(digits)
const status = (met: boolean) => (met ? 'met' : '**not met**')
const label = (kind: ServerKind) => serverLabels[kind]
const sum = (values: Iterable<number>) => [...values].reduce((total, n) => total + n, 0)

/**
 * The signaling bench's markdown, after its header: a section per measurement that ran, then
 * the goals, each met or not with the figures.
 *
 * @example
 * console.log(formatReport(results, settings).join('\n'))
 */
export function formatReport(
  results: SignalingBenchResults,
  settings: SignalingBenchSettings,
): string[] {
  const lines: string[] = []
  const goals: string[][] = []
  if (results.registrations) registrations(results.registrations, settings, lines, goals)
  if (results.relay) relay(results.relay, settings, lines, goals)
  if (results.latency) latency(results.latency, settings, lines, goals)
  if (results.nodes) nodes(results.nodes, settings, lines, goals)
  lines.push(
    '### Goals',
    '',
    '| goal | measured | status |',
    '| --- | --- | --- |',
    ...goals.map((goal) => `| ${goal.join(' | ')} |`),
  )
  return lines
}

function registrations(
  { sweeps, lost }: MeasureRegistrationsReturnType,
  { kinds, step }: SignalingBenchSettings,
  lines: string[],
  goals: string[][],
) {
  const byKind = new Map(sweeps.map((sweep) => [sweep.kind, sweep]))
  const steps = byKind.get(kinds[0]!)!.steps.length
  lines.push(
    `### Registrations per second against peers held (steps of ${whole(step)})`,
    '',
    'Wall time from the first WebSocket handshake of a step to the last OPEN. In brackets: the server’s CPU ms per registration (+ Redis’s, for ours on Redis).',
    '',
    `| peers held | ${kinds.map(label).join(' | ')} | ours / PeerServer |`,
    `| ---: | ${kinds.map(() => '---:').join(' | ')} | ---: |`,
  )
  const ratios: number[] = []
  for (let i = 0; i < steps; i += 1) {
    const cells = kinds.map((kind) => {
      const s = byKind.get(kind)!.steps[i]!
      const cpu =
        s.redisCpuMs > 0 ? `${fixed(s.cpuMs, 3)} + ${fixed(s.redisCpuMs, 3)}` : fixed(s.cpuMs, 3)
      const refused = sum(Object.values(s.refused))
      return `${whole(s.perSecond)} (${cpu})${refused ? `, ${refused} refused` : ''}`
    })
    const ratio =
      byKind.get('ours')!.steps[i]!.perSecond / byKind.get('peerjs')!.steps[i]!.perSecond
    ratios.push(ratio)
    lines.push(
      `| ${whole(byKind.get('ours')!.steps[i]!.held)} | ${cells.join(' | ')} | ${fixed(ratio)} |`,
    )
  }
  lines.push(
    '',
    `ours / PeerServer ${fixed(median(ratios))} (median of per-step ratios)${lost ? `; ${lost} held peers were closed by their server` : ''}`,
    '',
    '### Memory per idle peer',
    '',
    'RSS and heap after two forced GCs and a settling pause, at every step; per peer: the least-squares slope over the steps.',
    '',
    '| server | RSS, no peers | RSS, most peers | RSS per peer | heap per peer |',
    '| --- | ---: | ---: | ---: | ---: |',
  )
  for (const kind of kinds) {
    const sweep = byKind.get(kind)!
    const last = sweep.steps.at(-1)!
    lines.push(
      `| ${label(kind)} | ${fixed(sweep.baseline.rssBytes / 2 ** 20, 1)} MiB | ${fixed(last.usage.rssBytes / 2 ** 20, 1)} MiB (${whole(last.held)}) | ${whole(sweep.rssBytesPerPeer)} B | ${whole(sweep.heapBytesPerPeer)} B |`,
    )
  }
  lines.push('')
  for (const kind of ['ours', 'ours-redis'] as const) {
    const rates = byKind.get(kind)!.steps.map((s) => s.perSecond)
    const quarter = Math.max(1, Math.floor(rates.length / 4))
    const flat = median(rates.slice(-quarter)) / median(rates.slice(0, quarter))
    const cliff = Math.min(...rates) / median(rates)
    const cpu = median(byKind.get(kind)!.steps.map((s) => s.cpuMs + s.redisCpuMs))
    goals.push([
      `registrations ≥ 2,500/s, flat, no cliff (${label(kind)})`,
      `median ${whole(median(rates))}/s (${whole(Math.min(...rates))}–${whole(Math.max(...rates))}); last quarter of the steps / first quarter ${fixed(flat)}; slowest step / median ${fixed(cliff)}; ${fixed(cpu, 3)} CPU ms each, ${whole(1000 / cpu)} per CPU second`,
      status(median(rates) >= 2500 && flat >= 0.8 && cliff >= 0.5),
    ])
  }
  goals.push([
    'RSS per idle peer ≤ 6 KB (6,144 B), ours one node',
    `${whole(byKind.get('ours')!.rssBytesPerPeer)} B (--redis ${whole(byKind.get('ours-redis')!.rssBytesPerPeer)} B; PeerServer ${whole(byKind.get('peerjs')!.rssBytesPerPeer)} B)`,
    status(byKind.get('ours')!.rssBytesPerPeer <= 6144),
  ])
}

function relay(
  results: RelayResult[],
  { kinds, runs, relaySeconds }: SignalingBenchSettings,
  lines: string[],
  goals: string[][],
) {
  const frameBytes = median(
    results.flatMap(({ samples }) => [...samples.values()].flat().map((s) => s.meanFrameBytes)),
  )
  lines.push(
    '### Relay: OFFER and CANDIDATE frames per second of server CPU',
    '',
    `Pairs of peers on one server, each peer keeping a window of frames in flight to its partner (an OFFER, then 4 CANDIDATE, over and over; ${whole(frameBytes)} B a relayed frame on average), ${relaySeconds} s, then every frame waited for. CPU: the server process, all threads, user and system (+ Redis, for ours on Redis). Median of ${runs} runs.`,
    '',
    '| load | server | frames/s | min–max | frames per CPU second | min–max | kernel share | faults |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  )
  for (const { load, samples } of results)
    for (const kind of kinds) {
      const runsOf = samples.get(kind)!
      const wall = runsOf.map((s) => s.perSecond)
      const cpu = runsOf.map((s) => s.perCpuSecond)
      lines.push(
        `| ${load.pairs} pairs × ${load.window} in flight | ${label(kind)} | ${whole(median(wall))} | ${whole(Math.min(...wall))}–${whole(Math.max(...wall))} | ${whole(median(cpu))} | ${whole(Math.min(...cpu))}–${whole(Math.max(...cpu))} | ${fixed(median(runsOf.map((s) => s.systemShare)) * 100, 0)}% | ${sum(runsOf.map((s) => s.faults))} |`,
      )
    }
  lines.push('')
  for (const { load, samples } of results) {
    const ratio = median(
      samples.get('ours')!.map((s, i) => s.perCpuSecond / samples.get('peerjs')![i]!.perCpuSecond),
    )
    lines.push(
      `- ${load.pairs} pairs × ${load.window}: ours / PeerServer per CPU second ${fixed(ratio)} (median of per-run ratios)`,
    )
  }
  lines.push('')
  const cpuOf = (samples: RelayResult['samples'], kind: ServerKind) =>
    median(samples.get(kind)!.map((s) => s.perCpuSecond))
  for (const { load, samples } of results)
    goals.push([
      `relayed frames ≥ 60,000 per CPU second, ours one node (${load.pairs} pairs × ${load.window} in flight)`,
      `${whole(cpuOf(samples, 'ours'))} (--redis ${whole(cpuOf(samples, 'ours-redis'))}; PeerServer ${whole(cpuOf(samples, 'peerjs'))})`,
      status(cpuOf(samples, 'ours') >= 60_000),
    ])
}

function latency(
  { byPairs, redisRoundTrip }: MeasureLatencyReturnType,
  { runs, latency: { samples } }: SignalingBenchSettings,
  lines: string[],
  goals: string[][],
) {
  const cell = (runsOf: LatencyResult['same'], key: 'p50' | 'p95' | 'p99') =>
    fixed(median(runsOf.map((s) => s[key])), 3)
  lines.push(
    '### Offer→answer round trip, two nodes on one Redis',
    '',
    `Each pair times one OFFER at a time, answered with ANSWER on receipt; ${whole(samples)} round trips per run; same node: both peers on node 1; cross-node: the answerer on node 2. Medians of ${runs} runs, ms.`,
    '',
    '| pairs at once | | p50 | p95 | p99 | cross / same p95 |',
    '| ---: | --- | ---: | ---: | ---: | ---: |',
  )
  for (const { pairs, same, cross } of byPairs) {
    const ratio = median(cross.map((s, i) => s.p95 / same[i]!.p95))
    lines.push(
      `| ${pairs} | same node | ${cell(same, 'p50')} | ${cell(same, 'p95')} | ${cell(same, 'p99')} | |`,
      `| ${pairs} | cross-node | ${cell(cross, 'p50')} | ${cell(cross, 'p95')} | ${cell(cross, 'p99')} | ${fixed(ratio)} |`,
    )
    goals.push([
      `cross-node p95 ≤ 2× same-node p95 (${pairs} pair${pairs > 1 ? 's' : ''} at once)`,
      `${fixed(ratio)}× (${cell(cross, 'p95')} against ${cell(same, 'p95')} ms; median of per-run ratios)`,
      status(ratio <= 2),
    ])
  }
  lines.push(
    '',
    `Without the WebSockets and the nodes: 1,000 B to another process through Redis’s sharded pub/sub and back (SPUBLISH to its SSUBSCRIBE, which publishes it back), one at a time, as a cross-node offer and answer go: p50 ${fixed(redisRoundTrip.p50, 3)} ms, p95 ${fixed(redisRoundTrip.p95, 3)} ms, p99 ${fixed(redisRoundTrip.p99, 3)} ms.`,
    '',
  )
}

function nodes(
  { phases, crossWhileFull, throughput, perNodeCap }: MeasureNodesReturnType,
  { maxPeers, nodesBatch }: SignalingBenchSettings,
  lines: string[],
  goals: string[][],
) {
  lines.push(
    '### Nodes on one machine',
    '',
    `Three nodes of ours on one Redis, each \`--max-peers ${whole(perNodeCap)}\`; each filled in turn with ${whole(maxPeers)} peers while the others keep theirs.`,
    '',
    '| nodes | peers held | registrations/s (to the newest node) | refused |',
    '| ---: | ---: | ---: | ---: |',
    ...phases.map(
      (p) =>
        `| ${p.nodes} | ${whole(p.held)} | ${whole(p.perSecond)} | ${sum(Object.values(p.refused))} |`,
    ),
    '',
    `With all ${whole(phases.at(-1)!.held)} held, a cross-node OFFER→ANSWER took p50 ${fixed(crossWhileFull.p50, 3)} ms, p95 ${fixed(crossWhileFull.p95, 3)} ms (${crossWhileFull.samples} round trips).`,
    '',
  )
  const one = throughput.map((trials) => trials.find((t) => t.nodes === 1)!)
  const three = throughput.map((trials) => trials.find((t) => t.nodes === 3)!)
  const ratio = median(one.map((t, i) => three[i]!.perSecond / t.perSecond))
  lines.push(
    `Registration throughput, ${whole(nodesBatch)} registrations to one node against the same spread over three, alternating (CPU: every node’s and Redis’s): one node ${whole(median(one.map((t) => t.perSecond)))}/s (${fixed(median(one.map((t) => t.cpuMs)), 3)} CPU ms each), three nodes ${whole(median(three.map((t) => t.perSecond)))}/s (${fixed(median(three.map((t) => t.cpuMs)), 3)} CPU ms each); three / one ${fixed(ratio)} (median of per-run ratios).`,
    '',
  )
  const held = phases.map((p) => p.held)
  goals.push(
    [
      '3 nodes hold ≥ 2.5× the peers of one, at the same per-node cap',
      `${fixed(held[2]! / held[0]!)}× (${whole(held[2]!)} against ${whole(held[0]!)})`,
      status(held[2]! / held[0]! >= 2.5),
    ],
    ['(the same in registrations/s: 3 nodes ≥ 2.5× one)', `${fixed(ratio)}×`, status(ratio >= 2.5)],
  )
}
