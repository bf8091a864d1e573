// @vitest-environment node
import { spawn } from 'node:child_process'
import { networkInterfaces } from 'node:os'
import { fileURLToPath } from 'node:url'
import type { Peer } from 'peerjs'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createSignalingServer } from '../../signaling/createSignalingServer.ts'
import type { SignalingServer } from '../../signaling/createSignalingServer.ts'
import { connectToPeer } from '../p2p/openPeer.ts'
import { PeerGoneError } from '../p2p/PeerGoneError.ts'
import { originKeyOf } from '../p2p/originKeyOf.ts'
import { openNodePeer } from './openNodePeer.ts'
import { acceptNoteLink, noteLink, type NoteLink } from './testing/noteLink.ts'

// ICE gathers candidates on every interface: a WebRTC test runs only inside the private network
// (`../shared/bin/private-net npx vitest run ...`, as `npm test` does in CI).
const insidePrivateNet = process.env.PRIVATE_NET === '1'

let server: SignalingServer
let peers: Peer[]

async function peer(): Promise<Peer> {
  const opened = await openNodePeer({ signalingUrl: server.url })
  peers.push(opened)
  return opened
}

/** A host peer and a volunteer peer in this process, linked the way the job code links them. */
async function linkedPair(): Promise<{
  host: Peer
  volunteer: Peer
  hostLink: NoteLink
  volunteerLink: NoteLink
}> {
  const host = await peer()
  const volunteer = await peer()
  const accepted = acceptNoteLink(host)
  const volunteerLink = noteLink(await connectToPeer(volunteer, host.id))
  return { host, volunteer, hostLink: await accepted, volunteerLink }
}

/** Bytes that differ from one offset to the next, so that a lost or reordered frame shows. */
function pattern(length: number): Uint8Array {
  const bytes = new Uint8Array(length)
  for (let i = 0; i < length; i++) bytes[i] = (i * 31 + (i >> 8)) & 0xff
  return bytes
}

/** Byte equality without a megabyte-long deep comparison (which takes seconds in expect). */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b)
}

function localAddresses(): string[] {
  return Object.values(networkInterfaces()).flatMap((entries = []) =>
    entries.map((entry) => entry.address),
  )
}

describe.skipIf(!insidePrivateNet)(
  'openNodePeer (WebRTC: only inside ../shared/bin/private-net)',
  () => {
    beforeEach(async () => {
      server = await createSignalingServer({ port: 0, host: '127.0.0.1' })
      peers = []
    })

    afterEach(async () => {
      for (const peer of peers) peer.destroy()
      await server.close()
    })

    it('registers with the signaling server under an id', async () => {
      const opened = await peer()
      expect(opened.id).toMatch(/^[0-9a-f-]{36}$/)
      expect(opened.open).toBe(true)
    })

    it('links two Node peers that exchange framed messages both ways, one of 1 MiB', async () => {
      const { host, volunteer, hostLink, volunteerLink } = await linkedPair()
      expect(hostLink.peerId).toBe(volunteer.id)
      expect(hostLink.localPeerId).toBe(host.id)
      expect(volunteerLink.peerId).toBe(host.id)

      // Over the 256 KiB a data channel message may carry here: the framing cuts it up.
      const large = pattern(1024 * 1024 + 7)
      await volunteerLink.send({ type: 'note', text: 'large' }, large)
      await volunteerLink.send({ type: 'note', text: 'after' })
      const first = await hostLink.next()
      expect(first.message).toEqual({ type: 'note', text: 'large' })
      expect(sameBytes(first.body, large)).toBe(true)
      expect((await hostLink.next()).message.text).toBe('after')

      const reply = pattern(300 * 1024)
      await hostLink.send({ type: 'note', text: 'reply' }, reply)
      const back = await volunteerLink.next()
      expect(back.message.text).toBe('reply')
      expect(sameBytes(back.body, reply)).toBe(true)
    })

    it("reports each side's remote origin from the selected candidate pair", async () => {
      const { hostLink, volunteerLink } = await linkedPair()
      for (const link of [hostLink, volunteerLink]) {
        const origin = await link.remoteOrigin()
        // Both peers run here, so the other end's address is one of this machine's (10.254.0.x).
        expect(localAddresses()).toContain(origin.address)
        expect(origin.key).toBe(originKeyOf(origin.address!))
        expect(origin.visible).toBe(true)
        expect(['host', 'prflx']).toContain(origin.candidateType)
      }
    })

    it('closes both ends when one side closes its link', async () => {
      const { hostLink, volunteerLink } = await linkedPair()
      const hostClosed = new Promise<unknown>((resolve) => hostLink.onClose(resolve))
      const volunteerClosed = new Promise<unknown>((resolve) => volunteerLink.onClose(resolve))
      volunteerLink.close()
      expect(await volunteerClosed).toBeUndefined()
      // libdatachannel reports the closed connection a moment before the closed channel, so the
      // far end may see the peer as gone rather than as having closed; the job code treats both
      // alike.
      const hostError = await hostClosed
      if (hostError !== undefined) expect(hostError).toBeInstanceOf(PeerGoneError)
    })

    it('leaves nothing open: a process that linked two peers and closed them exits by itself', async () => {
      const script = fileURLToPath(new URL('./testing/exchangeThenExit.ts', import.meta.url))
      const child = spawn(process.execPath, ['--import', 'tsx', script, server.url], {
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let output = ''
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve))
      expect(output).toBe('closed\n')
      expect(code).toBe(0)
    }, 30_000)
  },
)
