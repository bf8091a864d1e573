import { originKeyOf } from './originKeyOf.ts'

export type CandidateType = 'host' | 'srflx' | 'prflx' | 'relay'

export type RemoteOrigin = {
  /**
   * The origin to keep replicas apart by: `ip4:a.b.c` or `ip6:xxxx:xxxx:xxxx` (see
   * {@link originKeyOf}), `relay:` and the TURN server's origin, or `hidden`.
   */
  key: string
  /** The remote candidate's address as the stats report it, when they report one. */
  address?: string
  candidateType?: CandidateType
  /** Whether `key` is the volunteer's own network; false for `relay:` and `hidden`. */
  visible: boolean
}

export type RemoteOriginParameters = {
  /** How long to wait for a selected candidate pair to be reported. Default 2000 ms. */
  timeoutMs?: number
  /** How often to ask for stats meanwhile. Default 100 ms. */
  intervalMs?: number
}

/** A stats dictionary, read loosely: implementations (browsers, Node's WebRTC) differ. */
type Stats = Record<string, unknown>

/**
 * The network origin of a connection's remote end, as this side sees it in the WebRTC stats of
 * the selected candidate pair: the job host calls it on each volunteer's connection so that two
 * replicas of one unit never go to one origin.
 *
 * What the host cannot see: through a TURN relay (remote candidate of type `relay`) the address
 * is the relay's, not the volunteer's, so every volunteer behind one relay shares the key
 * `relay:<relay's origin>`, which is conservative (they are kept apart even if unrelated). On a
 * LAN, browsers announce host candidates as mDNS names (`<uuid>.local`) and do not report the
 * address behind them, and some report no address for a peer-reflexive candidate: the key is
 * then `hidden`. If no selected pair is reported within `timeoutMs` (a closed connection, or
 * stats that never name one), the key is also `hidden`. Rejects if `getStats` does.
 *
 * @example
 * const origin = await remoteOrigin(connection.peerConnection) // { key: 'ip4:203.0.113', candidateType: 'srflx', visible: true, ... }
 */
export async function remoteOrigin(
  pc: Pick<RTCPeerConnection, 'getStats'>,
  parameters: RemoteOriginParameters = {},
): Promise<RemoteOrigin> {
  const { timeoutMs = 2000, intervalMs = 100 } = parameters
  const deadline = Date.now() + timeoutMs
  // The selected pair is reported a little after the data channel opens, not always at once.
  for (;;) {
    const candidate = remoteCandidateOf(await pc.getStats())
    if (candidate) return originOf(candidate)
    if (Date.now() >= deadline) return { key: 'hidden', visible: false }
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
  }
}

function originOf(candidate: Stats): RemoteOrigin {
  const reported = [candidate.address, candidate.ip].find(
    (value): value is string => typeof value === 'string' && value !== '',
  )
  const candidateType = candidateTypeOf(candidate.candidateType)
  const known = {
    ...(reported === undefined ? {} : { address: reported }),
    ...(candidateType === undefined ? {} : { candidateType }),
  }
  const key = reported === undefined ? undefined : originKeyOf(reported)
  if (key === undefined) return { key: 'hidden', ...known, visible: false }
  if (candidateType === 'relay') return { key: `relay:${key}`, ...known, visible: false }
  return { key, ...known, visible: true }
}

function candidateTypeOf(value: unknown): CandidateType | undefined {
  return value === 'host' || value === 'srflx' || value === 'prflx' || value === 'relay'
    ? value
    : undefined
}

/** The remote candidate of the selected pair, or undefined while none is reported. */
function remoteCandidateOf(report: RTCStatsReport): Stats | undefined {
  const entries = [...(report.values() as Iterable<Stats>)]
  const byId = (id: unknown): Stats | undefined =>
    typeof id === 'string' ? (report.get(id) as Stats | undefined) : undefined
  // The standard way is the transport's selectedCandidatePairId; Firefox marks the pair
  // `selected`; otherwise the nominated pair whose checks succeeded is the one in use.
  const pair =
    entries
      .filter((stats) => stats.type === 'transport')
      .map((transport) => byId(transport.selectedCandidatePairId))
      .find((found) => found !== undefined) ??
    entries.find((stats) => stats.type === 'candidate-pair' && stats.selected === true) ??
    entries.find(
      (stats) =>
        stats.type === 'candidate-pair' && stats.nominated === true && stats.state === 'succeeded',
    )
  return byId(pair?.remoteCandidateId)
}
