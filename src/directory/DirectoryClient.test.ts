import type WebSocket from 'ws'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  createSignalingServer,
  type SignalingServer,
} from '../../signaling/createSignalingServer.ts'
import { closePeer, connectPeer, testPeerToken } from '../../signaling/testing/connectPeer.ts'
import { DirectoryClient } from './DirectoryClient.ts'
import { DirectoryError } from './DirectoryError.ts'

const ownerToken = '0123456789abcdef'.repeat(2)

let server: SignalingServer
let host: WebSocket

beforeEach(async () => {
  server = await createSignalingServer({ port: 0, host: '127.0.0.1' })
  host = await connectPeer({ port: server.port, id: 'host-1' })
})

afterEach(async () => {
  await closePeer(host)
  await server.close()
})

function listing() {
  return {
    jobId: 'job-1',
    name: 'Mandelbrot',
    hostPeerId: 'host-1',
    hostToken: testPeerToken('host-1'),
    kernelKinds: ['wasm' as const],
    unitsTotal: 4,
    unitsDone: 4,
    ownerToken,
  }
}

describe('DirectoryClient.remove', () => {
  it('takes a listing off, and a job no longer listed is no error', async () => {
    const directory = new DirectoryClient(server.url)
    await directory.register(listing())
    await directory.remove('job-1', ownerToken)
    expect(await directory.list()).toEqual([])
    await expect(directory.remove('job-1', ownerToken)).resolves.toBeUndefined()
  })

  it('still refuses a wrong owner token', async () => {
    const directory = new DirectoryClient(server.url)
    await directory.register(listing())
    const refused = await directory.remove('job-1', 'f'.repeat(40)).catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(DirectoryError)
    expect(refused).toMatchObject({ code: 'directory/forbidden', status: 403 })
    expect((await directory.list()).map((job) => job.jobId)).toEqual(['job-1'])
  })
})

describe('DirectoryClient.list', () => {
  it('follows the pages of a directory longer than one', async () => {
    await server.close()
    server = await createSignalingServer({
      port: 0,
      host: '127.0.0.1',
      maxListingsPerHost: 300,
      maxListingsPerAddress: 300,
      maxListingsPerNetwork: 300,
      maxRegistrationsPerMinute: 1000,
    })
    await closePeer(host)
    host = await connectPeer({ port: server.port, id: 'host-1' })
    const directory = new DirectoryClient(server.url)
    const jobIds = Array.from({ length: 230 }, (_, i) => `job-${String(i).padStart(3, '0')}`)
    for (const jobId of jobIds) await directory.register({ ...listing(), jobId })
    expect((await directory.list()).map((job) => job.jobId)).toEqual(jobIds)
    expect(await directory.list({ maxPages: 1 })).toHaveLength(100)
  })
})
