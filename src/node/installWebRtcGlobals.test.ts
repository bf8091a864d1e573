// @vitest-environment node
import { RTCSessionDescription } from 'node-datachannel/polyfill'
import { afterEach, describe, expect, it, vi } from 'vitest'
import WebSocket from 'ws'
import { CandidateQueueingPeerConnection } from './CandidateQueueingPeerConnection.ts'
import { installWebRtcGlobals } from './installWebRtcGlobals.ts'

const names = [
  'RTCPeerConnection',
  'RTCSessionDescription',
  'RTCIceCandidate',
  'RTCDataChannel',
  'RTCDataChannelEvent',
  'RTCPeerConnectionIceEvent',
  'WebSocket',
]

const globals = globalThis as unknown as Record<string, unknown>

afterEach(() => {
  vi.unstubAllGlobals()
})

// Nothing here opens a connection: setting globals needs no private network.
describe('installWebRtcGlobals', () => {
  it('sets what PeerJS needs in Node, with candidates queued', () => {
    for (const name of names) vi.stubGlobal(name, undefined)
    installWebRtcGlobals()
    expect(globals.RTCPeerConnection).toBe(CandidateQueueingPeerConnection)
    expect(globals.RTCSessionDescription).toBe(RTCSessionDescription)
    expect(globals.WebSocket).toBe(WebSocket)
    for (const name of names) expect(globals[name], name).toBeTypeOf('function')
  })

  it('is idempotent, and keeps a global that already exists', () => {
    for (const name of names) vi.stubGlobal(name, undefined)
    const nativeWebSocket = class {}
    vi.stubGlobal('WebSocket', nativeWebSocket)
    installWebRtcGlobals()
    const first = names.map((name) => globals[name])
    installWebRtcGlobals()
    expect(names.map((name) => globals[name])).toEqual(first)
    expect(globals.WebSocket).toBe(nativeWebSocket)
  })
})
