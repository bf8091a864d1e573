// @vitest-environment node
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { connect } from 'node:net'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type WebSocket from 'ws'
import { createSignalingServer } from '../createSignalingServer.ts'
import type { SignalingServer, SignalingServerOptions } from '../createSignalingServer.ts'
import { closePeer, connectPeer, testPeerToken } from '../testing/connectPeer.ts'
import {
  errorResponseSchema,
  jobListResponseSchema,
  listingResponseSchema,
  siteContributionResponseSchema,
} from './schemas.ts'

const ownerToken = '0123456789abcdef'.repeat(2)
const otherToken = 'f'.repeat(40)

let server: SignalingServer
let peers: WebSocket[]

async function start(options: SignalingServerOptions = {}) {
  server = await createSignalingServer({ port: 0, host: '127.0.0.1', ...options })
}

async function peer(id: string) {
  const ws = await connectPeer({ port: server.port, id })
  peers.push(ws)
  return ws
}

function jobBody(overrides: Record<string, unknown> = {}) {
  return {
    v: 1,
    jobId: 'job-1',
    name: 'Mandelbrot 4k',
    hostPeerId: 'host-1',
    hostToken: testPeerToken(String(overrides['hostPeerId'] ?? 'host-1')),
    kernelKinds: ['wgsl'],
    unitsTotal: 256,
    unitsDone: 0,
    ownerToken,
    ...overrides,
  }
}

function api(path: string, init: RequestInit & { json?: unknown; token?: string } = {}) {
  const { json, token, ...rest } = init
  const headers = new Headers(rest.headers)
  if (json !== undefined) headers.set('content-type', 'application/json')
  if (token !== undefined) headers.set('authorization', `Bearer ${token}`)
  return fetch(`${server.url}/api/v1/jobs${path}`, {
    ...rest,
    headers,
    ...(json === undefined ? {} : { body: JSON.stringify(json) }),
  })
}

async function expectError(response: Response, status: number, code: string) {
  expect(response.status).toBe(status)
  const body = errorResponseSchema.parse(await response.json())
  expect(body.error.code).toBe(code)
  return body.error
}

async function listedJobIds() {
  const body = jobListResponseSchema.parse(await (await api('')).json())
  return body.jobs.map((job) => job.jobId)
}

beforeEach(() => {
  peers = []
})

afterEach(async () => {
  await Promise.all(peers.map(closePeer))
  await server.close()
})

describe('job directory', () => {
  it('lists a job of a connected host, without its owner token', async () => {
    await start()
    await peer('host-1')
    const response = await api('', { method: 'POST', json: jobBody() })
    expect(response.status).toBe(201)
    expect(response.headers.get('location')).toBe('/api/v1/jobs/job-1')
    const { listing } = listingResponseSchema.parse(await response.json())
    expect(listing).toMatchObject({ jobId: 'job-1', hostPeerId: 'host-1', unitsTotal: 256 })

    const list = await (await api('')).text()
    expect(jobListResponseSchema.parse(JSON.parse(list)).jobs).toEqual([listing])
    expect(list).not.toContain(ownerToken)
    expect(listingResponseSchema.parse(await (await api('/job-1')).json()).listing).toEqual(listing)
  })

  it("refuses with 403 a listing that names another host's peer id without its token", async () => {
    await start()
    await peer('host-1')
    await expectError(
      await api('', { method: 'POST', json: jobBody({ hostToken: 'token-host-2' }) }),
      403,
      'directory/not-host',
    )
  })

  it.each([
    ['v', { v: 2 }],
    ['jobId', { jobId: '' }],
    ['jobId', { jobId: 'a'.repeat(65) }],
    ['jobId', { jobId: 'bad id' }],
    ['name', { name: '' }],
    ['name', { name: 'x'.repeat(121) }],
    ['name', { name: 'bell\u0007' }],
    ['hostPeerId', { hostPeerId: 'host/1', hostToken: 'token' }],
    ['hostToken', { hostToken: undefined }],
    ['hostToken', { hostToken: 'two words' }],
    ['hostToken', { hostToken: 'x'.repeat(129) }],
    ['kernelKinds', { kernelKinds: ['wasm', 'wasm'] }],
    ['kernelKinds', { kernelKinds: [] }],
    ['contentRoot', { contentRoot: 'AB'.repeat(32) }],
    ['contentRoot', { contentRoot: 'ab'.repeat(31) }],
    ['unitsTotal', { unitsTotal: 0 }],
    ['unitsTotal', { unitsTotal: 1.5 }],
    ['unitsTotal', { unitsTotal: 10_000_001 }],
    ['unitsTotal', { unitsTotal: '256' }],
    ['unitsDone', { unitsDone: -1 }],
    ['unitsDone', { unitsDone: 257 }],
    ['ownerToken', { ownerToken: 'abc' }],
    ['ownerToken', { ownerToken: 'z'.repeat(32) }],
    ['ownerToken', { ownerToken: 'a'.repeat(129) }],
    ['ownerToken', { ownerToken: undefined }],
  ])('rejects a bad %s with its path', async (path, overrides) => {
    await start()
    await peer('host-1')
    const error = await expectError(
      await api('', { method: 'POST', json: jobBody(overrides) }),
      400,
      'directory/invalid-body',
    )
    expect(error.issues?.map((issue) => issue.path)).toEqual([[path]])
  })

  it('rejects an unknown kernel kind with the path to it', async () => {
    await start()
    await peer('host-1')
    const error = await expectError(
      await api('', { method: 'POST', json: jobBody({ kernelKinds: ['wasm', 'cuda'] }) }),
      400,
      'directory/invalid-body',
    )
    expect(error.issues?.map((issue) => issue.path)).toEqual([['kernelKinds', 1]])
  })

  it('rejects unknown fields', async () => {
    await start()
    const error = await expectError(
      await api('', { method: 'POST', json: jobBody({ admin: true }) }),
      400,
      'directory/invalid-body',
    )
    expect(error.issues).toEqual([expect.objectContaining({ path: [] })])
  })

  it('refuses a body declared larger than the limit at once, before it arrives, and closes', async () => {
    await start({ maxBodyBytes: 1024 })
    const socket = connect(server.port, '127.0.0.1')
    socket.write(
      'POST /api/v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
        'Content-Length: 2147483648\r\n\r\n{"v":1',
    )
    let answer = ''
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()))
    // Only 6 of the 2 GiB were sent: the answer and the close come without the rest.
    await new Promise((resolve) => socket.once('close', resolve))
    expect(answer).toMatch(/^HTTP\/1\.1 413 /)
    expect(answer).toContain('directory/body-too-large')
  })

  it('asks for a Content-Length instead of reading a chunked body of unknown length', async () => {
    await start()
    const socket = connect(server.port, '127.0.0.1')
    socket.write(
      'POST /api/v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
        'Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n6\r\n{"v":1\r\n',
    )
    let answer = ''
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()))
    await new Promise((resolve) => socket.once('close', resolve))
    expect(answer).toMatch(/^HTTP\/1\.1 411 /)
    expect(answer).toContain('directory/length-required')
  })

  it('answers malformed, oversized and non-JSON bodies with specific codes', async () => {
    await start({ maxBodyBytes: 1024 })
    const post = (body: string, type = 'application/json') =>
      api('', { method: 'POST', body, headers: { 'content-type': type } })
    await expectError(await post('{"v":1,'), 400, 'directory/invalid-json')
    await expectError(await post('"a string"'), 400, 'directory/invalid-json')
    await expectError(
      await post(JSON.stringify(jobBody({ name: 'x'.repeat(2000) }))),
      413,
      'directory/body-too-large',
    )
    await expectError(await post('v=1', 'text/plain'), 415, 'directory/unsupported-media-type')
    await expectError(
      await api('', { method: 'POST', body: JSON.stringify(jobBody()) }),
      415,
      'directory/unsupported-media-type',
    )
  })

  it('requires the host to be connected to the PeerServer', async () => {
    await start()
    await expectError(
      await api('', { method: 'POST', json: jobBody() }),
      409,
      'directory/host-not-connected',
    )
  })

  it('caps listings per host', async () => {
    await start({ maxListingsPerHost: 2 })
    await peer('host-1')
    for (const jobId of ['a', 'b'])
      expect((await api('', { method: 'POST', json: jobBody({ jobId }) })).status).toBe(201)
    await expectError(
      await api('', { method: 'POST', json: jobBody({ jobId: 'c' }) }),
      429,
      'directory/listing-limit',
    )
  })

  it('caps listings in all', async () => {
    await start({ maxListings: 1 })
    await peer('host-1')
    await api('', { method: 'POST', json: jobBody() })
    await expectError(
      await api('', { method: 'POST', json: jobBody({ jobId: 'job-2' }) }),
      503,
      'directory/full',
    )
  })

  it('lets the owner re-list from a new peer id, and no one else', async () => {
    await start()
    await peer('host-1')
    await peer('host-2')
    await api('', { method: 'POST', json: jobBody() })
    const replaced = await api('', { method: 'POST', json: jobBody({ hostPeerId: 'host-2' }) })
    expect(replaced.status).toBe(200)
    expect(listingResponseSchema.parse(await replaced.json()).listing.hostPeerId).toBe('host-2')
    await expectError(
      await api('', { method: 'POST', json: jobBody({ ownerToken: otherToken }) }),
      409,
      'directory/job-exists',
    )
    expect(await listedJobIds()).toEqual(['job-1'])
  })

  it("lists a funded job's reward, and its remaining escrow as the owner updates it", async () => {
    await start()
    await peer('host-1')
    const reward = {
      chainId: 31337,
      tokenSymbol: 'VCT',
      tokenDecimals: 18,
      perUnit: '1000000000000000000',
      remaining: '128000000000000000000',
    }
    const created = await api('', { method: 'POST', json: jobBody({ reward }) })
    expect(listingResponseSchema.parse(await created.json()).listing.reward).toEqual(reward)
    const updated = await api('/job-1', {
      method: 'PATCH',
      json: { v: 1, unitsDone: 3, reward: { ...reward, remaining: '122000000000000000000' } },
      token: ownerToken,
    })
    expect(listingResponseSchema.parse(await updated.json()).listing.reward?.remaining).toBe(
      '122000000000000000000',
    )
    await expectError(
      await api('', {
        method: 'POST',
        json: jobBody({ jobId: 'job-2', reward: { ...reward, perUnit: '-1' } }),
      }),
      400,
      'directory/invalid-body',
    )
  })

  it("lists a job's verification figures, as the owner updates them, and refuses unbounded ones", async () => {
    await start()
    await peer('host-1')
    const verification = { resultsPerUnit: 2, canaries: 0, flaggedIdentities: 0, reopened: 0 }
    const created = await api('', { method: 'POST', json: jobBody({ verification }) })
    expect(listingResponseSchema.parse(await created.json()).listing.verification).toEqual(
      verification,
    )
    const later = { resultsPerUnit: 1.125, canaries: 12, flaggedIdentities: 1, reopened: 3 }
    const updated = await api('/job-1', {
      method: 'PATCH',
      json: { v: 1, unitsDone: 40, verification: later },
      token: ownerToken,
    })
    expect(listingResponseSchema.parse(await updated.json()).listing.verification).toEqual(later)
    for (const wrong of [
      { ...later, resultsPerUnit: 1001 },
      { ...later, canaries: -1 },
      { ...later, reopened: 1.5 },
      { ...later, extra: 1 },
      { resultsPerUnit: 1 },
    ])
      await expectError(
        await api('/job-1', {
          method: 'PATCH',
          json: { v: 1, unitsDone: 40, verification: wrong },
          token: ownerToken,
        }),
        400,
        'directory/invalid-body',
      )
  })

  it('tells a partner site what its visitors contributed, counting a job once, after its listing went too', async () => {
    await start()
    const host = await peer('host-1')
    await api('', { method: 'POST', json: jobBody({ sites: { blog: 2 } }) })
    await api('', { method: 'POST', json: jobBody({ jobId: 'job-2', name: 'Other' }) })
    await api('/job-2', {
      method: 'PATCH',
      json: { v: 1, unitsDone: 9, sites: { blog: 5, news: 1 } },
      token: ownerToken,
    })
    await api('/job-1', {
      method: 'PATCH',
      json: { v: 1, unitsDone: 4, sites: { blog: 3 } },
      token: ownerToken,
    })
    const read = async (site: string) =>
      siteContributionResponseSchema.parse(
        await (await fetch(`${server.url}/api/v1/sites/${site}`)).json(),
      )
    expect(await read('blog')).toEqual({
      v: 1,
      siteKey: 'blog',
      units: 8,
      jobs: [
        { jobId: 'job-2', name: 'Other', units: 5, open: true },
        { jobId: 'job-1', name: 'Mandelbrot 4k', units: 3, open: true },
      ],
    })
    await closePeer(host)
    await vi.waitFor(async () => expect(await listedJobIds()).toEqual([]))
    expect((await read('blog')).jobs.map((job) => [job.units, job.open])).toEqual([
      [5, false],
      [3, false],
    ])
    expect(await read('nobody')).toMatchObject({ units: 0, jobs: [] })
    expect((await fetch(`${server.url}/api/v1/sites/no%20such`)).status).toBe(404)
    await expectError(
      await api('', {
        method: 'POST',
        json: jobBody({ jobId: 'job-3', sites: { 'not a key': 1 } }),
      }),
      400,
      'directory/invalid-body',
    )
  })

  it('keeps what partner sites contributed across a restart, with a sites file', async () => {
    const file = path.join(await mkdtemp(path.join(tmpdir(), 'signaling-')), 'sites.json')
    await start({ sitesFile: file })
    const host = await peer('host-1')
    await api('', { method: 'POST', json: jobBody({ sites: { blog: 7 } }) })
    await closePeer(host)
    await server.close()
    await start({ sitesFile: file })
    const answer = siteContributionResponseSchema.parse(
      await (await fetch(`${server.url}/api/v1/sites/blog`)).json(),
    )
    expect(answer).toMatchObject({
      units: 7,
      jobs: [{ jobId: 'job-1', name: 'Mandelbrot 4k', units: 7, open: false }],
    })
    // A file that is not a history stops the start, rather than being overwritten.
    await server.close()
    await writeFile(file, '{"jobs": "lost"}')
    await expect(start({ sitesFile: file })).rejects.toMatchObject({
      code: 'signaling/site-history-file',
    })
    await start()
  })

  it('updates progress with the owner token', async () => {
    await start()
    await peer('host-1')
    await api('', { method: 'POST', json: jobBody() })
    const patch = (json: unknown, token?: string, jobId = 'job-1') =>
      api(`/${jobId}`, { method: 'PATCH', json, ...(token === undefined ? {} : { token }) })

    const updated = await patch({ v: 1, unitsDone: 10 }, ownerToken)
    expect(updated.status).toBe(200)
    expect(listingResponseSchema.parse(await updated.json()).listing.unitsDone).toBe(10)
    const grown = listingResponseSchema.parse(
      await (await patch({ v: 1, unitsDone: 300, unitsTotal: 512 }, ownerToken)).json(),
    )
    expect(grown.listing).toMatchObject({ unitsDone: 300, unitsTotal: 512 })

    await expectError(await patch({ v: 1, unitsDone: 11 }), 403, 'directory/forbidden')
    await expectError(await patch({ v: 1, unitsDone: 11 }, otherToken), 403, 'directory/forbidden')
    await expectError(
      await patch({ v: 1, unitsDone: 1 }, ownerToken, 'nope'),
      404,
      'directory/not-found',
    )
    const past = await expectError(
      await patch({ v: 1, unitsDone: 513 }, ownerToken),
      400,
      'directory/invalid-body',
    )
    expect(past.issues?.[0]?.path).toEqual(['unitsDone'])
    const bad = await expectError(
      await patch({ v: 1, unitsDone: 'ten' }, ownerToken),
      400,
      'directory/invalid-body',
    )
    expect(bad.issues?.[0]?.path).toEqual(['unitsDone'])
  })

  it('deletes a listing with the owner token', async () => {
    await start()
    await peer('host-1')
    await api('', { method: 'POST', json: jobBody() })
    await expectError(
      await api('/job-1', { method: 'DELETE', token: otherToken }),
      403,
      'directory/forbidden',
    )
    expect((await api('/job-1', { method: 'DELETE', token: ownerToken })).status).toBe(204)
    await expectError(
      await api('/job-1', { method: 'DELETE', token: ownerToken }),
      404,
      'directory/not-found',
    )
    expect(await listedJobIds()).toEqual([])
  })

  it('drops the listings of a host whose socket closes', async () => {
    await start()
    const host = await peer('host-1')
    await peer('host-2')
    await api('', { method: 'POST', json: jobBody({ jobId: 'a' }) })
    await api('', { method: 'POST', json: jobBody({ jobId: 'b', hostPeerId: 'host-2' }) })
    await closePeer(host)
    await vi.waitFor(async () => expect(await listedJobIds()).toEqual(['b']))
  })
})

describe('job directory pages and quotas', () => {
  it('answers in pages with an ETag, and 304 until something changes', async () => {
    await start({ maxListingsPerHost: 10 })
    await peer('host-1')
    for (const jobId of ['c', 'a', 'b'])
      expect((await api('', { method: 'POST', json: jobBody({ jobId }) })).status).toBe(201)

    const first = await api('?limit=2')
    expect(first.headers.get('cache-control')).toBe('no-cache')
    const etag = first.headers.get('etag')
    expect(etag).toMatch(/^".+"$/)
    const firstBody = jobListResponseSchema.parse(await first.json())
    expect(firstBody.jobs.map((job) => job.jobId)).toEqual(['a', 'b'])
    expect(firstBody.next).toBe('b')
    const second = jobListResponseSchema.parse(await (await api('?limit=2&after=b')).json())
    expect(second.jobs.map((job) => job.jobId)).toEqual(['c'])
    expect(second.next).toBeUndefined()
    expect(await listedJobIds()).toEqual(['a', 'b', 'c'])

    const again = await api('?limit=2', { headers: { 'if-none-match': etag! } })
    expect(again.status).toBe(304)
    expect(await again.text()).toBe('')
    // Another page is another question.
    expect((await api('?limit=3', { headers: { 'if-none-match': etag! } })).status).toBe(200)

    await api('/a', { method: 'PATCH', json: { v: 1, unitsDone: 3 }, token: ownerToken })
    const changed = await api('?limit=2', { headers: { 'if-none-match': etag! } })
    expect(changed.status).toBe(200)
    expect(changed.headers.get('etag')).not.toBe(etag)
    // Single listings and writes are never stored.
    expect((await api('/a')).headers.get('cache-control')).toBe('no-store')
  })

  it('refuses a bad page query', async () => {
    await start()
    for (const query of [
      '?limit=0',
      '?limit=501',
      '?limit=ten',
      '?after=a%20b',
      '?after=a&after=b',
    ])
      await expectError(await api(query), 400, 'directory/invalid-query')
  })

  it('caps listings per remote address', async () => {
    await start({ maxListingsPerHost: 10, maxListingsPerAddress: 2 })
    await peer('host-1')
    for (const jobId of ['a', 'b'])
      expect((await api('', { method: 'POST', json: jobBody({ jobId }) })).status).toBe(201)
    await expectError(
      await api('', { method: 'POST', json: jobBody({ jobId: 'c' }) }),
      429,
      'directory/address-limit',
    )
    // Re-listing a job it holds is no new listing.
    expect((await api('', { method: 'POST', json: jobBody({ jobId: 'b' }) })).status).toBe(200)
  })

  it('counts the address a trusted load balancer forwarded, and only a trusted one', async () => {
    await start({ maxListingsPerHost: 10, maxListingsPerAddress: 1, trustedProxies: ['127.0.0.1'] })
    await peer('host-1')
    const post = (jobId: string, forwardedFor: string) =>
      api('', {
        method: 'POST',
        json: jobBody({ jobId }),
        headers: { 'x-forwarded-for': forwardedFor },
      })
    expect((await post('a', '203.0.113.7')).status).toBe(201)
    await expectError(await post('b', '203.0.113.7'), 429, 'directory/address-limit')
    // Another client behind the same balancer has its own quota; a forged entry to the left of
    // the balancer's own is not believed.
    expect((await post('b', '203.0.113.7, 198.51.100.9')).status).toBe(201)
    await server.close()
    await start({ maxListingsPerHost: 10, maxListingsPerAddress: 1 })
    await peer('host-1')
    expect((await post('a', '203.0.113.7')).status).toBe(201)
    // Not behind a trusted proxy: the header is ignored and the TCP peer counts.
    await expectError(await post('b', '198.51.100.10'), 429, 'directory/address-limit')
  })

  it('limits listing requests per remote address and minute', async () => {
    await start({ maxRegistrationsPerMinute: 2 })
    await peer('host-1')
    for (let i = 0; i < 2; i++) await api('', { method: 'POST', json: jobBody() })
    await expectError(
      await api('', { method: 'POST', json: jobBody() }),
      429,
      'directory/rate-limited',
    )
  })
})
