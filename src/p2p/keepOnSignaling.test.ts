// @vitest-environment node
import type { Peer } from 'peerjs'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createSignalingServer } from '../../signaling/createSignalingServer.ts'
import type { SignalingServer } from '../../signaling/createSignalingServer.ts'
import { openNodePeer } from '../node/openNodePeer.ts'
import { keepOnSignaling } from './keepOnSignaling.ts'
import type { SignalingLinkEvent } from './keepOnSignaling.ts'
import { connectToPeer } from './openPeer.ts'

// ICE gathers candidates on every interface: a WebRTC test runs only inside the private network
// (`../shared/bin/private-net npx vitest run ...`, as `npm test` does in CI).
const insidePrivateNet = process.env.PRIVATE_NET === '1'

let servers: SignalingServer[] = []
let peers: Peer[] = []

afterEach(async () => {
  for (const peer of peers) peer.destroy()
  await Promise.all(servers.map((server) => server.close()))
  servers = []
  peers = []
})

async function start(port = 0) {
  const server = await createSignalingServer({ port, host: '127.0.0.1' })
  servers.push(server)
  return server
}

async function peer(server: SignalingServer) {
  const opened = await openNodePeer({ signalingUrl: server.url })
  peers.push(opened)
  return opened
}

describe.runIf(insidePrivateNet)('keepOnSignaling', () => {
  it('brings a peer back under its id after its signaling node drains and returns, keeping its data links', async () => {
    const first = await start()
    const host = await peer(first)
    const volunteer = await peer(first)
    const events: SignalingLinkEvent['kind'][] = []
    keepOnSignaling(host, {
      onEvent: (event) => events.push(event.kind),
      firstTryJitterMs: 100,
    })
    const accepted = new Promise<string>((resolve) =>
      host.on('connection', (connection) =>
        connection.on('data', (data) => resolve(new TextDecoder().decode(data as ArrayBuffer))),
      ),
    )
    const link = await connectToPeer(volunteer, host.id)

    await first.drain(0)
    await first.close()
    servers = []
    await vi.waitFor(() => expect(events).toContain('lost'))
    // The node comes back (or, behind a load balancer, another answers the same URL).
    const second = await start(first.port)
    await vi.waitFor(() => expect(events).toContain('back'), { timeout: 15_000 })
    expect(host.disconnected).toBe(false)

    // The data link made before went on through all of it.
    link.send(new TextEncoder().encode('still here'))
    expect(await accepted).toBe('still here')
    // And a newcomer reaches the host under its old id, through the new node.
    const newcomer = await peer(second)
    const reached = await connectToPeer(newcomer, host.id)
    expect(reached.open).toBe(true)
  }, 30_000)

  it('stops trying once stopped, and leaves a peer that was disconnected on purpose alone', async () => {
    const server = await start()
    const host = await peer(server)
    const events: SignalingLinkEvent['kind'][] = []
    const stop = keepOnSignaling(host, { onEvent: (event) => events.push(event.kind) })
    stop()
    host.disconnect()
    await new Promise((resolve) => setTimeout(resolve, 1500))
    expect(events).toEqual([])
    expect(host.disconnected).toBe(true)
  })
})
