import type { DataConnection, Peer } from 'peerjs'
import { PeerSetupError } from './PeerSetupError.ts'

export type OpenPeerParameters = {
  /** The signaling server, e.g. `http://127.0.0.1:9000`; PeerServer lives under `/peerjs`. */
  signalingUrl: string
  /** ICE servers for NAT traversal; none on a local network. */
  iceServers?: RTCIceServer[]
  timeoutMs?: number
}

/**
 * Registers with the signaling server; resolves with the peer once it has an id. In Node, call
 * `openNodePeer` (`src/node/`), which installs the globals PeerJS needs first.
 */
export async function openPeer({
  signalingUrl,
  iceServers = [],
  timeoutMs = 10_000,
}: OpenPeerParameters): Promise<Peer> {
  const url = new URL(signalingUrl)
  const secure = url.protocol === 'https:'
  const PeerClass = await importPeerClass()
  const peer = new PeerClass({
    // peerjs's own token is Math.random(); this one proves the peer's ownership of its id when
    // it lists a job, so it comes from the platform's random source.
    token: randomToken(),
    host: url.hostname,
    port: Number(url.port || (secure ? 443 : 80)),
    path: `${url.pathname.replace(/\/$/, '')}/peerjs`,
    secure,
    key: 'peerjs',
    config: { iceServers },
  })
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(undefined), timeoutMs)
    const fail = (cause: unknown) => {
      clearTimeout(timer)
      peer.destroy()
      reject(
        new PeerSetupError(
          'p2p/signaling-unreachable',
          `The signaling server at ${signalingUrl} did not answer.`,
          cause,
        ),
      )
    }
    peer.once('open', () => {
      clearTimeout(timer)
      peer.off('error', fail)
      resolve(peer)
    })
    peer.once('error', fail)
  })
}

/**
 * The token `peer` registered its id with: sent as `hostToken` when listing a job, to prove
 * that the lister holds the host's signaling session. Only the signaling server sees it.
 */
export function signalingToken(peer: Peer): string {
  const { token } = peer.options
  if (token === undefined) throw new TypeError(`Peer ${peer.id} has no signaling token.`)
  return token
}

function randomToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16))
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')
}

type PeerJsModule = { Peer?: typeof Peer; default: { Peer?: typeof Peer } }

/**
 * PeerJS is imported on first use, not with this module: it checks once, as it loads, whether
 * WebRTC exists, and in Node the globals are installed only later (`installWebRtcGlobals`). A
 * bundler loads its ES module, which exports `Peer`; Node's ESM loads its CommonJS build, whose
 * exports, `Peer` among them, are all under `default`.
 */
async function importPeerClass(): Promise<typeof Peer> {
  const module = (await import('peerjs')) as unknown as PeerJsModule
  const PeerClass = module.Peer ?? module.default.Peer
  if (!PeerClass) throw new TypeError('The peerjs package exports no Peer class.')
  return PeerClass
}

/**
 * Opens a reliable data connection to another peer. `serialization: 'raw'`
 * keeps PeerJS out of the data path: our frames go on its RTCDataChannel.
 */
export function connectToPeer(
  peer: Peer,
  remoteId: string,
  timeoutMs = 15_000,
  /** Says what the connection is for; a job link has none, a volunteer's piece link `pieces/1`. */
  label?: string,
): Promise<DataConnection> {
  const connection = peer.connect(remoteId, {
    reliable: true,
    serialization: 'raw',
    ...(label !== undefined && { label }),
  })
  return new Promise((resolve, reject) => {
    const fail = (cause: unknown) => {
      clearTimeout(timer)
      peer.off('error', onPeerError)
      connection.close()
      reject(
        new PeerSetupError('p2p/peer-unreachable', `Peer ${remoteId} could not be reached.`, cause),
      )
    }
    const onPeerError = (error: { type?: string }) => {
      if (error.type === 'peer-unavailable') fail(error)
    }
    const timer = setTimeout(() => fail(undefined), timeoutMs)
    peer.on('error', onPeerError)
    connection.once('error', fail)
    connection.once('open', () => {
      clearTimeout(timer)
      peer.off('error', onPeerError)
      connection.off('error', fail)
      resolve(connection)
    })
  })
}
